# The recipe of the quick runs on the embedded synthetic data: a narrow ResNet-18 (last stride 1,
# 256-d) trained from scratch (`model = dict(**_base_.narrow_r18, ...)`), the CPU schedule at
# lr 1e-3 (from scratch) over 6 epochs (1 warm-up epoch, then cosine), validation every 3 epochs,
# the runtime defaults.
_base_ = ['./schedules/adam_cpu_3e.py', './default_runtime.py']
narrow_r18 = dict(
    backbone=dict(type='ResNet', depth=18, stem_channels=32, base_channels=32,
                  strides=(1, 2, 2, 1), out_indices=(3, )),
    in_channels=256)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
max_epochs = 6
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
default_hooks = dict(logger=dict(interval=10))
