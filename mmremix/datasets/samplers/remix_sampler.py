"""ReMix's mixed sampler: multi-camera identities and single-camera pseudo-identities per batch."""
import logging
from typing import Optional, Sized

import numpy as np
from mmengine.logging import print_log

from mmremix.registry import DATA_SAMPLERS
from .utils import (BasePKSampler, InstancePicker, batches_per_rank, check_identity_count,
                    check_int, draw_distinct_rows, ragged_arange, read_item_array, shuffle_split)


@DATA_SAMPLERS.register_module()
class ReMixSampler(BasePKSampler):
    """Mixed P x K sampler of ReMix, DDP-aware and deterministic from ``(seed, epoch, rank)``.

    Every batch is ``[P_mc identities x K multi-camera images, P_sc pseudo-identities x K
    single-camera images]`` with ``B_mc = batch_size - B_sc = P_mc * K`` and ``B_sc = P_sc * K``:

    - multi-camera part: identities drawn uniformly (cycling through random permutations of the
      rank's identities), the K images of each from as many cameras as it has (round-robin;
      replacement below K images);
    - single-camera part: ``V_b`` videos drawn at random among the rank's videos with at least one
      pseudo-identity (more, in the drawn order, while they hold fewer than ``P_sc``
      pseudo-identities), then ``P_sc`` distinct pseudo-identities drawn uniformly among theirs, K
      images each (with replacement below K images).

    An epoch has ``num_multi_camera // (B_mc * world_size)`` batches per rank (``ceil`` with
    ``round_up``), fixed at construction. Multi-camera identities are split into disjoint random
    shares per rank each epoch; videos too, when every share then holds at least ``P_sc``
    pseudo-identities (otherwise all ranks draw from all videos). ``num_single_camera=0`` is the
    multi-camera-only baseline, same code.

    Pseudo-labels come through :meth:`set_pseudo_labels`, called by the epoch-start refresh hook in
    the main process before the epoch's iterator is created (MMEngine creates it after
    ``before_train_epoch``); the sampler lives in the main process, so persistent workers do not
    matter. Fallback: while no pseudo-labels were set, or they hold fewer than ``P_sc``
    pseudo-identities (e.g. every item is noise), the single-camera part of each batch is filled
    with further multi-camera identities (``batch_size / K`` of them per batch) and a warning is
    logged once per epoch; training goes on with multi-camera data.

    Yields dataset indices, ``batch_size`` consecutive ones per batch: the data loader's
    ``batch_size`` must equal ``batch_size`` here (see ``check_loader_batch_size``).

    Args:
        dataset (Sized): ReMix's training set: ``num_multi_camera`` (int; items
            ``[0, num_multi_camera)`` are multi-camera, the rest single-camera), ``get_pids()`` and
            ``get_camids()`` (int64 (N,) over all items; multi-camera pids >= 0, single-camera ones
            ignored) and ``__len__``.
        batch_size (int): Images per batch B on each rank. Defaults to 64 (ReMix (Mamedov et al.,
            WACV 2025), Sec. 5; value: design choice of mmremix).
        num_instances (int): Images per (pseudo-)identity K; must divide ``batch_size`` and
            ``num_single_camera``. Defaults to 4 (design choice of mmremix).
        num_single_camera (int): Single-camera images per batch B_sc, ``0 <= B_sc < batch_size``.
            Defaults to 32 (design choice of mmremix).
        videos_per_batch (int): Videos V_b the single-camera part is drawn from. Defaults to 2
            (design choice of mmremix).
        seed (int, optional): Seed shared by all ranks, >= 0; None draws one synchronised across
            ranks.
        round_up (bool): Batches per rank ``ceil(num_multi_camera / (B_mc * world_size))`` if True,
            else ``floor`` (design choice of mmremix). Defaults to False.

    Raises:
        TypeError: The dataset lacks ``get_pids`` / ``get_camids``.
        ValueError: Invalid ``batch_size`` / ``num_instances`` / ``num_single_camera`` /
            ``videos_per_batch`` / ``seed`` / ``dataset.num_multi_camera``; negative multi-camera
            pids; fewer than ``batch_size / K`` multi-camera identities per rank; no full batch per
            rank with ``round_up=False``.

    Example:
        >>> sampler = ReMixSampler(dataset, batch_size=64, num_single_camera=32, seed=0)
        >>> sampler.set_epoch(1)
        >>> sampler.set_pseudo_labels(labels, video_ids)  # by the refresh hook
        >>> indices = list(sampler)  # 8 identities x 4, then 8 pseudo-identities x 4, per 64

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 5; fallback, rank split and round-robin: design
    choice of mmremix.
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int = 64,
                 num_instances: int = 4,
                 num_single_camera: int = 32,
                 videos_per_batch: int = 2,
                 seed: Optional[int] = None,
                 round_up: bool = False) -> None:
        super().__init__(dataset, batch_size, num_instances, seed)
        check_int(num_single_camera, 'num_single_camera', 0)
        if num_single_camera >= batch_size or num_single_camera % num_instances:
            raise ValueError(f'num_single_camera={num_single_camera} must be a multiple of '
                             f'num_instances={num_instances} below batch_size={batch_size}')
        check_int(videos_per_batch, 'videos_per_batch', 1)
        pids = read_item_array(dataset, 'get_pids')
        cams = read_item_array(dataset, 'get_camids')
        num_mc = getattr(dataset, 'num_multi_camera', None)
        check_int(num_mc, 'dataset.num_multi_camera', 1)
        if num_mc > pids.size:
            raise ValueError(f'dataset.num_multi_camera={num_mc} exceeds len(dataset)={pids.size}')
        if pids[:num_mc].min() < 0:
            raise ValueError(
                f'dataset.get_pids() has {int((pids[:num_mc] < 0).sum())} negative pids '
                f'among the first num_multi_camera={num_mc} (multi-camera) items')
        self.num_single_camera = int(num_single_camera)
        self.videos_per_batch = int(videos_per_batch)
        self.num_multi_camera = int(num_mc)
        mc_groups = np.unique(pids[:num_mc], return_inverse=True)[1].astype(np.int64)
        self.num_ids = int(mc_groups.max()) + 1
        self._mc_picker = InstancePicker(mc_groups, cams[:num_mc], num_instances)
        check_identity_count(self.num_ids, batch_size // num_instances, self.world_size,
                             'The multi-camera part of the dataset')
        self.num_batches = batches_per_rank(self.num_multi_camera,
                                            batch_size - self.num_single_camera, self.world_size,
                                            round_up, 'dataset.num_multi_camera')
        self._sc_picker = None
        self._pseudo_video = None
        self._warned_epoch = None

    def set_pseudo_labels(self, labels: np.ndarray, video_ids: np.ndarray) -> None:
        """Set the single-camera pseudo-labels used from the next iteration on.

        Args:
            labels (np.ndarray): int (N_sc,) pseudo-identity of every single-camera item (dataset
                items ``num_multi_camera + i``), -1 = noise or not sampled this epoch. Any
                numbering; a pseudo-identity lies in one video.
            video_ids (np.ndarray): int (N_sc,) video of every single-camera item.

        Raises:
            ValueError: ``labels`` or ``video_ids`` is not an integer array of shape (N_sc,),
                ``labels`` has values < -1, or a pseudo-identity spans two videos.

        Source: ReMix (Mamedov et al., WACV 2025), Sec. 4 (per-video clusters); interface: design
        choice of mmremix.
        """
        num_sc = len(self.dataset) - self.num_multi_camera
        labels, video_ids = np.asarray(labels), np.asarray(video_ids)
        for name, values in (('labels', labels), ('video_ids', video_ids)):
            integer = values.size == 0 or np.issubdtype(values.dtype, np.integer)
            if values.shape != (num_sc, ) or not integer:
                raise ValueError(
                    f'{name} must be an integer array of shape ({num_sc},) (one per '
                    f'single-camera item), got dtype {values.dtype} shape {values.shape}')
        if num_sc and labels.min() < -1:
            raise ValueError(f'labels must be >= -1 (-1 = noise), got {labels.min()}')
        valid = labels >= 0
        dense = np.unique(labels[valid], return_inverse=True)[1].astype(np.int64)
        videos = video_ids[valid].astype(np.int64)
        pseudo_video = np.empty(int(dense.max()) + 1 if dense.size else 0, dtype=np.int64)
        pseudo_video[dense] = videos
        crossing = np.flatnonzero(pseudo_video[dense] != videos)
        if crossing.size:
            first = crossing[0]
            pair = sorted((int(pseudo_video[dense[first]]), int(videos[first])))
            raise ValueError(f'labels: pseudo-identity {labels[valid][first]} spans videos '
                             f'{pair[0]} and {pair[1]}; pseudo-identities must lie in one video')
        sc_groups = np.full(num_sc, -1, dtype=np.int64)
        sc_groups[valid] = dense
        self._sc_picker = InstancePicker(sc_groups, np.zeros_like(sc_groups), self.num_instances)
        self._pseudo_video = np.unique(pseudo_video, return_inverse=True)[1].astype(np.int64)

    def sample_batches(self) -> np.ndarray:
        """Draw this rank's batches of the current epoch.

        Returns:
            np.ndarray: int64 (num_batches, batch_size) dataset indices: the multi-camera part, then
            the single-camera part, each (pseudo-)identity-major.
        """
        shared_rng, rank_rng = self.epoch_rngs()
        ids = shuffle_split(np.arange(self.num_ids), self.world_size, shared_rng)[self.rank]
        num_pseudo = 0 if self._pseudo_video is None else self._pseudo_video.size
        use_single = num_pseudo >= self.num_single_camera // self.num_instances
        if self.num_single_camera > 0 and not use_single:
            self._warn_fallback(num_pseudo)
        single = self.num_single_camera if use_single else 0
        num_mc_ids = (self.batch_size - single) // self.num_instances
        mc_slots = draw_distinct_rows(ids, self.num_batches, num_mc_ids, rank_rng)
        batches = self._mc_picker.pick(mc_slots.ravel(), rank_rng).reshape(self.num_batches, -1)
        if single:
            sc_slots = self._draw_pseudo_ids(shared_rng, rank_rng)
            sc_items = self._sc_picker.pick(sc_slots.ravel(), rank_rng)
            batches = np.concatenate(
                [batches, sc_items.reshape(self.num_batches, -1) + self.num_multi_camera], axis=1)
        return batches

    def _draw_pseudo_ids(self, shared_rng: np.random.Generator,
                         rank_rng: np.random.Generator) -> np.ndarray:
        """Draw the pseudo-identities of every batch's single-camera part.

        Args:
            shared_rng (np.random.Generator): Generator identical on all ranks (video split).
            rank_rng (np.random.Generator): This rank's generator.

        Returns:
            np.ndarray: int64 (num_batches, P_sc) dense pseudo-identities, distinct within a row.
        """
        num_pseudo_ids = self.num_single_camera // self.num_instances
        video_count = np.bincount(self._pseudo_video)
        video_first = np.cumsum(video_count) - video_count
        pseudo_by_video = np.argsort(self._pseudo_video, kind='stable')
        shares = shuffle_split(np.arange(video_count.size), self.world_size, shared_rng)
        disjoint = min(video_count[share].sum() for share in shares) >= num_pseudo_ids
        videos = shares[self.rank] if disjoint else np.arange(video_count.size)

        # Each row: enough distinct videos in random order to hold P_sc pseudo-ids (every video
        # holds >= 1); a batch uses the first V_b, and the next ones while short of P_sc.
        window = min(max(self.videos_per_batch, num_pseudo_ids), videos.size)
        drawn = draw_distinct_rows(videos, self.num_batches, window, rank_rng)
        held = np.cumsum(video_count[drawn], axis=1)
        num_used = np.maximum(min(self.videos_per_batch, window),
                              np.argmax(held >= num_pseudo_ids, axis=1) + 1)
        used = drawn[np.arange(window) < num_used[:, None]]
        used_count = video_count[used]
        cand_batch = np.repeat(np.repeat(np.arange(self.num_batches), num_used), used_count)
        cand_pseudo = pseudo_by_video[np.repeat(video_first[used], used_count) +
                                      ragged_arange(used_count)]
        sort = np.lexsort((rank_rng.random(cand_pseudo.size), cand_batch))
        keep = ragged_arange(np.bincount(cand_batch, minlength=self.num_batches)) < num_pseudo_ids
        return cand_pseudo[sort][keep].reshape(self.num_batches, num_pseudo_ids)

    def _warn_fallback(self, num_pseudo: int) -> None:
        """Log, once per epoch, that the single-camera part is filled with multi-camera data.

        Args:
            num_pseudo (int): Pseudo-identities available.
        """
        if self._warned_epoch == self.epoch:
            return
        self._warned_epoch = self.epoch
        reason = ('no pseudo-labels were set' if self._pseudo_video is None else
                  f'the pseudo-labels hold {num_pseudo} pseudo-identities, fewer than the '
                  f'{self.num_single_camera // self.num_instances} a batch needs')
        print_log(
            f'ReMixSampler, epoch {self.epoch}: {reason}; the single-camera part of every '
            'batch is filled with multi-camera identities',
            logger='current',
            level=logging.WARNING)
