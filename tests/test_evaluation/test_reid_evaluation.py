import numpy as np
import pytest
import torch

from mmremix.evaluation.functional import re_rank, reid_evaluate, reid_evaluate_distmat


def loop_reference(qf, gf, qp, gp, qc, gc, max_rank):
    """Plain per-query evaluation in numpy, the Market-1501 protocol spelled out.

    Also the baseline of benchmarks/bench_evaluation.py. Distances keep the features' precision.
    """
    dist = 1 - qf @ gf.T
    aps, inps, cmcs, skipped = [], [], [], 0
    for i in range(len(qf)):
        order = np.argsort(dist[i], kind='stable')
        pids, cams = gp[order], gc[order]
        removed = ((pids == qp[i]) & (cams == qc[i])) | (pids == -1)
        hits = np.flatnonzero(pids[~removed] == qp[i])
        if len(hits) == 0:
            skipped += 1
            continue
        aps.append(np.mean(np.arange(1, len(hits) + 1) / (hits + 1)))
        inps.append(len(hits) / (hits[-1] + 1))
        cmc = np.zeros(max_rank)
        cmc[hits[0]:] = 1
        cmcs.append(cmc)
    return dict(
        mAP=np.mean(aps),
        mINP=np.mean(inps),
        cmc=np.mean(cmcs, axis=0),
        num_valid=len(aps),
        num_skipped=skipped)


def make_inputs(seed, num_query=40, num_gallery=150, dim=8):
    """Random Re-ID inputs with many exact distance ties, junk and unmatched queries.

    Features have 4 entries of +-0.5 and 4 zeros (unit norm), so every cosine similarity is a
    multiple of 0.25 and exact in float32 and float64: ties are real and ranked identically.
    """
    rng = np.random.default_rng(seed)
    feats = np.zeros((num_query + num_gallery, dim), dtype=np.float32)
    for row in feats:
        row[rng.choice(dim, 4, replace=False)] = rng.choice([-0.5, 0.5], 4)
    qp = rng.integers(0, 8, num_query)
    qc = rng.integers(0, 3, num_query)
    gp = rng.integers(0, 8, num_gallery)
    gc = rng.integers(0, 3, num_gallery)
    gp[rng.random(num_gallery) < 0.15] = -1  # junk gallery items
    qp[:3] = 100  # identity absent from the gallery
    qp[3:5], qc[3:5] = 101, 2  # identity only seen by the query's own camera
    gp[:4], gc[:4] = 101, 2
    return feats[:num_query], feats[num_query:], qp, gp, qc, gc


def evaluate_numpy(inputs, **kwargs):
    return reid_evaluate(*(torch.from_numpy(x) for x in inputs), **kwargs)


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('chunk_size', [None, 1, 7, 1000])
def test_matches_per_query_loop(seed, chunk_size):
    inputs = make_inputs(seed)
    expected = loop_reference(*inputs, max_rank=10)
    result = evaluate_numpy(inputs, topk=(1, 5, 10), chunk_size=chunk_size)
    assert result['num_skipped'] == expected['num_skipped'] >= 5
    assert result['num_valid'] == expected['num_valid'] == 40 - expected['num_skipped']
    assert result['mAP'] == pytest.approx(expected['mAP'], abs=1e-12)
    assert result['mINP'] == pytest.approx(expected['mINP'], abs=1e-12)
    assert result['cmc'].dtype == torch.float64 and result['cmc'].shape == (10, )
    np.testing.assert_allclose(result['cmc'].numpy(), expected['cmc'], atol=1e-12)


def test_matches_loop_on_continuous_features():
    rng = np.random.default_rng(3)
    # float64 on both sides, so that BLAS rounding cannot reorder nearly tied distances.
    feats = rng.standard_normal((200, 32))
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    inputs = (feats[:50], feats[50:], rng.integers(0, 20, 50), rng.integers(-1, 20, 150),
              rng.integers(0, 4, 50), rng.integers(0, 4, 150))
    expected = loop_reference(*inputs, max_rank=5)
    result = evaluate_numpy(inputs, topk=(1, 5), chunk_size=16)
    assert (result['num_valid'], result['num_skipped']) == (expected['num_valid'],
                                                            expected['num_skipped'])
    assert result['mAP'] == pytest.approx(expected['mAP'], abs=1e-9)
    assert result['mINP'] == pytest.approx(expected['mINP'], abs=1e-9)
    np.testing.assert_allclose(result['cmc'].numpy(), expected['cmc'], atol=1e-12)


