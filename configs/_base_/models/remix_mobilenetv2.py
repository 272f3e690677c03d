# ReMix with a MobileNetV2 encoder (1280-d): the CPU-sized model. The ImageNet weights come from
# ../shared/weights through tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py (README).
_base_ = ['./remix.py']
model = dict(
    backbone=dict(type='MobileNetV2', widen_factor=1.0, out_indices=(7, )),
    in_channels=1280)
