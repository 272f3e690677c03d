# The multi-camera-only baseline of the CPU-sized ReMix config: the same model, losses, schedule and code
# path with the single-camera data switched off (B_sc = 0, no videos).
_base_ = ['./remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py']
train_dataloader = dict(
    sampler=dict(num_single_camera=0),
    dataset=dict(single_camera=None))
custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(type='ReMixRefreshHook', pipeline=_base_.pipelines.test_pipeline, single_to_multi_ratio=0.0),
]
