"""Benchmark the refresh's feature extraction: loader workers and batch size at a thread count.

The epoch-start refresh (``ReMixRefreshHook._extract``) builds a fresh ``DataLoader`` over the
multi-camera training images (test pipeline, ``pseudo_collate``, ``num_workers`` and ``batch_size``
of the hook) and runs the momentum encoder in eval mode. This script does the same over the first
``--num-images`` images of ``market1501_split`` train, with the model of the CPU-sized real-data
config (MobileNetV2, 128 x 64), for every combination of ``--workers`` and ``--batch-sizes``, and
prints images per second per combination (median over ``--reps`` passes; worker start-up is
inside the timed pass, as in the hook, where the loader lives for one refresh). The combinations
are interleaved within each repetition (the order rotates), so a change of machine load hits all
of them alike.

Skipped, with a message, when ``../shared/data/market1501_split`` (beside the repository) is
absent. Run from the repository root.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_refresh_extraction.py
    OMP_NUM_THREADS=1 python benchmarks/bench_refresh_extraction.py --workers 0 2 \
        --batch-sizes 128 256 --num-images 2048 --reps 3

Source: design choice of mmremix (benchmark tooling).
"""
import argparse
import os
import platform
import statistics
import time
from itertools import product

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from torch.utils.data import DataLoader, Dataset

from mmremix.registry import DATASETS, MODELS
from mmremix.utils import register_all_modules

CONFIG = 'configs/remix/remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py'
DATA = '../shared/data/market1501_split'


class _TestViews(Dataset):
    """The first ``num`` training images through the test pipeline (as the refresh reads them)."""

    def __init__(self, dataset, pipeline, num: int) -> None:
        self.infos = [dataset.get_data_info(i) for i in range(min(num, len(dataset)))]
        self.pipeline = Compose(pipeline)

    def __len__(self) -> int:
        return len(self.infos)

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(dict(self.infos[index], sample_idx=index))


@torch.no_grad()
def one_pass(model, views: Dataset, workers: int, batch_size: int) -> float:
    """Seconds of one extraction pass, loader start-up included."""
    start = time.perf_counter()
    loader = DataLoader(views, batch_size=batch_size, num_workers=workers,
                        collate_fn=pseudo_collate)
    for batch in loader:
        model.momentum_features(model.data_preprocessor(batch, False)['inputs'])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[128, 256])
    parser.add_argument('--num-images', type=int, default=2048)
    parser.add_argument('--reps', type=int, default=3)
    args = parser.parse_args()
    if not os.path.isdir(DATA):
        print(f'skipped: {DATA} is absent (the shared real data beside the repository)')
        return
    register_all_modules()
    cfg = Config.fromfile(CONFIG)
    # initial weights: the speed is that of trained ones unless those hold denormal values
    # (benchmarks/bench_denormals.py)
    model = MODELS.build(cfg.model).eval()
    dataset = DATASETS.build(dict(type='Market1501', data_root=DATA, split='train'))
    hook = next(h for h in cfg.custom_hooks if h['type'] == 'ReMixRefreshHook')
    views = _TestViews(dataset, hook['pipeline'], args.num_images)
    cases = list(product(args.workers, args.batch_sizes))
    one_pass(model, views, 0, 128)  # warm-up
    times = {case: [] for case in cases}
    for rep in range(args.reps):
        shift = rep % len(cases)
        for case in cases[shift:] + cases[:shift]:
            times[case].append(one_pass(model, views, *case))
    print(f'machine: {platform.machine()}, {os.cpu_count()} CPUs, torch threads '
          f'{torch.get_num_threads()}, load average at the end {os.getloadavg()[0]:.1f}; '
          f'{len(views)} images, {args.reps} passes per case')
    print('| workers | batch size | images / s, median | min s | max s |')
    print('|---|---|---|---|---|')
    for case in cases:
        median = statistics.median(times[case])
        print(f'| {case[0]} | {case[1]} | {len(views) / median:.1f} | {min(times[case]):.2f} | '
              f'{max(times[case]):.2f} |')


if __name__ == '__main__':
    main()
