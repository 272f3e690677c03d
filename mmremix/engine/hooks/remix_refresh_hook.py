"""ReMix's epoch-start refresh: multi-camera centroids and single-camera pseudo-labels."""
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dataset import Compose, pseudo_collate
from mmengine.dist import all_gather, broadcast_object_list, get_dist_info
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from mmremix.clustering import cluster_videos, pseudo_label_quality
from mmremix.clustering.dbscan import DEFAULT_GPU_MIN_VIDEO_SIZE
from mmremix.datasets.samplers import check_loader_batch_size
from mmremix.datasets.worker_init import exit_with_parent_worker_init
from mmremix.registry import HOOKS


class _ItemsForExtraction(Dataset):
    """Items of a dataset, by index, through another pipeline (the test pipeline).

    Loaded by the dataset's ``prepare_data``, so an unreadable image is handled by its
    ``on_unreadable`` (with ``'skip'``, the item gets the features of its substitute).
    """

    def __init__(self, dataset, indices: np.ndarray, pipeline: Sequence[dict]) -> None:
        self.dataset, self.indices, self.pipeline = dataset, indices, Compose(pipeline)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict:
        return self.dataset.prepare_data(int(self.indices[i]), self.pipeline)


def _labels_on_cpu(labels) -> np.ndarray:
    """Saved pseudo-labels as an int64 numpy array on the CPU.

    Checkpoints hold a numpy array (never moved by ``map_location``); older ones a tensor, which
    ``Runner.resume`` may have loaded on a GPU.

    Raises:
        TypeError: If ``labels`` is neither a numpy array nor a tensor.
    """
    if torch.is_tensor(labels):
        return labels.cpu().numpy().astype(np.int64, copy=False)
    if isinstance(labels, np.ndarray):
        return labels.astype(np.int64, copy=False)
    raise TypeError('checkpoint["remix_refresh"]["sc_labels"] must be a numpy array or a tensor, '
                    f'got {type(labels).__name__}')


def mean_centroids(feats: torch.Tensor, labels: torch.Tensor, num: int) -> torch.Tensor:
    """L2-normalised mean feature of each label.

    Args:
        feats (torch.Tensor): (N, D) float features.
        labels (torch.Tensor): (N,) int64 in ``[0, num)``.
        num (int): Number of centroids C.

    Returns:
        torch.Tensor: (C, D) float32; a label without any item gets a zero row.
    """
    sums = feats.new_zeros(num, feats.size(1)).index_add_(0, labels, feats)
    return F.normalize(sums.float(), dim=1)


