"""A NaN or infinite loss stops training before the optimiser step, on one process and under DDP."""
import copy
import datetime
import uuid
from pathlib import Path

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from helpers import TINY_BACKBONE, free_port, make_tiny_data, tiny_runner_cfg
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

from mmremix.registry import MODELS


def _message_hub_at(iteration: int, epoch: int) -> None:
    """A fresh current MessageHub holding the runtime info a training loop sets (0-based)."""
    hub = MessageHub.get_instance(f'finite_loss_{uuid.uuid4().hex}')
    hub.update_info('iter', iteration)
    hub.update_info('epoch', epoch)


def _baseline(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type='ReIDBaseline', backbone=TINY_BACKBONE, in_channels=64,
                             num_classes=4, **kwargs))


def _baseline_batch():
    pids = [0, 0, 1, 1, 2, 2, 3, 3]
    return dict(inputs=[torch.randint(0, 255, (3, 32, 16), dtype=torch.uint8) for _ in pids],
                data_samples=[DataSample(metainfo=dict(pid=p, camid=i % 2))
                              for i, p in enumerate(pids)])


def _poison(loss_module: torch.nn.Module, value: float) -> None:
    """Make a loss module return ``value`` (still attached to the graph)."""
    forward = loss_module.forward
    loss_module.forward = lambda *args, **kwargs: forward(*args, **kwargs) * value


def _snapshot(model, optim_wrapper):
    """Model state (less the trained encoder's BatchNorm statistics, which the forward pass
    updates before any loss exists) and optimiser state."""
    state = {k: v.clone() for k, v in model.state_dict().items()
             if not (k.startswith('encoder.') and ('running_' in k or 'num_batches' in k))}
    return state, copy.deepcopy(optim_wrapper.state_dict()['state'])


def _assert_same(before, after):
    (state0, optim0), (state1, optim1) = before, after
    assert state0.keys() == state1.keys()
    assert all(torch.equal(state0[k], state1[k]) for k in state0)
    assert optim0.keys() == optim1.keys() and len(optim0) > 0
    for k in optim0:
        assert optim0[k].keys() == optim1[k].keys()
        assert all(torch.equal(optim0[k][name], optim1[k][name]) for name in optim0[k])


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_loss_raises_before_the_step_and_names_iteration_and_terms(bad):
    model = _baseline()
    optim_wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    data = _baseline_batch()
    model.train_step(data, optim_wrapper)  # a good step: the optimiser has state to protect
    before = _snapshot(model, optim_wrapper)
    _poison(model.loss_triplet, bad)
    _message_hub_at(iteration=11, epoch=2)
    with pytest.raises(FloatingPointError) as error:
        model.train_step(data, optim_wrapper)
    message = str(error.value)
    assert message.startswith('Non-finite loss at iteration 12 (epoch 3; both 1-based')
    assert f'loss={bad}' in message and f'loss_triplet={bad}' in message
    assert 'non-finite: loss_triplet.' in message
    cls_value = message.split('loss_cls=')[1].split(',')[0]
    assert 0.0 < float(cls_value) < 10.0  # the finite terms are named with their values too
    assert 'accuracy=' in message and 'last checkpoint in the work_dir is unchanged' in message
    _assert_same(before, _snapshot(model, optim_wrapper))


def test_the_check_can_be_switched_off():
    model = _baseline(train_cfg=dict(check_finite_loss=False))
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    _poison(model.loss_cls, float('nan'))
    log_vars = model.train_step(_baseline_batch(), optim_wrapper)
    assert torch.isnan(log_vars['loss'])
    assert torch.isnan(model.classifier.weight).all()


def test_remix_non_finite_loss_leaves_encoders_and_memories_unchanged():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='ReMix', backbone=TINY_BACKBONE, in_channels=64, momentum=0.9))
    model.init_weights()
    cam_keys = torch.arange(4)  # pid * 2 + camid
    model.set_memory(centroids=torch.nn.functional.normalize(torch.randn(3, 64), dim=1),
                     camera_centroids=torch.nn.functional.normalize(torch.randn(4, 64), dim=1),
                     camera_keys=cam_keys, camera_labels=cam_keys // 2,
                     sample_labels=torch.tensor([0, 0, 1, 1, 2, 2]), num_cams=2)
    pids, camids = [0, 0, 1, 1, -1, -1], [0, 1, 0, 1, -1, -1]
    data = dict(
        inputs=[[torch.randint(0, 255, (3, 32, 16), dtype=torch.uint8) for _ in pids]
                for _ in range(2)],
        data_samples=[DataSample(metainfo=dict(sample_idx=i, pid=p, camid=c))
                      for i, (p, c) in enumerate(zip(pids, camids))])
    optim_wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    model.train_step(data, optim_wrapper)
    model.momentum_update()  # what MomentumEncoderHook does after a good step
    before = _snapshot(model, optim_wrapper)
    _poison(model.loss_centroids, float('inf'))
    _message_hub_at(iteration=4, epoch=0)
    with pytest.raises(FloatingPointError) as error:
        model.train_step(data, optim_wrapper)
    message = str(error.value)
    assert message.startswith('Non-finite loss at iteration 5 (epoch 1;')
    for name in ('loss_instance', 'loss_augmentation', 'loss_camera_centroids'):
        assert f'{name}=' in message and f'{name}=inf' not in message
    assert 'loss_centroids=inf' in message and 'non-finite: loss_centroids.' in message
    assert model._pending_memory_updates == []  # a caught error leaves nothing to apply
    _assert_same(before, _snapshot(model, optim_wrapper))


