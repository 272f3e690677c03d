"""k-reciprocal re-ranking: dense reference, limits, memory guard, metric and tools/test.py."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MMLogger

from mmremix.evaluation import ReIDMetric
from mmremix.evaluation.functional import (re_rank, re_rank_memory_bytes, reid_evaluate,
                                           reid_evaluate_distmat)
from mmremix.evaluation.functional import re_ranking as re_ranking_module

REPO = Path(__file__).resolve().parents[2]


def dense_re_rank(query, gallery, k1, k2, lambda_value):
    """Literal, loop-by-loop re-ranking of Zhong et al. (CVPR 2017) on dense float64 matrices.

    Returns the final distances and the number of (i, q) pairs whose R(q, ceil(k1/2)) was added.
    """
    feats = np.concatenate([query, gallery]).astype(np.float64)
    num, num_query = len(feats), len(query)
    sq_dist = 2.0 - 2.0 * feats @ feats.T
    np.fill_diagonal(sq_dist, -1.0)  # N(i, k) starts with i itself
    ranking = np.argsort(sq_dist, axis=1, kind='stable')
    np.fill_diagonal(sq_dist, 0.0)

    def reciprocal(i, k):
        return {j for j in ranking[i, :k + 1] if i in ranking[j, :k + 1]}

    v = np.zeros((num, num))
    num_expanded = 0
    for i in range(num):
        r_i = reciprocal(i, k1)
        expanded = set(r_i)
        for q in r_i:
            r_q = reciprocal(q, math.ceil(k1 / 2))
            if 3 * len(r_i & r_q) >= 2 * len(r_q):
                expanded |= r_q
                num_expanded += 1
        members = sorted(expanded)
        weights = np.exp(-sq_dist[i, members])
        v[i, members] = weights / weights.sum()
    v = np.stack([v[ranking[i, :k2]].mean(axis=0) for i in range(num)])
    jaccard = np.zeros((num_query, num - num_query))
    for a in range(num_query):
        for b in range(num - num_query):
            va, vb = v[a], v[num_query + b]
            jaccard[a, b] = 1.0 - np.minimum(va, vb).sum() / np.maximum(va, vb).sum()
    original = 1.0 - query.astype(np.float64) @ gallery.astype(np.float64).T
    return (1 - lambda_value) * jaccard + lambda_value * original, num_expanded


def clustered_features(num_ids=6, per_id=7, dim=8, noise=0.35, seed=0):
    """L2-normalised float32 features around ``num_ids`` random centres, and their ids."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_ids, dim, generator=gen)
    ids = torch.arange(num_ids).repeat_interleave(per_id)
    feats = centres[ids] + noise * torch.randn(len(ids), dim, generator=gen)
    return F.normalize(feats, dim=1), ids


@pytest.mark.parametrize('k1, k2, lambda_value', [(6, 3, 0.3), (5, 1, 0.0), (8, 9, 0.7)])
def test_matches_dense_reference(k1, k2, lambda_value):
    feats, _ = clustered_features()
    perm = torch.randperm(len(feats), generator=torch.Generator().manual_seed(1))
    query, gallery = feats[perm[:12]], feats[perm[12:]]  # 12 queries x 30 gallery
    dist = re_rank(query, gallery, k1=k1, k2=k2, lambda_value=lambda_value)
    expected, num_expanded = dense_re_rank(query.numpy(), gallery.numpy(), k1, k2, lambda_value)
    assert num_expanded > 0
    assert dist.shape == (12, 30) and dist.dtype == torch.float32
    np.testing.assert_allclose(dist.numpy(), expected, atol=1e-5)
    # not a trivial matrix: Jaccard distances spread over (0, 1]
    assert expected.min() < 0.6 and expected.max() > 0.9


def test_chunked_accumulation_gives_same_result(monkeypatch):
    feats, _ = clustered_features()
    full = re_rank(feats[:12], feats[12:], k1=6, k2=3)
    monkeypatch.setattr(re_ranking_module, 'MAX_CONTRIBUTIONS', 40)  # about one query per chunk
    np.testing.assert_allclose(re_rank(feats[:12], feats[12:], k1=6, k2=3), full, atol=1e-6)


