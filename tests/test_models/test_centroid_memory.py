import pytest
import torch
import torch.nn.functional as F

from mmremix.models.utils import CentroidMemory


def test_reset_normalises_and_defaults_keys():
    memory = CentroidMemory(2, momentum=0.5)
    memory.reset(torch.tensor([[3., 4.], [0., 2.]]))
    assert torch.allclose(memory.centroids, torch.tensor([[0.6, 0.8], [0., 1.]]))
    assert memory.keys.tolist() == [0, 1] and memory.labels.tolist() == [0, 1]


def test_rows_of_keys():
    memory = CentroidMemory(2)
    memory.reset(torch.eye(2).repeat(2, 1), keys=torch.tensor([2, 5, 7, 11]),
                 labels=torch.tensor([0, 0, 1, 1]))
    assert memory.rows_of(torch.tensor([5, 2, 11, 3, -1, 12])).tolist() == [1, 0, 3, -1, -1, -1]


def test_update_is_momentum_mean_of_batch_features():
    memory = CentroidMemory(2, momentum=0.5)
    memory.reset(torch.tensor([[1., 0.], [0., 1.], [1., 1.]]))
    before = memory.centroids.clone()
    feats = torch.tensor([[0., 1.], [0., 1.], [1., 0.], [5., 5.]])
    memory.update(feats, torch.tensor([0, 0, 1, -1]))
    # row 0: normalise(0.5 * [1, 0] + 0.5 * mean([0, 1], [0, 1]))
    assert torch.allclose(memory.centroids[0], F.normalize(torch.tensor([0.5, 0.5]), dim=0))
    assert torch.allclose(memory.centroids[1], F.normalize(torch.tensor([0.5, 0.5]), dim=0))
    assert torch.equal(memory.centroids[2], before[2])  # unseen row and ignored item (-1)


def test_update_repeated_rows_and_no_valid_row():
    memory = CentroidMemory(2, momentum=0.0)
    memory.reset(torch.eye(2))
    memory.update(torch.tensor([[3., 4.], [3., 4.], [9., 9.]]), torch.tensor([1, 1, -1]))
    assert torch.allclose(memory.centroids, torch.tensor([[1., 0.], [0.6, 0.8]]))
    before = memory.centroids.clone()
    memory.update(torch.ones(2, 2), torch.tensor([-1, -1]))
    assert torch.equal(memory.centroids, before)


def test_state_dict_round_trip_resizes():
    memory = CentroidMemory(3)
    memory.reset(torch.randn(5, 3), keys=torch.arange(5) * 2, labels=torch.arange(5) // 2)
    fresh = CentroidMemory(3)
    fresh.load_state_dict(memory.state_dict())
    assert torch.equal(fresh.centroids, memory.centroids)
    assert torch.equal(fresh.keys, memory.keys) and torch.equal(fresh.labels, memory.labels)


def test_bad_inputs():
    with pytest.raises(ValueError, match='momentum'):
        CentroidMemory(2, momentum=1.5)
    memory = CentroidMemory(2)
    with pytest.raises(ValueError, match=r'\(C, 2\)'):
        memory.reset(torch.randn(3, 4))
    with pytest.raises(ValueError, match='strictly increasing'):
        memory.reset(torch.randn(2, 2), keys=torch.tensor([3, 1]))