def test_chunking_gives_identical_results():
    inputs = make_inputs(4)
    reference = evaluate_numpy(inputs, chunk_size=40)
    variants = [dict(chunk_size=1), dict(chunk_size=3), dict(chunk_size=39),
                dict(max_elements=150 * 6), dict(max_elements=1)]
    for kwargs in variants:
        result = evaluate_numpy(inputs, **kwargs)
        assert result['mAP'] == reference['mAP']
        assert result['mINP'] == reference['mINP']
        assert torch.equal(result['cmc'], reference['cmc'])
        assert result['num_skipped'] == reference['num_skipped']


def tiny_example():
    """Hand-made case: v_k has its first k entries -0.5, the rest +0.5 (D=4, unit norm)."""
    v = torch.tensor([[-0.5] * k + [0.5] * (4 - k) for k in range(5)])
    two_minus = v[2]
    query = torch.stack([v[0], v[4], v[0], two_minus])
    query_pids, query_camids = [1, 2, 3, 3], [0, 1, 0, 1]
    gallery = v[[0, 1, 1, 2, 2, 3, 4]]
    gallery_pids = [1, 1, 2, -1, 3, 1, 2]
    gallery_camids = [0, 1, 0, 1, 0, 2, 1]
    return query, gallery, query_pids, gallery_pids, query_camids, gallery_camids


def test_hand_computed_example():
    # Query 0 (v0, pid 1, cam 0): ranking g0 g1 g2 g3 g4 g5 g6 (g1/g2 tie kept in index order);
    #   g0 (same pid and cam) and g3 (junk) removed -> g1+ g2 g4 g5+ g6: positives at ranks 0, 3,
    #   AP = (1/1 + 2/4) / 2 = 0.75, INP = 2/4.
    # Query 1 (v4, pid 2, cam 1): ranking g6 g5 g3 g4 g1 g2 g0; g6 and g3 removed ->
    #   g5 g4 g1 g2+ g0: positive at rank 3, AP = INP = 1/4.
    # Query 2 (v0, pid 3, cam 0): its only gallery pid-3 item g4 has cam 0 -> skipped.
    # Query 3 (v2, pid 3, cam 1): ranking g3 g4 ...; g3 removed -> g4+ first, AP = INP = 1.
    result = reid_evaluate(*tiny_example(), topk=(1, 5))
    assert result['num_valid'] == 3 and result['num_skipped'] == 1
    assert result['mAP'] == pytest.approx((0.75 + 0.25 + 1) / 3, abs=1e-12)
    assert result['mINP'] == pytest.approx((0.5 + 0.25 + 1) / 3, abs=1e-12)
    torch.testing.assert_close(result['cmc'],
                               torch.tensor([2 / 3, 2 / 3, 2 / 3, 1, 1], dtype=torch.float64))


def test_cmc_length_follows_largest_topk_beyond_gallery_size():
    result = reid_evaluate(*tiny_example(), topk=(10, 2))
    assert result['cmc'].shape == (10, )
    assert result['cmc'][-1] == 1


def test_accepts_ids_as_lists_and_tensors_alike():
    query, gallery, *ids = tiny_example()
    as_tensors = reid_evaluate(query, gallery, *(torch.tensor(x) for x in ids))
    as_lists = reid_evaluate(query, gallery, *ids)
    assert as_tensors['mAP'] == as_lists['mAP']
    assert torch.equal(as_tensors['cmc'], as_lists['cmc'])


@pytest.mark.parametrize('change, match', [
    (dict(gallery_feats=torch.zeros(3, 5)), 'same feature dimension'),
    (dict(query_feats=torch.zeros(0, 4)), '`query_feats` must be a non-empty'),
    (dict(gallery_feats=torch.zeros(7, 4, dtype=torch.int64)), '`gallery_feats` must be floating'),
    (dict(query_pids=[1, 2, 3]), r'`query_pids` must have shape \(4,\)'),
    (dict(gallery_camids=[[0] * 7]), r'`gallery_camids` must have shape \(7,\)'),
    (dict(topk=(0, 5)), '`topk` must be a non-empty sequence'),
    (dict(topk=()), '`topk` must be a non-empty sequence'),
    (dict(chunk_size=0), '`chunk_size` must be positive'),
    (dict(max_elements=0), '`max_elements` must be positive'),
    (dict(query_pids=[5, 5, 5, 5]), 'none of the 4 queries has a valid gallery match'),
])
def test_errors(change, match):
    names = ('query_feats', 'gallery_feats', 'query_pids', 'gallery_pids', 'query_camids',
             'gallery_camids')
    kwargs = dict(zip(names, tiny_example()))
    kwargs.update(change)
    with pytest.raises(ValueError, match=match):
        reid_evaluate(**kwargs)


