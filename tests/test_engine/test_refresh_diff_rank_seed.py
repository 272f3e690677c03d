"""Two gloo processes with ``randomness.diff_rank_seed=True``: every rank draws the same videos.

With that option MMEngine's ``runner.seed`` is ``seed + rank``. The refresh gathers the ranks'
features of its drawn items as if every rank drew the same ones, so the draw must not follow the
per-rank seed.
"""
import datetime
import os
from pathlib import Path

import numpy as np
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from helpers import free_port, make_tiny_data, tiny_runner_cfg


def _worker(rank: int, port: int, data_root: Path, out_dir: Path) -> None:
    from mmengine.runner import Runner

    from mmremix.engine.hooks import ReMixRefreshHook
    from mmremix.utils import register_all_modules
    register_all_modules()
    torch.set_num_threads(1)
    os.environ.update(LOCAL_RANK=str(rank), RANK=str(rank), WORLD_SIZE='2')
    torch_dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=120))
    draws = []
    draw = ReMixRefreshHook._draw_videos

    def recording_draw(self, dataset, epoch, seed):
        draws.append(draw(self, dataset, epoch, seed))
        return draws[-1]

    ReMixRefreshHook._draw_videos = recording_draw  # a forked process of its own
    cfg = tiny_runner_cfg(data_root, out_dir / f'work{rank}', max_epochs=1)
    cfg.launcher = 'pytorch'
    cfg.randomness = dict(seed=0, diff_rank_seed=True)
    cfg.train_dataloader.batch_size = cfg.train_dataloader.sampler.batch_size = 8
    cfg.train_dataloader.sampler.num_single_camera = 4
    # fewer single-camera images than the videos hold: the draw has a choice to make
    cfg.custom_hooks[1]['single_to_multi_ratio'] = 0.2
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval')
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    runner = Runner.from_cfg(cfg)
    runner.train()
    torch.save(dict(seed=runner.seed, draws=draws), out_dir / f'rank{rank}.pt')
    torch_dist.destroy_process_group()


def test_ranks_draw_the_same_videos_with_diff_rank_seed(tmp_path):
    data_root = make_tiny_data(tmp_path / 'data')
    mp.start_processes(_worker, args=(free_port(), data_root, tmp_path), nprocs=2, join=True,
                       start_method='fork')
    ranks = [torch.load(tmp_path / f'rank{r}.pt', weights_only=False) for r in (0, 1)]
    assert ranks[0]['seed'] != ranks[1]['seed']  # diff_rank_seed took effect
    assert len(ranks[0]['draws']) == len(ranks[1]['draws']) == 1
    first, second = ranks[0]['draws'][0], ranks[1]['draws'][0]
    assert 0 < first.size < 36  # a part of the 3 videos' 36 images
    assert np.array_equal(first, second)
