import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmremix.registry import MODELS


def tiny_remix(**kwargs):
    cfg = dict(
        type='ReMix',
        backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8, out_indices=(3, )),
        in_channels=64,
        momentum=0.9)
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


# 8 training items: 6 multi-camera (pids 0, 0, 1, 1, 2, 2 in cameras 0/1) and 2 single-camera
PIDS = [0, 0, 1, 1, 2, 2, -1, -1]
CAMIDS = [0, 1, 0, 1, 0, 0, -1, -1]


def install_memory(model, feat_dim=64):
    torch.manual_seed(0)
    cam_keys = torch.tensor([0, 1, 2, 3, 4])  # pid * 2 + camid
    model.set_memory(
        centroids=torch.randn(4, feat_dim),  # pids 0..2, then one pseudo-identity (row 3)
        camera_centroids=torch.randn(5, feat_dim),
        camera_keys=cam_keys,
        camera_labels=cam_keys // 2,
        sample_labels=torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]),
        num_cams=2)


def batch(model, indices):
    views = [[torch.randint(0, 255, (3, 32, 16), dtype=torch.uint8) for _ in indices]
             for _ in range(2)]
    samples = [DataSample(metainfo=dict(sample_idx=i, pid=PIDS[i], camid=CAMIDS[i]))
               for i in indices]
    return model.data_preprocessor(dict(inputs=views, data_samples=samples), True)


def test_momentum_encoder_starts_as_copy_and_follows_ema():
    model = tiny_remix()
    enc, mom = model.encoder.state_dict(), model.momentum_encoder.module.state_dict()
    assert all(torch.equal(enc[k], mom[k]) for k in enc)
    assert not any(p.requires_grad for p in model.momentum_encoder.parameters())
    old = copy.deepcopy(model.momentum_encoder.module.state_dict())
    model.momentum_update()  # the first update of MMEngine's EMA copies the encoder
    with torch.no_grad():
        for p in model.encoder.parameters():
            p.add_(1.0)
    model.momentum_update()
    name = 'backbone.conv1.weight'
    expected = 0.9 * old[name] + 0.1 * model.encoder.state_dict()[name]
    assert torch.allclose(model.momentum_encoder.module.state_dict()[name], expected, atol=1e-6)


def test_loss_needs_refresh_and_two_views():
    model = tiny_remix()
    data = batch(model, [0, 1, 2, 3])
    with pytest.raises(RuntimeError, match='ReMixRefreshHook'):
        model(**data, mode='loss')
    install_memory(model)
    with pytest.raises(ValueError, match='two views'):
        model(data['inputs'][0], data['data_samples'], mode='loss')


def test_loss_terms_and_memory_update():
    model = tiny_remix()
    install_memory(model)
    before = model.memory.centroids.clone()
    cam_before = model.camera_memory.centroids.clone()
    data = batch(model, [0, 1, 2, 3, 6, 7])
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_instance', 'loss_augmentation', 'loss_centroids',
                           'loss_camera_centroids'}
    assert all(torch.isfinite(v) and v.item() > 0 for v in losses.values())
    # the memories wait for the optimiser step (the losses saved them for backward)
    assert torch.equal(model.memory.centroids, before)
    sum(losses.values()).backward()
    assert model.encoder.backbone.conv1.weight.grad is not None
    model.momentum_update()
    changed = (model.memory.centroids - before).abs().sum(1) > 0
    assert changed.tolist() == [True, True, False, True]  # rows of pids 0, 1 and pseudo-id 3
    cam_changed = (model.camera_memory.centroids - cam_before).abs().sum(1) > 0
    assert cam_changed.tolist() == [True, True, True, True, False]  # (pid, cam) keys 0..3 seen
    assert torch.allclose(model.memory.centroids.norm(dim=1), torch.ones(4), atol=1e-5)


