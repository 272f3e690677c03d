"""Small builders shared by the integration tests: tiny synthetic data and tiny configs."""
import socket
from pathlib import Path

from mmengine.config import Config

from mmremix.datasets.synthetic import generate_synthetic_reid

TINY_DATA = dict(num_train_ids=8, num_test_ids=4, num_cameras=2, images_per_id_cam=2, num_videos=3,
                 ids_per_video=3, images_per_video_id=4, num_distractors=2, num_junk=1,
                 img_size=(64, 32))
TINY_BACKBONE = dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                     strides=(1, 2, 2, 1), out_indices=(3, ))


def make_tiny_data(root: Path, **overrides) -> Path:
    """Write a tiny synthetic dataset (Market layout + videos) and return its root."""
    if not (root / 'bounding_box_train').is_dir():
        generate_synthetic_reid(root, seed=0, **dict(TINY_DATA, **overrides))
    return root


def _pipelines(img_h: int, img_w: int):
    test = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(img_w, img_h), keep_ratio=False),
        dict(type='PackReIDInputs'),
    ]
    view = [dict(type='RandomFlip', prob=0.5, direction='horizontal')]
    train_views = test[:2] + [dict(type='MultiView', num_views=[1, 1], transforms=[view, view]),
                              test[-1]]
    return test, train_views


def tiny_runner_cfg(data_root: Path, work_dir: Path, model: str = 'ReMix', max_epochs: int = 2,
                    num_workers: int = 0, img_size=(32, 16)) -> Config:
    """A complete MMEngine config training ``model`` ('ReMix' or 'ReIDBaseline') on tiny data."""
    test_pipeline, remix_pipeline = _pipelines(*img_size)
    test_loader = dict(
        batch_size=16, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='Market1501', data_root=str(data_root), split='test',
                     dataset_name='tiny', pipeline=test_pipeline))
    loader_extra = dict(num_workers=num_workers, persistent_workers=num_workers > 0)
    if model == 'ReMix':
        model_cfg = dict(type='ReMix', backbone=TINY_BACKBONE, in_channels=64, momentum=0.9)
        train_loader = dict(
            batch_size=16,
            sampler=dict(type='ReMixSampler', batch_size=16, num_instances=4,
                         num_single_camera=8, videos_per_batch=2, seed=0),
            dataset=dict(
                type='ReMixDataset',
                multi_camera=dict(type='Market1501', data_root=str(data_root), split='train'),
                single_camera=dict(type='SingleCameraVideos', data_root=str(data_root / 'videos')),
                pipeline=remix_pipeline),
            **loader_extra)
        custom_hooks = [
            dict(type='MomentumEncoderHook'),
            dict(type='ReMixRefreshHook', pipeline=test_pipeline, eps=0.6, min_samples=2,
                 k1=4, k2=2, batch_size=16, num_workers=0, progress=False,
                 gt_file=str(data_root / 'videos_gt.txt')),
        ]
    else:
        model_cfg = dict(type='ReIDBaseline', backbone=TINY_BACKBONE, in_channels=64,
                         num_classes=TINY_DATA['num_train_ids'])
        train_loader = dict(
            batch_size=16,
            sampler=dict(type='IdentitySampler', batch_size=16, num_instances=4, seed=0),
            dataset=dict(type='Market1501', data_root=str(data_root), split='train',
                         pipeline=test_pipeline),
            **loader_extra)
        custom_hooks = []
    return Config(dict(
        default_scope='mmremix',
        work_dir=str(work_dir),
        model=model_cfg,
        train_dataloader=train_loader,
        val_dataloader=test_loader,
        test_dataloader=test_loader,
        val_evaluator=dict(type='ReIDMetric'),
        test_evaluator=dict(type='ReIDMetric'),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs),
        val_cfg=dict(),
        test_cfg=dict(),
        custom_hooks=custom_hooks,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1),
                           logger=dict(type='LoggerHook', interval=1)),
        model_wrapper_cfg=dict(type='mmremix.ReIDDistributedDataParallel', broadcast_buffers=False),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        randomness=dict(seed=0),
        log_level='WARNING',
    ))


def free_port() -> int:
    """A free TCP port on 127.0.0.1, for a test's own process group."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def save_untrained_checkpoint(model_cfg: dict, path: Path, seed: int = 0) -> str:
    """Build ``model_cfg`` with torch seeded and save its weights as an MMEngine checkpoint."""
    import torch

    from mmremix.registry import MODELS
    from mmremix.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(seed)
    torch.save({'state_dict': MODELS.build(model_cfg).state_dict(), 'meta': {}}, path)
    return str(path)
