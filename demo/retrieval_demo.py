"""Retrieval demo: rank a gallery for query images with a Re-ID checkpoint and draw the rank lists.

Writes ``<out-dir>/ranks.png`` (one row per query: the query, then its top-k gallery images; green
frame: same person id as the query, red: another, grey: unknown) and ``<out-dir>/ranks.json``
(per query: ``query``, ``pid`` and ``ranks``, a list of ``{rank, file, distance, pid, match}``).
Distances are cosine distances, 1 - cosine similarity of the L2-normalised features.

Person ids come from Market-1501-style file names (``PPPP_cC...``, e.g. ``0002_c1s1_000451_03.jpg``;
junk images, pid -1, count as unknown) or, with ``--gallery-config``, from the config's test set;
otherwise they are unknown (null).

Examples:
    python demo/retrieval_demo.py CONFIG CHECKPOINT --query q1.jpg q2.jpg --gallery gallery/
    python demo/retrieval_demo.py CONFIG CHECKPOINT --query data/synthetic_reid/query/0121_c1*.jpg \
        --gallery-config --topk 5 --out-dir demo_out
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np
from mmengine.config import Config

from mmremix.apis import FeatureExtractor, collect_image_paths, init_model
from mmremix.datasets import Market1501
from mmremix.registry import DATASETS
from mmremix.visualization import draw_rank_list, stack_rank_lists


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Re-ID retrieval demo (mmremix)')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--query', nargs='+', required=True, metavar='IMG',
                        help='query image(s) or folder(s)')
    gallery = parser.add_mutually_exclusive_group(required=True)
    gallery.add_argument('--gallery', metavar='FOLDER',
                         help='folder of gallery images (.jpg/.jpeg/.png)')
    gallery.add_argument('--gallery-config', action='store_true',
                         help="use the gallery items of the config's test set "
                         '(test_dataloader.dataset), with their person ids')
    parser.add_argument('--topk', type=int, default=5, help='matches shown per query')
    parser.add_argument('--out-dir', default='demo_out', help='folder for ranks.png / ranks.json')
    parser.add_argument('--batch-size', type=int, default=64, help='images per forward pass')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda')
    args = parser.parse_args()
    if args.topk < 1:
        parser.error(f'--topk must be >= 1, got {args.topk}')
    return args


def pid_from_name(path: str) -> Optional[int]:
    """The person id of a Market-1501-style file name (``PPPP_cC...``).

    None (unknown) for other names and for Market-1501's junk images (pid -1).
    """
    match = Market1501.NAME_PATTERN.match(osp.basename(path))
    return None if match is None or int(match['pid']) < 0 else int(match['pid'])


def config_gallery(cfg: Config) -> Tuple[List[str], List[Optional[int]]]:
    """Image paths and pids of the gallery items (``is_query`` False) of the config's test set."""
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    items = [dataset.get_data_info(idx) for idx in range(len(dataset))]
    gallery = [item for item in items if not item.get('is_query', False)]
    if not gallery:
        raise ValueError('The test set of the config (test_dataloader.dataset) has no gallery item')
    return [item['img_path'] for item in gallery], [item.get('pid') for item in gallery]


def rank_gallery(query_feats: np.ndarray, gallery_feats: np.ndarray,
                 topk: int) -> Tuple[np.ndarray, np.ndarray]:
    """Top-k gallery indices and cosine distances of each query.

    Args:
        query_feats (np.ndarray): (M, D) float32 L2-normalised features.
        gallery_feats (np.ndarray): (N, D) float32 L2-normalised features.
        topk (int): Matches kept per query (at most N).

    Returns:
        tuple[np.ndarray, np.ndarray]: (M, k) int64 gallery indices, nearest first, and their
        (M, k) float32 distances 1 - cosine similarity (ties keep gallery order).
    """
    dist = 1.0 - query_feats @ gallery_feats.T
    order = np.argsort(dist, axis=1, kind='stable')[:, :topk]
    return order, np.take_along_axis(dist, order, axis=1)


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, device=args.device)
    extractor = FeatureExtractor(model, batch_size=args.batch_size)
    query_paths = collect_image_paths(args.query)
    if args.gallery_config:
        gallery_paths, gallery_pids = config_gallery(model.cfg)
    else:
        gallery_paths = collect_image_paths(args.gallery)
        gallery_pids = [pid_from_name(path) for path in gallery_paths]
    order, dists = rank_gallery(extractor(query_paths), extractor(gallery_paths), args.topk)

    results, rows = [], []
    for query_path, ranked, ranked_dists in zip(query_paths, order, dists):
        query_pid = pid_from_name(query_path)
        ranks = []
        for rank, (idx, dist) in enumerate(zip(ranked.tolist(), ranked_dists.tolist()), 1):
            pid = gallery_pids[idx]
            match = None if query_pid is None or pid is None else pid == query_pid
            ranks.append(dict(rank=rank, file=gallery_paths[idx], distance=dist, pid=pid,
                              match=match))
        results.append(dict(query=query_path, pid=query_pid, ranks=ranks))
        rows.append(draw_rank_list(
            query_path, [r['file'] for r in ranks], [r['distance'] for r in ranks],
            [r['match'] for r in ranks],
            query_label='query' if query_pid is None else f'query, pid {query_pid}'))

    os.makedirs(args.out_dir, exist_ok=True)
    stack_rank_lists(rows, osp.join(args.out_dir, 'ranks.png'))
    with open(osp.join(args.out_dir, 'ranks.json'), 'w') as f:
        json.dump(results, f, indent=2)
    print(f'Rank lists of {len(query_paths)} queries against {len(gallery_paths)} gallery images '
          f'written to {osp.join(args.out_dir, "ranks.png")} and ranks.json')


if __name__ == '__main__':
    main()
