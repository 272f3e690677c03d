import math

import faiss
import numpy as np
import pytest
import torch

from mmremix.clustering import (STORED_ZERO_DISTANCE, cluster_global, cluster_videos,
                                cosine_distance_graph, distance_graph, k_reciprocal_jaccard,
                                knn_edges, knn_search, l2_normalize, pseudo_label_quality)

DIM = 16
EYE = np.eye(DIM, dtype=np.float32)


def _blob_features(centres, size, outliers=(), noise=0.05, seed=0):
    """`size` noisy copies of each basis vector in `centres`, then the basis vectors `outliers`.

    Returns float32 (len(centres) * size + len(outliers), DIM) and the blob index of each row
    (-1 for outliers).
    """
    rng = np.random.default_rng(seed)
    blobs = np.repeat(EYE[list(centres)], size, axis=0)
    blobs = blobs + noise * rng.standard_normal(blobs.shape).astype(np.float32)
    feats = np.concatenate([blobs, EYE[list(outliers)]]).astype(np.float32)
    gt = np.concatenate([np.repeat(np.arange(len(centres)), size), -np.ones(len(outliers), int)])
    return feats, gt


def _dense_jaccard(feats, k1, k2):
    """Jaccard distance of k-reciprocal encodings, written directly from Zhong et al. (2017).

    N(i, k): i and its k nearest neighbours; R(i, k): the j in N(i, k) with i in N(j, k);
    R*(i, k1): R(i, k1) plus R(q, ceil(k1/2)) for q in R(i, k1) when the overlap is >= 2/3 of
    R(q, ceil(k1/2)); V_i[j] = exp(-||f_i - f_j||^2) on R*, normalised to sum 1; V_i averaged over
    the k2 nearest (i included); d_J = 1 - sum min / sum max. Also returns how many points had
    their R* expanded (so the test knows the expansion is exercised).
    """
    x = feats.astype(np.float64)
    num = len(x)
    dist = np.maximum(2.0 - 2.0 * x @ x.T, 0.0)
    rank = np.argsort(dist, axis=1, kind='stable')

    def neighbours(i, k):
        return set(rank[i, :k + 1].tolist())

    def reciprocal(i, k):
        return {j for j in neighbours(i, k) if i in neighbours(j, k)}

    half = math.ceil(k1 / 2)
    encoding = np.zeros((num, num))
    num_expanded = 0
    for i in range(num):
        base = reciprocal(i, k1)
        expanded = set(base)
        for q in base:
            candidate = reciprocal(q, half)
            if 3 * len(base & candidate) >= 2 * len(candidate):
                expanded |= candidate
        num_expanded += expanded != base
        for j in expanded:
            encoding[i, j] = math.exp(-dist[i, j])
        encoding[i] /= encoding[i].sum()
    encoding = np.stack([encoding[rank[i, :k2]].mean(axis=0) for i in range(num)])
    jaccard = np.zeros((num, num))
    for i in range(num):
        for j in range(num):
            jaccard[i, j] = 1.0 - (np.minimum(encoding[i], encoding[j]).sum() /
                                   np.maximum(encoding[i], encoding[j]).sum())
    return jaccard, num_expanded


def test_l2_normalize():
    out = l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], atol=1e-7)
    with pytest.raises(ValueError, match='features'):
        l2_normalize(np.zeros(3))


def test_knn_matches_torch_topk():
    rng = np.random.default_rng(1)
    feats = l2_normalize(rng.standard_normal((50, 12)))
    sims, indices = knn_search(feats, 7)
    ref_sims, ref_idx = torch.topk(torch.from_numpy(feats) @ torch.from_numpy(feats).T, 7, dim=1)
    assert sims.shape == (50, 7) and indices.dtype == np.int64
    np.testing.assert_array_equal(indices, ref_idx.numpy())
    np.testing.assert_allclose(sims, ref_sims.numpy(), atol=1e-5)
    assert np.all(indices[:, 0] == np.arange(50))


