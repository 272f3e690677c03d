# The Re-ID baseline (cross-entropy + triplet) on the real data of ../shared/data, CPU-sized:
# MobileNetV2 from the shared ImageNet weights, 128 x 64 input, 1 process x 64 images (16 ids x 4).
# Convert the weights once first (README, "Real data"):
#   python tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py \
#       ../shared/weights/mobilenetv2_imagenet_torchvision.pt checkpoints/mobilenetv2_imagenet_mmpretrain.pth
_base_ = [
    '../_base_/models/reid_mobilenetv2.py',
    '../_base_/datasets/train_market1501-split_128x64.py',
    '../_base_/schedules/adam_cpu_3e.py',
    '../_base_/default_runtime.py',
]
pretrained = 'checkpoints/mobilenetv2_imagenet_mmpretrain.pth'
model = dict(
    num_classes=651,
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
