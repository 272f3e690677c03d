# The GPU check's training run (tools/gpu_check.sh): remix_r50.py's model (ResNet-50, last stride 1,
# randomly initialised: nothing is downloaded there), pipelines (256 x 128, two views), sampler
# (64 = 32 + 32), hooks and runtime, on the embedded synthetic data (written on first use): the
# first 800 multi-camera images (25 iterations per epoch), 2 epochs = 50 iterations with an
# epoch-start refresh each, an iteration checkpoint every 10, validation on the synthetic query and
# gallery at the end. tools/gpu_check.sh runs it with --amp.
_base_ = ['../../configs/remix/remix_r50.py']
data_root = 'data/synthetic_reid'

model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(
    num_workers=8,
    dataset=dict(
        multi_camera=dict(
            _delete_=True, type='SyntheticReID', data_root=data_root, split='train', indices=800),
        single_camera=dict(_delete_=True, type='SyntheticVideos', data_root=data_root)))
test_dataloader = dict(dataset=dict(datasets=[
    dict(type='SyntheticReID', data_root=data_root, split='test', test_mode=True)]))
val_dataloader = test_dataloader
test_evaluator = dict(_delete_=True, type='ReIDMetric')
val_evaluator = test_evaluator
train_cfg = dict(max_epochs=2, val_interval=2)
# the paper schedule's shape in 2 epochs: 1-epoch linear warm-up, then cosine
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=2, eta_min=1e-7,
         convert_to_iter_based=True),
]
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=10, max_keep_ckpts=10),
    logger=dict(interval=5))
