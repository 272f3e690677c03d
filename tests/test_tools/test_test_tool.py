"""tools/test.py's config handling: re-ranked metrics are named apart from plain ones (issue 13)."""
import importlib.util
from pathlib import Path

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmremix.registry import METRICS

REPO = Path(__file__).resolve().parents[2]


def load_test_tool():
    spec = importlib.util.spec_from_file_location('test_tool', REPO / 'tools' / 'test.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toy_samples():
    gen = torch.Generator().manual_seed(0)
    centres = F.normalize(torch.randn(4, 8, generator=gen), dim=1)
    samples = []
    for i in range(24):
        pid = i % 4
        feat = F.normalize(centres[pid] + 0.3 * torch.randn(8, generator=gen), dim=0)
        samples.append(dict(feature=feat, pid=pid, camid=i % 3, is_query=i < 4,
                            dataset_name='toy'))
    return samples


def evaluate(metric_cfg):
    metric = METRICS.build(metric_cfg)
    metric.process(None, toy_samples())
    return metric.evaluate(len(metric.results))


def test_rerank_keys_are_prefixed(tmp_path):
    MMLogger.get_instance('test_test_tool', log_level='WARNING')
    tool = load_test_tool()
    args = tool.parse_args(['configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py',
                            str(tmp_path / 'x.pth'), '--rerank'])
    cfg = Config(dict(test_evaluator=dict(type='ReIDMetric', rerank_cfg=dict(k1=6, k2=3))))
    tool.enable_rerank(cfg)
    plain = evaluate(dict(type='ReIDMetric', rerank_cfg=dict(k1=6, k2=3)))
    reranked = evaluate(cfg.test_evaluator)
    assert args.rerank and 'toy/mAP' in plain
    assert set(reranked) == {f'rerank/{key}' for key in plain}
    # a prefix chosen in the config is kept
    cfg = Config(dict(test_evaluator=dict(type='ReIDMetric', prefix='mine')))
    tool.enable_rerank(cfg)
    assert cfg.test_evaluator.prefix == 'mine'
