"""How much a checkpoint's features favour the query's camera on a test set with camera ids.

Extracts the test-set features (query and gallery of a ``split='test'`` dataset, through the
config's test pipeline and the model's retrieval feature) and prints one Markdown table row of
:func:`mmremix.evaluation.functional.camera_bias`: cross- and within-camera mAP, the mean cosine
similarity of positive and negative pairs in the same and in different cameras, the camera gap
(negatives of the query's camera minus negatives of other cameras) and the share of the query's
camera in the top-k against its share of the gallery. ``--json`` also writes the values. For a
target with several random splits (VIPeR, GRID, ...) ``--split-id`` picks the split.

Examples:
    python tools/analysis_tools/camera_bias.py CONFIG CHECKPOINT \
        --data-root ../shared/data/cuhk03_val
    python tools/analysis_tools/camera_bias.py CONFIG CHECKPOINT \
        --data-root ../shared/data/market1501_split --name 'ReMix seed 0' --header --json bias.json
    python tools/analysis_tools/camera_bias.py CONFIG CHECKPOINT --dataset-type VIPeR \
        --data-root ../shared/data/viper --split-dir data/dg_splits --split-id 3
"""
import argparse
import json
from typing import Dict, List

import numpy as np

from mmremix.apis import FeatureExtractor, init_model
from mmremix.datasets.split_reid_dataset import GALLERY, QUERY
from mmremix.evaluation.functional.camera_bias import camera_bias
from mmremix.registry import DATASETS
from mmremix.utils.atomic_file import atomic_output
from mmremix.utils.cli import run_tool

COLUMNS = ('cross_camera_mAP', 'within_camera_mAP', 'sim_pos_cross', 'sim_pos_same',
           'sim_neg_cross', 'sim_neg_same', 'camera_gap', 'topk_same_camera',
           'topk_same_camera_chance')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Camera bias of Re-ID features on a test set with camera ids (mmremix)')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--data-root', required=True,
                        help='test set root, e.g. ../shared/data/cuhk03_val')
    parser.add_argument('--dataset-type', default='Market1501',
                        help='registered dataset class that reads the layout with split="test"')
    parser.add_argument('--split-dir', default=None,
                        help='split_dir of a split target (VIPeR, GRID, CAVIAR4REID, ...)')
    parser.add_argument('--split-id', type=int, default=0,
                        help='which split of a split target is the query / gallery')
    parser.add_argument('--name', default=None, help='first cell of the row (default: checkpoint)')
    parser.add_argument('--topk', type=int, default=10, help='ranks for the same-camera share')
    parser.add_argument('--header', action='store_true', help='print the table header first')
    parser.add_argument('--json', default=None, help='also write the values to this JSON file')
    parser.add_argument('--batch-size', type=int, default=128, help='images per forward pass')
    parser.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    return parser.parse_args()


def format_row(name: str, values: Dict[str, float]) -> str:
    """One Markdown row: mAPs and shares in percent, similarities with three decimals."""
    cells: List[str] = [name]
    for key in COLUMNS:
        value = values[key]
        cells.append(f'{100 * value:.2f}' if 'mAP' in key or 'topk' in key else f'{value:.3f}')
    return '| ' + ' | '.join(cells) + ' |'


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, args.device)
    dataset_cfg = dict(type=args.dataset_type, data_root=args.data_root, split='test')
    if args.split_dir is not None:
        dataset_cfg['split_dir'] = args.split_dir
    dataset = DATASETS.build(dataset_cfg)
    items = [dataset.get_data_info(i) for i in range(len(dataset))]
    if 'split_roles' in items[0]:  # a split target: keep the query and gallery of one split
        roles = np.array([item['split_roles'] for item in items], dtype=np.int64)
        if not 0 <= args.split_id < roles.shape[1]:
            raise ValueError(f'--split-id must be in [0, {roles.shape[1]}) for '
                             f'{args.dataset_type}, got {args.split_id}')
        role = roles[:, args.split_id]
        items = [item for item, r in zip(items, role) if r in (QUERY, GALLERY)]
        is_query = role[np.isin(role, (QUERY, GALLERY))] == QUERY
    else:
        is_query = np.array([item['is_query'] for item in items], dtype=bool)
    pids = np.array([item['pid'] for item in items], dtype=np.int64)
    camids = np.array([item['camid'] for item in items], dtype=np.int64)
    feats = FeatureExtractor(model, device=args.device, batch_size=args.batch_size)(
        [item['img_path'] for item in items])
    values = camera_bias(feats[is_query], feats[~is_query], pids[is_query], pids[~is_query],
                         camids[is_query], camids[~is_query], topk=args.topk)
    if args.header:
        print('| checkpoint | ' + ' | '.join(COLUMNS) + ' |')
        print('|' + '---|' * (len(COLUMNS) + 1))
    print(format_row(args.name or args.checkpoint, values))
    if args.json:
        with atomic_output(args.json) as tmp:
            with open(tmp, 'w') as f:
                json.dump(dict(values, checkpoint=args.checkpoint, data_root=args.data_root), f,
                          indent=2)


if __name__ == '__main__':
    run_tool(main, 'camera_bias.py')
