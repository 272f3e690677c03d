# ReMix with a ResNet-50 encoder (last stride 1, 2048-d): the paper-scale model.
# The ImageNet weights are mmpretrain's ResNet-50; `checkpoint` also takes a local path
# (--cfg-options model.backbone.init_cfg.checkpoint=checkpoints/resnet50.pth) where there is no internet.
_base_ = ['./remix.py']
model = dict(
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
    in_channels=2048)
