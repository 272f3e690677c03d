# The 1 x 32 multi-camera-only config (ReMix's multi-camera stream, B_sc = 0) trained for 6 epochs
# instead of 3: 1 warm-up epoch, then cosine decay to epoch 6; validation once, at the end.
# Everything else is remix-mc-only_mobilenetv2_1xb32-3e_market1501-split_128x64.py. The control of
# the default remix_mobilenetv2_1xb64-6e_market1501-split_towncentre-videos_128x64.py
# (docs/generalization.md, "More epochs").
_base_ = ['./remix-mc-only_mobilenetv2_1xb32-3e_market1501-split_128x64.py']
max_epochs = 6
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
