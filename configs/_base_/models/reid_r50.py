# ResNet-50 with last stride 1, GeM pooling and BNNeck: the strong Re-ID baseline.
_base_ = ['./reid_baseline.py']
model = dict(
    backbone=dict(type='ResNet', depth=50, strides=(1, 2, 2, 1), out_indices=(3, )),
    in_channels=2048,
    num_classes=751)
