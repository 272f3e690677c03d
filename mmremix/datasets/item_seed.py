"""Per-item augmentation seeds: an item's random augmentation depends only on where it is drawn.

A P x K sampler yields :class:`SeededIndex` values: dataset indices that carry the seed of their
item's augmentation, drawn from ``(seed, epoch, rank)`` and the item's position in the epoch. The
dataset runs the pipeline of such an index under :func:`item_random_state`, so the augmentation of
every item is the same whichever worker loads it, however many workers there are, and whether the
epoch runs from its start or resumes in its middle (the skipped items draw nothing). This is what
makes a resumed run repeat the uninterrupted one exactly.

Source: design choice of mmremix.
"""
import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch


class SeededIndex(int):
    """A dataset index (an ``int``) with the seed of its item's augmentation.

    It pickles to data-loader workers like any ``int`` subclass; datasets that do not know it use
    it as a plain index.

    Args:
        index (int): The dataset index.
        seed (int): Augmentation seed in ``[0, 2**63)``.

    Example:
        >>> idx = SeededIndex(5, seed=123)
        >>> idx + 1, idx.seed
        (6, 123)
    """

    def __new__(cls, index: int, seed: int) -> 'SeededIndex':
        obj = super().__new__(cls, index)
        obj.seed = int(seed)
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)


def item_seeds(seed: int, epoch: int, rank: int, num: int) -> np.ndarray:
    """The augmentation seeds of an epoch's item positions on a rank.

    Args:
        seed (int): The sampler's seed, >= 0.
        epoch (int): The epoch, >= 0.
        rank (int): The rank, >= 0.
        num (int): Item positions in the epoch.

    Returns:
        np.ndarray: int64 (num,) seeds in ``[0, 2**63)``, a function of the arguments only.
    """
    entropy = np.random.SeedSequence([seed, epoch], spawn_key=(rank, 1))
    return np.random.default_rng(entropy).integers(0, np.iinfo(np.int64).max, size=num)


@contextmanager
def item_random_state(seed: int) -> Iterator[None]:
    """Run a block with Python's, numpy's and torch's (CPU) global generators seeded by ``seed``.

    The generators' previous states are restored on exit, so the caller's random stream (e.g. the
    main process's, with ``num_workers=0``) is left as it was; CUDA generators are not touched.

    Args:
        seed (int): Seed in ``[0, 2**63)``.
    """
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed % (2**32))
        torch.default_generator.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
