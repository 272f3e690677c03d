"""Draw activation maps of a Re-ID model's retrieval encoder over query images (Fig. 5).

Each image goes through the config's ``test_pipeline`` (resize) and the model's data preprocessor;
the activation map of the retrieval network (``model.test_encoder``: the momentum encoder of ReMix
by default) is computed by Grad-CAM on the backbone's last feature map, with the image's own
embedding norm as the target (:func:`mmremix.visualization.activation_map.grad_cam`). The picture
shows every image, as the network saw it, beside its heat-map overlay (red = high). One line per
image is printed: the peak position and the mean of its map.

Examples:
    python tools/analysis_tools/vis_activation.py \
        configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py \
        work_dirs/quick_remix/epoch_6.pth data/synthetic_reid/query/*.jpg --out activation.png
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import Compose, pseudo_collate
from mmengine.runner import load_checkpoint

from mmremix.registry import MODELS
from mmremix.utils import register_all_modules
from mmremix.visualization.activation_map import grad_cam, overlay_heatmap
from mmremix.visualization.cluster_gallery import draw_cluster_gallery

METHODS = {'gradcam': grad_cam}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw activation maps of a Re-ID encoder over images (mmremix)')
    parser.add_argument('config', help='config file (its test_pipeline and model are used)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--out', required=True, help='output picture, e.g. activation.png')
    parser.add_argument('--method', choices=sorted(METHODS), default='gradcam',
                        help='activation map method')
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
    missing = [path for path in args.images if not osp.isfile(path)]
    if missing:
        parser.error(f'image file(s) not found: {", ".join(missing)}')
    return args


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('test_pipeline') is None:
        raise KeyError(f'{args.config} has no test_pipeline (load, resize, PackReIDInputs)')
    pipeline = Compose(cfg.test_pipeline)

    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device).eval()

    batch = pseudo_collate([pipeline(dict(img_path=path)) for path in args.images])
    inputs = model.data_preprocessor(batch, False)['inputs']
    maps = METHODS[args.method](model.test_encoder, inputs).cpu()

    groups = []
    for path, packed, cam in zip(args.images, batch['inputs'], maps):
        image = np.ascontiguousarray(packed.permute(1, 2, 0).numpy())  # BGR uint8, as packed
        groups.append((osp.basename(path), [image, overlay_heatmap(image, cam.numpy())]))
        row, col = divmod(int(torch.argmax(cam)), cam.size(1))
        print(f'{path}: peak at (row {row}, col {col}) of {cam.size(0)} x {cam.size(1)}, '
              f'mean {float(cam.mean()):.3f}')
    picture = draw_cluster_gallery(groups, args.out, cell_size=tuple(args.cell_size),
                                   columns=min(args.columns, len(groups)))
    print(f'Saved {osp.abspath(args.out)} ({picture.shape[0]} x {picture.shape[1]} pixels)')


if __name__ == '__main__':
    main()
