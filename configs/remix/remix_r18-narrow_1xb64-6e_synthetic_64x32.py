# ReMix on the embedded synthetic data: a narrow ResNet-18 (last stride 1) trained from scratch on a CPU
# in a few minutes. This is README's quick-start job.
_base_ = ['../_base_/models/remix.py', '../_base_/datasets/remix_synthetic_64x32.py',
          '../_base_/synthetic_r18-narrow_6e.py']
# from scratch, the encoder moves fast: a shorter momentum horizon than the paper's 0.999
model = dict(**_base_.narrow_r18, momentum=0.99)

# the paper-scale clustering (k1 = 20, k2 = 6: the hook's defaults) on these 48-image videos
custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(type='ReMixRefreshHook', pipeline=_base_.pipelines.test_pipeline,
         single_to_multi_ratio=1.0, eps=0.6, min_samples=4, metric='jaccard', k1=20, k2=6,
         gt_file=_base_.refresh_gt_file),
]
