"""DBSCAN pseudo-labels of single-camera data, video by video (ReMix's epoch-start refresh).

Time and memory. For a video of n images, the exact kNN search costs O(n^2 D) time; the distance
graph and DBSCAN cost O(n k1 m) time and memory (m: stored entries of an expanded k-reciprocal
encoding, a few times k1; for ``metric='cosine'`` m = 1). Videos are independent, so the
per-video clustering of N images in videos of at most n_max images is linear in N:
O(N n_max D) time, and the peak memory is the features plus one video's graph. Clustering all
videos together (:func:`cluster_global`) costs O(N^2 D) time in the kNN search and O(N k1 m)
memory; it is offered to compare with (the mmremix method spec asks for per-video vs global).
"""
import heapq
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_reduce, get_dist_info
from sklearn.cluster import DBSCAN
from tqdm import tqdm

from .jaccard import k_reciprocal_jaccard
from .knn import cosine_distance_graph, knn_search, l2_normalize

__all__ = ['cluster_videos', 'cluster_global']

_METRICS = ('jaccard', 'cosine')

# Videos of fewer images search their kNN on the CPU even with ``use_gpu=True``: a GPU index per
# small video costs more in set-up and transfers than the search (design choice of mmremix; the
# cross-over size has not been measured, no GPU machine with faiss-gpu was available).
DEFAULT_GPU_MIN_VIDEO_SIZE = 1000


def _check_args(eps: float, min_samples: int, metric: str, k1: int, k2: int) -> None:
    """Check the clustering hyper-parameters.

    Raises:
        ValueError: If a value is out of range or ``metric`` is unknown.
    """
    if metric not in _METRICS:
        raise ValueError(f'`metric` must be one of {_METRICS}, got {metric!r}')
    if not eps > 0:
        raise ValueError(f'`eps` must be > 0, got {eps}')
    if min_samples < 1:
        raise ValueError(f'`min_samples` must be >= 1, got {min_samples}')
    if k1 < 1 or k2 < 1:
        raise ValueError(f'`k1` and `k2` must be >= 1, got k1={k1}, k2={k2}')


def _add_time(timings: Optional[Dict[str, float]], key: str, start: float) -> float:
    """Add the seconds since ``start`` to ``timings[key]`` (when given); return the time now."""
    now = time.perf_counter()
    if timings is not None:
        timings[key] = timings.get(key, 0.0) + now - start
    return now


def _cluster_one(features: np.ndarray, eps: float, min_samples: int, metric: str, k1: int,
                 k2: int, use_gpu: bool, knn_threads: Optional[int],
                 timings: Optional[Dict[str, float]]) -> np.ndarray:
    """DBSCAN of one set of L2-normalised float32 features (n, D); labels 0..c-1, -1 for noise.

    k1 is clamped to n - 1 and k2 to k1 + 1, so small sets work (a set of one point has no
    edges). A set smaller than ``min_samples`` is all noise without clustering. ``knn_threads``
    goes to :func:`knn_search` as ``num_threads``.
    """
    num = features.shape[0]
    if num < min_samples:
        return np.full(num, -1, dtype=np.int64)
    k1 = min(k1, num - 1)
    k2 = min(k2, k1 + 1)
    start = time.perf_counter()
    _, knn_indices = knn_search(features, k1 + 1, use_gpu=use_gpu, num_threads=knn_threads)
    start = _add_time(timings, 'knn', start)
    if metric == 'jaccard':
        graph = k_reciprocal_jaccard(features, knn_indices, k1=k1, k2=k2)
    else:
        graph = cosine_distance_graph(features, knn_indices, k1)
    start = _add_time(timings, 'distance', start)
    labels = DBSCAN(eps=eps, min_samples=min_samples, metric='precomputed').fit_predict(graph)
    _add_time(timings, 'dbscan', start)
    return labels.astype(np.int64)


