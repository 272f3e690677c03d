"""Benchmark one ReMix training iteration against a bare PyTorch backbone loop.

ReMix's iteration is the runner's path: ``model.train_step(batch, optim_wrapper)`` (data
preprocessor on both views, encoder on both views, momentum encoder on the standard view, the four
losses, the centroid-memory updates, backward, optimiser step) then ``model.momentum_update()``
(what :class:`~mmremix.engine.hooks.MomentumEncoderHook` calls), plus the ReMixSampler's draw of the
batch (one epoch's draw of ``sample_batches()`` divided by its batches, measured apart).

The bare loops run only the backbone (no GeM, no BNNeck) forward and backward, a global average
pool and a linear classifier with cross-entropy (the least a supervised loop has), ``zero_grad``
and an Adam step, on float tensors that are already normalised (no data preprocessor):

- ``bare 2 x B``: the reference. "Same number of images per step" means this row: 2B images
  through forward and backward, as ReMix's encoder runs on B standard plus B augmented views, in two
  forward calls of B images (as ReMix does), one loss, one backward.
- ``bare 2B (one batch)``: the same 2B images in one forward call of 2B.
- ``bare B``: one batch of B images (what a baseline without a second view runs).

ReMix also runs its momentum encoder forward on B images (no grad, eval mode): network work the
method needs, that the target "at most 15% over the bare loop's backbone work at the same number
of images per step" counts as overhead. The script prints the overhead with and without it
(``ReMix - momentum fwd`` against ``bare 2 x B``: what the bookkeeping costs), and times a
second ReMix with ``step_features='encoder'`` (the augmentation targets and memory updates from the
encoder's own standard-view features: no momentum forward per step) as its own row.

Everything runs in one process on synthetic data shaped like the CPU-sized real-data config
(``market1501_split``: 11,509 images, 651 identities, 6 cameras; 3,602 CUHK03 video images, 76
videos, ``--persons-per-video`` pseudo-identities each): random uint8 images of the input size, the
sampler's real draw, centroid memories of the real sizes (651 identities + pseudo-identities,
one camera centroid per identity and camera). The variants are interleaved (their order rotates
every repetition), ``--warmup`` repetitions are dropped, and the median and the minimum of
``--reps`` are reported (the minimum is the steadier on a shared machine).
The ReMix stage breakdown times the model's own calls (wrapped with ``time.perf_counter``); "other"
is the rest of the iteration (label look-up, normalisation, indexing, loss parsing).

Usage (about 3 minutes at 1 thread for both backbones with the defaults, on a loaded 2-core VM)::

    python benchmarks/bench_train_overhead.py
    python benchmarks/bench_train_overhead.py --backbones mobilenetv2 --reps 9 --threads 1

Source: design choice of mmremix (benchmark tooling).
"""
import argparse
import os
import platform
import statistics
import time
from collections import defaultdict
from functools import wraps
from typing import Callable, Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmpretrain.structures import DataSample

from mmremix.datasets.samplers import ReMixSampler
from mmremix.registry import MODELS
from mmremix.utils import register_all_modules

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = 'configs/remix/remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py'
BACKBONES = dict(
    mobilenetv2=(dict(type='MobileNetV2', widen_factor=1.0, out_indices=(7, )), 1280),
    resnet18=(dict(type='ResNet', depth=18, out_indices=(3, )), 512))
STAGES = ('sampler draw', 'data preprocessor', 'encoder fwd (2 views)', 'momentum fwd', 'losses',
          'memory update', 'backward', 'optimiser step + zero_grad', 'EMA update')
NO_MOMENTUM = 'ReMix - momentum fwd'
ENCODER_TARGETS = "ReMix, step_features='encoder'"


class _ItemTable:
    """The item-level fields of a ReMixDataset, without images (what ReMixSampler reads).

    Args:
        pids (np.ndarray): int64 (N,) pid of every item (multi-camera ones first, then -1).
        camids (np.ndarray): int64 (N,) camera of every item.
        num_multi_camera (int): Number of multi-camera items.
    """

    def __init__(self, pids: np.ndarray, camids: np.ndarray, num_multi_camera: int) -> None:
        self.pids, self.camids, self.num_multi_camera = pids, camids, num_multi_camera

    def __len__(self) -> int:
        return self.pids.size

    def get_pids(self) -> np.ndarray:
        """int64 (N,) pid of every item."""
        return self.pids

    def get_camids(self) -> np.ndarray:
        """int64 (N,) camera of every item."""
        return self.camids