def test_lambda_one_gives_original_distance_and_zero_the_jaccard():
    feats, _ = clustered_features()
    query, gallery = feats[:12], feats[12:]
    original = 1 - query @ gallery.T
    assert torch.equal(re_rank(query, gallery, k1=6, k2=3, lambda_value=1.0), original)
    jaccard = re_rank(query, gallery, k1=6, k2=3, lambda_value=0.0)
    assert jaccard.min() >= 0 and jaccard.max() <= 1
    mixed = re_rank(query, gallery, k1=6, k2=3, lambda_value=0.25)
    torch.testing.assert_close(mixed, 0.75 * jaccard + 0.25 * original)


def angle_features(angles):
    return torch.tensor([[math.cos(a), math.sin(a)] for a in angles], dtype=torch.float32)


def test_k_reciprocal_neighbourhood_lifts_the_true_match():
    # Query (pid 1) at angle 0. Gallery: a distractor (pid 2) at -0.25, nearer than every true
    # match, inside a tight pid-2 group at -0.33..-0.37; the true matches (pid 1) at 0.28..0.31.
    # With k1=4 the query is among the 4 nearest neighbours of the true matches but not of the
    # distractor, so their encodings are disjoint and the distractor's Jaccard distance is 1.
    query = angle_features([0.0])
    gallery_angles = [-0.25, 0.28, 0.292, 0.301, 0.315, -0.331, -0.342, -0.356, -0.37]
    gallery = angle_features(gallery_angles)
    gallery_pids = [2, 1, 1, 1, 1, 2, 2, 2, 2]
    ids = ([1], gallery_pids, [0], [1] * 9)
    plain = reid_evaluate(query, gallery, *ids, topk=(1, ))
    assert plain['cmc'].tolist() == [0.0]
    assert plain['mAP'] == pytest.approx((1 / 2 + 2 / 3 + 3 / 4 + 4 / 5) / 4)

    jaccard = re_rank(query, gallery, k1=4, k2=1, lambda_value=0.0)
    assert jaccard[0, 0] == 1.0
    assert (jaccard[0, 1:5] < 0.9).all()
    dist = re_rank(query, gallery, k1=4, k2=1, lambda_value=0.3)
    assert int(dist[0].argmin()) in (1, 2, 3, 4)
    reranked = reid_evaluate_distmat(dist, *ids, topk=(1, ))
    assert reranked['cmc'].tolist() == [1.0] and reranked['mAP'] == pytest.approx(1.0)


def test_memory_estimate_hand_computed():
    # N = 5, h = 1: r = min(5, 3 * 3) = 5, m = min(5, 1 * 5) = 5
    expected = 12 * 2 * 3 + 64 * 5 * 5 + 24 * 5 * 5 + 12 * 5 * 3 + 4 * 5 * 4 + 50 * 2**21
    assert re_rank_memory_bytes(2, 3, 4, k1=2, k2=1) == expected


