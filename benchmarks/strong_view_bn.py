"""Should ReMix's strongly augmented view update the BatchNorm statistics? A measurement.

The momentum encoder M extracts the refresh and test features in eval mode, i.e. with BatchNorm
running statistics gathered during training. With ``ReMix(strong_view_bn=True)`` those statistics
come from the standard *and* the strongly augmented views (colour jitter, grayscale, blur,
erasing), with False from the standard views only. This script isolates that choice:

1. Build the model of a ReMix config (its pretrained backbone, e.g. the ImageNet MobileNetV2 of the
   real-data config) and draw ``--num-batches`` training batches of the config's pipeline, each
   like ReMix's (``B_mc`` random multi-camera images and ``B_sc`` single-camera images of
   ``videos_per_batch`` random videos; both views of each image).
2. For each variant, reset every BatchNorm layer of a copy of the encoder and re-estimate its
   running statistics as a cumulative mean over the same batches (no gradient, train mode):
   ``standard`` forwards the standard views only, ``standard+strong`` both views, as training does.
   ``pretrained`` keeps the backbone's own statistics (reference).
3. Extract eval-mode features of every single-camera image, cluster them video by video with the
   config's ``ReMixRefreshHook`` settings, and score the pseudo-labels against the ground-truth
   file (NMI / ARI / purity, :func:`mmremix.clustering.pseudo_label_quality`; diagnostic only);
   with ``--test-sets``, also extract the config's test sets and report mAP / rank-1 (percent).

Steps 1-3 are repeated for ``--repeats`` draws of batches (the test images are loaded once).
Prints a Markdown table.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/strong_view_bn.py \\
        configs/remix/remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py

Source: design choice of mmremix (issue 10, item 1: a measurement for ``strong_view_bn``).
"""
import argparse
import copy
import time
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from torch.nn.modules.batchnorm import _BatchNorm

from mmremix.clustering import cluster_videos, pseudo_label_quality
from mmremix.evaluation.functional import reid_evaluate
from mmremix.registry import DATASETS, MODELS
from mmremix.utils import register_all_modules


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a ReMix config with a ReMixRefreshHook and gt_file')
    parser.add_argument('--num-batches', type=int, default=16,
                        help='training batches per re-estimation')
    parser.add_argument('--repeats', type=int, default=2, help='draws of the batches')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--test-sets', action='store_true',
                        help='also extract the config\'s test sets and report mAP / rank-1 (%%)')
    return parser.parse_args()


def load(dataset, indices) -> List[dict]:
    """Packed items of the dataset's own pipeline."""
    return [dataset[int(i)] for i in indices]


def draw_batches(dataset, cfg, num_batches: int, rng: np.random.Generator) -> List[dict]:
    """Batches like ReMix's: B_mc random multi-camera items, B_sc items of V_b random videos."""
    sampler = cfg.train_dataloader.sampler
    num_sc, num_videos = sampler.num_single_camera, sampler.videos_per_batch
    num_mc = sampler.batch_size - num_sc
    video_ids = dataset.get_video_ids()[dataset.num_multi_camera:]
    batches = []
    for _ in range(num_batches):
        mc = rng.choice(dataset.num_multi_camera, num_mc, replace=False)
        videos = rng.choice(video_ids.max() + 1, num_videos, replace=False)
        pool = np.flatnonzero(np.isin(video_ids, videos))
        sc = dataset.num_multi_camera + rng.choice(pool, num_sc, replace=pool.size < num_sc)
        batches.append(pseudo_collate(load(dataset, np.concatenate([mc, sc]))))
    return batches


@torch.no_grad()
def reestimate(encoder, preprocessor, batches, strong: bool):
    """A copy of ``encoder`` whose BatchNorm statistics are the cumulative mean over batches."""
    encoder = copy.deepcopy(encoder).train()
    for module in encoder.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # cumulative moving average
    for batch in batches:
        views = preprocessor(batch, True)['inputs']
        encoder(views[0])
        if strong:
            encoder(views[1])
    return encoder.eval()


@torch.no_grad()
def extract(encoder, preprocessor, items, batch_size: int = 128) -> torch.Tensor:
    feats = []
    for start in range(0, len(items), batch_size):
        inputs = preprocessor(pseudo_collate(items[start:start + batch_size]), False)['inputs']
        feats.append(F.normalize(encoder(inputs)[1].float(), dim=1))
    return torch.cat(feats)


