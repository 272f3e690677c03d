# ReMix (remix_method.md Sec. 5-6) without its encoder: GeM pooling, BNNeck, momentum encoder,
# centroid memories and the four losses; a model base adds `backbone` and `in_channels`.
model = dict(
    type='ReMix',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    neck=dict(type='GeneralizedMeanPooling'),
    momentum=0.999,  # m; MMEngine's EMA momentum is 1 - m
    centroid_momentum=0.9,  # mu
    loss_instance=dict(type='InstanceLoss', temperature=0.1, loss_weight=1.0),
    loss_augmentation=dict(type='AugmentationLoss', temperature=0.1, loss_weight=1.0),
    # negatives: 'all' centroids, or for single-camera images only their own video's
    # pseudo-identities and every multi-camera identity ('own_video'; docs/generalization.md)
    loss_centroids=dict(type='CentroidsLoss', temperature=0.05, loss_weight=1.0, negatives='all'),
    loss_camera_centroids=dict(
        type='CameraCentroidsLoss', temperature=0.07, num_hard_negatives=50, loss_weight=1.0),
    test_cfg=dict(feature='momentum', flip=False))