def test_knn_puts_self_first_among_duplicates():
    feats = np.repeat(EYE[:1], 5, axis=0)
    for k in (2, 4):
        sims, indices = knn_search(feats, k)
        np.testing.assert_array_equal(indices[:, 0], np.arange(5))
        assert all(len(set(row)) == k for row in indices.tolist())
        np.testing.assert_allclose(sims, 1.0)


def test_knn_threads_restored_and_gpu_fallback():
    feats = l2_normalize(np.random.default_rng(3).standard_normal((20, 5)))
    threads = faiss.omp_get_max_threads()
    _, single = knn_search(feats, 4, num_threads=1)
    assert faiss.omp_get_max_threads() == threads
    _, default = knn_search(feats, 4)
    np.testing.assert_array_equal(single, default)
    if faiss.get_num_gpus() == 0:
        with pytest.warns(UserWarning, match='no GPU'):
            _, cpu = knn_search(feats, 4, use_gpu=True)
        np.testing.assert_array_equal(cpu, default)


def test_knn_errors():
    feats = np.ones((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match='`k`'):
        knn_search(feats, 5)
    with pytest.raises(ValueError, match='float32'):
        knn_search(feats.astype(np.float64), 2)


def test_knn_without_faiss_names_the_extras(monkeypatch):
    from mmremix.clustering import knn
    monkeypatch.setattr(knn, 'faiss', None)
    features = np.eye(3, dtype=np.float32)
    for call in (lambda: knn.knn_search(features, 2), lambda: knn.l2_normalize(features)):
        with pytest.raises(ImportError, match=r'\.\[cpu\].*\.\[gpu\].*never both'):
            call()


def test_knn_edges_symmetrised():
    # 0 -> 1, 1 -> 2, 2 -> 1: undirected edges {0, 1} and {1, 2}, each once with row < col.
    knn = np.array([[0, 1], [1, 2], [2, 1]])
    rows, cols = knn_edges(knn, 1)
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 1), (1, 2)]
    with pytest.raises(ValueError, match='itself'):
        knn_edges(np.array([[1, 0], [0, 1]]), 1)
    with pytest.raises(ValueError, match='k \\+ 1'):
        knn_edges(knn, 2)


def test_distance_graph_keeps_zero_distances_sorted():
    graph = distance_graph(np.array([0, 1]), np.array([1, 2]), np.array([0.0, 0.3]), 3)
    assert graph.nnz == 7
    assert graph[0, 1] == STORED_ZERO_DISTANCE and graph[1, 0] == STORED_ZERO_DISTANCE
    assert graph[1, 1] == STORED_ZERO_DISTANCE
    assert graph[1, 2] == pytest.approx(0.3) and graph[2, 1] == pytest.approx(0.3)
    assert graph[0, 2] == 0
    for start, stop in zip(graph.indptr[:-1], graph.indptr[1:]):
        assert np.all(np.diff(graph.data[start:stop]) >= 0)


def test_jaccard_matches_dense_reference():
    feats, _ = _blob_features(range(4), 15, noise=0.4, seed=2)
    feats = l2_normalize(feats)
    k1, k2 = 5, 3
    _, knn = knn_search(feats, k1 + 1)
    graph = k_reciprocal_jaccard(feats, knn, k1=k1, k2=k2)
    reference, num_expanded = _dense_jaccard(feats, k1, k2)
    assert num_expanded > 0

    _, topk = torch.topk(torch.from_numpy(feats) @ torch.from_numpy(feats).T, k1 + 1, dim=1)
    expected = np.zeros((60, 60), dtype=bool)
    expected[np.repeat(np.arange(60), k1 + 1), topk.numpy().ravel()] = True
    expected |= expected.T
    pattern = graph.toarray() > 0
    np.testing.assert_array_equal(pattern, expected)
    np.testing.assert_allclose(graph.toarray()[expected], reference[expected], atol=1e-6)
    assert np.any(reference[expected] > 0.3) and np.any(reference[expected] < 0.3)