def make_items(args: argparse.Namespace, rng: np.random.Generator) -> dict:
    """Synthetic item table, video ids and pseudo-labels shaped like the real-data config.

    Args:
        args (argparse.Namespace): ``num_mc``, ``num_ids``, ``num_cams``, ``num_sc``,
            ``num_videos``, ``persons_per_video``.
        rng (np.random.Generator): Generator of the cameras.

    Returns:
        dict: ``table`` (:class:`_ItemTable`), ``video_ids`` and ``sc_labels`` (int64 (N_sc,),
        pseudo-identities numbered per video, ``persons_per_video`` per video).
    """
    pids = np.arange(args.num_mc, dtype=np.int64) * args.num_ids // args.num_mc
    camids = rng.integers(0, args.num_cams, args.num_mc)
    video_ids = np.arange(args.num_sc, dtype=np.int64) * args.num_videos // args.num_sc
    sc_labels = video_ids * args.persons_per_video + np.arange(args.num_sc) % args.persons_per_video
    table = _ItemTable(np.concatenate([pids, np.full(args.num_sc, -1)]),
                       np.concatenate([camids, np.zeros(args.num_sc, dtype=np.int64)]), args.num_mc)
    return dict(table=table, video_ids=video_ids, sc_labels=sc_labels)


def make_sampler(items: dict, args: argparse.Namespace) -> ReMixSampler:
    """The config's ReMixSampler (K = 4, B_sc = B / 2, V_b = 2) over the synthetic items.

    Args:
        items (dict): :func:`make_items`'s output.
        args (argparse.Namespace): ``batch_size`` and ``seed``.

    Returns:
        ReMixSampler: With the pseudo-labels set.
    """
    sampler = ReMixSampler(items['table'], batch_size=args.batch_size, num_instances=4,
                           num_single_camera=args.batch_size // 2, videos_per_batch=2,
                           seed=args.seed)
    sampler.set_pseudo_labels(items['sc_labels'], items['video_ids'])
    return sampler


def build_remix(backbone: str, items: dict, args: argparse.Namespace, **model_options):
    """ReMix and optimiser wrapper of ``args.config`` (its backbone replaced, randomly
    initialised), with memories of the real sizes.

    Args:
        backbone (str): Key of :data:`BACKBONES`.
        items (dict): :func:`make_items`'s output.
        args (argparse.Namespace): ``config``, ``num_ids`` and ``num_cams``.
        **model_options: Further ReMix arguments (e.g. ``step_features``).

    Returns:
        tuple: (ReMix in train mode, mmengine ``OptimWrapper`` of the CPU schedule).
    """
    backbone_cfg, dim = BACKBONES[backbone]
    cfg = Config.fromfile(os.path.join(REPO, args.config))
    cfg.model.backbone, cfg.model.in_channels = backbone_cfg, dim
    model = MODELS.build(dict(cfg.model, **model_options))
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    table = items['table']
    num_clusters = int(items['sc_labels'].max()) + 1
    mc_pids = torch.from_numpy(table.pids[:table.num_multi_camera])
    mc_cams = torch.from_numpy(table.camids[:table.num_multi_camera])
    cam_keys = torch.unique(mc_pids * args.num_cams + mc_cams)
    model.set_memory(
        centroids=torch.randn(args.num_ids + num_clusters, dim),
        camera_centroids=torch.randn(cam_keys.numel(), dim),
        camera_keys=cam_keys,
        camera_labels=cam_keys // args.num_cams,
        sample_labels=torch.cat([mc_pids, torch.from_numpy(items['sc_labels']) + args.num_ids]),
        num_cams=args.num_cams)
    return model, optim_wrapper