def test_items_without_label_never_reach_a_loss():
    model = tiny_remix()
    install_memory(model)
    model.sample_labels[6:] = -1  # the single-camera items are noise this epoch
    torch.manual_seed(1)
    data = batch(model, [0, 1, 2, 3, 6, 7])
    losses = model(**data, mode='loss')
    torch.manual_seed(1)
    model2 = copy.deepcopy(model)
    kept = dict(inputs=[v[:4] for v in data['inputs']], data_samples=data['data_samples'][:4])
    model.eval(), model2.eval()  # same BN statistics for both batches
    assert torch.allclose(model(**data, mode='loss')['loss_instance'],
                          model2(**kept, mode='loss')['loss_instance'], atol=1e-5)
    assert torch.isfinite(losses['loss_centroids'])


def test_loss_weight_zero_turns_a_loss_off():
    model = tiny_remix(loss_camera_centroids=dict(type='CameraCentroidsLoss', loss_weight=0.0))
    install_memory(model)
    losses = model(**batch(model, [0, 1, 2, 3]), mode='loss')
    assert losses['loss_camera_centroids'].item() == 0.0
    assert losses['loss_instance'].item() > 0


def test_test_feature_choice():
    model = tiny_remix(test_cfg=dict(feature='encoder')).eval()
    inputs = batch(model, [0, 1])['inputs'][0]
    with torch.no_grad():
        model.encoder.backbone.conv1.weight.mul_(2)  # encoder and momentum encoder now differ
        from_encoder = model.extract_feat(inputs)
        model.test_cfg['feature'] = 'momentum'
        from_momentum = model.extract_feat(inputs)
        expected = F.normalize(model.momentum_encoder.module(inputs)[1], dim=1)
    assert torch.allclose(from_momentum, expected, atol=1e-6)
    assert not torch.allclose(from_encoder, from_momentum)
    with pytest.raises(ValueError, match='feature'):
        tiny_remix(test_cfg=dict(feature='teacher'))


def test_checkpoint_restores_memories_of_another_size():
    model = tiny_remix()
    install_memory(model)
    fresh = tiny_remix()
    fresh.load_state_dict(model.state_dict())
    assert torch.equal(fresh.memory.centroids, model.memory.centroids)
    assert torch.equal(fresh.camera_memory.keys, model.camera_memory.keys)
    assert torch.equal(fresh.sample_labels, model.sample_labels)
    assert int(fresh.num_cams) == 2


def test_centroid_videos_reach_the_centroids_loss_and_checkpoints():
    model = tiny_remix(loss_centroids=dict(type='CentroidsLoss', negatives='own_video'))
    install_memory(model)  # without centroid_videos
    data = batch(model, [0, 1, 6, 7])
    with pytest.raises(ValueError, match='centroid_videos'):
        model(**data, mode='loss')
    videos = torch.tensor([-1, -1, -1, 4])
    model.centroid_videos = videos.clone()
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_centroids'])
    fresh = tiny_remix()
    fresh.load_state_dict(model.state_dict())
    assert torch.equal(fresh.centroid_videos, videos)
    # a checkpoint of the version before centroid_videos still loads, with none stored
    old = {k: v for k, v in model.state_dict().items() if k != 'centroid_videos'}
    fresh.load_state_dict(old)
    assert fresh.centroid_videos.numel() == 0


def test_step_features_encoder_skips_the_momentum_forward(monkeypatch):
    model = tiny_remix(step_features='encoder')
    install_memory(model)
    calls = []
    monkeypatch.setattr(model, 'momentum_features', lambda x: calls.append(x))
    data = batch(model, list(range(8)))
    losses = model.loss(data['inputs'], data['data_samples'])
    assert calls == [] and set(losses) == {'loss_instance', 'loss_augmentation',
                                           'loss_centroids', 'loss_camera_centroids'}
    # the memory update uses the encoder's (detached) standard-view features
    feats, labels, _ = model._pending_memory_updates[0]
    expected = F.normalize(model.encoder(data['inputs'][0])[1], dim=1)
    torch.testing.assert_close(feats, expected.detach(), rtol=1e-4, atol=1e-5)
    assert not feats.requires_grad
    with pytest.raises(ValueError, match='step_features must be "momentum" or "encoder"'):
        tiny_remix(step_features='teacher')