@HOOKS.register_module()
class ReMixRefreshHook(Hook):
    """The epoch-start refresh of ReMix (Mamedov et al., WACV 2025, Fig. 2; Sec. 4 of
    ``remix_method.md``), at ``before_train_epoch``.

    1. All multi-camera training images go through the momentum encoder (eval mode, ``pipeline``):
       identity centroids c_y and camera centroids c_{y,k} (normalised means).
    2. Single-camera videos are drawn at random (seeded by ``seed`` and the epoch) until their
       images number about ``single_to_multi_ratio`` times the multi-camera images; their images
       go through the momentum encoder and each video is clustered on its own with DBSCAN
       (:func:`mmremix.clustering.cluster_videos`). Clusters become pseudo-identities numbered
       after the multi-camera identities; noise is left out of the epoch.
    3. The model gets the memories, the label of every item and the video of every centroid
       (``ReMix.set_memory``), the
       sampler the pseudo-labels (``ReMixSampler.set_pseudo_labels``). Both live in the main
       process, keyed by item index, so dataloader workers, persistent ones too, never need the
       labels.
    4. Logged: videos and images sampled, clusters, noise ratio, seconds per step and, with
       ``gt_file`` set, NMI / ARI / purity of the pseudo-labels (diagnostic only: never used in
       training).

    Checkpoints carry the epoch's pseudo-labels (key ``'remix_refresh'``: ``epoch`` and
    ``sc_labels``, an int64 numpy array, so that a checkpoint loaded with any ``map_location``, e.g.
    CUDA by MMEngine's ``Runner.resume`` on a GPU machine, gives them back on the CPU). A run
    resumed from a
    checkpoint saved in the middle of an epoch (``ResumableEpochBasedTrainLoop``) gets them back
    instead of a new refresh, so the sampler draws the same batches as before the interruption.

    Under DDP the ranks' momentum encoders are first made identical (``sync_momentum_buffers``:
    BatchNorm statistics averaged over ranks), then every rank extracts a share of the images and
    the features are gathered on every rank; every rank clusters a share of the videos and the
    labels are summed over ranks (equal, bit for bit, to one process's); rank 0 builds the
    memories and broadcasts them, so every rank ends the refresh with identical labels and
    memories.

    Args:
        pipeline (Sequence[dict]): Test pipeline for feature extraction (load, resize, pack).
        single_to_multi_ratio (float): Single-camera images sampled per multi-camera image.
            Default 1.0 (design choice of mmremix).
        eps (float): DBSCAN radius. Default 0.6 (design choice of mmremix).
        min_samples (int): DBSCAN ``min_samples``. Default 4 (design choice of mmremix).
        metric (str): ``'jaccard'`` (k-reciprocal) or ``'cosine'``. Default ``'jaccard'`` (design
            choice of mmremix).
        k1 (int): k-reciprocal neighbourhood size. Default 20 (design choice of mmremix).
        k2 (int): Query-expansion size. Default 6 (design choice of mmremix).
        batch_size (int): Extraction batch size per process. Defaults to 128.
        num_workers (int): Extraction dataloader workers. Defaults to 2.
        gt_file (str, optional): Lines ``<path relative to the videos' data_root> <pid>``, for the
            pseudo-label quality log only.
        seed (int, optional): Seed of the video draw; defaults to rank 0's runner seed (the same on
            every rank, also with ``randomness.diff_rank_seed=True``).
        use_gpu_faiss (bool): faiss kNN on the GPU when available, for videos of at least
            ``gpu_min_video_size`` images. Defaults to False.
        gpu_min_video_size (int): With ``use_gpu_faiss``, smaller videos are searched on the CPU.
            Default 1000, a guess: the GPU/CPU cross-over size is unmeasured (design choice of
            mmremix, :func:`mmremix.clustering.cluster_videos`).
        progress (bool): Progress bars on feature extraction and clustering (rank 0). Defaults to
            True.

    Raises:
        TypeError: At the start of training, if the model has no ``set_memory`` or the dataset is
            not a ``ReMixDataset``.
        ValueError: At the start of training, if the train loader's batch size differs from its
            sampler's.
    """

    priority = 'NORMAL'

    def __init__(self,
                 pipeline: Sequence[dict],
                 single_to_multi_ratio: float = 1.0,
                 eps: float = 0.6,
                 min_samples: int = 4,
                 metric: str = 'jaccard',
                 k1: int = 20,
                 k2: int = 6,
                 batch_size: int = 128,
                 num_workers: int = 2,
                 gt_file: Optional[str] = None,
                 seed: Optional[int] = None,
                 use_gpu_faiss: bool = False,
                 gpu_min_video_size: int = DEFAULT_GPU_MIN_VIDEO_SIZE,
                 progress: bool = True) -> None:
        if single_to_multi_ratio < 0:
            raise ValueError(f'single_to_multi_ratio must be >= 0, got {single_to_multi_ratio}')
        self.pipeline = list(pipeline)
        self.single_to_multi_ratio = single_to_multi_ratio
        self.cluster_cfg = dict(eps=eps, min_samples=min_samples, metric=metric, k1=k1, k2=k2,
                                use_gpu=use_gpu_faiss, gpu_min_video_size=gpu_min_video_size)
        self.batch_size, self.num_workers = batch_size, num_workers
        self.gt_file, self.seed, self.progress = gt_file, seed, progress
        self._gt_labels: Optional[np.ndarray] = None
        # the sampler's pseudo-labels of the current epoch, saved in checkpoints
        self._epoch_labels: Optional[dict] = None
        # those of a checkpoint saved in the middle of an epoch, until that epoch resumes
        self._resumed_labels: Optional[dict] = None

    def before_train(self, runner) -> None:
        model, dataset = get_ori_model(runner.model), runner.train_dataloader.dataset
        if not all(callable(getattr(model, name, None))
                   for name in ('set_memory', 'sync_momentum_buffers')):
            raise TypeError(f'ReMixRefreshHook needs a ReMix model, got {type(model).__name__}')
        if not hasattr(dataset, 'num_multi_camera'):
            raise TypeError('ReMixRefreshHook needs train_dataloader.dataset to be a ReMixDataset, '
                            'got '
                            f'{type(dataset).__name__}')
        check_loader_batch_size(runner.train_dataloader)
        if self.gt_file is not None:
            self._gt_labels = self._read_gt(dataset)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Save the epoch's single-camera pseudo-labels (the sampler's state) in the checkpoint."""
        if self._epoch_labels is not None:
            checkpoint['remix_refresh'] = dict(self._epoch_labels)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the pseudo-labels of a checkpoint saved in the middle of an epoch.

        A checkpoint saved at the end of epoch e records epoch e + 1 in its meta, one saved in
        the middle records e: only the latter's labels are still those of its epoch.
        """
        state, meta = checkpoint.get('remix_refresh'), checkpoint.get('meta', {})
        self._resumed_labels = None
        if state is not None and state['epoch'] == meta.get('epoch'):
            self._resumed_labels = dict(state, iter=meta.get('iter'))

    def before_train_epoch(self, runner) -> None:
        resumed, self._resumed_labels = self._resumed_labels, None
        if (resumed is not None and resumed['epoch'] == runner.epoch
                and resumed['iter'] == runner.iter):
            self._restore(runner, resumed)
            return
        self._refresh(runner)

    def _restore(self, runner, state: dict) -> None:
        """Resume in the middle of an epoch: the sampler gets the epoch's saved pseudo-labels.

        The memories and item labels come back with the model's state dict; refreshing again
        would cluster with a momentum encoder that has moved on since the epoch began.
        """
        dataset = runner.train_dataloader.dataset
        sc_labels = _labels_on_cpu(state['sc_labels'])
        self._epoch_labels = dict(epoch=runner.epoch, sc_labels=sc_labels)
        sampler = runner.train_dataloader.sampler
        if callable(getattr(sampler, 'set_pseudo_labels', None)):
            sampler.set_pseudo_labels(sc_labels, dataset.get_video_ids()[dataset.num_multi_camera:])
        runner.logger.info(
            f'ReMix refresh (epoch {runner.epoch + 1}): resumed at iteration {runner.iter} with '
            f'the epoch\'s saved pseudo-labels ({int(np.unique(sc_labels[sc_labels >= 0]).size)} '
            'pseudo-identities) and memories')

    def _refresh(self, runner) -> None:
        """Steps 1-4 of the class docstring."""
        model = get_ori_model(runner.model)
        dataset = runner.train_dataloader.dataset
        rank, _ = get_dist_info()
        model.sync_momentum_buffers()  # every rank extracts with the same momentum encoder
        seconds: Dict[str, float] = {}
        start = time.perf_counter()
        mc_feats = self._extract(runner, model, np.arange(dataset.num_multi_camera), 'multi-camera')
        seconds['extract_multi_camera'] = time.perf_counter() - start

        sc_index = self._draw_videos(dataset, runner.epoch, self._video_seed(runner))
        start = time.perf_counter()
        sc_feats = self._extract(runner, model, dataset.num_multi_camera + sc_index,
                                 'single-camera')
        seconds['extract_single_camera'] = time.perf_counter() - start

        start = time.perf_counter()
        timings: Dict[str, float] = {}
        video_ids = dataset.get_video_ids()[dataset.num_multi_camera:]
        clusters = cluster_videos(sc_feats.numpy(), video_ids[sc_index], timings=timings,
                                  progress=self.progress and rank == 0, distributed=True,
                                  **self.cluster_cfg)
        seconds['cluster'] = time.perf_counter() - start
        seconds.update(timings)

        result = [None]
        if rank == 0:
            result = [self._build(dataset, mc_feats, sc_feats, sc_index, clusters, seconds)]
        broadcast_object_list(result, src=0)
        memory, sc_labels, stats = result[0]
        device = next(model.parameters()).device
        model.set_memory(**{k: v.to(device) if torch.is_tensor(v) else v
                            for k, v in memory.items()})
        sampler = runner.train_dataloader.sampler
        if callable(getattr(sampler, 'set_pseudo_labels', None)):
            sampler.set_pseudo_labels(sc_labels, dataset.get_video_ids()[dataset.num_multi_camera:])
        self._epoch_labels = dict(epoch=runner.epoch, sc_labels=sc_labels)
        self._log(runner, stats)

    def _video_seed(self, runner) -> int:
        """The seed of the video draw, the same on every rank.

        ``seed`` when given, else rank 0's ``runner.seed``, broadcast: with
        ``randomness.diff_rank_seed=True`` the runner's seed is ``seed + rank``, and ranks that
        drew different videos would extract items that the gathered features do not belong to.
        """
        if self.seed is not None:
            return self.seed
        seed = [runner.seed]
        broadcast_object_list(seed, src=0)
        return int(seed[0])

    def _draw_videos(self, dataset, epoch: int, seed: int) -> np.ndarray:
        """Indices (among single-camera items) of the videos drawn this epoch, in item order."""
        if dataset.num_single_camera == 0 or self.single_to_multi_ratio == 0:
            return np.zeros(0, dtype=np.int64)
        video_ids = dataset.get_video_ids()[dataset.num_multi_camera:]
        sizes = np.bincount(video_ids)
        order = np.random.default_rng([seed, epoch]).permutation(sizes.size)
        target = self.single_to_multi_ratio * dataset.num_multi_camera
        num_videos = int(np.searchsorted(np.cumsum(sizes[order]), target)) + 1
        chosen = np.zeros(sizes.size, dtype=bool)
        chosen[order[:num_videos]] = True
        return np.flatnonzero(chosen[video_ids])

    @torch.no_grad()
    def _extract(self, runner, model, indices: np.ndarray, what: str) -> torch.Tensor:
        """Momentum-encoder features of the items, (len(indices), D) float32, on every rank."""
        rank, world_size = get_dist_info()
        feat_dim = model.memory.centroids.size(1)
        if len(indices) == 0:
            return torch.zeros(0, feat_dim)
        per_rank = -(-len(indices) // world_size)
        padded = np.resize(indices, per_rank * world_size)  # repeats items to equal shares
        shard = _ItemsForExtraction(runner.train_dataloader.dataset, padded[rank::world_size],
                                    self.pipeline)
        # workers end with the process (a killed run leaves none behind), as the runner's do
        loader = DataLoader(shard, batch_size=self.batch_size, num_workers=self.num_workers,
                            collate_fn=pseudo_collate, worker_init_fn=exit_with_parent_worker_init)
        bar = tqdm(total=len(shard), desc=f'refresh: {what} features', unit='img',
                   disable=not self.progress or rank != 0, mininterval=5)
        feats = []
        for batch in loader:
            inputs = model.data_preprocessor(batch, False)['inputs']
            feats.append(model.momentum_features(inputs))
            bar.update(inputs.size(0))
        bar.close()
        feats = torch.cat(feats)
        if world_size > 1:
            feats = torch.stack(all_gather(feats), dim=1).flatten(0, 1)
        return feats[:len(indices)].cpu()

    def _build(self, dataset, mc_feats: torch.Tensor, sc_feats: torch.Tensor,
               sc_index: np.ndarray, clusters: np.ndarray, seconds: Dict[str, float]):
        """Memories, labels and statistics of the epoch from its clusters (rank 0)."""
        num_pids, num_cams = dataset.num_pids, dataset.num_cams
        pids = torch.from_numpy(dataset.get_pids()[:dataset.num_multi_camera].copy())
        camids = torch.from_numpy(dataset.get_camids()[:dataset.num_multi_camera].copy())
        cam_keys, cam_rows = torch.unique(pids * num_cams + camids, return_inverse=True)

        video_ids = dataset.get_video_ids()[dataset.num_multi_camera:]
        num_clusters = int(clusters.max()) + 1 if clusters.size and clusters.max() >= 0 else 0
        clustered = clusters >= 0

        sc_labels = np.full(dataset.num_single_camera, -1, dtype=np.int64)
        sc_labels[sc_index[clustered]] = clusters[clustered]
        sample_labels = torch.from_numpy(
            np.concatenate([pids.numpy(), np.where(sc_labels >= 0, sc_labels + num_pids, -1)]))
        centroids = torch.cat([
            mean_centroids(mc_feats, pids, num_pids),
            mean_centroids(sc_feats[clustered], torch.from_numpy(clusters[clustered]), num_clusters)
        ])
        # the video of each centroid row: -1 for multi-camera identities, then each cluster's
        # video (clusters are numbered video after video, never across two)
        video_of_cluster = np.full(num_clusters, -1, dtype=np.int64)
        video_of_cluster[clusters[clustered]] = video_ids[sc_index[clustered]]
        memory = dict(
            centroids=centroids,
            centroid_videos=torch.from_numpy(
                np.concatenate([np.full(num_pids, -1, dtype=np.int64), video_of_cluster])),
            camera_centroids=mean_centroids(mc_feats, cam_rows, len(cam_keys)),
            camera_keys=cam_keys,
            camera_labels=cam_keys // num_cams,
            sample_labels=sample_labels,
            num_cams=num_cams)
        stats = dict(
            videos_sampled=int(np.unique(video_ids[sc_index]).size),
            images_sampled=int(len(sc_index)),
            clusters=num_clusters,
            noise_ratio=float(1 - clustered.mean()) if clusters.size else 0.0,
            **{f'seconds_{k}': v for k, v in seconds.items()})
        if self._gt_labels is not None and len(sc_index):
            quality = pseudo_label_quality(clusters, self._gt_labels[sc_index])
            stats.update(nmi=quality['nmi'], ari=quality['ari'], purity=quality['purity'])
        return memory, sc_labels, stats

    def _read_gt(self, dataset) -> np.ndarray:
        """Ground-truth person of every single-camera item (-1 where the file has none)."""
        root = dataset.single_camera.data_root
        with open(self.gt_file) as f:
            rows = [line.split() for line in f if line.strip()]
        bad = [i + 1 for i, row in enumerate(rows)
               if len(row) != 2 or not row[1].lstrip('-').isdigit()]
        if bad:
            raise ValueError(f'{self.gt_file}: line {bad[0]} is not "<relative image path> <pid>"')
        gt = {osp.normpath(path): int(pid) for path, pid in rows}
        first = dataset.num_multi_camera
        paths: List[str] = [
            osp.normpath(osp.relpath(dataset.get_data_info(first + i)['img_path'], root))
            for i in range(dataset.num_single_camera)
        ]
        labels = np.array([gt.get(p, -1) for p in paths], dtype=np.int64)
        if (labels < 0).all():
            raise ValueError(f'{self.gt_file} names none of the single-camera images under {root}')
        return labels

    def _log(self, runner, stats: dict) -> None:
        text = ', '.join(f'{k}={v:.3f}' if isinstance(v, float) else f'{k}={v}'
                         for k, v in stats.items())
        runner.logger.info(f'ReMix refresh (epoch {runner.epoch + 1}): {text}')
        runner.visualizer.add_scalars({f'refresh/{k}': v for k, v in stats.items()},
                                      step=runner.epoch + 1)
        runner.message_hub.update_info('remix_refresh', stats)
