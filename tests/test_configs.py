"""Every shipped config parses, and its model builds (pretrained weights are not loaded here)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmremix.registry import MODELS

CONFIGS = sorted(str(p) for p in (Path(__file__).resolve().parents[1] / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: Path(p).stem)
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model).eval()
    assert cfg.default_scope == 'mmremix'
    assert cfg.train_dataloader.batch_size == cfg.train_dataloader.sampler.batch_size
    h, w = cfg.test_dataloader.dataset.pipeline[1]['scale'][::-1]
    with torch.no_grad():
        feats = model(torch.randn(2, 3, h, w), mode='tensor')
    assert feats.shape == (2, cfg.model.in_channels)
    if cfg.model.type == 'ReMix':
        hooks = {h['type'] for h in cfg.custom_hooks}
        assert {'MomentumEncoderHook', 'ReMixRefreshHook'} <= hooks
