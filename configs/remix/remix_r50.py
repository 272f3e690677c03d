# ReMix at paper scale (remix_method.md Sec. 7): ResNet-50 (last stride 1) from ImageNet, 256 x 128,
# 4 GPUs x 64 images (32 multi-camera: 8 ids x 4; 32 single-camera: 8 pseudo-ids x 4 from 2 videos),
# Market-1501 + MSMT17 + CUHK03-NP as multi-camera data, LUPerson-style videos as single-camera data,
# Adam 3.5e-4, 10-epoch warm-up then cosine, 60 epochs.
#   bash tools/dist_train.sh configs/remix/remix_r50.py 4
# Full name: remix_r50_4xb64-60e_market-msmt-cuhk03np_lup_256x128.
_base_ = [
    '../_base_/models/remix_r50.py',
    '../_base_/datasets/remix_market-msmt-cuhk03np_lup_256x128.py',
    '../_base_/schedules/adam_60e.py',
    '../_base_/default_runtime.py',
    '../_base_/datasets/dg_targets_protocol1_256x128.py',
]
model = dict(data_preprocessor=dict(channels_last=True))
# its result is generalization: tested on targets it never trains on (PRID2011, GRID, VIPeR, iLIDS;
# dg/mAP, dg/rank1), not on the test splits of its own sources
test_dataloader = {{_base_.dg_test_dataloader}}
val_dataloader = {{_base_.dg_test_dataloader}}
test_evaluator = {{_base_.dg_test_evaluator}}
val_evaluator = {{_base_.dg_test_evaluator}}

custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(
        type='ReMixRefreshHook',
        pipeline={{_base_.test_pipeline}},
        single_to_multi_ratio=1.0,
        eps=0.6,
        min_samples=4,
        metric='jaccard',
        k1=20,
        k2=6,
        batch_size=256,
        num_workers=8,
        use_gpu_faiss=True),
]
# the batch of 64 per GPU was tuned for 4 GPUs: scale the learning rate when the total batch differs
auto_scale_lr = dict(base_batch_size=256, enable=False)
