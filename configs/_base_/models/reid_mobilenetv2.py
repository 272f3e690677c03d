# MobileNetV2 (1280-d), GeM pooling and BNNeck: a CPU-sized Re-ID baseline.
# The ImageNet weights come from ../shared/weights through
# tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py (see README).
_base_ = ['./reid_baseline.py']
model = dict(
    backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(7, )),
    in_channels=1280,
    num_classes=651)
