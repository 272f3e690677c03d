"""Extract the retrieval features of a folder of images (or of image files) with a Re-ID checkpoint.

Writes ``<out-dir>/features.npy`` ((N, D) float32, L2-normalised, one row per image) and
``<out-dir>/index.txt`` (the image of each row, in order: the file name relative to INPUT when INPUT
is one folder, else the path), each atomically. Sub-folders of a folder are searched only with
``--recursive`` (a warning names them otherwise). An unreadable image stops the tool with an
error naming it.

Examples:
    python tools/extract_features.py CONFIG CHECKPOINT data/synthetic_reid/query --out-dir feats/
    python tools/extract_features.py CONFIG CHECKPOINT a.jpg b.jpg --out-dir feats/ --device cuda
"""
import argparse
import os.path as osp

import numpy as np

from mmremix.apis import FeatureExtractor, collect_image_paths
from mmremix.utils.atomic_file import atomic_output
from mmremix.utils.cli import run_tool


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Extract Re-ID features of images (mmremix)')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('inputs', nargs='+', metavar='INPUT',
                        help='image files and/or folders of .jpg/.jpeg/.png images')
    parser.add_argument('--recursive', action='store_true',
                        help='also take the images of the sub-folders of folder inputs')
    parser.add_argument('--out-dir', required=True,
                        help='folder for features.npy and index.txt (created if needed)')
    parser.add_argument('--batch-size', type=int, default=64, help='images per forward pass')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda, cuda:1')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    single_folder = len(args.inputs) == 1 and osp.isdir(args.inputs[0])
    paths = collect_image_paths(args.inputs, recursive=args.recursive)
    extractor = FeatureExtractor(args.config, args.checkpoint, device=args.device,
                                 batch_size=args.batch_size)
    feats = extractor(paths)
    names = [osp.relpath(path, args.inputs[0]) for path in paths] if single_folder else paths
    with atomic_output(osp.join(args.out_dir, 'features.npy')) as tmp:
        np.save(tmp, feats)
    with atomic_output(osp.join(args.out_dir, 'index.txt')) as tmp, open(tmp, 'w') as f:
        f.writelines(f'{name}\n' for name in names)
    print(f'{feats.shape[0]} features of size {feats.shape[1]} written to {args.out_dir}')


if __name__ == '__main__':
    run_tool(main, 'extract_features.py')
