# The Re-ID baseline without its encoder: GeM pooling, BNNeck, label-smoothed cross-entropy and
# triplet loss; a model base adds `backbone`, `in_channels` and `num_classes`.
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    neck=dict(type='GeneralizedMeanPooling'),
    loss_cls=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    loss_triplet=dict(type='TripletLoss', margin=0.3),
    test_cfg=dict(flip=False))
