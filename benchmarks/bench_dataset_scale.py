"""Benchmark ReMix's training set at LUPerson scale: build time, peak memory, video draw, sampler.

A synthetic ``ann_file`` of ``--num-images`` single-camera images (default 4.2M, LUPerson's size)
over ``--num-videos`` videos (default 46k; sizes drawn uniformly in [10, 2 * mean - 10]) and a
multi-camera list file of ``--num-multi-camera`` images (default 50k, 1500 pids, 6 cameras) are
written with numpy (fixed-width lines, no image files; about 2 s). Each measurement then runs in a
fresh process, as one rank of a DDP run would:

- ``SingleCameraVideos``: building the video dataset from the ``ann_file``;
- ``ReMixDataset``: building ReMix's training set (multi-camera list + the videos), i.e. what
  every rank does at start-up;
- ``refresh video draw``: ``ReMixRefreshHook._draw_videos`` (the epoch-start refresh's choice of
  videos, ``single_to_multi_ratio=1``), called, not copied;
- ``ReMixSampler epoch``: ``set_pseudo_labels`` with pseudo-labels on the drawn videos (runs
  of 10 images: 8 form a pseudo-identity, 2 are noise), then one epoch's indices (``list(sampler)``,
  batch 64 = 32 + 32, K = 4, one rank).

Reported: wall seconds of each step and the process's peak resident memory (``ru_maxrss``) after
it, in MB. Targets of issue 10: building under 60 s and under 1.5 GB per rank.

Usage (about a minute of CPU at the default size)::

    python benchmarks/bench_dataset_scale.py
    python benchmarks/bench_dataset_scale.py --num-images 420000 --num-videos 4600

Source: design choice of mmremix (benchmark tooling).
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(N,) non-negative ints -> (N, width) uint8 ASCII digits, zero-padded."""
    powers = 10**np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + ord('0')).astype(np.uint8)


def _fixed_width_lines(fields) -> np.ndarray:
    """Concatenate (N, w) uint8 blocks and literal byte strings into (N, sum w) lines."""
    num = next(len(f) for f in fields if isinstance(f, np.ndarray))
    blocks = [
        f if isinstance(f, np.ndarray) else np.broadcast_to(
            np.frombuffer(f, np.uint8), (num, len(f))) for f in fields
    ]
    return np.concatenate(blocks, axis=1)


def write_video_ann_file(path: str, num_images: int, num_videos: int, seed: int = 0) -> None:
    """Write ``videos/v<7 digits>/f<6 digits>.jpg v<7 digits>`` lines, grouped by video.

    Args:
        path (str): Output file.
        num_images (int): Lines (images).
        num_videos (int): Videos; sizes uniform in [10, 2 * mean - 10], adjusted to the total.
        seed (int): Seed of the sizes.
    """
    rng = np.random.default_rng(seed)
    mean = num_images / num_videos
    sizes = rng.integers(10, max(11, int(2 * mean) - 9), num_videos)
    sizes = np.maximum(1, np.round(sizes * num_images / sizes.sum()).astype(np.int64))
    sizes[-1] += num_images - sizes.sum()  # exact total
    video = np.repeat(np.arange(num_videos), sizes)
    frame = np.arange(num_images) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    video_digits = _digits(video, 7)
    lines = _fixed_width_lines([
        b'videos/v', video_digits, b'/f', _digits(frame, 6), b'.jpg v', video_digits, b'\n'
    ])
    lines.tofile(path)


