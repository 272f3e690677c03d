# ResNet-50 with last stride 1, GeM pooling and BNNeck: the strong Re-ID baseline.
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    backbone=dict(type='ResNet', depth=50, strides=(1, 2, 2, 1), out_indices=(3, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=2048,
    num_classes=751,
    loss_cls=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    loss_triplet=dict(type='TripletLoss', margin=0.3),
    test_cfg=dict(flip=False))