def cluster_videos(features: np.ndarray,
                   video_ids: np.ndarray,
                   eps: float = 0.6,
                   min_samples: int = 4,
                   metric: str = 'jaccard',
                   k1: int = 20,
                   k2: int = 6,
                   use_gpu: bool = False,
                   timings: Optional[Dict[str, float]] = None,
                   progress: bool = False,
                   gpu_min_video_size: int = DEFAULT_GPU_MIN_VIDEO_SIZE,
                   distributed: bool = False) -> np.ndarray:
    """Cluster each video's images with DBSCAN; return global pseudo-identity labels.

    Each video is clustered on its own (a person is assumed never to appear in two videos) with
    scikit-learn's ``DBSCAN(metric='precomputed')`` on a sparse distance graph over the
    symmetrised k1-NN graph of the video: k-reciprocal Jaccard distances
    (:func:`k_reciprocal_jaccard`) or cosine distances ``1 - f_i . f_j``. Pairs outside the kNN
    graph are not neighbours. Within a video k1 is clamped to (video size - 1) and k2 to k1 + 1;
    a video with fewer than ``min_samples`` images is all noise. The kNN search of a video runs on
    one faiss thread (small searches are faster so, see :func:`knn_search`). Cluster j of the v-th
    video (in increasing video id) gets the label ``(clusters of the videos before it) + j``, so
    labels are 0..C-1, unique across videos; noise is -1 (left out of the epoch). The caller adds
    the multi-camera identity offset.

    With ``distributed=True`` and several ranks, every rank calls it with the same features and
    video ids (a collective): each rank clusters a share of the videos (shares balanced by the
    O(n^2) cost of the kNN search, :func:`split_videos`), the per-video labels and cluster counts
    are summed over ranks with two all-reduces of int64 tensors, and every rank returns the same
    labels, equal bit for bit to those of one process (each video is clustered by the same
    deterministic code on the same features; the numbering only needs the counts). See the
    module docstring for time and memory; measured on
    2 CPU cores (D = 128): 1M features in 3.6k videos in about 1 minute, 40 MiB above the
    features (``benchmarks/bench_clustering.py``).

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 4.2 of the mmremix method spec (per-video
    DBSCAN on k-reciprocal Jaccard distances, defaults k1=20, k2=6, eps=0.6, min_samples=4,
    cosine as an option: design choices of mmremix).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> centers = np.repeat(np.eye(4, dtype=np.float32), 10, axis=0)
        >>> feats = centers + 0.01 * rng.standard_normal((40, 4)).astype(np.float32)
        >>> videos = np.repeat(np.array([0, 1]), 20)
        >>> labels = cluster_videos(feats, videos, eps=0.5, min_samples=4, metric='cosine', k1=8)
        >>> np.unique(labels).tolist()
        [0, 1, 2, 3]

    Args:
        features (np.ndarray): float (N, D) features; L2-normalised here (a float32 copy per
            video).
        video_ids (np.ndarray): int (N,) video id of each feature (any integers).
        eps (float): DBSCAN radius in the chosen distance, > 0. Defaults to 0.6.
        min_samples (int): DBSCAN core-point neighbourhood size, the point itself included, >= 1.
            Defaults to 4.
        metric (str): ``'jaccard'`` or ``'cosine'``. Defaults to ``'jaccard'``.
        k1 (int): kNN graph size and k-reciprocal neighbourhood size, >= 1. Defaults to 20.
        k2 (int): Local query expansion size (Jaccard only), >= 1. Defaults to 6.
        use_gpu (bool): Run the kNN search on a faiss GPU index when faiss has GPUs, for videos
            of at least ``gpu_min_video_size`` images. Defaults to False.
        timings (dict, optional): When given, the seconds spent in ``'knn'``, ``'distance'`` and
            ``'dbscan'`` are added to it (for logging and benchmarks); distributed, this rank's
            share only.
        progress (bool): Show a progress bar over the videos. Defaults to False.
        gpu_min_video_size (int): With ``use_gpu``, smaller videos are searched on the CPU (one
            thread). Default 1000: a guess, the GPU/CPU cross-over size is unmeasured (design
            choice of mmremix).
        distributed (bool): Share the videos among the ranks of the default process group (see
            above); without a process group or with one rank it changes nothing. Defaults to
            False.

    Returns:
        np.ndarray: int64 (N,) labels in -1..C-1.

    Raises:
        ValueError: If ``features`` is not 2-D float, ``video_ids`` is not an int array of shape
            (N,), or a hyper-parameter is out of range.
    """
    _check_args(eps, min_samples, metric, k1, k2)
    features = np.asarray(features)
    video_ids = np.asarray(video_ids)
    if features.ndim != 2 or not np.issubdtype(features.dtype, np.floating):
        raise ValueError('cluster_videos: `features` must be a 2-D float array (N, D), got shape '
                         f'{features.shape} and dtype {features.dtype}')
    if video_ids.shape != (features.shape[0], ) or not np.issubdtype(video_ids.dtype, np.integer):
        raise ValueError(f'cluster_videos: `video_ids` must be an int array of shape '
                         f'({features.shape[0]},), got shape {video_ids.shape} and dtype '
                         f'{video_ids.dtype}')
    if features.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(video_ids, kind='stable')
    _, starts = np.unique(video_ids[order], return_index=True)
    videos = np.split(order, starts[1:])
    rank, world_size = get_dist_info() if distributed else (0, 1)
    mine = split_videos(np.array([len(v) for v in videos], dtype=np.int64), world_size)[rank]
    # per item its label within its video (-1: noise or another rank's video), per video its
    # number of clusters
    local = np.full(features.shape[0], -1, dtype=np.int64)
    counts = np.zeros(len(videos), dtype=np.int64)
    for v in tqdm(mine, desc='refresh: clustering', unit='video', disable=not progress,
                  mininterval=5):
        members = videos[v]
        local[members] = _cluster_one(
            l2_normalize(features[members]), eps, min_samples, metric, k1, k2,
            use_gpu and len(members) >= gpu_min_video_size, 1, timings)
        counts[v] = local[members].max() + 1
    if world_size > 1:
        local, counts = _sum_over_ranks(local + 1) - 1, _sum_over_ranks(counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    video_of_item = np.empty(features.shape[0], dtype=np.int64)
    video_of_item[order] = np.repeat(np.arange(len(videos)), [len(v) for v in videos])
    return np.where(local >= 0, local + offsets[video_of_item], -1)


def split_videos(sizes: np.ndarray, world_size: int) -> List[np.ndarray]:
    """Share videos among ranks so that each rank's kNN cost (sum of size^2) is about equal.

    Greedy longest-first: videos in decreasing size, each to the rank with the least cost so far
    (ties to the lower rank). Deterministic: every rank computes the same shares. Cost: O(V log W).

    Source: design choice of mmremix (longest-processing-time-first scheduling).

    Args:
        sizes (np.ndarray): int (V,) images per video.
        world_size (int): Number of ranks W >= 1.

    Returns:
        list[np.ndarray]: W int64 arrays of video indices (into ``sizes``), each increasing; every
        video in exactly one.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    owner = np.zeros(len(sizes), dtype=np.int64)
    if world_size > 1:
        loads = [(0, rank) for rank in range(world_size)]
        for video in np.argsort(-sizes, kind='stable'):
            load, rank = heapq.heappop(loads)
            owner[video] = rank
            heapq.heappush(loads, (load + int(sizes[video])**2, rank))
    return [np.flatnonzero(owner == rank) for rank in range(world_size)]


def _sum_over_ranks(values: np.ndarray) -> np.ndarray:
    """int64 array summed over the ranks of the default process group (exact)."""
    tensor = torch.from_numpy(np.ascontiguousarray(values))
    all_reduce(tensor, op='sum')
    return tensor.numpy()


def cluster_global(features: np.ndarray,
                   eps: float = 0.6,
                   min_samples: int = 4,
                   metric: str = 'jaccard',
                   k1: int = 20,
                   k2: int = 6,
                   use_gpu: bool = False,
                   timings: Optional[Dict[str, float]] = None) -> np.ndarray:
    """Cluster all features together with one DBSCAN (the baseline to per-video clustering).

    Same distances and arguments as :func:`cluster_videos`, on the kNN graph of all N features.
    The exact kNN search costs O(N^2 D) time (about 10^12 multiply-adds for N = 100k, D = 128),
    which limits it to a few 100k features on a CPU; memory stays O(N k1 m).

    Source: design choice of mmremix (comparison asked for by the mmremix method spec).

    Args:
        features (np.ndarray): float (N, D) features; L2-normalised here (a float32 copy).
        eps (float): DBSCAN radius, > 0. Defaults to 0.6.
        min_samples (int): DBSCAN core-point neighbourhood size, >= 1. Defaults to 4.
        metric (str): ``'jaccard'`` or ``'cosine'``. Defaults to ``'jaccard'``.
        k1 (int): kNN graph and k-reciprocal size, >= 1. Defaults to 20.
        k2 (int): Local query expansion size, >= 1. Defaults to 6.
        use_gpu (bool): faiss GPU kNN when available. Defaults to False.
        timings (dict, optional): Filled like in :func:`cluster_videos`.

    Returns:
        np.ndarray: int64 (N,) labels in -1..C-1.

    Raises:
        ValueError: If ``features`` is not a 2-D float array or a hyper-parameter is out of range.
    """
    _check_args(eps, min_samples, metric, k1, k2)
    return _cluster_one(
        l2_normalize(features), eps, min_samples, metric, k1, k2, use_gpu, None, timings)