def write_multi_camera_list(path: str, num_images: int, num_pids: int, seed: int = 0) -> None:
    """Write ``mc/<pid 5 digits>_c<cam>_<index 7 digits>.jpg <pid> <camid>`` lines."""
    rng = np.random.default_rng(seed)
    pids = np.sort(np.concatenate([np.arange(num_pids),
                                   rng.integers(0, num_pids, num_images - num_pids)]))
    cams = rng.integers(0, 6, num_images)
    pid_digits = _digits(pids, 5)
    lines = _fixed_width_lines([
        b'mc/', pid_digits, b'_c',
        _digits(cams + 1, 1), b'_',
        _digits(np.arange(num_images), 7), b'.jpg ', pid_digits, b' ',
        _digits(cams, 1), b'\n'
    ])
    lines.tofile(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(root: str, what: str) -> dict:
    """One measurement, in this (fresh) process: seconds and peak RSS of each step."""
    from mmremix.utils import register_all_modules
    register_all_modules()
    from mmremix.datasets import ReMixDataset, SingleCameraVideos
    from mmremix.datasets.samplers import ReMixSampler
    from mmremix.engine.hooks import ReMixRefreshHook

    rows = dict(baseline_mb=_peak_mb())
    videos_cfg = dict(type='SingleCameraVideos', data_root=root, ann_file='videos.txt')
    start = time.perf_counter()
    if what == 'videos':
        videos = SingleCameraVideos(root, ann_file='videos.txt')
        rows.update(items=len(videos), num_videos=videos.num_videos)
        rows['build_s'] = time.perf_counter() - start
        rows['build_mb'] = _peak_mb()
        return rows
    dataset = ReMixDataset(
        multi_camera=dict(type='ReIDListDataset', data_root=root, train='mc.txt'),
        single_camera=videos_cfg)
    rows.update(items=len(dataset), num_videos=dataset.metainfo['num_videos'])
    rows['build_s'] = time.perf_counter() - start
    rows['build_mb'] = _peak_mb()

    hook = ReMixRefreshHook(pipeline=[], single_to_multi_ratio=1.0)
    start = time.perf_counter()
    drawn = hook._draw_videos(dataset, 3, 0)
    rows['draw_s'] = time.perf_counter() - start
    rows['drawn_images'] = int(drawn.size)

    video_ids = dataset.get_video_ids()[dataset.num_multi_camera:]
    labels = np.full(dataset.num_single_camera, -1, dtype=np.int64)
    # per drawn video: runs of 10 images, 8 of each a pseudo-identity, 2 noise (20 %)
    position = drawn - np.searchsorted(video_ids, video_ids[drawn])
    clustered = position % 10 < 8
    labels[drawn[clustered]] = video_ids[drawn[clustered]] * 100_000 + position[clustered] // 10
    sampler = ReMixSampler(dataset, batch_size=64, num_instances=4, num_single_camera=32, seed=0)
    start = time.perf_counter()
    sampler.set_pseudo_labels(labels, video_ids)
    sampler.set_epoch(3)
    indices = list(sampler)
    rows['sampler_s'] = time.perf_counter() - start
    rows['sampler_indices'] = len(indices)
    rows['peak_mb'] = _peak_mb()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-images', type=int, default=4_200_000)
    parser.add_argument('--num-videos', type=int, default=46_000)
    parser.add_argument('--num-multi-camera', type=int, default=50_000)
    parser.add_argument('--num-pids', type=int, default=1_500)
    parser.add_argument('--measure', nargs=2, metavar=('ROOT', 'WHAT'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return

    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        write_video_ann_file(os.path.join(root, 'videos.txt'), args.num_images, args.num_videos)
        write_multi_camera_list(os.path.join(root, 'mc.txt'), args.num_multi_camera,
                                args.num_pids)
        written = time.perf_counter() - start
        size_mb = os.path.getsize(os.path.join(root, 'videos.txt')) / 2**20
        results = {}
        for what in ('videos', 'remix'):
            out = subprocess.run([sys.executable, __file__, '--measure', root, what],
                                 check=True, capture_output=True, text=True,
                                 env=dict(os.environ, PYTHONPATH=REPO)).stdout
            results[what] = json.loads(out.strip().splitlines()[-1])

    videos, remix = results['videos'], results['remix']
    print(f'Machine: {platform.machine()}, {os.cpu_count()} cores, Python '
          f'{platform.python_version()}; OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}')
    print(f'ann_file: {args.num_images} lines ({size_mb:.0f} MB) over {videos["num_videos"]} '
          f'videos + {args.num_multi_camera} multi-camera images, written in {written:.1f} s\n')
    print('| step | seconds | peak RSS (MB) |')
    print('|---|---|---|')
    print(f'| Python + mmremix imports | - | {remix["baseline_mb"]:.0f} |')
    print(f'| SingleCameraVideos from the ann_file ({videos["items"]} items) | '
          f'{videos["build_s"]:.1f} | {videos["build_mb"]:.0f} |')
    print(f'| ReMixDataset (multi-camera list + videos, {remix["items"]} items) | '
          f'{remix["build_s"]:.1f} | {remix["build_mb"]:.0f} |')
    print(f'| refresh video draw (`_draw_videos`, {remix["drawn_images"]} images drawn) | '
          f'{remix["draw_s"]:.3f} | - |')
    print(f'| ReMixSampler: set_pseudo_labels + one epoch ({remix["sampler_indices"]} indices) | '
          f'{remix["sampler_s"]:.3f} | {remix["peak_mb"]:.0f} |')


if __name__ == '__main__':
    main()
