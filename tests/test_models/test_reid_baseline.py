import pytest
import torch
from mmpretrain.structures import DataSample

from mmremix.registry import MODELS


def tiny_baseline(num_classes=4, **kwargs):
    cfg = dict(
        type='ReIDBaseline',
        backbone=dict(type='ResNet', depth=18, base_channels=8, out_indices=(3, )),
        neck=dict(type='GeneralizedMeanPooling'),
        in_channels=64,
        num_classes=num_classes)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(pids, size=(32, 16)):
    inputs = [torch.randint(0, 255, (3, *size), dtype=torch.uint8) for _ in pids]
    samples = [DataSample(metainfo=dict(pid=p, camid=0)) for p in pids]
    return dict(inputs=inputs, data_samples=samples)


def test_predict_returns_normalised_features():
    model = tiny_baseline().eval()
    data = model.data_preprocessor(batch([0, 1, 2]), False)
    samples = model(**data, mode='predict')
    feats = torch.stack([s.feature for s in samples])
    assert feats.shape == (3, 64) and feats.dtype == torch.float32
    assert torch.allclose(feats.norm(dim=1), torch.ones(3), atol=1e-5)
    assert torch.allclose(model(data['inputs'], mode='tensor'), feats)


def test_flip_averaging_is_flip_invariant():
    model = tiny_baseline(test_cfg=dict(flip=True)).eval()
    inputs = model.data_preprocessor(batch([0, 1]), False)['inputs']
    assert torch.allclose(model.extract_feat(inputs), model.extract_feat(inputs.flip(3)), atol=1e-5)


def test_loss_terms_and_training_step_lowers_loss():
    torch.manual_seed(0)
    model = tiny_baseline()
    data = model.data_preprocessor(batch([0, 0, 1, 1, 2, 2, 3, 3]), True)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(8):
        losses = model(**data, mode='loss')
        assert set(losses) == {'loss_cls', 'loss_triplet', 'accuracy'}
        total = losses['loss_cls'] + losses['loss_triplet']
        first = total.item() if first is None else first
        optim.zero_grad()
        total.backward()
        optim.step()
    assert total.item() < first
    assert model.encoder.bnneck.bn.bias.grad is None  # the BNNeck bias is frozen


def test_out_of_range_pid_and_bad_mode():
    model = tiny_baseline(num_classes=2)
    data = model.data_preprocessor(batch([0, 5]), True)
    with pytest.raises(ValueError, match='num_classes=2'):
        model(**data, mode='loss')
    with pytest.raises(ValueError, match='Invalid mode'):
        model(data['inputs'], mode='features')


def test_data_preprocessor_views():
    model = tiny_baseline()
    b1, b2 = batch([0, 1]), batch([0, 1])
    views = dict(inputs=[b1['inputs'], b2['inputs']], data_samples=b1['data_samples'])
    out = model.data_preprocessor(views, True)['inputs']
    assert isinstance(out, list) and len(out) == 2 and out[0].shape == (2, 3, 32, 16)
    single = model.data_preprocessor(b2, True)['inputs']
    assert torch.allclose(out[1], single)
    # BGR -> RGB then ImageNet normalisation
    raw = b2['inputs'][0].float()
    expected_r = (raw[2] - 123.675) / 58.395
    assert torch.allclose(single[0, 0], expected_r, atol=1e-4)


@pytest.mark.parametrize('test_cfg, match', [
    (dict(fllip=True), r"unknown key\(s\) \['fllip'\]; valid keys: \['flip'\]"),
    (dict(flip='Ture'), r"test_cfg.flip must be one of \[False, True\], got 'Ture' \(str\)"),
    (dict(flip=1), r'got 1 \(int\)'),
    (dict(feature='encoder'), r"unknown key\(s\) \['feature'\]"),  # ReMix's key, not the baseline's
])
def test_test_cfg_refuses_unknown_keys_and_values(test_cfg, match):
    with pytest.raises(ValueError, match=match):
        tiny_baseline(test_cfg=test_cfg)


def test_test_cfg_defaults_and_subclass_keys():
    assert tiny_baseline().test_cfg == dict(flip=False)
    assert tiny_baseline(test_cfg=dict(flip=True)).test_cfg == dict(flip=True)
    remix_cls = MODELS.get('ReMix')
    assert remix_cls.check_test_cfg(dict(flip=True)) == dict(flip=True, feature='momentum')
    assert remix_cls.check_test_cfg(None) == dict(flip=False, feature='momentum')
    with pytest.raises(ValueError, match=r"ReMix: model.test_cfg.feature must be one of "
                       r"\['momentum', 'encoder'\], got 'teacher'"):
        remix_cls.check_test_cfg(dict(feature='teacher'))
    with pytest.raises(ValueError, match=r"valid keys: \['feature', 'flip'\]"):
        remix_cls.check_test_cfg(dict(flip=False, fllip=True))
