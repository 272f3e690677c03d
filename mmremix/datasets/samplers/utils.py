"""Shared pieces of the P x K batch samplers: seeding, the rank split, the instance picker.

Contract with MMEngine's data loader (both samplers): the sampler yields dataset indices in batch
order, ``batch_size`` of them per batch, so the ``DataLoader(batch_size=B, sampler=...)`` that
MMEngine builds cuts them into the intended batches only when its ``batch_size`` equals the
sampler's. The sampler therefore takes ``batch_size`` itself and :func:`check_loader_batch_size`
checks the loader against it; in a config write the number once and use it twice::

    batch_size = 64
    train_dataloader = dict(batch_size=batch_size,
                            sampler=dict(type='IdentitySampler', batch_size=batch_size))

``len(sampler)`` is a multiple of ``batch_size``, so ``drop_last`` has no effect.

Randomness: every epoch draws from two numpy generators built from ``(seed, epoch)`` (shared by all
ranks: the split of identities and videos across ranks) and ``(seed, epoch, rank)`` (this rank's
batches). The batches are a function of ``(seed, epoch, rank)`` and the data (for ReMix also the
epoch's pseudo-labels), which is what makes a resumed run repeat them: the samplers keep no other
state (no ``state_dict``). Every index carries its item's augmentation seed (see
:mod:`mmremix.datasets.item_seed`), and :meth:`BasePKSampler.skip_batches` starts an epoch in its
middle: together they make a mid-epoch resume exact.
"""
from typing import Iterator, List, Optional, Sized, Tuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import DataLoader, Sampler

from ..item_seed import SeededIndex, item_seeds


def check_int(value: int, name: str, minimum: int) -> None:
    """Check that a sampler argument is an int not below a minimum.

    Args:
        value (int): The value.
        name (str): The argument's name, quoted in the error.
        minimum (int): The least valid value.

    Raises:
        ValueError: ``value`` is not an int (bool excluded) or is below ``minimum``.

    Source: design choice of mmremix.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f'{name} must be an int >= {minimum}, got {value!r}')


def read_item_array(dataset: Sized, method: str) -> np.ndarray:
    """Call a per-item accessor of the dataset (``get_pids`` / ``get_camids``) and check its result.

    Args:
        dataset (Sized): The dataset; ``getattr(dataset, method)()`` must return one integer per
            item.
        method (str): The accessor's name.

    Returns:
        np.ndarray: int64 (N,), N = ``len(dataset)``.

    Raises:
        TypeError: The dataset has no such method.
        ValueError: The result is not a 1-D integer array of length ``len(dataset)``.

    Source: design choice of mmremix.
    """
    accessor = getattr(dataset, method, None)
    if not callable(accessor):
        raise TypeError(f'The sampler needs dataset.{method}() (int64 array over the items); '
                        f'{type(dataset).__name__} has none')
    values = np.asarray(accessor())
    if values.ndim != 1 or values.shape[0] != len(dataset) or (
            values.size and not np.issubdtype(values.dtype, np.integer)):
        raise ValueError(
            f'dataset.{method}() must be a 1-D integer array of length '
            f'len(dataset)={len(dataset)}, got dtype {values.dtype} shape {values.shape}')
    return values.astype(np.int64)


def batches_per_rank(num_items: int, items_per_batch: int, world_size: int, round_up: bool,
                     name: str) -> int:
    """Number of batches of one rank in an epoch.

    Args:
        num_items (int): Items that define the epoch (all images, or the multi-camera images).
        items_per_batch (int): Items of that kind in one batch.
        world_size (int): Number of ranks.
        round_up (bool): ``ceil(num_items / (items_per_batch * world_size))`` if True, else
            ``floor``.
        name (str): What ``num_items`` comes from, quoted in the error.

    Returns:
        int: Batches per rank, >= 1.

    Raises:
        ValueError: ``round_up=False`` and the items do not fill one batch on every rank.

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 5 (epoch = multi-camera images / B_mc);
    ``round_up`` follows MMEngine's ``DefaultSampler``.
    """
    per_round = items_per_batch * world_size
    num_batches = -(-num_items // per_round) if round_up else num_items // per_round
    if num_batches < 1:
        raise ValueError(f'{name}: {num_items} items fill no batch of {items_per_batch} on each of '
                         f'{world_size} ranks; use round_up=True or a smaller batch')
    return num_batches


def check_identity_count(num_ids: int, ids_per_batch: int, world_size: int, name: str) -> None:
    """Check that every rank's share of the identities fills a batch with distinct identities.

    Args:
        num_ids (int): Identities in the data.
        ids_per_batch (int): Distinct identities one batch needs.
        world_size (int): Number of ranks (each gets ``num_ids // world_size`` or one more).
        name (str): Where the identities come from, quoted in the error.

    Raises:
        ValueError: ``num_ids // world_size < ids_per_batch``.

    Source: design choice of mmremix.
    """
    if num_ids // world_size < ids_per_batch:
        raise ValueError(f'{name} has {num_ids} identities: fewer than {ids_per_batch} per batch '
                         f'on each of {world_size} ranks (batch_size / num_instances)')


def ragged_arange(lengths: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(n)`` for every ``n`` of ``lengths``, without a Python loop.

    Args:
        lengths (np.ndarray): int64 (M,), non-negative.

    Returns:
        np.ndarray: int64 (lengths.sum(),).

    Example:
        >>> ragged_arange(np.array([2, 0, 3]))
        array([0, 1, 0, 1, 2])

    Source: design choice of mmremix.
    """
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts, lengths)


