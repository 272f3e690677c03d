"""Benchmark data loading on the real data against the model's own rate: which one bounds training?

Images per second decoded and augmented by a ``torch.utils.data.DataLoader`` (batch 64,
``pseudo_collate``, as the runner builds it) with 0, 1 and 2 workers, for:

- ``train (2 views)``: ReMix's training pipeline of the CPU-sized real-data config (load, resize,
  ``MultiView`` of the standard and the strongly augmented view, pack) over its ``ReMixDataset``
  (``market1501_split`` train + CUHK03 videos); one image = one item = its two views;
- ``test``: the test pipeline (load, resize, pack) over ``market1501_split`` train, what the
  epoch-start refresh feeds the momentum encoder.

Each case reads ``--num-images`` random items (seeded) after a warm-up pass of 2 batches per
worker (at least 1) on the same loader, whose workers persist, so process start-up is left out and
the time covers the timed pass only.

Against them, the model's rates at 1 thread, MobileNetV2 at 128 x 64, in this process:
``ReMix training`` is B / (median seconds of a full ReMix iteration, built as in
``bench_train_overhead.py``: both views fwd + bwd, momentum forward, losses, step, EMA) in
images per second; ``momentum encoder eval forward`` is the refresh's extraction rate (eval mode,
no grad, batch 128).

Skipped, with a message, when ``../shared/data/market1501_split`` (beside the repository) is
absent. Runs from any directory (the config's paths are relative to the repository root).

Usage (about 2 minutes of CPU)::

    python benchmarks/bench_dataloading.py
    python benchmarks/bench_dataloading.py --workers 0 2 --num-images 512

Source: design choice of mmremix (benchmark tooling).
"""
import argparse
import os
import platform
import statistics
import time
from typing import Iterator, List

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from torch.utils.data import DataLoader

from bench_train_overhead import (BACKBONES, add_shape_args, build_remix, make_batches, make_items,
                                  make_sampler)
from mmremix.registry import DATASETS, MODELS
from mmremix.utils import register_all_modules

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKET = os.path.join(REPO, '..', 'shared', 'data', 'market1501_split')


class _Indices:
    """A sampler whose indices can be replaced between passes (persistent workers stay up)."""

    def __init__(self, indices: List[int]) -> None:
        self.indices = indices

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def loader_rate(dataset, num_workers: int, args: argparse.Namespace) -> float:
    """Items per second through a DataLoader, after a warm-up pass.

    Args:
        dataset (torch.utils.data.Dataset): Dataset with its pipeline.
        num_workers (int): DataLoader workers (0 = in this process).
        args (argparse.Namespace): ``batch_size``, ``num_images``, ``seed``.

    Returns:
        float: Items per second of the timed pass (``num_images`` items, decoded, augmented and
        collated).
    """
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(dataset)).tolist()
    warm = args.batch_size * max(1, 2 * num_workers)
    sampler = _Indices(order[:warm])
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler,
                        num_workers=num_workers, persistent_workers=num_workers > 0,
                        collate_fn=pseudo_collate)
    for _ in loader:
        pass
    sampler.indices = order[warm:warm + args.num_images]
    start = time.perf_counter()
    count = sum(len(batch['data_samples']) for batch in loader)
    return count / (time.perf_counter() - start)


def remix_rate(args: argparse.Namespace) -> float:
    """Images per second of full ReMix iterations (MobileNetV2, random images, 1 warm-up).

    Args:
        args (argparse.Namespace): ``model_reps`` and the options of
            ``bench_train_overhead.add_shape_args``.

    Returns:
        float: ``batch_size / median iteration seconds``.
    """
    rng = np.random.default_rng(args.seed)
    items = make_items(args, rng)
    model, optim_wrapper = build_remix('mobilenetv2', items, args)
    sampler = make_sampler(items, args)
    sampler.set_epoch(0)
    rows = sampler.sample_batches()[:args.model_reps + 1]
    seconds = []
    for batch in make_batches(rows, items['table'], (args.height, args.width), rng):
        start = time.perf_counter()
        model.train_step(batch, optim_wrapper)
        model.momentum_update()
        seconds.append(time.perf_counter() - start)
    return args.batch_size / statistics.median(seconds[1:])


def eval_rate(args: argparse.Namespace) -> float:
    """Images per second of an eval-mode, no-grad MobileNetV2 forward at batch 128 (1 warm-up).

    Args:
        args (argparse.Namespace): ``height``, ``width``, ``model_reps``.

    Returns:
        float: ``128 / median batch seconds``.
    """
    backbone = MODELS.build(BACKBONES['mobilenetv2'][0])
    backbone.eval()
    inputs = torch.randn(128, 3, args.height, args.width)
    seconds = []
    with torch.no_grad():
        for _ in range(args.model_reps + 1):
            start = time.perf_counter()
            backbone(inputs)
            seconds.append(time.perf_counter() - start)
    return inputs.size(0) / statistics.median(seconds[1:])


def parse_args() -> argparse.Namespace:
    """Parse the command line (workers, images, batch, model repetitions)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--num-images', type=int, default=1024, help='timed items per case')
    parser.add_argument('--model-reps', type=int, default=3,
                        help='timed model iterations (after 1 warm-up)')
    add_shape_args(parser)  # the model's input and synthetic batches, as bench_train_overhead.py
    return parser.parse_args()


def main() -> None:
    """Print the loader table and the model's rates (1 torch thread in this process)."""
    args = parse_args()
    if not os.path.isdir(MARKET):
        print(f'bench_dataloading: skipped, {os.path.normpath(MARKET)} not found (the real data '
              'lives in ../shared/data beside the repository)')
        return
    os.chdir(REPO)
    torch.set_num_threads(1)
    cv2.setNumThreads(0)  # as the runner's env_cfg (opencv_num_threads=0)
    register_all_modules()
    MMLogger.get_instance('bench_dataloading', log_level='ERROR')
    cfg = Config.fromfile(args.config)
    datasets = {
        'train (2 views)': DATASETS.build(cfg.train_dataloader.dataset),
        'test': DATASETS.build(dict(type='Market1501', data_root=cfg.train_dataloader.dataset
                                    .multi_camera.data_root, split='train',
                                    pipeline=cfg.test_pipeline)),
    }
    print(f'# bench_dataloading: {args.config}, torch {torch.__version__}, {os.cpu_count()} CPUs '
          f'({platform.processor() or platform.machine()}), batch {args.batch_size}, '
          f'{args.num_images} items per case, load average at start {os.getloadavg()[0]:.1f}\n')
    print('| pipeline | workers | images / s |')
    print('|---|---|---|')
    for name, dataset in datasets.items():
        for workers in args.workers:
            print(f'| {name} | {workers} | {loader_rate(dataset, workers, args):.0f} |', flush=True)
    print('\n| model, 1 thread, MobileNetV2 128 x 64 | images / s |')
    print('|---|---|')
    print(f'| ReMix training iteration (B = {args.batch_size}, 2 views each) | '
          f'{remix_rate(args):.1f} |', flush=True)
    print(f'| momentum encoder eval forward (refresh extraction) | {eval_rate(args):.1f} |')
    print(f'\n# load average at end {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