def test_jaccard_errors():
    feats = l2_normalize(np.random.default_rng(0).standard_normal((6, 4)))
    _, knn = knn_search(feats, 3)
    with pytest.raises(ValueError, match='k2'):
        k_reciprocal_jaccard(feats, knn, k1=2, k2=4)
    with pytest.raises(ValueError, match='k \\+ 1'):
        k_reciprocal_jaccard(feats, knn, k1=5, k2=2)
    with pytest.raises(ValueError, match='rows'):
        k_reciprocal_jaccard(feats[:5], knn, k1=2, k2=2)


def test_cosine_graph_values():
    feats = l2_normalize(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
    _, knn = knn_search(feats, 2)
    graph = cosine_distance_graph(feats, knn, 1).toarray()
    # 0 -> 1, 1 -> 2 (0.8 > 0.6), 2 -> 1: edges {0, 1} and {1, 2}; 0 and 2 not neighbours.
    np.testing.assert_allclose(graph[[0, 1], [1, 2]], [0.4, 0.2], atol=1e-6)
    assert graph[0, 2] == 0 and graph[2, 0] == 0


def _three_videos(seed=0):
    """Video 7: blobs 0-2 (15 each) + 2 outliers; video 3: blobs 3-4 (20 each); video 11: 3
    points. Shuffled. Returns features, video ids, and blob keys (video * 100 + blob, -1 noise)."""
    f7, g7 = _blob_features([0, 1, 2], 15, outliers=[8, 9], seed=seed)
    f3, g3 = _blob_features([3, 4], 20, seed=seed + 1)
    f11, _ = _blob_features([5], 3, seed=seed + 2)
    feats = np.concatenate([f7, f3, f11])
    videos = np.repeat(np.array([7, 3, 11]), [len(f7), len(f3), len(f11)])
    keys = np.concatenate([np.where(g7 >= 0, 700 + g7, -1), 300 + g3, -np.ones(3, int)])
    perm = np.random.default_rng(seed).permutation(len(feats))
    return feats[perm], videos[perm], keys[perm]


@pytest.mark.parametrize('metric, eps', [('jaccard', 0.6), ('cosine', 0.3)])
def test_cluster_videos_recovers_blobs(metric, eps):
    feats, videos, keys = _three_videos()
    timings = {}
    labels = cluster_videos(feats, videos, eps=eps, min_samples=4, metric=metric, k1=20, k2=6,
                            timings=timings)
    assert labels.dtype == np.int64 and labels.shape == (len(feats), )
    np.testing.assert_array_equal(labels[keys == -1], -1)
    # Each blob is exactly one cluster (labels equal to the blobs up to permutation).
    pairs = set(zip(keys[keys >= 0].tolist(), labels[keys >= 0].tolist()))
    assert len(pairs) == 5 and len({k for k, _ in pairs}) == 5 and len({c for _, c in pairs}) == 5
    # Numbered video by video in increasing video id: video 3 gets 0-1, video 7 gets 2-4.
    assert set(labels[videos == 3].tolist()) == {0, 1}
    assert set(labels[videos == 7].tolist()) == {-1, 2, 3, 4}
    assert set(labels[videos == 11].tolist()) == {-1}
    assert set(timings) == {'knn', 'distance', 'dbscan'} and all(v >= 0 for v in timings.values())


def test_cluster_global_matches_per_video_on_separated_blobs():
    feats, videos, keys = _three_videos()
    per_video = cluster_videos(feats, videos)
    global_labels = cluster_global(feats)
    assert pseudo_label_quality(global_labels, per_video)['ari'] == pytest.approx(1.0)
    np.testing.assert_array_equal(global_labels == -1, per_video == -1)


def test_cluster_videos_small_videos():
    # Fewer images than min_samples: all noise, no crash (also for a single image).
    labels = cluster_videos(EYE[:3], np.array([0, 0, 1]), min_samples=4)
    np.testing.assert_array_equal(labels, [-1, -1, -1])
    # One image with min_samples=1 is a cluster of its own (k1 clamped to 0).
    np.testing.assert_array_equal(cluster_videos(EYE[:1], np.array([5]), min_samples=1), [0])
    # Five near-identical images with the default k1=20 (clamped to 4): one cluster.
    feats, _ = _blob_features([0], 5)
    for metric in ('jaccard', 'cosine'):
        labels = cluster_videos(feats, np.zeros(5, dtype=np.int64), metric=metric, eps=0.3)
        np.testing.assert_array_equal(labels, np.zeros(5))
    assert cluster_videos(np.zeros((0, 4), np.float32), np.zeros(0, np.int64)).shape == (0, )


def test_cluster_videos_zero_distances_are_neighbours():
    # Exact duplicates have cosine distance 0: with a tiny eps they must still be neighbours.
    feats = np.concatenate([np.repeat(EYE[:1], 4, axis=0), np.repeat(EYE[1:2], 4, axis=0)])
    labels = cluster_videos(feats, np.zeros(8, np.int64), eps=1e-6, metric='cosine', k1=3)
    np.testing.assert_array_equal(labels, [0, 0, 0, 0, 1, 1, 1, 1])


def test_cluster_videos_errors():
    feats = EYE[:4]
    with pytest.raises(ValueError, match='metric'):
        cluster_videos(feats, np.zeros(4, np.int64), metric='euclidean')
    with pytest.raises(ValueError, match='eps'):
        cluster_videos(feats, np.zeros(4, np.int64), eps=0.0)
    with pytest.raises(ValueError, match='video_ids'):
        cluster_videos(feats, np.zeros(3, np.int64))
    with pytest.raises(ValueError, match='video_ids'):
        cluster_videos(feats, np.zeros(4))
    with pytest.raises(ValueError, match='features'):
        cluster_videos(np.zeros(4, np.float32), np.zeros(4, np.int64))


def test_quality_perfect_and_permuted():
    gt = np.array([3, 3, 5, 5, 5, 9])
    for pred in (np.array([0, 0, 1, 1, 1, 2]), np.array([2, 2, 0, 0, 0, 1])):
        quality = pseudo_label_quality(pred, gt)
        assert quality['nmi'] == pytest.approx(1.0)
        assert quality['ari'] == pytest.approx(1.0)
        assert quality['purity'] == pytest.approx(1.0)
        assert quality['num_clusters'] == 3 and quality['noise_ratio'] == 0.0


def test_quality_hand_computed():
    # Clusters {a, a, b} and {b}, gt ids a=0, b=1; plus two noise items left out.
    quality = pseudo_label_quality(np.array([0, 0, 0, 1, -1, -1]), np.array([0, 0, 1, 1, 0, 1]))
    assert quality['purity'] == pytest.approx(3 / 4)
    assert quality['num_clusters'] == 2
    assert quality['noise_ratio'] == pytest.approx(2 / 6)
    # ARI: sum C(n_ij, 2) = 1, rows C(3,2) + C(1,2) = 3, cols 1 + 1 = 2, C(4,2) = 6:
    # (1 - 3 * 2 / 6) / ((3 + 2) / 2 - 1) = 0.
    assert quality['ari'] == pytest.approx(0.0)
    mutual = 0.5 * math.log(4 / 3) + 0.25 * math.log(2 / 3) + 0.25 * math.log(2)
    h_pred = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert quality['nmi'] == pytest.approx(mutual / ((h_pred + math.log(2)) / 2))


def test_quality_all_noise_and_errors():
    quality = pseudo_label_quality(np.array([-1, -1]), np.array([0, 1]))
    assert math.isnan(quality['nmi']) and math.isnan(quality['purity'])
    assert quality['num_clusters'] == 0 and quality['noise_ratio'] == 1.0
    with pytest.raises(ValueError, match='same length'):
        pseudo_label_quality(np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError, match='gt_labels'):
        pseudo_label_quality(np.array([0, 1]), np.array([0.0, 1.0]))
