"""Benchmark the CPU cost of denormal weights in trained checkpoints, with and without flushing.

Late epochs of the CPU runs are slower per iteration than early ones on the same load (the
6-epoch ReMix run alone at 2 threads: 1.8 s per iteration in epochs 1 to 4, 2.4 s in epoch 5,
3.0 s in epoch 6, each part a fresh process). A float32 value below ``torch.finfo(float32).tiny``
(1.18e-38) is denormal (subnormal); x86 cores handle arithmetic on such values in a slow microcode
path unless the flush-to-zero / denormals-are-zero flags are set, which
``torch.set_flush_denormal(True)`` does (with torch 2.14 for the intra-op threads too).

For each checkpoint this script counts the denormal values of the encoder's weights and buffers
(``encoder.*`` in the ``state_dict``) and of Adam's ``exp_avg`` / ``exp_avg_sq`` state, loads the
encoder weights into the model of ``--config`` (backbone, neck and BNNeck; no pretrained
download), and times one training step of the encoder in train mode: forward of a fixed random
batch of ``--batch-size`` normalised images of ``--input-size``, a scalar loss (mean square of the
features before and after the BNNeck) and backward. Flushing off and on are interleaved per
repetition (the order rotates), ``--warmup`` repetitions are dropped, and the median and minimum of
``--reps`` are printed.

Usage::

    python benchmarks/bench_denormals.py --checkpoints work_dirs/RUN/epoch_4.pth \
        work_dirs/RUN/epoch_6.pth --threads 1

Source: design choice of mmremix (benchmark tooling).
"""
import argparse
import os
import platform
import statistics
import time

import torch
from mmengine.config import Config

from mmremix.registry import MODELS
from mmremix.utils import register_all_modules

CONFIG = 'configs/remix/remix_mobilenetv2_1xb64-3e_market1501-split_towncentre-videos_128x64.py'
TINY = torch.finfo(torch.float32).tiny


def count_denormals(tensors) -> tuple:
    """(number of denormal values, number of values) over the floating tensors of ``tensors``."""
    denormal = total = 0
    for t in tensors:
        if torch.is_tensor(t) and t.dtype == torch.float32:
            denormal += int(((t != 0) & (t.abs() < TINY)).sum())
            total += t.numel()
    return denormal, total


def load_checkpoint(path: str) -> dict:
    """Denormal counts and the encoder's state of one checkpoint."""
    ckpt = torch.load(path, map_location='cpu', weights_only=False)
    state = ckpt['state_dict']
    encoder = {k[len('encoder.'):]: v for k, v in state.items() if k.startswith('encoder.')}
    if not encoder:
        raise KeyError(f'{path}: no "encoder.*" keys in its state_dict (a ReMix / ReID checkpoint '
                       'was expected)')
    adam = list((ckpt.get('optimizer') or {}).get('state', {}).values())
    return dict(
        encoder=encoder,
        weights=count_denormals(encoder.values()),
        exp_avg=count_denormals(s.get('exp_avg') for s in adam),
        exp_avg_sq=count_denormals(s.get('exp_avg_sq') for s in adam))


def build_encoder(config: str) -> torch.nn.Module:
    """The config's encoder (backbone, neck, BNNeck) without its pretrained initialisation."""
    cfg = Config.fromfile(config)
    model_cfg = cfg.model
    model_cfg.backbone.pop('init_cfg', None)
    return MODELS.build(model_cfg).encoder


def step_seconds(encoder: torch.nn.Module, images: torch.Tensor, flush: bool) -> float:
    """Seconds of one forward + backward of ``encoder`` on ``images`` with flushing ``flush``."""
    torch.set_flush_denormal(flush)
    encoder.zero_grad(set_to_none=True)
    start = time.perf_counter()
    pooled, after_bnneck = encoder(images)
    (pooled.square().mean() + after_bnneck.square().mean()).backward()
    return time.perf_counter() - start


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--checkpoints', nargs='+', required=True, help='.pth files to compare')
    parser.add_argument('--config', default=CONFIG, help='config whose model the weights fit')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--input-size', type=int, nargs=2, default=(128, 64),
                        metavar=('HEIGHT', 'WIDTH'), help='image size of the config (pixels)')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(False)
    register_all_modules()
    height, width = args.input_size
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(args.batch_size, 3, height, width, generator=generator)
    encoder = build_encoder(args.config).train()

    print(f'machine: {platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, '
          f'{args.threads} thread(s), batch {args.batch_size} x 3 x {height} x {width}, '
          f'median / min of {args.reps} reps after {args.warmup} warm-up')
    print('| checkpoint | denormal weights | denormal exp_avg | denormal exp_avg_sq '
          '| step s, flush off (median / min) | step s, flush on (median / min) '
          '| off / on (medians) |')
    print('|---|---|---|---|---|---|---|')
    for path in args.checkpoints:
        info = load_checkpoint(path)
        encoder.load_state_dict(info['encoder'])
        times = {False: [], True: []}
        for rep in range(args.warmup + args.reps):
            order = (False, True) if rep % 2 == 0 else (True, False)
            for flush in order:
                seconds = step_seconds(encoder, images, flush)
                if rep >= args.warmup:
                    times[flush].append(seconds)
        torch.set_flush_denormal(False)
        off, on = (statistics.median(times[f]) for f in (False, True))
        cells = [f'{d:,} of {n:,}' for d, n in (info[k] for k in
                                               ('weights', 'exp_avg', 'exp_avg_sq'))]
        print(f'| {path} | ' + ' | '.join(cells) +
              f' | {off:.3f} / {min(times[False]):.3f} | {on:.3f} / {min(times[True]):.3f} '
              f'| {off / on:.2f} |')


if __name__ == '__main__':
    main()
