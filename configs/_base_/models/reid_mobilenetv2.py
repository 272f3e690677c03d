# MobileNetV2 (1280-d), GeM pooling and BNNeck: a CPU-sized Re-ID baseline.
# The ImageNet weights come from ../shared/weights through
# tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py (see README).
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(7, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=1280,
    num_classes=651,
    loss_cls=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    loss_triplet=dict(type='TripletLoss', margin=0.3),
    test_cfg=dict(flip=False))