def _ddp_worker(rank: int, port: int, out_dir: Path) -> None:
    from mmremix.engine import ReIDDistributedDataParallel
    torch.set_num_threads(1)
    torch_dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=60))
    model = ReIDDistributedDataParallel(_baseline(), broadcast_buffers=False)
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    _message_hub_at(iteration=2, epoch=0)
    if rank == 1:
        _poison(model.module.loss_triplet, float('nan'))
    try:
        model.train_step(_baseline_batch(), optim_wrapper)
        result = 'no error'
    except FloatingPointError as error:
        result = str(error)
    (out_dir / f'rank{rank}.txt').write_text(result)
    torch_dist.destroy_process_group()


def test_ddp_every_rank_raises_when_one_rank_has_a_non_finite_loss(tmp_path):
    # two gloo processes forked from this one (no re-import); without the all-reduced flag rank 0
    # would wait in the gradient all-reduce while rank 1 raises
    mp.start_processes(_ddp_worker, args=(free_port(), tmp_path), nprocs=2, join=True,
                       start_method='fork')
    results = [(tmp_path / f'rank{rank}.txt').read_text() for rank in (0, 1)]
    for rank in (0, 1):
        assert results[rank].startswith('Non-finite loss at iteration 3 (epoch 1;')
        assert f'on rank(s) [1] (this is rank {rank})' in results[rank]
    assert 'non-finite: loss_triplet.' in results[1] and 'loss_triplet=nan' in results[1]
    assert 'non-finite: none here.' in results[0]


def _checkpoint_files(work_dir: Path) -> dict:
    return {path.name: path.read_bytes() for path in sorted(work_dir.iterdir())
            if path.suffix == '.pth' or path.name == 'last_checkpoint'}


def test_training_run_stops_at_the_nan_iteration_and_keeps_the_last_checkpoint(tmp_path):
    data_root = make_tiny_data(tmp_path / 'syn')
    work_dir = tmp_path / 'work'
    cfg = tiny_runner_cfg(data_root, work_dir, model='ReIDBaseline', max_epochs=3)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval')
    # whichever CheckpointHook the helpers use: a checkpoint after every iteration
    cfg.default_hooks.checkpoint.update(by_epoch=False, interval=1)
    runner = Runner.from_cfg(cfg)
    iters_per_epoch = len(runner.train_dataloader)
    bad_iter = iters_per_epoch + 1  # 1-based: the first iteration of epoch 2
    model, real_loss, calls, saved = runner.model, runner.model.loss, [], {}

    def loss(inputs, data_samples):
        losses = real_loss(inputs, data_samples)
        calls.append(None)
        if len(calls) == bad_iter:
            saved.update(_checkpoint_files(work_dir))  # the state before the bad iteration
            losses['loss_cls'] = losses['loss_cls'] * float('nan')
        return losses

    model.loss = loss
    with pytest.raises(FloatingPointError) as error:
        runner.train()
    assert str(error.value).startswith(f'Non-finite loss at iteration {bad_iter} (epoch 2;')
    assert 'loss_cls=nan' in str(error.value) and 'loss_triplet=' in str(error.value)
    last = f'iter_{bad_iter - 1}.pth'
    assert last in saved and f'iter_{bad_iter}.pth' not in saved
    assert _checkpoint_files(work_dir) == saved  # byte-identical, nothing new written
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith(last)
    checkpoint = torch.load(work_dir / last, map_location='cpu', weights_only=False)
    assert checkpoint['meta']['iter'] == bad_iter - 1
    assert all(torch.isfinite(v).all() for v in checkpoint['state_dict'].values()
               if v.is_floating_point())
    fresh = MODELS.build(cfg.model)
    fresh.load_state_dict(checkpoint['state_dict'])
