"""Two gloo processes: the momentum encoder's BatchNorm buffers are made identical on every rank.

Each rank's encoder gets its own BatchNorm statistics (as per-rank batches give them); after the
momentum updates the ranks' momentum encoders differ, and ``sync_momentum_buffers`` (called by
``MomentumEncoderHook`` before validation and test, and by ``ReMixRefreshHook`` before a refresh)
averages their floating-point buffers, never the int64 buffers.
"""
import datetime
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from helpers import TINY_BACKBONE, free_port

from mmremix.registry import HOOKS, MODELS


def _model():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='ReMix', backbone=TINY_BACKBONE, in_channels=64,
                              momentum=0.9))
    model.init_weights()
    return model.eval()


def _float_buffers(module):
    return {n: b.clone() for n, b in module.named_buffers() if b.is_floating_point()}


def _worker(rank: int, port: int, out_dir: Path) -> None:
    torch.set_num_threads(1)
    torch_dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=60))
    model = _model()
    model.sample_labels = torch.full((5, ), rank)  # an int64 buffer that differs per rank
    model.momentum_update()
    with torch.no_grad():  # rank-specific BatchNorm statistics, as per-rank batches give
        for buffer in model.encoder.buffers():
            buffer.add_(1.0 + rank if buffer.is_floating_point() else 2 + rank)
    model.momentum_update()
    inputs = torch.randn(4, 3, 32, 16, generator=torch.Generator().manual_seed(3))
    out = dict(before=_float_buffers(model.momentum_encoder.module),
               feats_before=model.momentum_features(inputs))
    runner = SimpleNamespace(model=model)
    HOOKS.build(dict(type='MomentumEncoderHook')).before_val_epoch(runner)
    out.update(after=_float_buffers(model.momentum_encoder.module),
               feats_after=model.momentum_features(inputs),
               sample_labels=model.sample_labels.clone(),
               num_batches_tracked=model.momentum_encoder.module.backbone.bn1.num_batches_tracked
               .clone(),
               steps=model.momentum_encoder.steps.clone())
    torch.save(out, out_dir / f'rank{rank}.pt')
    torch_dist.destroy_process_group()


def test_momentum_buffers_are_averaged_over_ranks_before_validation(tmp_path):
    mp.start_processes(_worker, args=(free_port(), tmp_path), nprocs=2, join=True,
                       start_method='fork')
    ranks = [torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1)]
    name = 'backbone.bn1.running_mean'
    assert not torch.allclose(ranks[0]['before'][name], ranks[1]['before'][name])
    assert not torch.allclose(ranks[0]['feats_before'], ranks[1]['feats_before'])
    for key, value in ranks[0]['after'].items():
        assert torch.equal(value, ranks[1]['after'][key]), key
        mean = (ranks[0]['before'][key] + ranks[1]['before'][key]) / 2
        torch.testing.assert_close(value, mean, msg=key)
    torch.testing.assert_close(ranks[0]['feats_after'], ranks[1]['feats_after'])
    # int64 buffers stay each rank's own
    assert ranks[0]['sample_labels'].tolist() == [0] * 5
    assert ranks[1]['sample_labels'].tolist() == [1] * 5
    assert int(ranks[0]['num_batches_tracked']) == 2 and int(ranks[1]['num_batches_tracked']) == 3
    assert int(ranks[0]['steps']) == int(ranks[1]['steps']) == 2