def _bn_buffers(module):
    return {name: b.clone() for name, b in module.named_buffers()}


def _move_encoder_statistics(model, shift):
    """Change the encoder's BatchNorm running statistics and counters (a training step's effect)."""
    with torch.no_grad():
        for name, buffer in model.encoder.named_buffers():
            buffer.add_(shift if buffer.is_floating_point() else 3)


@pytest.mark.parametrize('momentum_buffers', ['ema', 'copy'])
def test_momentum_encoder_buffers_follow_the_option(momentum_buffers):
    model = tiny_remix(momentum_buffers=momentum_buffers)
    model.momentum_update()  # the first update copies the encoder
    old = _bn_buffers(model.momentum_encoder.module)
    _move_encoder_statistics(model, 1.0)
    model.momentum_update()
    encoder = _bn_buffers(model.encoder)
    momentum = _bn_buffers(model.momentum_encoder.module)
    name = 'backbone.bn1.running_mean'
    expected = (0.9 * old[name] + 0.1 * encoder[name] if momentum_buffers == 'ema' else
                encoder[name])
    torch.testing.assert_close(momentum[name], expected, rtol=1e-6, atol=1e-6)
    assert not torch.allclose(old[name], encoder[name])
    # integer buffers (num_batches_tracked) are copied either way
    assert torch.equal(momentum['backbone.bn1.num_batches_tracked'],
                       encoder['backbone.bn1.num_batches_tracked'])
    assert int(model.momentum_encoder.steps) == 2


def test_momentum_encoder_buffers_follow_after_a_conversion_that_replaces_them():
    # .double() replaces every buffer tensor as .cuda() does; the update must still reach M
    model = tiny_remix().double()
    model.momentum_update()
    old = _bn_buffers(model.momentum_encoder.module)
    _move_encoder_statistics(model, 1.0)
    model.momentum_update()
    name = 'backbone.layer1.0.bn1.running_var'
    expected = 0.9 * old[name] + 0.1 * model.encoder.state_dict()[name]
    torch.testing.assert_close(model.momentum_encoder.module.state_dict()[name], expected)


def test_momentum_buffers_option_is_checked():
    with pytest.raises(ValueError, match='momentum_buffers must be "ema" or "copy"'):
        tiny_remix(momentum_buffers='average')


def test_sync_momentum_buffers_is_a_no_op_in_one_process():
    model = tiny_remix()
    before = _bn_buffers(model.momentum_encoder.module)
    assert model.sync_momentum_buffers() == 0
    after = _bn_buffers(model.momentum_encoder.module)
    assert all(torch.equal(before[k], after[k]) for k in before)


@pytest.mark.parametrize('strong_view_bn', [False, True])
def test_strong_view_bn_decides_which_views_update_running_statistics(strong_view_bn):
    model = tiny_remix(strong_view_bn=strong_view_bn)
    install_memory(model)
    data = batch(model, range(8))
    reference = copy.deepcopy(model.encoder).train()
    with torch.no_grad():
        reference(data['inputs'][0])  # the standard views alone
    model.train()
    model.loss(data['inputs'], data['data_samples'])
    name = 'backbone.layer1.0.bn1.running_mean'
    got, standard_only = model.encoder.state_dict()[name], reference.state_dict()[name]
    assert torch.allclose(got, standard_only) != strong_view_bn
    counts = model.encoder.state_dict()['backbone.bn1.num_batches_tracked']
    assert int(counts) == (2 if strong_view_bn else 1)
    # the layers track statistics again after the strong view's forward
    assert all(m.track_running_stats for m in model.encoder.modules()
               if isinstance(m, torch.nn.BatchNorm2d))