def test_numpy_inputs_give_the_tensor_results():
    inputs = make_inputs(5)  # numpy arrays throughout
    from_numpy = reid_evaluate(*inputs, chunk_size=7)
    from_tensors = evaluate_numpy(inputs, chunk_size=7)
    assert from_numpy['mAP'] == from_tensors['mAP'] and from_numpy['mINP'] == from_tensors['mINP']
    assert torch.equal(from_numpy['cmc'], from_tensors['cmc'])
    query, gallery, *ids = inputs
    read_only = gallery.copy()
    read_only.setflags(write=False)
    from_distmat = reid_evaluate_distmat(1 - query @ read_only.T, *ids, chunk_size=7)
    assert from_distmat['mAP'] == from_tensors['mAP']


@pytest.mark.parametrize('name, rows, value', [('query_feats', [1, 3], float('nan')),
                                               ('gallery_feats', [0, 2, 6], float('inf')),
                                               ('gallery_feats', [5], -float('inf'))])
def test_non_finite_features_raise_naming_the_rows(name, rows, value):
    names = ('query_feats', 'gallery_feats', 'query_pids', 'gallery_pids', 'query_camids',
             'gallery_camids')
    kwargs = dict(zip(names, tiny_example()))
    feats = kwargs[name].clone()
    feats[rows, 1] = value
    kwargs[name] = feats
    expected = (rf'`{name}` has {len(rows)} of {len(feats)} rows with NaN or infinite values '
                rf'\(rows {", ".join(map(str, rows))}\)')
    with pytest.raises(ValueError, match=expected):
        reid_evaluate(**kwargs)


def test_all_nan_features_raise_instead_of_a_score():
    query, gallery, qp, gp, qc, gc = make_inputs(0, num_query=40, num_gallery=150)
    with pytest.raises(ValueError, match='`query_feats` has 40 of 40 rows with NaN'):
        reid_evaluate(np.full_like(query, np.nan), np.full_like(gallery, np.nan), qp, gp, qc, gc)


def test_non_finite_distances_raise_naming_the_rows_in_every_chunk():
    query, gallery, *ids = make_inputs(1)
    distmat = torch.from_numpy(1 - query @ gallery.T)
    distmat[[0, 17, 39], [3, 0, 149]] = float('nan')
    distmat[25, 8] = float('inf')
    # 150 elements per check chunk: one row at a time, so the count spans the chunks
    with pytest.raises(ValueError, match=r'`distmat` has 4 of 40 rows with NaN or infinite '
                       r'values \(rows 0, 17, 25, 39\)'):
        reid_evaluate_distmat(distmat, *ids, max_elements=150)


def test_unnormalised_features_raise_naming_the_rows():
    query, gallery, *ids = tiny_example()
    scaled = gallery.clone()
    scaled[[1, 4]] *= 3
    with pytest.raises(ValueError, match=r'`gallery_feats` must be L2-normalised .* but 2 of 7 '
                       r'rows have norms in \[3, 3\] \(rows 1, 4\)'):
        reid_evaluate(query, scaled, *ids)
    zero = query.clone()
    zero[2] = 0
    with pytest.raises(ValueError, match=r'`query_feats` must be L2-normalised .* 1 of 4 rows '
                       r'have norms in \[0, 0\]'):
        reid_evaluate(zero, gallery, *ids)
    with pytest.raises(ValueError, match='re_rank: `query_feats` must be L2-normalised'):
        re_rank(zero, gallery, k1=3, k2=2)


def test_unit_features_rounded_to_float16_are_accepted():
    rng = np.random.default_rng(6)
    feats = rng.standard_normal((60, 64))
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    half = torch.from_numpy(feats).half()
    assert (torch.linalg.vector_norm(half.float(), dim=1) - 1).abs().max() > 1e-4
    ids = (rng.integers(0, 5, 20), rng.integers(0, 5, 40), np.zeros(20, int), np.ones(40, int))
    result = reid_evaluate(half[:20].float(), half[20:].float(), *ids)
    assert result['num_valid'] > 0


def test_re_rank_refuses_non_finite_features():
    generator = torch.Generator().manual_seed(0)
    feats = torch.nn.functional.normalize(torch.randn(30, 8, generator=generator), dim=1)
    feats[[7, 9]] = float('nan')
    with pytest.raises(ValueError, match='re_rank: `gallery_feats` has 2 of 25 rows with NaN'):
        re_rank(feats[:5].numpy(), feats[5:].numpy(), k1=6, k2=3)
