"""Benchmark ReMix's pseudo-labelling: per-video vs global DBSCAN on k-reciprocal Jaccard distances.

Synthetic single-camera data shaped like LUPerson: videos of 50-500 images (uniform), each with
about one person per ``--images-per-id`` images; features are a mixture of Gaussians on the unit
sphere (a scene direction per video, an identity direction per person that shares part of its
video's direction, then image noise; all L2-normalised). For each size the clustering runs in a
fresh process. ``RSS before`` is the resident memory once the features exist (they are N x D
float32, plus the Python / faiss / scikit-learn baseline); the peak RSS is then reset to it (Linux
``/proc/self/clear_refs``), so ``peak RSS`` is the peak during the clustering and
``peak - before`` is what the clustering adds. ``CPU s`` is the process CPU time of the clustering
(all threads): the machine may be shared, so wall times vary with its load, printed before and
after. NMI / ARI / purity compare the pseudo-labels with the synthetic person ids.

Usage (one command, prints a Markdown table; about 2 minutes on 2 idle CPU cores with the
defaults, 5 minutes at load average 7)::

    python benchmarks/bench_clustering.py
    python benchmarks/bench_clustering.py --sizes 1000 10000 --dim 2048 --global-max 10000
"""
import argparse
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from mmremix.clustering import cluster_global, cluster_videos, pseudo_label_quality


