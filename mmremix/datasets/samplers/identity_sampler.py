"""P x K identity sampler for labeled (multi-camera) data: the baseline's sampler."""
from typing import Optional, Sized

import numpy as np

from mmremix.registry import DATA_SAMPLERS
from .utils import (BasePKSampler, InstancePicker, batches_per_rank, check_identity_count,
                    draw_distinct_rows, read_item_array, shuffle_split)


@DATA_SAMPLERS.register_module()
class IdentitySampler(BasePKSampler):
    """P x K identity sampler, DDP-aware and deterministic from ``(seed, epoch, rank)``.

    Every batch holds ``P = batch_size / K`` distinct identities with ``K`` images each, in the
    order ``[id_1 x K, id_2 x K, ...]``. The ``K`` images of an identity come from as many cameras
    as it has (round-robin over its cameras in random order; an identity with fewer than ``K``
    images gives all of them, then repeats with replacement). Identities are drawn uniformly: each
    epoch cycles through random permutations of the rank's identities. Each epoch the identities
    are split at random into disjoint shares, one per rank.

    Yields dataset indices, ``batch_size`` consecutive ones per batch: the data loader's
    ``batch_size`` must equal ``batch_size`` here (see ``check_loader_batch_size``).

    Args:
        dataset (Sized): Labeled data with ``get_pids()`` and ``get_camids()`` (int64 (N,) numpy
            arrays over the items, pids >= 0) and ``__len__``.
        batch_size (int): Images per batch B on each rank. Defaults to 64 (design choice of
            mmremix).
        num_instances (int): Images per identity K; must divide ``batch_size``. Defaults to 4
            (design choice of mmremix).
        seed (int, optional): Seed shared by all ranks, >= 0; None draws one synchronised across
            ranks.
        camera_diverse (bool): Pick the K images across cameras; False picks them at random within
            the identity (same code, one camera assumed). Defaults to True.
        round_up (bool): Batches per rank ``ceil(N / (B * world_size))`` if True, else ``floor``
            (design choice of mmremix). Defaults to False.

    Raises:
        TypeError: The dataset lacks ``get_pids`` / ``get_camids``.
        ValueError: Invalid ``batch_size`` / ``num_instances`` / ``seed``; ``get_pids()`` or
            ``get_camids()`` of the wrong shape, or with negative pids; fewer than ``P`` identities
            per rank; no full batch per rank with ``round_up=False``.

    Example:
        >>> sampler = IdentitySampler(dataset, batch_size=64, num_instances=4, seed=0)
        >>> sampler.set_epoch(3)
        >>> indices = list(sampler)  # len(sampler) indices, 16 identities x 4 per 64

    Source: P x K sampling as in fast-reid; camera diversity: ReMix (Mamedov et al., WACV 2025),
    Sec. 5; epoch length and rank split: design choice of mmremix.
    """

    def __init__(self,
                 dataset: Sized,
                 batch_size: int = 64,
                 num_instances: int = 4,
                 seed: Optional[int] = None,
                 camera_diverse: bool = True,
                 round_up: bool = False) -> None:
        super().__init__(dataset, batch_size, num_instances, seed)
        pids = read_item_array(dataset, 'get_pids')
        if pids.size and pids.min() < 0:
            raise ValueError(f'dataset.get_pids() has {int((pids < 0).sum())} negative pids: '
                             'IdentitySampler needs labeled items only')
        cams = read_item_array(dataset, 'get_camids')
        self.camera_diverse = camera_diverse
        groups = np.unique(pids, return_inverse=True)[1].astype(np.int64)
        self.num_ids = int(groups.max()) + 1 if pids.size else 0
        check_identity_count(self.num_ids, batch_size // num_instances, self.world_size, 'dataset')
        self.num_batches = batches_per_rank(pids.size, batch_size, self.world_size, round_up,
                                            'len(dataset)')
        self._picker = InstancePicker(groups, cams if camera_diverse else np.zeros_like(cams),
                                      num_instances)

    def sample_batches(self) -> np.ndarray:
        """Draw this rank's batches of the current epoch.

        Returns:
            np.ndarray: int64 (num_batches, batch_size) dataset indices, identity-major within a
            batch.
        """
        shared_rng, rank_rng = self.epoch_rngs()
        ids = shuffle_split(np.arange(self.num_ids), self.world_size, shared_rng)[self.rank]
        slots = draw_distinct_rows(ids, self.num_batches, self.batch_size // self.num_instances,
                                   rank_rng)
        return self._picker.pick(slots.ravel(), rank_rng).reshape(self.num_batches, self.batch_size)