def read_gt(path: str, dataset) -> np.ndarray:
    import os.path as osp
    root = dataset.single_camera.data_root
    with open(path) as f:
        gt = {osp.normpath(p): int(pid) for p, pid in (line.split() for line in f if line.strip())}
    first = dataset.num_multi_camera
    return np.array([
        gt.get(osp.normpath(osp.relpath(dataset.get_data_info(first + i)['img_path'], root)), -1)
        for i in range(dataset.num_single_camera)
    ])


def evaluate(encoder, preprocessor, sc_items, sc_videos, gt, test_sets, cluster_cfg) -> Dict:
    row = {}
    feats = extract(encoder, preprocessor, sc_items).numpy()
    labels = cluster_videos(feats, sc_videos, **cluster_cfg)
    quality = pseudo_label_quality(labels, gt)
    row.update(clusters=quality['num_clusters'], noise=quality['noise_ratio'], nmi=quality['nmi'],
               ari=quality['ari'], purity=quality['purity'])
    for name, (items, pids, camids, is_query) in test_sets.items():
        f = extract(encoder, preprocessor, items)
        result = reid_evaluate(f[is_query], f[~is_query], pids[is_query], pids[~is_query],
                               camids[is_query], camids[~is_query])
        row[f'{name} mAP'] = 100 * float(result['mAP'])
        row[f'{name} R1'] = 100 * float(result['cmc'][0])
    return row


def main():
    args = parse_args()
    register_all_modules()
    torch.manual_seed(args.seed)
    cfg = Config.fromfile(args.config)
    hook = next(h for h in cfg.custom_hooks if h['type'] == 'ReMixRefreshHook')
    cluster_cfg = {k: hook[k] for k in ('eps', 'min_samples', 'metric', 'k1', 'k2')}
    model = MODELS.build(cfg.model)
    model.init_weights()
    preprocessor, encoder = model.data_preprocessor, model.encoder

    start = time.perf_counter()
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    sc_index = train_set.num_multi_camera + np.arange(train_set.num_single_camera)
    test_view = copy.deepcopy(cfg.train_dataloader.dataset)
    test_view.pipeline = cfg.test_dataloader.dataset.pipeline
    sc_items = load(DATASETS.build(test_view), sc_index)
    sc_videos = train_set.get_video_ids()[train_set.num_multi_camera:]
    gt = read_gt(hook['gt_file'], train_set)
    test_sets = {}
    for part in cfg.test_dataloader.dataset.datasets if args.test_sets else []:
        dataset = DATASETS.build(dict(part, pipeline=cfg.test_dataloader.dataset.pipeline))
        items = load(dataset, range(len(dataset)))
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        test_sets[part['dataset_name']] = (items, torch.tensor([i['pid'] for i in infos]),
                                           torch.tensor([i['camid'] for i in infos]),
                                           torch.tensor([i['is_query'] for i in infos]))
    print(f'loaded the test images in {time.perf_counter() - start:.0f} s')

    rows = [('pretrained', '-', evaluate(encoder, preprocessor, sc_items, sc_videos, gt,
                                         test_sets, cluster_cfg))]
    rng = np.random.default_rng(args.seed)
    for repeat in range(args.repeats):
        batches = draw_batches(train_set, cfg, args.num_batches, rng)
        for strong in (False, True):
            estimated = reestimate(encoder, preprocessor, batches, strong)
            rows.append(('standard+strong' if strong else 'standard', str(repeat),
                         evaluate(estimated, preprocessor, sc_items, sc_videos, gt, test_sets,
                                  cluster_cfg)))
        print(f'draw {repeat} done at {time.perf_counter() - start:.0f} s')

    keys = list(rows[0][2])
    print('| BN statistics from | draw | ' + ' | '.join(keys) + ' |')
    print('|---' * (len(keys) + 2) + '|')
    for name, draw, row in rows:
        values = [f'{row[k]:.3f}' if isinstance(row[k], float) else str(row[k]) for k in keys]
        print(f'| {name} | {draw} | ' + ' | '.join(values) + ' |')


if __name__ == '__main__':
    main()
