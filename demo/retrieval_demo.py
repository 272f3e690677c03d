"""Retrieval demo: rank a gallery for query images with a Re-ID checkpoint and draw the rank lists.

Writes ``<out-dir>/ranks.png`` (a legend, then one row per query: the query, then its top-k
gallery images; green frame: same person id as the query, red: another, grey: unknown) and
``<out-dir>/ranks.json`` (per query: ``query``, ``pid``, ``camid``, ``left_out`` and ``ranks``, a
list of ``{rank, file, distance, pid, match}``). Distances are cosine distances, 1 - cosine
similarity of the L2-normalised features.

As the evaluation protocol does (Market-1501), gallery images of the query's pid taken by the
query's camera, and junk images (pid -1), are left out of each ranking: they are neither correct
nor wrong matches there, so showing them would make the picture look better than the score. The
legend and ``left_out`` say how many were left out.

Person ids and cameras come from Market-1501-style file names (``PPPP_cC...``, e.g.
``0002_c1s1_000451_03.jpg``) or, with ``--gallery-config``, from the config's test set (query
images of that set too); otherwise they are unknown (null) and nothing is left out.

Examples:
    python demo/retrieval_demo.py CONFIG CHECKPOINT --query q1.jpg q2.jpg --gallery gallery/
    python demo/retrieval_demo.py CONFIG CHECKPOINT --query data/synthetic_reid/query/0121_c1*.jpg \
        --gallery-config --topk 5 --out-dir demo_out
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.config import Config

from mmremix.apis import FeatureExtractor, collect_image_paths, init_model
from mmremix.datasets import Market1501
from mmremix.registry import DATASETS
from mmremix.utils.atomic_file import atomic_output
from mmremix.utils.cli import run_tool
from mmremix.visualization import draw_rank_list, stack_rank_lists

#: (pid, camid) of an image; None where unknown. pid -1 marks junk.
Ids = Tuple[Optional[int], Optional[int]]


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
    parser.add_argument('--recursive', action='store_true',
                        help='also take the images of sub-folders of --query / --gallery folders')
    parser.add_argument('--topk', type=int, default=5, help='matches shown per query')
    parser.add_argument('--out-dir', default='demo_out', help='folder for ranks.png / ranks.json')
    parser.add_argument('--batch-size', type=int, default=64, help='images per forward pass')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda')
    args = parser.parse_args()
    if args.topk < 1:
        parser.error(f'--topk must be >= 1, got {args.topk}')
    return args


def ids_from_name(path: str) -> Ids:
    """(pid, camid) of a Market-1501-style file name (``PPPP_cC...``; camid = C - 1).

    (None, None) for other names; pid -1 is Market-1501's junk.
    """
    match = Market1501.NAME_PATTERN.match(osp.basename(path))
    return (None, None) if match is None else (int(match['pid']), int(match['cam']) - 1)


def config_test_items(cfg: Config) -> Tuple[List[str], List[Ids], Dict[str, Ids]]:
    """The gallery items of the config's test set, and the ids of all its items by path.

    Returns:
        tuple: Gallery image paths, their (pid, camid), and a dict path -> (pid, camid) of every
        item (queries included).

    Raises:
        ValueError: The test set (``test_dataloader.dataset``) has no gallery item.
    """
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    items = [dataset.get_data_info(idx) for idx in range(len(dataset))]
    gallery = [item for item in items if not item.get('is_query', False)]
    if not gallery:
        raise ValueError('The test set of the config (test_dataloader.dataset) has no gallery item')
    ids = {osp.abspath(item['img_path']): (item.get('pid'), item.get('camid')) for item in items}
    return ([item['img_path'] for item in gallery],
            [(item.get('pid'), item.get('camid')) for item in gallery], ids)


def ignored_by_protocol(query_ids: Ids, gallery_ids: List[Ids]) -> np.ndarray:
    """(N,) bool: the gallery images the Market-1501 protocol ignores for this query.

    Those of the query's pid taken by the query's camera, and junk (pid -1); an unknown pid or
    camera ignores nothing of that kind. Source: the evaluation protocol of ReIDMetric.
    """
    pid, camid = query_ids
    gallery = np.array([[-2 if p is None else p, -2 if c is None else c] for p, c in gallery_ids],
                       dtype=np.int64).reshape(-1, 2)
    junk = gallery[:, 0] == -1
    if pid is None or camid is None or pid < 0:
        return junk
    return junk | ((gallery[:, 0] == pid) & (gallery[:, 1] == camid))


def rank_gallery(query_feats: np.ndarray, gallery_feats: np.ndarray, topk: int,
                 ignored: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Top-k gallery indices and cosine distances of each query.

    Args:
        query_feats (np.ndarray): (M, D) float32 L2-normalised features.
        gallery_feats (np.ndarray): (N, D) float32 L2-normalised features.
        topk (int): Matches kept per query (at most N).
        ignored (np.ndarray, optional): (M, N) bool, gallery images left out per query; they
            rank last, with an infinite distance (cut them with the distance).

    Returns:
        tuple[np.ndarray, np.ndarray]: (M, k) int64 gallery indices, nearest first, and their
        (M, k) float32 distances 1 - cosine similarity (ties keep gallery order).
    """
    dist = 1.0 - query_feats @ gallery_feats.T
    if ignored is not None:
        dist = np.where(ignored, np.inf, dist).astype(np.float32)
    order = np.argsort(dist, axis=1, kind='stable')[:, :topk]
    return order, np.take_along_axis(dist, order, axis=1)


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, device=args.device)
    extractor = FeatureExtractor(model, batch_size=args.batch_size)
    query_paths = collect_image_paths(args.query, recursive=args.recursive)
    known: Dict[str, Ids] = {}
    if args.gallery_config:
        gallery_paths, gallery_ids, known = config_test_items(model.cfg)
    else:
        gallery_paths = collect_image_paths(args.gallery, recursive=args.recursive)
        gallery_ids = [ids_from_name(path) for path in gallery_paths]
    query_ids = [known.get(osp.abspath(path)) or ids_from_name(path) for path in query_paths]
    ignored = np.stack([ignored_by_protocol(ids, gallery_ids) for ids in query_ids])
    order, dists = rank_gallery(extractor(query_paths), extractor(gallery_paths), args.topk,
                                ignored)

    results, rows = [], []
    for query_path, (query_pid, query_camid), ranked, ranked_dists, left_out in zip(
            query_paths, query_ids, order, dists, ignored.sum(axis=1).tolist()):
        query_pid = None if query_pid is None or query_pid < 0 else query_pid
        ranks = []
        for rank, (idx, dist) in enumerate(zip(ranked.tolist(), ranked_dists.tolist()), 1):
            if not np.isfinite(dist):
                break  # only left-out images remain
            pid = gallery_ids[idx][0]
            pid = None if pid is None or pid < 0 else pid
            match = None if query_pid is None or pid is None else pid == query_pid
            ranks.append(dict(rank=rank, file=gallery_paths[idx], distance=dist, pid=pid,
                              match=match))
        results.append(dict(query=query_path, pid=query_pid, camid=query_camid,
                            left_out=left_out, ranks=ranks))
        label = 'query' if query_pid is None else f'query, pid {query_pid}'
        rows.append(draw_rank_list(
            query_path, [r['file'] for r in ranks], [r['distance'] for r in ranks],
            [r['match'] for r in ranks], query_label=label + (f', -{left_out}' if left_out else '')))

    legend = [
        'green: pid of the query, red: another pid, grey: unknown',
        "left out, as the metric ignores them: images of the",
        "query's pid taken by its camera, and junk (pid -1)",
        f'-N under a query: N images left out ({int(ignored.sum())} in all)',
    ]
    picture_file, json_file = osp.join(args.out_dir, 'ranks.png'), osp.join(args.out_dir,
                                                                             'ranks.json')
    with atomic_output(picture_file) as tmp:
        stack_rank_lists(rows, tmp, legend=legend)
    with atomic_output(json_file) as tmp, open(tmp, 'w') as f:
        json.dump(results, f, indent=2)
    print(f'Rank lists of {len(query_paths)} queries against {len(gallery_paths)} gallery images '
          f'written to {picture_file} and ranks.json; {int(ignored.sum())} gallery image(s) of '
          "a query's pid and camera (or junk) left out, as the metric does")


if __name__ == '__main__':
    run_tool(main, 'retrieval_demo.py')
