# The Re-ID baseline on the embedded synthetic data: a narrow ResNet-18 (last stride 1) trained from
# scratch on a CPU in a few minutes.
_base_ = [
    '../_base_/datasets/synthetic_reid_64x32.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    backbone=dict(type='ResNet', depth=18, stem_channels=32, base_channels=32,
                  strides=(1, 2, 2, 1), out_indices=(3, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=256,
    num_classes=120,
    loss_triplet=dict(type='TripletLoss', margin=0.3))
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
max_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=10))