def shuffle_split(pool: np.ndarray, world_size: int, rng: np.random.Generator) -> List[np.ndarray]:
    """Split a set of identities (or videos) into disjoint random shares, one per rank.

    Every rank must pass the same ``rng`` state (the shared generator) to get the same split.

    Args:
        pool (np.ndarray): int64 (G,) the elements.
        world_size (int): Number of shares.
        rng (np.random.Generator): The generator shared by all ranks.

    Returns:
        list[np.ndarray]: ``world_size`` int64 arrays, sizes ``G // world_size`` or one more.

    Source: design choice of mmremix.
    """
    perm = rng.permutation(pool)
    return [perm[rank::world_size] for rank in range(world_size)]


def draw_distinct_rows(pool: np.ndarray, num_rows: int, row_size: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Draw rows of distinct elements, cycling through random permutations of the pool.

    Each permutation is cut into ``len(pool) // row_size`` rows; its last ``len(pool) % row_size``
    elements are skipped, so no row straddles two permutations and every element is drawn equally
    often up to one per permutation.

    Args:
        pool (np.ndarray): int64 (G,) distinct elements, G >= ``row_size``.
        num_rows (int): Rows to draw.
        row_size (int): Elements per row.
        rng (np.random.Generator): The generator.

    Returns:
        np.ndarray: int64 (num_rows, row_size).

    Source: design choice of mmremix (uniform over identities, as fast-reid's identity samplers).
    """
    rows_per_perm = pool.size // row_size
    num_perms = -(-num_rows // rows_per_perm)
    perms = rng.permuted(np.broadcast_to(pool, (num_perms, pool.size)), axis=1)
    return perms[:, :rows_per_perm * row_size].reshape(-1, row_size)[:num_rows]


class InstancePicker:
    """Pick ``K`` camera-diverse items of given groups (identities), vectorised.

    For each slot the group's cameras are put in a random order and visited round-robin, taking one
    new item of each camera per round (cameras whose items are used up drop out), until ``K`` items
    are taken: the ``K`` items cover ``min(K, cameras of the group)`` cameras and repeat no item
    while the group has ``>= K`` items. A group with fewer than ``K`` items gives all of them, then
    the rest is drawn uniformly with replacement among them. Within a camera a slot takes
    consecutive items of an order shuffled per call, from a random start.

    The grouping is built once; a call costs a shuffle of the N items plus fewer than
    ``S * (K + cameras per group)`` candidates, whatever the group sizes: only the first ``R``
    rounds can be needed, ``R`` the least with ``sum_c min(n_c, R) >= K``.

    Args:
        groups (np.ndarray): int64 (N,) group (identity) of every item, dense in ``[0, G)`` (every
            group has an item); -1 = never picked.
        cams (np.ndarray): int64 (N,) camera of every item (all equal: plain random picking).
        num_instances (int): K.

    Example:
        >>> picker = InstancePicker(np.array([0, 0, 1, 1, 1]), np.array([0, 1, 0, 0, 1]), 2)
        >>> picker.pick(np.array([1, 0]), np.random.default_rng(0)).shape
        (2, 2)

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 5 (the K images of an identity come from as many
    cameras as it has); round-robin and replacement: design choice of mmremix.
    """

    def __init__(self, groups: np.ndarray, cams: np.ndarray, num_instances: int) -> None:
        self.num_instances = num_instances
        items = np.flatnonzero(groups >= 0)
        self._order = items[np.lexsort((cams[items], groups[items]))]
        sorted_groups, sorted_cams = groups[self._order], cams[self._order]
        new_cell = np.ones(self._order.size, dtype=bool)
        new_cell[1:] = ((sorted_groups[1:] != sorted_groups[:-1])
                        | (sorted_cams[1:] != sorted_cams[:-1]))
        self._cell_start = np.flatnonzero(new_cell)
        self._cell_size = np.diff(np.append(self._cell_start, self._order.size))
        self._cell_of_pos = np.cumsum(new_cell) - 1
        cell_group = sorted_groups[self._cell_start]
        self._group_cells = np.bincount(cell_group)
        self._group_first_cell = np.cumsum(self._group_cells) - self._group_cells
        self._group_size = np.bincount(sorted_groups)
        self._group_start = np.cumsum(self._group_size) - self._group_size
        # covered[r - 1, g]: items group g yields in r rounds.
        cell_covered = np.minimum(self._cell_size, np.arange(1, num_instances + 1)[:, None])
        covered = np.add.reduceat(cell_covered, self._group_first_cell, axis=1)
        rounds = np.where(self._group_size >= num_instances,
                          np.argmax(covered >= num_instances, axis=0) + 1, num_instances)
        self._cell_take = np.minimum(self._cell_size, rounds[cell_group])

    def pick(self, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Pick the items of every slot.

        Args:
            slots (np.ndarray): int64 (S,) group of every slot.
            rng (np.random.Generator): The generator.

        Returns:
            np.ndarray: int64 (S, K) item indices (positions in ``groups``), slot-major.
        """
        k = self.num_instances
        order = self._order[np.argsort(self._cell_of_pos + rng.random(self._order.size))]
        pair_count = self._group_cells[slots]
        pair_slot = np.repeat(np.arange(slots.size), pair_count)
        pair_cell = np.repeat(self._group_first_cell[slots], pair_count) + ragged_arange(pair_count)
        pair_offset = rng.integers(0, self._cell_size[pair_cell])
        # Candidates sort by (slot, round, random camera priority): the slot's round-robin order.
        pair_key = pair_slot * k + rng.random(pair_cell.size)
        cand_count = self._cell_take[pair_cell]
        cand_pair = np.repeat(np.arange(pair_cell.size), cand_count)
        cand_round = ragged_arange(cand_count)
        sort = np.argsort(pair_key[cand_pair] + cand_round)
        slot_count = np.bincount(pair_slot, weights=cand_count,
                                 minlength=slots.size).astype(np.int64)
        rank = ragged_arange(slot_count)
        kept = sort[rank < k]
        kept_pair, kept_round = cand_pair[kept], cand_round[kept]
        kept_cell = pair_cell[kept_pair]
        picked = np.empty((slots.size, k), dtype=np.int64)
        kept_item = order[self._cell_start[kept_cell] +
                          (pair_offset[kept_pair] + kept_round) % self._cell_size[kept_cell]]
        picked[pair_slot[kept_pair], rank[rank < k]] = kept_item
        short_slot, short_pos = np.nonzero(np.arange(k) >= slot_count[:, None])
        short_group = slots[short_slot]
        picked[short_slot, short_pos] = order[self._group_start[short_group] +
                                              rng.integers(0, self._group_size[short_group])]
        return picked


def check_loader_batch_size(dataloader: DataLoader) -> None:
    """Check that a data loader cuts its sampler's index stream into the sampler's batches.

    Call it on the train loader before training (e.g. in a hook's ``before_train``); samplers
    without a ``batch_size`` attribute are not checked.

    Args:
        dataloader (DataLoader): The loader MMEngine built.

    Raises:
        ValueError: ``dataloader.batch_size`` differs from ``dataloader.sampler.batch_size``.

    Source: design choice of mmremix.
    """
    expected = getattr(dataloader.sampler, 'batch_size', None)
    if expected is not None and dataloader.batch_size != expected:
        raise ValueError(
            f'train_dataloader.batch_size={dataloader.batch_size} differs from the sampler\'s '
            f'batch_size={expected} ({type(dataloader.sampler).__name__}): the batches would mix '
            'identities; set both from one variable')


class BasePKSampler(Sampler):
    """Base of the P x K batch samplers: rank, seed, epoch, fixed length, index stream.

    Subclasses set ``self.num_batches`` in ``__init__`` and implement :meth:`sample_batches`.

    Args:
        dataset (Sized): The dataset.
        batch_size (int): Images per batch B (per rank); the data loader's ``batch_size`` must be
            the same (see :func:`check_loader_batch_size`).
        num_instances (int): Images per identity in a batch K; must divide ``batch_size``.
        seed (int, optional): Seed shared by all ranks, >= 0. None: a random one synchronised across
            ranks (``mmengine.dist.sync_random_seed``).

    Raises:
        ValueError: ``batch_size`` or ``num_instances`` is not an int >= 1, ``num_instances``
            does not divide ``batch_size``, or ``seed`` is negative.

    Source: design choice of mmremix (interface of MMEngine's ``DefaultSampler``).
    """

    def __init__(self, dataset: Sized, batch_size: int, num_instances: int,
                 seed: Optional[int]) -> None:
        check_int(batch_size, 'batch_size', 1)
        check_int(num_instances, 'num_instances', 1)
        if batch_size % num_instances:
            raise ValueError(f'batch_size={batch_size} must be a multiple of '
                             f'num_instances={num_instances}')
        if seed is None:
            seed = sync_random_seed()
        if seed < 0:
            raise ValueError(f'seed must be >= 0, got {seed}')
        self.dataset = dataset
        self.batch_size = batch_size
        self.num_instances = num_instances
        self.seed = int(seed)
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        self.num_batches = 0
        self._skip = 0

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which reseeds the next iteration (called by MMEngine each epoch).

        Args:
            epoch (int): The epoch, >= 0.
        """
        self.epoch = epoch

    def epoch_rngs(self) -> Tuple[np.random.Generator, np.random.Generator]:
        """Build this epoch's generators.

        Returns:
            tuple[np.random.Generator, np.random.Generator]: The one seeded by ``(seed, epoch)``,
            identical on all ranks, and the one seeded by ``(seed, epoch, rank)``.
        """
        entropy = [self.seed, self.epoch]
        return (np.random.default_rng(entropy),
                np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(self.rank, ))))

    def sample_batches(self) -> np.ndarray:
        """Draw this rank's batches of the current epoch.

        Returns:
            np.ndarray: int64 (num_batches, batch_size) dataset indices.
        """
        raise NotImplementedError

    def skip_batches(self, num: int) -> None:
        """Start the next iteration at batch ``num`` of the epoch (once; then from 0 again).

        Called by :class:`~mmremix.engine.ResumableEpochBasedTrainLoop` when a run resumes in
        the middle of an epoch: the epoch's batches are drawn as before and the first ``num``
        are not yielded, so no image of them is loaded.

        Args:
            num (int): Batches already trained in this epoch, ``0 <= num <= num_batches``.

        Raises:
            ValueError: ``num`` is out of range.
        """
        check_int(num, 'num', 0)
        if num > self.num_batches:
            raise ValueError(f'cannot skip {num} batches of an epoch of {self.num_batches}')
        self._skip = num

    def __iter__(self) -> Iterator[SeededIndex]:
        """Yield the dataset indices of this rank's epoch, batch after batch.

        Each index is a :class:`~mmremix.datasets.item_seed.SeededIndex` carrying the seed of its
        item's augmentation, drawn from ``(seed, epoch, rank)`` and its position in the epoch.
        """
        batches = self.sample_batches().ravel()
        seeds = item_seeds(self.seed, self.epoch, self.rank, batches.size)
        start, self._skip = self._skip * self.batch_size, 0
        return map(SeededIndex, batches[start:].tolist(), seeds[start:].tolist())

    def __len__(self) -> int:
        """int: Indices per epoch on this rank, ``num_batches * batch_size``, fixed at start."""
        return self.num_batches * self.batch_size
