"""MomentumEncoderHook updates the momentum encoder and the memories only after optimiser steps."""
from types import SimpleNamespace

import pytest
import torch
from helpers import TINY_BACKBONE
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

from mmremix.registry import HOOKS, MODELS

PIDS = [0, 0, 1, 1, -1, -1]
CAMIDS = [0, 1, 0, 1, -1, -1]


def _model():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='ReMix', backbone=TINY_BACKBONE, in_channels=64,
                              momentum=0.9))
    model.init_weights()
    cam_keys = torch.tensor([0, 1, 2, 3])
    model.set_memory(centroids=torch.randn(3, 64), camera_centroids=torch.randn(4, 64),
                     camera_keys=cam_keys, camera_labels=cam_keys // 2,
                     sample_labels=torch.tensor([0, 0, 1, 1, 2, 2]), num_cams=2)
    return model.train()


def _losses(model, seed):
    gen = torch.Generator().manual_seed(seed)
    views = [torch.randn(6, 3, 32, 16, generator=gen) for _ in range(2)]
    samples = [DataSample(metainfo=dict(sample_idx=i, pid=PIDS[i], camid=CAMIDS[i]))
               for i in range(6)]
    return model.loss(views, samples)


def _state(model):
    return (model.momentum_encoder.module.backbone.conv1.weight.clone(),
            model.memory.centroids.clone())


def test_accumulated_gradients_update_once_per_optimiser_step():
    model = _model()
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1),
                                 accumulative_counts=2)
    optim_wrapper.initialize_count_status(model, 0, 4)
    runner = SimpleNamespace(model=model, optim_wrapper=optim_wrapper)
    hook = HOOKS.build(dict(type='MomentumEncoderHook'))
    hook.before_train(runner)
    model.momentum_update()  # the first update copies the encoder: start from an EMA in flight
    steps = []
    for it in range(4):
        before = _state(model)
        optim_wrapper.update_params(sum(_losses(model, it).values()))
        hook.after_train_iter(runner, it)
        after = _state(model)
        changed = [not torch.equal(b, a) for b, a in zip(before, after)]
        assert changed[0] == changed[1]  # M and the memory move together
        steps.append(changed[0])
        # without a step, the batch's momentum features wait in the model
        assert len(model._pending_memory_updates) == (0 if changed[0] else 1)
    assert steps == [False, True, False, True]
    assert int(model.momentum_encoder.steps) == 3
    hook.after_train(runner)


def test_a_step_skipped_by_the_loss_scaler_updates_nothing():
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    runner = SimpleNamespace(model=model, optim_wrapper=OptimWrapper(optimizer))
    hook = HOOKS.build(dict(type='MomentumEncoderHook'))
    hook.before_train(runner)
    model.momentum_update()
    scaler = torch.amp.GradScaler('cpu', init_scale=2.0**16)
    for it, scale_loss_by in enumerate([float('inf'), 1.0]):
        before = _state(model)
        scaler.scale(sum(_losses(model, it).values()) * scale_loss_by).backward()
        scaler.step(optimizer)  # skips optimizer.step() on infinite gradients
        scaler.update()
        optimizer.zero_grad()
        hook.after_train_iter(runner, it)
        moved = not torch.equal(before[0], _state(model)[0])
        assert moved == (it == 1), it
    assert scaler.get_scale() == 2.0**15  # the first step was skipped
    # the skipped batch's features went into the memory with the next step's
    assert len(model._pending_memory_updates) == 0


def test_hook_removes_its_optimiser_hooks_after_training():
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    runner = SimpleNamespace(model=model, optim_wrapper=OptimWrapper(optimizer))
    hook = HOOKS.build(dict(type='MomentumEncoderHook'))
    hook.before_train(runner)
    assert len(optimizer._optimizer_step_post_hooks) == 1
    hook.after_train(runner)
    assert len(optimizer._optimizer_step_post_hooks) == 0


def test_hook_rejects_an_unknown_optim_wrapper():
    runner = SimpleNamespace(model=_model(), optim_wrapper=object())
    with pytest.raises(TypeError, match='OptimWrapper'):
        HOOKS.build(dict(type='MomentumEncoderHook')).before_train(runner)
