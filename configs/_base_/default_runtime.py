# Runtime shared by every mmremix config.
default_scope = 'mmremix'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # temporary file + rename: a kill while saving keeps the previous checkpoint and last_checkpoint
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=True,
    # CPU flush-to-zero of denormal floats, applied by tools/train.py and tools/test.py before the
    # model is built (mmremix.utils.denormal): dead channels' weights decay to denormals and made
    # CPU iterations of epoch 6 of the 6-epoch runs 1.7x slower (docs/benchmarks.md). No effect
    # on GPU kernels.
    flush_denormal=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo when torchrun starts it on a machine without GPUs.
    # timeout: seconds a collective waits for the slowest rank before the run fails (MMEngine's
    # init_dist passes it to init_process_group as a timedelta; torch's NCCL default is 10 min).
    # Ranks wait at a collective while rank 0 clusters the epoch-start refresh, evaluates a test
    # set or builds a LUPerson-size dataset: 1 hour (design choice of mmremix), e.g.
    # --cfg-options env_cfg.dist_cfg.timeout=7200 for slower file systems.
    dist_cfg=dict(backend='nccl', timeout=3600),
)
# runs on GPUs and on CPU processes alike
# MMEngine looks wrappers up in its root registry: the scope prefix finds mmremix's
model_wrapper_cfg = dict(type='mmremix.ReIDDistributedDataParallel', broadcast_buffers=False)

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
