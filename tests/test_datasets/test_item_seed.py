"""Per-item augmentation seeds and the samplers' mid-epoch start."""
import pickle
import random

import numpy as np
import pytest
import torch
from helpers import make_tiny_data
from mmengine.dataset import pseudo_collate
from test_samplers import labeled_data
from torch.utils.data import DataLoader

from mmremix.datasets import Market1501
from mmremix.datasets.item_seed import SeededIndex, item_random_state, item_seeds
from mmremix.datasets.samplers import IdentitySampler


def test_seeded_index_is_an_int_that_pickles_with_its_seed():
    idx = SeededIndex(5, seed=2**62 + 3)
    copy = pickle.loads(pickle.dumps(idx))
    assert copy == 5 and copy.seed == 2**62 + 3 and isinstance(copy, int)
    assert [10, 11, 12, 13, 14, 15][idx] == 15


def test_item_seeds_depend_on_seed_epoch_and_rank_only():
    seeds = item_seeds(0, 1, 0, 10)
    assert seeds.shape == (10, ) and seeds.dtype == np.int64 and (seeds >= 0).all()
    np.testing.assert_array_equal(item_seeds(0, 1, 0, 4), seeds[:4])
    for other in (item_seeds(1, 1, 0, 10), item_seeds(0, 2, 0, 10), item_seeds(0, 1, 1, 10)):
        assert not np.array_equal(other, seeds)


def test_item_random_state_is_reproducible_and_restores_the_callers_stream():
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    expected = (torch.rand(2), np.random.rand(2), random.random())
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    draws = []
    for _ in range(2):
        with item_random_state(123):
            draws.append((torch.rand(3), np.random.rand(3), random.random()))
    torch.testing.assert_close(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    assert draws[0][2] == draws[1][2]
    # the caller's generators continue as if the block had not run
    torch.testing.assert_close(torch.rand(2), expected[0])
    np.testing.assert_array_equal(np.random.rand(2), expected[1])
    assert random.random() == expected[2]


def test_sampler_skip_batches_yields_the_rest_of_the_same_epoch():
    data = labeled_data()
    sampler = IdentitySampler(data, batch_size=8, num_instances=4, seed=0, round_up=True)
    sampler.set_epoch(2)
    full = list(sampler)
    assert all(isinstance(i, SeededIndex) for i in full)
    sampler.skip_batches(2)
    rest = list(sampler)
    assert rest == full[16:]
    assert [i.seed for i in rest] == [i.seed for i in full[16:]]
    assert list(sampler) == full  # the skip applies once
    with pytest.raises(ValueError, match='cannot skip 5 batches of an epoch of 4'):
        sampler.skip_batches(sampler.num_batches + 1)


@pytest.mark.parametrize('num_workers', [0, 2])
def test_augmentation_depends_on_the_seed_not_on_the_worker(tmp_path, num_workers):
    root = make_tiny_data(tmp_path / 'data')
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
                dict(type='PackReIDInputs')]
    dataset = Market1501(data_root=str(root), split='train', pipeline=pipeline)
    indices = [SeededIndex(i % 4, seed=1000 + i) for i in range(8)]  # each image twice
    loader = DataLoader(dataset, batch_size=4, sampler=indices, num_workers=num_workers,
                        collate_fn=pseudo_collate)
    images = torch.stack([img for batch in loader for img in batch['inputs']])
    with item_random_state(0):  # a direct load of each (index, seed) gives the same image
        alone = torch.stack([dataset[idx]['inputs'] for idx in indices])
    torch.testing.assert_close(images, alone)
    # the augmentations do vary with the seed: the two loads of each image differ somewhere
    assert any(not torch.equal(images[i], images[i + 4]) for i in range(4))
