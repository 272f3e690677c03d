# ReMix on the embedded synthetic data: a narrow ResNet-18 (last stride 1) trained from scratch on a CPU
# in a few minutes. This is README's quick-start job.
_base_ = [
    '../_base_/datasets/remix_synthetic_64x32.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ReMix',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    backbone=dict(type='ResNet', depth=18, stem_channels=32, base_channels=32,
                  strides=(1, 2, 2, 1), out_indices=(3, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=256,
    # from scratch, the encoder moves fast: a shorter momentum horizon than the paper's 0.999
    momentum=0.99,
    centroid_momentum=0.9,
    loss_instance=dict(type='InstanceLoss', temperature=0.1, loss_weight=1.0),
    loss_augmentation=dict(type='AugmentationLoss', temperature=0.1, loss_weight=1.0),
    loss_centroids=dict(type='CentroidsLoss', temperature=0.05, loss_weight=1.0),
    loss_camera_centroids=dict(
        type='CameraCentroidsLoss', temperature=0.07, num_hard_negatives=50, loss_weight=1.0),
    test_cfg=dict(feature='momentum', flip=False))

optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
max_epochs = 6
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs, val_interval=3)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=10))

custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(
        type='ReMixRefreshHook',
        pipeline={{_base_.test_pipeline}},
        single_to_multi_ratio=1.0,
        eps=0.6,
        min_samples=4,
        metric='jaccard',
        k1=20,
        k2=6,
        gt_file={{_base_.refresh_gt_file}}),
]
