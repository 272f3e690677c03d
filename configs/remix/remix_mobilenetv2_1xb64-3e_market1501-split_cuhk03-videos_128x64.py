# ReMix on ../shared/data, CPU-sized: MobileNetV2 from the shared ImageNet weights, 128 x 64 input,
# 1 process x 64 images (32 multi-camera: 8 ids x 4, 32 single-camera: 8 pseudo-ids x 4 from 2 videos),
# multi-camera data market1501_split, single-camera data the 76 CUHK03 videos.
# Convert the weights once first (README, "Real data"):
#   python tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py \
#       ../shared/weights/mobilenetv2_imagenet_torchvision.pt checkpoints/mobilenetv2_imagenet_mmpretrain.pth
_base_ = [
    '../_base_/models/remix_mobilenetv2.py',
    '../_base_/datasets/train_remix_market1501-split_128x64.py',
    '../_base_/schedules/adam_cpu_3e.py',
    '../_base_/default_runtime.py',
]
pretrained = 'checkpoints/mobilenetv2_imagenet_mmpretrain.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    # 3 epochs of about 360 iterations: a shorter momentum horizon than the paper's 0.999 (60 epochs)
    momentum=0.995)
train_dataloader = dict(dataset=dict(single_camera=_base_.cuhk03_videos))

# The refresh's clustering (eps, min_samples, metric as the hook's defaults) is set for the videos:
# CUHK03 videos are small (about 47 images, at most 5 per person): k1 = 20 reaches across people.
# With the ImageNet encoder, k1 = 6, k2 = 2 gives purity 0.78 / ARI 0.72 against 0.12 / 0.15
# for the paper-scale k1 = 20, k2 = 6 (configs/remix/README.md). That choice did look at the
# ground truth; the rule it suggests without it: k1 near the number of images per person, erring
# low (a k1 above it reaches across people, one below only splits a person into pure clusters).
custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(
        type='ReMixRefreshHook',
        pipeline=_base_.pipelines.test_pipeline,
        single_to_multi_ratio=1.0,
        eps=0.6,
        min_samples=4,
        metric='jaccard',
        k1=6,
        k2=2,
        gt_file=_base_.cuhk03_videos_gt),
]
