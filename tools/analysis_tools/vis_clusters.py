"""Draw the pseudo-identity clusters of one ReMix refresh on a few single-camera videos (Fig. 4).

N videos of the config's single-camera training data (``train_dataloader.dataset.single_camera``)
are drawn at random; their images go through the refresh pipeline and the checkpoint's momentum
encoder (ReMix; the encoder for other models) and each video is clustered as the epoch-start refresh
does (:func:`mmremix.clustering.cluster_videos` with the settings of the config's
``ReMixRefreshHook`` entry, or that hook's defaults when the config has none). The picture has one
column of blocks per video and one cluster per block row: random images of a cluster, as the network
saw them (after the pipeline's resize), titled with the video name, the cluster number within the
video, its size and the video's noise count. A summary (clusters and noise per video) is printed.

Examples:
    python tools/analysis_tools/vis_clusters.py \
        configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py \
        work_dirs/quick_remix/epoch_6.pth --out clusters.png
    python tools/analysis_tools/vis_clusters.py CONFIG CHECKPOINT --out clusters.png --videos 4 \
        --clusters-per-video 5 --images-per-cluster 6 --seed 1
"""
import argparse
import os.path as osp
from typing import Callable, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint
from torch.utils.data import DataLoader, Subset

from mmremix.clustering import cluster_videos
from mmremix.registry import DATASETS, HOOKS, MODELS
from mmremix.utils import register_all_modules
from mmremix.utils.cli import run_tool
from mmremix.visualization.cluster_gallery import draw_cluster_gallery


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw the per-video pseudo-identity clusters of a ReMix refresh (mmremix)')
    parser.add_argument('config', help='training config (with train_dataloader.dataset.'
                        'single_camera and, for the clustering settings, a ReMixRefreshHook)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output picture, e.g. clusters.png')
    parser.add_argument('--videos', type=int, default=3, help='videos drawn at random')
    parser.add_argument('--clusters-per-video', type=int, default=4,
                        help='clusters drawn at random in each video')
    parser.add_argument('--images-per-cluster', type=int, default=4,
                        help='images drawn at random in each cluster')
    parser.add_argument('--seed', type=int, default=0, help='seed of all random draws')
    parser.add_argument('--cell-size', type=int, nargs=2, default=(128, 64),
                        metavar=('HEIGHT', 'WIDTH'), help='size of one image in the picture')
    parser.add_argument('--batch-size', type=int, default=64, help='feature extraction batch')
    parser.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. train_dataloader.dataset.'
                        'single_camera.data_root=data/videos')
    args = parser.parse_args()
    for name in ('videos', 'clusters_per_video', 'images_per_cluster', 'batch_size'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1, got {getattr(args, name)}')
    return args


def refresh_hook(cfg: Config):
    """The config's ReMixRefreshHook, built (its defaults with the test pipeline when absent)."""
    entries = [h for h in cfg.get('custom_hooks', []) if h.get('type') == 'ReMixRefreshHook']
    if entries:
        return HOOKS.build(entries[0])
    if cfg.get('test_pipeline') is None:
        raise KeyError(f'{cfg.filename} has no ReMixRefreshHook in custom_hooks and no '
                       'test_pipeline: one of them must give the feature extraction pipeline')
    print('No ReMixRefreshHook in the config: clustering with its default settings')
    return HOOKS.build(dict(type='ReMixRefreshHook', pipeline=cfg.test_pipeline))


def feature_function(model) -> Callable[[torch.Tensor], torch.Tensor]:
    """(B, 3, H, W) -> (B, D) L2-normalised features: the momentum encoder's for ReMix (as the
    refresh clusters), the encoder's (eval mode) otherwise."""
    if callable(getattr(model, 'momentum_features', None)):
        return model.momentum_features
    return lambda inputs: F.normalize(model.encoder(inputs)[1].float(), dim=1)


@torch.no_grad()
def extract(model, dataset, indices: np.ndarray, batch_size: int) -> np.ndarray:
    """(len(indices), D) float32 features of the given dataset items."""
    features = feature_function(model)
    loader = DataLoader(Subset(dataset, indices.tolist()), batch_size=batch_size,
                        collate_fn=pseudo_collate)
    feats = [features(model.data_preprocessor(batch, False)['inputs']).cpu() for batch in loader]
    return torch.cat(feats).numpy()


def cluster_groups(dataset, indices: np.ndarray, labels: np.ndarray, videos: np.ndarray,
                   args: argparse.Namespace, rng: np.random.Generator
                   ) -> Tuple[List[Tuple[str, List[np.ndarray]]], List[str]]:
    """Gallery groups, video-major columns and one cluster per row, and the summary lines."""
    video_ids = dataset.video_ids[indices]
    columns, summary = [], []
    for video in videos:
        in_video = video_ids == video
        name = dataset.get_data_info(int(indices[in_video][0]))['video_name']
        video_labels = labels[in_video]
        cluster_ids = np.unique(video_labels[video_labels >= 0])
        noise = int((video_labels < 0).sum())
        summary.append(f'{name}: {in_video.sum()} images, {cluster_ids.size} clusters, '
                       f'{noise} noise')
        shown = np.sort(rng.choice(cluster_ids, min(args.clusters_per_video, cluster_ids.size),
                                   replace=False))
        blocks = []
        for cluster in shown:
            members = indices[labels == cluster]
            picked = rng.choice(members, min(args.images_per_cluster, members.size),
                                replace=False)
            # as the network saw them: the packed (3, H, W) BGR uint8 output of the pipeline
            images = [np.ascontiguousarray(dataset[int(i)]['inputs'].permute(1, 2, 0).numpy())
                      for i in picked]
            # clusters of a video are numbered consecutively: the first one is 0 here
            title = (f'{name} cluster {cluster - cluster_ids[0]} of {cluster_ids.size} '
                     f'({members.size} img), noise {noise}')
            blocks.append((title, images))
        if not blocks:
            blocks.append((f'{name}: no cluster, {noise} noise', []))
        columns.append(blocks)
    rows = max(len(blocks) for blocks in columns)
    groups = [blocks[row] if row < len(blocks) else ('', []) for row in range(rows)
              for blocks in columns]
    return groups, summary


def main() -> None:
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    videos_cfg = cfg.get('train_dataloader', {}).get('dataset', {}).get('single_camera')
    if videos_cfg is None:
        raise KeyError(f'{args.config} has no train_dataloader.dataset.single_camera: '
                       'expected the single-camera videos of a ReMixDataset')
    hook = refresh_hook(cfg)
    dataset = DATASETS.build(dict(videos_cfg, pipeline=hook.pipeline))

    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device).eval()

    rng = np.random.default_rng(args.seed)
    videos = np.sort(rng.choice(dataset.num_videos, min(args.videos, dataset.num_videos),
                                replace=False))
    indices = np.flatnonzero(np.isin(dataset.video_ids, videos))
    feats = extract(model, dataset, indices, args.batch_size)
    labels = cluster_videos(feats, dataset.video_ids[indices], **hook.cluster_cfg)

    groups, summary = cluster_groups(dataset, indices, labels, videos, args, rng)
    settings = ', '.join(f'{k}={v}' for k, v in hook.cluster_cfg.items() if k != 'use_gpu')
    print(f'Clusters of {videos.size} videos ({settings}):')
    print('\n'.join(summary))
    if all(not images for _, images in groups):
        raise SystemExit('No cluster formed in the drawn videos: nothing to draw (try other '
                         '--seed / --videos, or another checkpoint)')
    picture = draw_cluster_gallery(groups, args.out, cell_size=tuple(args.cell_size),
                                   columns=videos.size)
    print(f'Saved {osp.abspath(args.out)} ({picture.shape[1]} x {picture.shape[0]} pixels, '
          'width x height)')


if __name__ == '__main__':
    run_tool(main, 'vis_clusters.py')
