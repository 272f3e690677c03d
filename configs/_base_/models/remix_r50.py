# ReMix with a ResNet-50 encoder (last stride 1, 2048-d), GeM pooling and BNNeck: the paper-scale model.
# The ImageNet weights are mmpretrain's ResNet-50; `checkpoint` also takes a local path
# (--cfg-options model.backbone.init_cfg.checkpoint=checkpoints/resnet50.pth) where there is no internet.
model = dict(
    type='ReMix',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        strides=(1, 2, 2, 1),
        out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
            'resnet50_8xb32_in1k_20210831-ea4938fc.pth')),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=2048,
    momentum=0.999,  # m; MMEngine's EMA momentum is 1 - m
    centroid_momentum=0.9,  # mu
    loss_instance=dict(type='InstanceLoss', temperature=0.1, loss_weight=1.0),
    loss_augmentation=dict(type='AugmentationLoss', temperature=0.1, loss_weight=1.0),
    loss_centroids=dict(type='CentroidsLoss', temperature=0.05, loss_weight=1.0),
    loss_camera_centroids=dict(
        type='CameraCentroidsLoss', temperature=0.07, num_hard_negatives=50, loss_weight=1.0),
    test_cfg=dict(feature='momentum', flip=False))
