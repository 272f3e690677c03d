"""Draw activation maps of a Re-ID model's retrieval encoder over query images (Fig. 5).

Each image goes through the config's test pipeline (resize) and the model's data preprocessor;
the activation map of the retrieval network (``model.test_encoder``: the momentum encoder of ReMix
by default) is computed by Grad-CAM on the backbone's last feature map, with the norm of the image's
pooled feature (before the BNNeck) as the target (:func:`mmremix.visualization.activation_map.grad_cam`,
which says why not the embedding's). The picture
shows every image, as the network saw it, beside its heat-map overlay (red = high). One line per
image is printed: the peak position and the mean of its map.

Examples:
    python tools/analysis_tools/vis_activation.py \
        configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py \
        work_dirs/quick_remix/epoch_6.pth data/synthetic_reid/query/*.jpg --out activation.png
    python tools/analysis_tools/vis_activation.py CONFIG CKPT path/to/folder --out activation.png
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmengine.config import DictAction

from mmremix.apis import FeatureExtractor, collect_image_paths, init_model
from mmremix.apis.input_size import test_pipeline_of
from mmremix.utils.atomic_file import atomic_output
from mmremix.utils.cli import run_tool
from mmremix.visualization.activation_map import grad_cam, overlay_heatmap
from mmremix.visualization.cluster_gallery import draw_cluster_gallery

METHODS = {'gradcam': grad_cam}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw activation maps of a Re-ID encoder over images (mmremix)')
    parser.add_argument('config', help='config file (its test_pipeline and model are used)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files and/or folders of images')
    parser.add_argument('--recursive', action='store_true',
                        help='also take the images of the sub-folders of folder inputs')
    parser.add_argument('--out', required=True, help='output picture, e.g. activation.png')
    parser.add_argument('--method', choices=sorted(METHODS), default='gradcam',
                        help='activation map method')
    parser.add_argument('--target', choices=['pooled', 'embedding'], default='pooled',
                        help='Grad-CAM target: the norm of the pooled feature before the BNNeck '
                        '(default) or of the post-BNNeck embedding, whose centring zeroes most '
                        'maps (see mmremix.visualization.activation_map.grad_cam)')
    parser.add_argument('--columns', type=int, default=4,
                        help='image / overlay pairs per row of the picture')
    parser.add_argument('--cell-size', type=int, nargs=2, default=(128, 64),
                        metavar=('HEIGHT', 'WIDTH'), help='size of one image in the picture')
    parser.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. model.test_cfg.feature=encoder')
    args = parser.parse_args()
    if args.columns < 1:
        parser.error(f'--columns must be >= 1, got {args.columns}')
    missing = [path for path in args.images if not osp.exists(path)]
    if missing:
        parser.error(f'image file(s) or folder(s) not found: {", ".join(missing)}')
    return args


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options)
    pipeline = test_pipeline_of(model.cfg)
    if pipeline is None:
        raise KeyError(f'{args.config} has no test_dataloader.dataset.pipeline nor test_pipeline '
                       '(load, resize, PackReIDInputs)')
    extractor = FeatureExtractor(model, pipeline=pipeline)
    paths = collect_image_paths(args.images, recursive=args.recursive)
    packed = extractor.pack(paths)
    inputs = model.data_preprocessor(dict(inputs=packed), False)['inputs']
    maps = METHODS[args.method](model.test_encoder, inputs, target=args.target).cpu()

    groups = []
    for path, image, cam in zip(paths, packed, maps):
        image = np.ascontiguousarray(image.permute(1, 2, 0).numpy())  # BGR uint8, as packed
        groups.append((osp.basename(path), [image, overlay_heatmap(image, cam.numpy())]))
        row, col = divmod(int(torch.argmax(cam)), cam.size(1))
        print(f'{path}: peak at (row {row}, col {col}) of {cam.size(0)} x {cam.size(1)} '
              f'(height x width), mean {float(cam.mean()):.3f}')
    with atomic_output(args.out) as tmp:
        picture = draw_cluster_gallery(groups, tmp, cell_size=tuple(args.cell_size),
                                       columns=min(args.columns, len(groups)))
    print(f'Saved {osp.abspath(args.out)} ({picture.shape[1]} x {picture.shape[0]} pixels, '
          'width x height)')


if __name__ == '__main__':
    run_tool(main, 'vis_activation.py')