def make_videos(num: int, dim: int, images_per_id: int, seed: int, scene_weight: float,
                noise: float, video_min: int = 50, video_max: int = 500):
    """Synthetic single-camera features: (features float32 (num, dim), video ids, person ids).

    A person's direction is ``normalise(scene_weight * scene + g)``, an image is
    ``normalise(person + noise * g')`` with g, g' ~ N(0, I / dim), so two images of one person
    have cosine similarity about 1 / (1 + noise^2) (0.31 with the default noise 1.5), images of
    two people of one video about that times scene_weight^2 / (1 + scene_weight^2) (0.15 with
    the default 1.0) and of different videos about 0. The video sizes are uniform in
    [video_min, video_max] (the last one cut to reach ``num``), the persons of a video get its
    images uniformly at random.

    Args:
        num (int): Number of features N.
        dim (int): Feature dimension D.
        images_per_id (int): Average images per person (persons per video = size / this).
        seed (int): Seed of the numpy generator.
        scene_weight (float): Weight of the video direction in a person direction.
        noise (float): Relative norm of the image noise.
        video_min (int): Smallest video. Defaults to 50.
        video_max (int): Largest video. Defaults to 500.

    Returns:
        tuple: features float32 (N, D) L2-normalised, video ids int64 (N,), person ids int64 (N,)
        (unique across videos).
    """
    rng = np.random.default_rng(seed)
    sizes = rng.integers(video_min, video_max + 1, size=num // video_min + 1)
    sizes = sizes[:np.searchsorted(np.cumsum(sizes), num) + 1]
    sizes[-1] -= sizes.sum() - num
    video_ids = np.repeat(np.arange(len(sizes)), sizes)
    ids_per_video = np.maximum(1, np.round(sizes / images_per_id)).astype(np.int64)
    id_offsets = np.concatenate([[0], np.cumsum(ids_per_video)[:-1]])
    person_ids = id_offsets[video_ids] + (rng.random(num) * ids_per_video[video_ids]).astype(
        np.int64)

    def unit(x):
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    scale = np.float32(1.0 / np.sqrt(dim))
    scenes = unit(rng.standard_normal((len(sizes), dim), dtype=np.float32))
    person_video = np.repeat(np.arange(len(sizes)), ids_per_video)
    persons = unit(scene_weight * scenes[person_video] +
                   scale * rng.standard_normal((len(person_video), dim), dtype=np.float32))
    feats = rng.standard_normal((num, dim), dtype=np.float32)
    feats *= noise * scale
    feats += persons[person_ids]
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    return feats, video_ids, person_ids


def _memory_mib(field: str) -> float:
    """``VmRSS`` (current) or ``VmHWM`` (peak) of this process from /proc/self/status, in MiB."""
    with open('/proc/self/status') as status:
        line = next(line for line in status if line.startswith(field + ':'))
    return int(line.split()[1]) / 1024


def run_one(num: int, mode: str, args: argparse.Namespace) -> dict:
    """Cluster ``num`` synthetic features ``per-video`` or ``global`` (run in a fresh process).

    Args:
        num (int): Number of features.
        mode (str): ``'per-video'`` (:func:`cluster_videos`) or ``'global'``
            (:func:`cluster_global`).
        args (argparse.Namespace): The command-line options.

    Returns:
        dict: ``videos``, ``total`` and ``cpu`` seconds, ``rss_before`` and ``rss_peak`` MiB, the
        stage seconds ``knn``, ``distance``, ``dbscan`` and the :func:`pseudo_label_quality` keys.
    """
    feats, video_ids, person_ids = make_videos(num, args.dim, args.images_per_id, args.seed,
                                               args.scene_weight, args.noise)
    rss_before = _memory_mib('VmRSS')
    with open('/proc/self/clear_refs', 'w') as clear_refs:
        clear_refs.write('5')  # reset the peak RSS (VmHWM) to the current RSS
    timings = {}
    kwargs = dict(eps=args.eps, min_samples=args.min_samples, metric=args.metric, k1=args.k1,
                  k2=args.k2, timings=timings)
    start, cpu_start = time.perf_counter(), time.process_time()
    if mode == 'per-video':
        labels = cluster_videos(feats, video_ids, **kwargs)
    else:
        labels = cluster_global(feats, **kwargs)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rss_peak = _memory_mib('VmHWM')
    quality = pseudo_label_quality(labels, person_ids)
    return dict(videos=int(video_ids.max()) + 1, total=total, cpu=cpu, rss_before=rss_before,
                rss_peak=rss_peak, **timings, **quality)


def parse_args() -> argparse.Namespace:
    """Parse the command line (sizes, D, the global-clustering limit, clustering options)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[1000, 10000, 100000, 1000000],
                        help='numbers of single-camera features')
    parser.add_argument('--dim', type=int, default=128, help='feature dimension D')
    parser.add_argument('--global-max', type=int, default=100000,
                        help='largest size clustered globally too (exact kNN is O(N^2 D))')
    parser.add_argument('--metric', choices=['jaccard', 'cosine'], default='jaccard')
    parser.add_argument('--eps', type=float, default=0.6)
    parser.add_argument('--min-samples', type=int, default=4)
    parser.add_argument('--k1', type=int, default=20)
    parser.add_argument('--k2', type=int, default=6)
    parser.add_argument('--images-per-id', type=int, default=15,
                        help='average images per person in a video')
    parser.add_argument('--scene-weight', type=float, default=1.0,
                        help='weight of the video direction in a person direction')
    parser.add_argument('--noise', type=float, default=1.5, help='image noise (relative norm)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    """Run every size per-video (and globally up to ``--global-max``); print a Markdown table."""
    args = parse_args()
    print(f'# bench_clustering: D={args.dim}, metric={args.metric}, k1={args.k1}, k2={args.k2}, '
          f'eps={args.eps}, min_samples={args.min_samples}, videos of 50-500 images, '
          f'~{args.images_per_id} images per person, scene weight {args.scene_weight}, '
          f'noise {args.noise}')
    print(f'# machine: {os.cpu_count()} CPUs, '
          f'{os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30:.0f} GiB RAM, '
          f'{platform.processor() or platform.machine()}; one fresh process per row; '
          f'load average at start {os.getloadavg()[0]:.1f}')
    header = ('| N | mode | videos | kNN s | Jaccard s | DBSCAN s | total s | CPU s | '
              'RSS before MiB | peak RSS MiB | clusters | noise | NMI | ARI | purity |')
    print(header)
    print('|' + '---|' * (header.count('|') - 1))
    for num in args.sizes:
        modes = ['per-video'] + (['global'] if num <= args.global_max else [])
        for mode in modes:
            with ProcessPoolExecutor(1, mp_context=get_context('spawn')) as pool:
                row = pool.submit(run_one, num, mode, args).result()
            print(f'| {num:,} | {mode} | {row["videos"]} | {row["knn"]:.2f} | '
                  f'{row["distance"]:.2f} | {row["dbscan"]:.2f} | {row["total"]:.2f} | '
                  f'{row["cpu"]:.2f} | {row["rss_before"]:.0f} | {row["rss_peak"]:.0f} | '
                  f'{row["num_clusters"]} | '
                  f'{row["noise_ratio"]:.3f} | {row["nmi"]:.3f} | {row["ari"]:.3f} | '
                  f'{row["purity"]:.3f} |', flush=True)
        if num > args.global_max:
            print(f'| {num:,} | global | - | skipped: N > --global-max={args.global_max} '
                  '(exact kNN costs O(N^2 D)) |||||||||||', flush=True)
    print(f'# load average at end {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
