"""Per-video clustering shared among ranks, and the GPU size threshold."""
import datetime
from pathlib import Path

import numpy as np
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from helpers import free_port

import mmremix.clustering.dbscan as dbscan
from mmremix.clustering import cluster_videos
from mmremix.clustering.dbscan import split_videos

CFG = dict(eps=0.5, min_samples=3, metric='jaccard', k1=6, k2=2)


def _videos(seed=0):
    """Videos of 3 to 60 images, each a few noisy identities plus stray images, shuffled."""
    rng = np.random.default_rng(seed)
    feats, videos = [], []
    for video in range(23):
        size = int(rng.integers(3, 61))
        centres = rng.standard_normal((max(1, size // 8), 32))
        rows = centres[rng.integers(0, len(centres), size)] + 0.3 * rng.standard_normal((size, 32))
        feats.append(rows)
        videos.append(np.full(size, 100 + 7 * video))  # ids need not be contiguous
    feats, videos = np.concatenate(feats).astype(np.float32), np.concatenate(videos)
    order = rng.permutation(len(videos))
    return feats[order], videos[order]


def _worker(rank: int, port: int, out_dir: Path) -> None:
    torch.set_num_threads(1)
    torch_dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=60))
    feats, videos = _videos()
    clustered = []
    original = dbscan._cluster_one

    def recording(features, *args):
        clustered.append(len(features))
        return original(features, *args)

    dbscan._cluster_one = recording  # a forked process of its own
    labels = cluster_videos(feats, videos, distributed=True, **CFG)
    np.save(out_dir / f'labels{rank}.npy', labels)
    np.save(out_dir / f'sizes{rank}.npy', np.array(clustered))
    torch_dist.destroy_process_group()


def test_two_ranks_share_the_videos_and_give_the_one_process_labels(tmp_path):
    feats, videos = _videos()
    single = cluster_videos(feats, videos, **CFG)
    assert single.max() >= 20 and (single == -1).any()  # many clusters and some noise
    mp.start_processes(_worker, args=(free_port(), tmp_path), nprocs=2, join=True,
                       start_method='fork')
    for rank in (0, 1):
        assert np.array_equal(np.load(tmp_path / f'labels{rank}.npy'), single)
    sizes = [np.load(tmp_path / f'sizes{rank}.npy') for rank in (0, 1)]
    # each video was clustered once, by one rank, and each rank did a part
    assert len(sizes[0]) + len(sizes[1]) == 23 and len(sizes[0]) and len(sizes[1])
    assert sorted(np.concatenate(sizes)) == sorted(np.bincount(np.unique(videos,
                                                   return_inverse=True)[1]))


def test_split_videos_partitions_and_balances_the_cost():
    sizes = np.array([100, 3, 50, 50, 7, 90, 10, 60])
    shares = split_videos(sizes, 3)
    assert sorted(np.concatenate(shares).tolist()) == list(range(8))
    assert all(np.all(np.diff(share) > 0) for share in shares)
    costs = [int((sizes[share]**2).sum()) for share in shares]
    assert max(costs) <= 1.5 * min(costs)
    assert [s.tolist() for s in split_videos(sizes, 1)] == [list(range(8))]
    assert [len(s) for s in split_videos(np.array([5]), 2)] == [1, 0]


def test_gpu_is_asked_for_large_videos_only(monkeypatch):
    asked = []
    search = dbscan.knn_search

    def recording(features, k, use_gpu=False, num_threads=None):
        asked.append((len(features), use_gpu))
        return search(features, k, use_gpu=False, num_threads=num_threads)

    monkeypatch.setattr(dbscan, 'knn_search', recording)
    feats = np.random.default_rng(0).standard_normal((30, 8)).astype(np.float32)
    videos = np.repeat([0, 1], [10, 20])
    cluster_videos(feats, videos, use_gpu=True, gpu_min_video_size=15, **CFG)
    assert sorted(asked) == [(10, False), (20, True)]
    asked.clear()
    cluster_videos(feats, videos, use_gpu=False, gpu_min_video_size=0, **CFG)
    assert sorted(asked) == [(10, False), (20, False)]