def test_guard_refuses_before_any_work(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError('knn_search must not run when the guard refuses')

    monkeypatch.setattr(re_ranking_module, 'knn_search', fail)
    query, gallery = torch.zeros(50_000, 4), torch.zeros(50_000, 4)  # 1.6 MB of features
    estimate = re_rank_memory_bytes(50_000, 50_000, 4, 20, 6) / 2**30
    assert estimate > 16
    with pytest.raises(ValueError) as info:
        re_rank(query, gallery)
    message = str(info.value)
    assert '50000 queries x 50000 gallery' in message
    assert f'{estimate:.2f} GB' in message and 'max_memory_gb=16.0' in message
    assert 'fewer queries' in message and 'turn re-ranking off' in message
    feats, _ = clustered_features()
    with pytest.raises(ValueError, match='above the limit max_memory_gb=0.01'):
        re_rank(feats[:12], feats[12:], k1=6, k2=3, max_memory_gb=0.01)


@pytest.mark.parametrize('kwargs, match', [
    (dict(k1=42), r'1 <= k1 < Nq \+ Ng = 42'),
    (dict(k1=0), 'k1=0'),
    (dict(k1=4, k2=6), r'1 <= k2 <= k1 \+ 1'),
    (dict(lambda_value=1.5), '`lambda_value` must be in'),
    (dict(max_memory_gb=0), '`max_memory_gb` must be > 0'),
    (dict(gallery_feats=torch.zeros(5, 3)), 'same feature dimension'),
    (dict(query_feats=torch.zeros(0, 8)), '`query_feats` must be a non-empty float'),
])
def test_errors(kwargs, match):
    feats, _ = clustered_features()
    args = dict(query_feats=feats[:12], gallery_feats=feats[12:], k1=6, k2=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        re_rank(**args)


def test_distmat_path_equals_feature_path():
    feats, ids = clustered_features()
    camids = torch.arange(len(ids)) % 3
    query, gallery = slice(0, 12), slice(12, None)
    args = (ids[query], ids[gallery], camids[query], camids[gallery])
    from_feats = reid_evaluate(feats[query], feats[gallery], *args, chunk_size=5)
    from_distmat = reid_evaluate_distmat(1 - feats[query] @ feats[gallery].T, *args, chunk_size=5)
    assert from_feats['mAP'] == from_distmat['mAP'] and from_feats['mINP'] == from_distmat['mINP']
    assert torch.equal(from_feats['cmc'], from_distmat['cmc'])
    with pytest.raises(ValueError, match='`distmat` must be a non-empty float'):
        reid_evaluate_distmat(torch.zeros(3, 4, dtype=torch.int64), [1] * 3, [1] * 4, [0] * 3,
                              [1] * 4)


def metric_samples(feats, ids):
    return [
        dict(feature=feat, pid=int(pid), camid=i % 3, is_query=i % 7 < 2, dataset_name='toy')
        for i, (feat, pid) in enumerate(zip(feats, ids))
    ]


def test_metric_with_rerank_matches_functions_and_differs_from_plain():
    MMLogger.get_instance('test_re_ranking', log_level='WARNING')
    feats, ids = clustered_features(noise=0.9, seed=3)
    samples = metric_samples(feats, ids)
    cfg = dict(k1=6, k2=3, lambda_value=0.3)
    reranked = ReIDMetric(rerank=True, rerank_cfg=cfg)
    reranked.process(None, samples)
    with_rerank = reranked.compute_metrics(reranked.results)
    plain = ReIDMetric()
    plain.process(None, samples)
    without = plain.compute_metrics(plain.results)

    is_query = torch.tensor([s['is_query'] for s in samples])
    camids = torch.tensor([s['camid'] for s in samples])
    dist = re_rank(feats[is_query], feats[~is_query], **cfg)
    expected = reid_evaluate_distmat(dist, ids[is_query], ids[~is_query], camids[is_query],
                                     camids[~is_query])
    assert set(with_rerank) == set(without)
    assert with_rerank['toy/mAP'] == pytest.approx(100 * expected['mAP'])
    assert with_rerank['toy/rank5'] == pytest.approx(100 * float(expected['cmc'][4]))
    assert with_rerank['toy/mINP'] == pytest.approx(100 * expected['mINP'])
    assert with_rerank['toy/mAP'] != pytest.approx(without['toy/mAP'])
    assert all(0 <= with_rerank[f'toy/{key}'] <= 100 for key in ('mAP', 'rank1', 'mINP'))


def test_metric_rejects_unknown_rerank_key():
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['k3'\]"):
        ReIDMetric(rerank=True, rerank_cfg=dict(k1=10, k3=2))


def load_test_tool():
    spec = importlib.util.spec_from_file_location('mmremix_tools_test', REPO / 'tools' / 'test.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('evaluator, expected', [
    (dict(type='ReIDMetric'), 1),
    ([dict(type='ReIDMetric'), dict(type='mmremix.ReIDMetric', topk=(1, ))], 2),
    (dict(type='Evaluator', metrics=[dict(type='ReIDMetric'), dict(type='Other')]), 1),
])
def test_test_tool_enables_rerank(evaluator, expected):
    cfg = Config(dict(test_evaluator=evaluator))
    assert load_test_tool().enable_rerank(cfg) == expected
    evaluator = cfg.test_evaluator
    metrics = evaluator.get('metrics', evaluator) if isinstance(evaluator, dict) else evaluator
    metrics = metrics if isinstance(metrics, list) else [metrics]
    assert [m.get('rerank', False) for m in metrics] == [True] * expected + [False] * (
        len(metrics) - expected)


def test_test_tool_rerank_without_reid_metric_raises():
    with pytest.raises(ValueError, match='no ReIDMetric'):
        load_test_tool().enable_rerank(Config(dict(test_evaluator=dict(type='Accuracy'))))