def make_batches(indices: np.ndarray, table: _ItemTable, img_hw: tuple,
                 rng: np.random.Generator) -> List[dict]:
    """Collated two-view batches (what ``pseudo_collate`` gives the model) of random images.

    Args:
        indices (np.ndarray): int64 (num_batches, B) dataset indices from the sampler.
        table (_ItemTable): Item fields (pid, camid).
        img_hw (tuple): (H, W) of the input.
        rng (np.random.Generator): Generator of the pixels.

    Returns:
        list[dict]: ``inputs`` = two lists of B uint8 (3, H, W) tensors, ``data_samples`` = B
        DataSamples with ``sample_idx``, ``pid``, ``camid``.
    """
    batches = []
    for row in indices:
        views = [list(torch.from_numpy(rng.integers(0, 256, (row.size, 3) + img_hw, np.uint8)))
                 for _ in range(2)]
        samples = [DataSample(metainfo=dict(sample_idx=int(i), pid=int(table.pids[i]),
                                            camid=int(table.camids[i]))) for i in row]
        batches.append(dict(inputs=views, data_samples=samples))
    return batches


def instrument(model, optim_wrapper, times: Dict[str, float]) -> None:
    """Wrap the model's stage calls so that each adds its seconds to ``times[stage]``.

    The wrappers are instance attributes, so the model's own code calls them unchanged.

    Args:
        model (ReMix): The model (its momentum encoder is a separate copy, never wrapped as the
            encoder).
        optim_wrapper (OptimWrapper): Its optimiser wrapper.
        times (collections.defaultdict): ``defaultdict(float)`` of seconds per stage, cleared by
            the caller every iteration.
    """

    def timed(stage: str, fn: Callable) -> Callable:
        @wraps(fn)
        def call(*args, **kwargs):
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            times[stage] += time.perf_counter() - start
            return out
        return call

    targets = [(model.data_preprocessor, 'forward', 'data preprocessor'),
               (model.encoder, 'forward', 'encoder fwd (2 views)'),
               (model, 'momentum_features', 'momentum fwd'),
               (model.memory, 'update', 'memory update'),
               (model.camera_memory, 'update', 'memory update'),
               (optim_wrapper, 'backward', 'backward'),
               (optim_wrapper, 'step', 'optimiser step + zero_grad'),
               (optim_wrapper, 'zero_grad', 'optimiser step + zero_grad'),
               (model, 'momentum_update', 'EMA update')]
    targets += [(getattr(model, name), 'forward', 'losses') for name in (
        'loss_instance', 'loss_augmentation', 'loss_centroids', 'loss_camera_centroids')]
    for obj, attr, stage in targets:
        object.__setattr__(obj, attr, timed(stage, getattr(obj, attr)))


