"""Two gloo processes against one process with the same total batch.

1. Model level, exact: ReMix under ``ReIDDistributedDataParallel`` on two ranks, each with half of
   a batch, gives the four losses (mean over ranks), the gradients (DDP's average) and the
   centroid-memory updates of one process on the whole batch. BatchNorm is put in eval mode
   here: its batch statistics are per rank by design (no SyncBN), the one thing that differs.
2. End to end: ``tools/dist_train.sh`` with 2 processes of 8 images against ``tools/train.py``
   with 16: after every refresh both ranks hold identical pseudo-labels, memories and item
   labels; after the first refresh these equal the 1-process run's; after the first step the
   memories are still identical on both ranks.
"""
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from helpers import TINY_BACKBONE, free_port, make_tiny_data, tiny_runner_cfg
from mmpretrain.structures import DataSample
from torch.nn.modules.batchnorm import _BatchNorm

from mmremix.registry import MODELS

REPO = Path(__file__).resolve().parents[2]
# 16 items: pid 0 (items 0-3), pid 1 (4-7), pseudo-identities 2 (8-11) and 3 (12-15)
PIDS = [0] * 4 + [1] * 4 + [-1] * 8
CAMIDS = [0, 1, 0, 1] * 2 + [-1] * 8
RANK_ITEMS = [[0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15]]


def _model():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='ReMix', backbone=TINY_BACKBONE, in_channels=64,
                              momentum=0.9))
    model.init_weights()
    cam_keys = torch.tensor([0, 1, 2, 3])  # pid * 2 + camid
    model.set_memory(centroids=torch.nn.functional.normalize(torch.randn(4, 64), dim=1),
                     camera_centroids=torch.nn.functional.normalize(torch.randn(4, 64), dim=1),
                     camera_keys=cam_keys, camera_labels=cam_keys // 2,
                     sample_labels=torch.tensor([0] * 4 + [1] * 4 + [2] * 4 + [3] * 4),
                     num_cams=2)
    return model


def _batch(items):
    gen = torch.Generator().manual_seed(1)
    views = torch.randn(2, 16, 3, 32, 16, generator=gen)
    samples = [DataSample(metainfo=dict(sample_idx=i, pid=PIDS[i], camid=CAMIDS[i]))
               for i in items]
    return [views[0, items], views[1, items]], samples


def _step(model, forward, items):
    """Losses, gradients and updated memories of one step on ``items``."""
    model.train()
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.eval()
    inputs, samples = _batch(items)
    losses = forward(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    model.momentum_update()
    grads = {name: p.grad.clone() for name, p in model.encoder.named_parameters()
             if p.grad is not None}
    return dict(losses={k: v.detach() for k, v in losses.items()}, grads=grads,
                centroids=model.memory.centroids.clone(),
                camera_centroids=model.camera_memory.centroids.clone())


def _worker(rank: int, port: int, out_dir: Path) -> None:
    from mmremix.engine import ReIDDistributedDataParallel
    torch.set_num_threads(1)
    torch_dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=60))
    model = _model()
    ddp = ReIDDistributedDataParallel(model, broadcast_buffers=False)
    torch.save(_step(model, ddp, RANK_ITEMS[rank]), out_dir / f'rank{rank}.pt')
    torch_dist.destroy_process_group()


def test_two_ranks_train_as_one_process_on_the_total_batch(tmp_path):
    mp.start_processes(_worker, args=(free_port(), tmp_path), nprocs=2, join=True,
                       start_method='fork')
    ranks = [torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1)]
    model = _model()
    single = _step(model, model, RANK_ITEMS[0] + RANK_ITEMS[1])
    for name, value in single['losses'].items():
        mean = (ranks[0]['losses'][name] + ranks[1]['losses'][name]) / 2
        torch.testing.assert_close(mean, value, rtol=1e-5, atol=1e-6, msg=name)
    assert single['grads'].keys() == ranks[0]['grads'].keys()
    for name, grad in single['grads'].items():
        for rank in ranks:
            torch.testing.assert_close(rank['grads'][name], grad, rtol=1e-4, atol=1e-6,
                                       msg=name)
    for key in ('centroids', 'camera_centroids'):
        torch.testing.assert_close(ranks[0][key], single[key], rtol=1e-5, atol=1e-6)
        assert torch.equal(ranks[0][key], ranks[1][key])
    # control: with each rank's batch alone the in-batch losses are not the total batch's
    alone = _step(_model(), _model(), RANK_ITEMS[0])['losses']['loss_instance']
    assert not torch.allclose(alone, single['losses']['loss_instance'], rtol=1e-3)


def _train(tmp_path: Path, data_root: Path, nproc: int) -> Path:
    cfg = tiny_runner_cfg(data_root, tmp_path / f'work{nproc}', 'ReMix', max_epochs=2)
    cfg.train_dataloader.batch_size = cfg.train_dataloader.sampler.batch_size = 16 // nproc
    cfg.train_dataloader.sampler.num_single_camera = 8 // nproc
    record = tmp_path / f'record{nproc}'
    cfg.custom_imports = dict(imports=['record_hook'], allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='RecordRefreshHook',
                                                      out_dir=str(record))]
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval')
    cfg_file = tmp_path / f'cfg{nproc}.py'
    cfg.dump(str(cfg_file))
    env = dict(os.environ, PYTHONPATH=f'{REPO / "tests"}{os.pathsep}{REPO}', OMP_NUM_THREADS='1',
               PYTHON=sys.executable)
    launch = ([sys.executable, 'tools/train.py', str(cfg_file)] if nproc == 1 else
              ['bash', 'tools/dist_train.sh', str(cfg_file), '2'])
    proc = subprocess.run(launch + ['--work-dir', str(tmp_path / f'work{nproc}'),
                                    '--no-validate'],
                          cwd=REPO, env=env, capture_output=True, text=True, input='',
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return record


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('ddp')
    data_root = make_tiny_data(tmp_path / 'data')
    return _train(tmp_path, data_root, 1), _train(tmp_path, data_root, 2)


@pytest.mark.parametrize('epoch', [0, 1])
def test_refresh_is_identical_on_every_rank_and_to_one_process(runs, epoch):
    single, double = runs
    rank0, rank1 = (torch.load(double / f'rank{r}_epoch{epoch}.pt') for r in (0, 1))
    for key in ('centroids', 'camera_centroids', 'sample_labels'):
        assert torch.equal(rank0[key], rank1[key]), key
    assert rank0['sample_labels'][32:].max() >= 8  # the videos gave pseudo-identities
    # the ranks' multi-camera parts (4 images each) hold disjoint identities
    assert not (set(rank0['sampler_batches'][:, :4].flatten().tolist())
                & set(rank1['sampler_batches'][:, :4].flatten().tolist()))
    if epoch == 0:  # same initial model: the 1-process refresh gives the same result
        alone = torch.load(single / 'rank0_epoch0.pt')
        assert torch.equal(alone['sample_labels'], rank0['sample_labels'])
        for key in ('centroids', 'camera_centroids'):
            torch.testing.assert_close(alone[key], rank0[key], rtol=1e-5, atol=1e-6)
    updates = [torch.load(double / f'rank{r}_losses.pt')['after_first_update'] for r in (0, 1)]
    for key in ('centroids', 'camera_centroids'):
        assert torch.equal(updates[0][key], updates[1][key]), key
