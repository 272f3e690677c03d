# The Re-ID baseline on the embedded synthetic data: a narrow ResNet-18 (last stride 1) trained from
# scratch on a CPU in a few minutes (10 epochs of the synthetic recipe).
_base_ = ['../_base_/models/reid_baseline.py', '../_base_/datasets/synthetic_reid_64x32.py',
          '../_base_/synthetic_r18-narrow_6e.py']
model = dict(**_base_.narrow_r18, num_classes=120)
max_epochs = 10
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