def bare_step(backbone_cfg: dict, dim: int, num_images: int, num_calls: int, img_hw: tuple,
              num_classes: int, optim_cfg: dict) -> Callable[[], None]:
    """A bare PyTorch training step: backbone fwd + bwd on ``num_images`` images, Adam step.

    Args:
        backbone_cfg (dict): mmpretrain backbone config.
        dim (int): Backbone output channels.
        num_images (int): Images per step through forward and backward.
        img_hw (tuple): (H, W) of the input.
        num_calls (int): Forward calls the images are split into (one backward for all).
        num_classes (int): Classes of the linear classifier.
        optim_cfg (dict): ``lr`` and ``weight_decay`` of Adam.

    Returns:
        Callable[[], None]: One step on fixed random inputs (float32 (num_images, 3, H, W)).
    """
    backbone = MODELS.build(backbone_cfg)
    backbone.init_weights()
    backbone.train()
    head = torch.nn.Linear(dim, num_classes)
    params = list(backbone.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(params, lr=optim_cfg['lr'], weight_decay=optim_cfg['weight_decay'])
    inputs = torch.randn(num_images, 3, *img_hw)
    labels = torch.randint(0, num_classes, (num_images, ))

    def step() -> None:
        feats = torch.cat([backbone(chunk)[-1].mean(dim=(2, 3))
                           for chunk in inputs.chunk(num_calls)])
        loss = F.cross_entropy(head(feats), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def bench_backbone(name: str, args: argparse.Namespace) -> None:
    """Run the interleaved repetitions of one backbone and print its two tables.

    Args:
        name (str): Key of :data:`BACKBONES`.
        args (argparse.Namespace): The command-line options.
    """
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    img_hw = (args.height, args.width)
    items = make_items(args, rng)
    sampler = make_sampler(items, args)
    draw_seconds = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        start = time.perf_counter()
        indices = sampler.sample_batches()
        draw_seconds.append((time.perf_counter() - start) / len(indices))
    draw = statistics.median(draw_seconds)
    total_reps = args.warmup + args.reps
    batches = make_batches(indices[:total_reps], items['table'], img_hw, rng)

    model, optim_wrapper = build_remix(name, items, args)
    stage_times: Dict[str, float] = defaultdict(float)
    instrument(model, optim_wrapper, stage_times)
    batch_iter = iter(batches)

    def remix_step() -> None:
        model.train_step(next(batch_iter), optim_wrapper)
        model.momentum_update()

    encoder_model, encoder_optim = build_remix(name, items, args, step_features='encoder')
    encoder_iter = iter(batches)

    def encoder_targets_step() -> None:
        encoder_model.train_step(next(encoder_iter), encoder_optim)
        encoder_model.momentum_update()

    backbone_cfg, dim = BACKBONES[name]
    optim_cfg = Config.fromfile(os.path.join(REPO, args.config)).optim_wrapper.optimizer
    B = args.batch_size
    variants = {
        'ReMix': (remix_step, f'{2 * B} fwd+bwd ({B} x 2 views), {B} momentum fwd'),
        ENCODER_TARGETS: (encoder_targets_step, f'{2 * B} fwd+bwd ({B} x 2 views)'),
        'bare 2 x B': (bare_step(backbone_cfg, dim, 2 * B, 2, img_hw, args.num_ids, optim_cfg),
                       f'{2 * B} fwd+bwd ({B} x 2 calls)'),
        'bare 2B (one batch)': (bare_step(backbone_cfg, dim, 2 * B, 1, img_hw, args.num_ids,
                                          optim_cfg), f'{2 * B} fwd+bwd (1 call)'),
        'bare B': (bare_step(backbone_cfg, dim, B, 1, img_hw, args.num_ids, optim_cfg),
                   f'{B} fwd+bwd'),
    }
    names = list(variants)
    totals: Dict[str, List[float]] = {key: [] for key in names + [NO_MOMENTUM]}
    stages: Dict[str, List[float]] = defaultdict(list)
    for rep in range(total_reps):
        for key in names[rep % len(names):] + names[:rep % len(names)]:
            stage_times.clear()
            start = time.perf_counter()
            variants[key][0]()
            elapsed = time.perf_counter() - start
            if rep < args.warmup:
                continue
            if key == 'ReMix':
                elapsed += draw
                stage_times['sampler draw'] = draw
                for stage in STAGES:
                    stages[stage].append(stage_times[stage])
                stages['other'].append(elapsed - sum(stage_times[s] for s in STAGES))
                totals[NO_MOMENTUM].append(elapsed - stage_times['momentum fwd'])
            totals[key].append(elapsed)
    print_tables(name, args, totals, stages, {key: text for key, (_, text) in variants.items()})


def print_tables(name: str, args: argparse.Namespace, totals: Dict[str, List[float]],
                 stages: Dict[str, List[float]], images: Dict[str, str]) -> None:
    """Print the variant table, the ReMix stage table and the overhead against the target.

    Args:
        name (str): Backbone name.
        args (argparse.Namespace): The command-line options.
        totals (dict[str, list[float]]): Seconds per iteration of every repetition, per variant
            (and :data:`NO_MOMENTUM`).
        stages (dict[str, list[float]]): Seconds of every ReMix stage, per repetition.
        images (dict[str, str]): What each variant runs per step.
    """
    med = {key: 1e3 * statistics.median(values) for key, values in totals.items()}
    low = {key: 1e3 * min(values) for key, values in totals.items()}
    ref = 'bare 2 x B'
    print(f'\n## {name} at {args.height} x {args.width}, B = {args.batch_size}, '
          f'{args.threads} thread(s), {args.reps} repetitions (after {args.warmup} warm-up)\n')
    print(f'| variant | images per step | ms / iter, median | min ms | max ms | median / {ref} '
          f'| min / {ref} | median / bare B |')
    print('|---|---|---|---|---|---|---|---|')
    images = dict(images, **{NO_MOMENTUM: 'ReMix without its momentum forward (derived)'})
    for key in ['ReMix', NO_MOMENTUM, ENCODER_TARGETS] + [key for key in totals
                                                          if key.startswith('bare')]:
        print(f'| {key} | {images[key]} | {med[key]:.0f} | {low[key]:.0f} | '
              f'{1e3 * max(totals[key]):.0f} | {med[key] / med[ref]:.2f} | '
              f'{low[key] / low[ref]:.2f} | {med[key] / med["bare B"]:.2f} |')
    print(f'\nReMix iteration by stage ({name}; medians, so the rows do not add up exactly):\n')
    print('| stage | ms, median | % of the ReMix median |')
    print('|---|---|---|')
    for stage in STAGES + ('other', ):
        value = 1e3 * statistics.median(stages[stage])
        print(f'| {stage} | {value:.2f} | {100 * value / med["ReMix"]:.1f}% |')
    over = {key: 100 * (med[key] / med[ref] - 1)
            for key in ('ReMix', NO_MOMENTUM, ENCODER_TARGETS)}
    print(f'\nReMix over {ref}: {over["ReMix"]:+.1f}% (median), '
          f'{100 * (low["ReMix"] / low[ref] - 1):+.1f}% (min); target at most +15%: '
          f'{"met" if over["ReMix"] <= 15 else "not met"} (median). Without the momentum '
          f'forward: {over[NO_MOMENTUM]:+.1f}% (median). {ENCODER_TARGETS}: '
          f'{over[ENCODER_TARGETS]:+.1f}% (median), '
          f'{100 * (low[ENCODER_TARGETS] / low[ref] - 1):+.1f}% (min); target: '
          f'{"met" if over[ENCODER_TARGETS] <= 15 else "not met"} (median).', flush=True)


def add_shape_args(parser: argparse.ArgumentParser) -> None:
    """Add the config, input size, batch size, seed and data-shape options (defaults: the
    CPU-sized real-data config and its data).

    Args:
        parser (argparse.ArgumentParser): Parser to extend.
    """
    parser.add_argument('--config', default=CONFIG,
                        help='ReMix config (model and optimiser), relative to the repository')
    parser.add_argument('--height', type=int, default=128)
    parser.add_argument('--width', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=64, help='images per batch B')
    parser.add_argument('--num-mc', type=int, default=11509, help='multi-camera images')
    parser.add_argument('--num-ids', type=int, default=651, help='multi-camera identities')
    parser.add_argument('--num-cams', type=int, default=6, help='multi-camera cameras')
    parser.add_argument('--num-sc', type=int, default=3602, help='single-camera images')
    parser.add_argument('--num-videos', type=int, default=76, help='single-camera videos')
    parser.add_argument('--persons-per-video', type=int, default=10,
                        help='pseudo-identities per video')
    parser.add_argument('--seed', type=int, default=0)


def parse_args() -> argparse.Namespace:
    """Parse the command line (backbones, input size, batch, repetitions, data shape)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--backbones', nargs='+', choices=sorted(BACKBONES),
                        default=['mobilenetv2', 'resnet18'])
    parser.add_argument('--reps', type=int, default=5, help='timed repetitions per variant')
    parser.add_argument('--warmup', type=int, default=1, help='untimed repetitions first')
    parser.add_argument('--threads', type=int, default=1, help='torch intra-op threads')
    add_shape_args(parser)
    return parser.parse_args()


def main() -> None:
    """Benchmark every backbone asked for; print the tables and the machine's load."""
    args = parse_args()
    torch.set_num_threads(args.threads)
    register_all_modules()
    MMLogger.get_instance('bench_train_overhead', log_level='ERROR')  # no init / optimiser report
    print(f'# bench_train_overhead: torch {torch.__version__}, {args.threads} thread(s), '
          f'{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), '
          f'load average at start {os.getloadavg()[0]:.1f}')
    for name in args.backbones:
        bench_backbone(name, args)
    print(f'\n# load average at end {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
