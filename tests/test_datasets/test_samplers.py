"""Tests of the P x K batch samplers (IdentitySampler, ReMixSampler) and their shared pieces."""

import numpy as np
import pytest
from torch.utils.data import DataLoader

from mmremix.datasets.samplers import (IdentitySampler, ReMixSampler, check_loader_batch_size,
                                       utils)
from mmremix.registry import DATA_SAMPLERS

K = 4


class FakeData:
    """Items with pids / camids (and optionally ``num_multi_camera``); item ``i`` loads as ``i``."""

    def __init__(self, pids, camids, num_multi_camera=None):
        self.pids = np.asarray(pids, dtype=np.int64)
        self.camids = np.asarray(camids, dtype=np.int64)
        if num_multi_camera is not None:
            self.num_multi_camera = num_multi_camera

    def __len__(self):
        return self.pids.size

    def __getitem__(self, idx):
        return idx

    def get_pids(self):
        return self.pids

    def get_camids(self):
        return self.camids


def labeled_data():
    """25 items of 6 identities, stored in a shuffled order.

    pid 0: 6 images in 6 cameras; pid 1: 3 images in camera 0 and 1 in camera 1; pid 2: one image;
    pid 3: 2 images (cameras 2, 3); pid 4: 8 images in 4 cameras; pid 5: 4 images in camera 1.
    """
    pids = [0] * 6 + [1] * 4 + [2] + [3] * 2 + [4] * 8 + [5] * 4
    cams = list(range(6)) + [0, 0, 0, 1] + [0] + [2, 3] + [0, 1, 2, 3] * 2 + [1] * 4
    perm = np.random.default_rng(7).permutation(len(pids))
    return FakeData(np.array(pids)[perm], np.array(cams)[perm])


def mixed_data(video_sizes=(12, ) * 6, num_mc_ids=8):
    """Multi-camera items (``num_mc_ids`` x 4 images) followed by single-camera video items.

    Even pids have cameras 0-3, odd pids cameras 0, 0, 1, 1. Single-camera items have pid -1.

    Returns:
        tuple: (FakeData, video_ids (N_sc,) of the single-camera items).
    """
    mc_pids = np.repeat(np.arange(num_mc_ids), 4)
    mc_cams = np.where(mc_pids % 2 == 0, np.tile([0, 1, 2, 3], num_mc_ids),
                       np.tile([0, 0, 1, 1], num_mc_ids))
    video_ids = np.repeat(np.arange(len(video_sizes)), video_sizes)
    pids = np.concatenate([mc_pids, -np.ones(video_ids.size, dtype=np.int64)])
    cams = np.concatenate([mc_cams, np.zeros(video_ids.size, dtype=np.int64)])
    return FakeData(pids, cams, num_multi_camera=mc_pids.size), video_ids


def pseudo_labels_per_video(video_ids, per_video, images=4):
    """Label the first ``per_video * images`` items of every video with ``per_video`` pseudo-ids.

    Pseudo-id of video v, cluster c: ``1000 + 10 * v + c``; the other items are noise (-1).
    """
    rank_in_video = np.arange(video_ids.size) - np.searchsorted(video_ids, video_ids)
    labels = 1000 + 10 * video_ids + rank_in_video // images
    return np.where(rank_in_video < per_video * images, labels, -1)


def set_world(monkeypatch, rank, world_size):
    monkeypatch.setattr(utils, 'get_dist_info', lambda: (rank, world_size))


# ---------------------------------------------------------------- shared pieces


def test_ragged_arange():
    np.testing.assert_array_equal(utils.ragged_arange(np.array([2, 0, 3, 1])), [0, 1, 0, 1, 2, 0])


def test_draw_distinct_rows_balanced():
    pool = np.arange(10, 17)  # 7 elements, rows of 3: 2 rows per permutation, 1 element skipped
    rows = utils.draw_distinct_rows(pool, 8, 3, np.random.default_rng(0))
    assert rows.shape == (8, 3)
    assert all(len(set(row)) == 3 for row in rows.tolist())
    for perm in range(4):
        assert len(set(rows[2 * perm:2 * perm + 2].ravel().tolist())) == 6
    counts = np.bincount(rows.ravel() - 10, minlength=7)
    assert counts.sum() == 24 and counts.max() <= 4


def test_instance_picker_round_robin_skips_used_up_cameras():
    # group 0: camera 0 holds items 0, 1, 2, camera 1 item 3 -> 4 items, K=4: all of them.
    # group 1: items 4 (camera 0), 5, 6 (camera 1) with K=2: one of each camera.
    # group 2: item 7 alone -> repeated. Item 8 is excluded (-1).
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 2, -1])
    cams = np.array([0, 0, 0, 1, 0, 1, 1, 5, 0])
    rng = np.random.default_rng(0)
    picked = utils.InstancePicker(groups, cams, 4).pick(np.array([0, 2, 0]), rng)
    np.testing.assert_array_equal(np.sort(picked[[0, 2]], axis=1), [[0, 1, 2, 3]] * 2)
    np.testing.assert_array_equal(picked[1], [7] * 4)
    pairs = utils.InstancePicker(groups, cams, 2).pick(np.full(50, 1), rng)
    assert (pairs[:, 0] == 4).sum() + (pairs[:, 1] == 4).sum() == 50
    assert set(pairs.ravel().tolist()) == {4, 5, 6}


def test_shuffle_split_disjoint_and_shared():
    shares_a = utils.shuffle_split(np.arange(7), 2, np.random.default_rng(3))
    shares_b = utils.shuffle_split(np.arange(7), 2, np.random.default_rng(3))
    assert [s.tolist() for s in shares_a] == [s.tolist() for s in shares_b]
    assert sorted(np.concatenate(shares_a).tolist()) == list(range(7))
    assert [s.size for s in shares_a] == [4, 3]


# ---------------------------------------------------------------- IdentitySampler


def check_pk_groups(indices, pids, batch_size):
    """Every batch: batch_size / K distinct pids, K consecutive items each. Returns (groups, K)."""
    groups = np.asarray(indices).reshape(-1, K)
    group_pids = pids[groups]
    assert (group_pids == group_pids[:, :1]).all()
    per_batch = group_pids[:, 0].reshape(-1, batch_size // K)
    assert all(len(set(row)) == len(row) for row in per_batch.tolist())
    return groups


def test_identity_sampler_structure_and_camera_diversity():
    data = labeled_data()
    sampler = IdentitySampler(data, batch_size=8, num_instances=K, seed=0)
    assert len(sampler) == 24  # floor(25 / 8) = 3 batches of 8
    for epoch in range(10):
        sampler.set_epoch(epoch)
        indices = list(sampler)
        assert len(indices) == 24
        groups = check_pk_groups(indices, data.pids, 8)
        # 3 batches x 2 ids = 6 slots = one permutation of the 6 identities.
        assert sorted(data.pids[groups[:, 0]].tolist()) == list(range(6))
        for group in groups:
            pid, cams = data.pids[group[0]], data.camids[group]
            own = np.flatnonzero(data.pids == pid)
            if pid in (0, 4):  # >= K cameras: K different cameras
                assert len(set(cams.tolist())) == K
            elif pid in (1, 5):  # exactly K images: each once, both cameras of pid 1 covered
                assert sorted(group.tolist()) == own.tolist()
            elif pid == 2:  # single image repeated
                assert group.tolist() == own.tolist() * K
            else:  # 2 images: both, then repeats
                assert set(group.tolist()) == set(own.tolist())


def test_identity_sampler_without_camera_diversity_and_round_up():
    data = labeled_data()
    sampler = IdentitySampler(data, batch_size=8, seed=1, camera_diverse=False, round_up=True)
    assert len(sampler) == 32  # ceil(25 / 8) = 4 batches
    groups = check_pk_groups(list(sampler), data.pids, 8)
    for group in groups:
        if data.pids[group[0]] in (0, 4, 5):  # >= K images: K distinct ones
            assert len(set(group.tolist())) == K


def test_identity_sampler_single_image_identities():
    data = FakeData(np.arange(8), np.zeros(8))
    sampler = IdentitySampler(data, batch_size=8, seed=0, round_up=True)
    groups = np.array(list(sampler)).reshape(-1, K)
    assert groups.shape == (2, K)
    assert (groups == groups[:, :1]).all() and groups[0, 0] != groups[1, 0]


def test_identity_sampler_determinism():
    data = labeled_data()
    sampler = IdentitySampler(data, batch_size=8, seed=5)
    sampler.set_epoch(2)
    first = list(sampler)
    assert list(sampler) == first
    resumed = IdentitySampler(data, batch_size=8, seed=5)
    resumed.set_epoch(2)
    assert list(resumed) == first
    sampler.set_epoch(3)
    assert list(sampler) != first
    other_seed = IdentitySampler(data, batch_size=8, seed=6)
    other_seed.set_epoch(2)
    assert list(other_seed) != first


def test_identity_sampler_ranks_disjoint(monkeypatch):
    data = labeled_data()
    per_rank = []
    for rank in range(2):
        set_world(monkeypatch, rank, 2)
        sampler = IdentitySampler(data, batch_size=8, seed=0)
        assert (sampler.rank, sampler.world_size) == (rank, 2)
        assert len(sampler) == 8  # floor(25 / 16) = 1 batch per rank
        sampler.set_epoch(4)
        per_rank.append(set(data.pids[check_pk_groups(list(sampler), data.pids, 8)].ravel()))
    assert not per_rank[0] & per_rank[1]


def test_identity_sampler_invalid_args(monkeypatch):
    data = labeled_data()
    with pytest.raises(ValueError, match='batch_size=10 must be a multiple of num_instances=4'):
        IdentitySampler(data, batch_size=10)
    with pytest.raises(ValueError, match='num_instances'):
        IdentitySampler(data, batch_size=8, num_instances=0)
    with pytest.raises(ValueError, match='batch_size'):
        IdentitySampler(data, batch_size=-8)
    with pytest.raises(ValueError, match='seed'):
        IdentitySampler(data, batch_size=8, seed=-1)
    with pytest.raises(ValueError, match='6 identities'):
        IdentitySampler(data, batch_size=28, seed=0, round_up=True)
    with pytest.raises(ValueError, match='len.dataset.: 8 items fill no batch of 16 on each of 1'):
        IdentitySampler(FakeData(np.arange(8), np.zeros(8)), batch_size=16, num_instances=2, seed=0)
    with pytest.raises(ValueError, match='negative pids'):
        IdentitySampler(FakeData([0, -1], [0, 0]), batch_size=4, num_instances=1, seed=0)
    with pytest.raises(ValueError, match=r'dataset.get_camids\(\)'):
        IdentitySampler(FakeData([0, 1], [0]), batch_size=2, num_instances=1, seed=0)
    with pytest.raises(TypeError, match='get_pids'):
        IdentitySampler([1, 2, 3], batch_size=2, num_instances=1, seed=0)
    set_world(monkeypatch, 0, 4)  # 6 identities / 4 ranks = 1 < P = 2
    with pytest.raises(ValueError, match='6 identities: fewer than 2 per batch on each of 4 ranks'):
        IdentitySampler(data, batch_size=8, seed=0, round_up=True)


# ---------------------------------------------------------------- ReMixSampler


def check_mixed_batches(indices, data, labels, batch_size, num_single_camera):
    """Multi-camera part then single-camera part, K per (pseudo-)identity. Returns sc pseudo-ids."""
    m = data.num_multi_camera
    batches = np.asarray(indices).reshape(-1, batch_size)
    b_mc = batch_size - num_single_camera
    assert (batches[:, :b_mc] < m).all() and (batches[:, b_mc:] >= m).all()
    check_pk_groups(batches[:, :b_mc].ravel(), data.pids, b_mc)
    sc_labels = labels[batches[:, b_mc:] - m].reshape(-1, K)
    assert (sc_labels == sc_labels[:, :1]).all() and (sc_labels >= 0).all()
    per_batch = sc_labels[:, 0].reshape(batches.shape[0], -1)
    assert all(len(set(row)) == len(row) for row in per_batch.tolist())
    return batches, per_batch


def test_remix_sampler_structure_and_videos_per_batch():
    data, video_ids = mixed_data()
    labels = pseudo_labels_per_video(video_ids, per_video=3)
    labels[0:2] = 900  # pseudo-ids 900 (items 0, 1) and 1000 (items 2, 3): 2 images each
    short = {900: {0, 1}, 1000: {2, 3}}
    sampler = ReMixSampler(data,
                           batch_size=16,
                           num_instances=K,
                           num_single_camera=8,
                           videos_per_batch=2,
                           seed=0)
    assert len(sampler) == 64  # 32 multi-camera images // B_mc=8 = 4 batches of 16
    sampler.set_pseudo_labels(labels, video_ids)
    assert len(sampler) == 64  # fixed: pseudo-labels do not change the epoch length
    seen = set()
    for epoch in range(20):
        sampler.set_epoch(epoch)
        batches, pseudo = check_mixed_batches(list(sampler), data, labels, 16, 8)
        assert pseudo.shape == (4, 2)
        for batch in batches:
            assert len(set(video_ids[batch[8:] - 32].tolist())) <= 2
            for group in batch[:8].reshape(-1, K):
                cams = data.camids[group]
                expected = {0, 1, 2, 3} if data.pids[group[0]] % 2 == 0 else {0, 1}
                assert set(cams.tolist()) == expected
                assert len(set(group.tolist())) == K
            for group in batch[8:].reshape(-1, K) - 32:
                if labels[group[0]] in short:  # both images, then repeats
                    assert set(group.tolist()) == short[labels[group[0]]]
                else:
                    assert len(set(group.tolist())) == K
        seen |= set(pseudo.ravel().tolist())
    assert seen == set(labels[labels >= 0].tolist())


def test_remix_sampler_draws_more_videos_when_short():
    # Every video holds 1 pseudo-id; P_sc = 4 > V_b = 2 -> 4 videos per batch.
    data, video_ids = mixed_data(video_sizes=(4, ) * 10)
    labels = pseudo_labels_per_video(video_ids, per_video=1)
    sampler = ReMixSampler(data, batch_size=24, num_single_camera=16, videos_per_batch=2, seed=0)
    sampler.set_pseudo_labels(labels, video_ids)
    batches, pseudo = check_mixed_batches(list(sampler), data, labels, 24, 16)
    assert batches.shape == (4, 24)  # 32 // 8
    for batch in batches:
        assert len(set(video_ids[batch[8:] - 32].tolist())) == 4
    # 2 pseudo-ids per video, P_sc = 4, V_b = 1 -> exactly 2 videos per batch.
    data, video_ids = mixed_data(video_sizes=(8, ) * 5)
    labels = pseudo_labels_per_video(video_ids, per_video=2)
    sampler = ReMixSampler(data, batch_size=24, num_single_camera=16, videos_per_batch=1, seed=0)
    sampler.set_pseudo_labels(labels, video_ids)
    batches, _ = check_mixed_batches(list(sampler), data, labels, 24, 16)
    for batch in batches:
        assert len(set(video_ids[batch[8:] - 32].tolist())) == 2


def test_remix_sampler_determinism():
    data, video_ids = mixed_data()
    labels = pseudo_labels_per_video(video_ids, per_video=3)

    def epoch_indices(seed, epoch):
        sampler = ReMixSampler(data, batch_size=16, num_single_camera=8, seed=seed)
        sampler.set_pseudo_labels(labels, video_ids)
        sampler.set_epoch(epoch)
        return list(sampler)

    first = epoch_indices(0, 1)
    assert epoch_indices(0, 1) == first
    assert epoch_indices(0, 2) != first
    assert epoch_indices(1, 1) != first


def test_remix_sampler_ranks_disjoint(monkeypatch):
    data, video_ids = mixed_data()
    labels = pseudo_labels_per_video(video_ids, per_video=3)
    pids, pseudo_ids, videos = [], [], []
    for rank in range(2):
        set_world(monkeypatch, rank, 2)
        sampler = ReMixSampler(data, batch_size=16, num_single_camera=8, seed=3)
        assert len(sampler) == 32  # 32 // (8 * 2) = 2 batches per rank
        sampler.set_pseudo_labels(labels, video_ids)
        sampler.set_epoch(1)
        batches, pseudo = check_mixed_batches(list(sampler), data, labels, 16, 8)
        pids.append(set(data.pids[batches[:, :8]].ravel().tolist()))
        pseudo_ids.append(set(pseudo.ravel().tolist()))
        videos.append(set(video_ids[batches[:, 8:] - 32].ravel().tolist()))
    assert not pids[0] & pids[1]
    assert not pseudo_ids[0] & pseudo_ids[1] and not videos[0] & videos[1]


def test_remix_sampler_ranks_share_videos_when_too_few(monkeypatch):
    # Only video 2 has pseudo-ids: it cannot be split, both ranks draw from it.
    data, video_ids = mixed_data()
    labels = np.where(video_ids == 2, pseudo_labels_per_video(video_ids, per_video=3), -1)
    for rank in range(2):
        set_world(monkeypatch, rank, 2)
        sampler = ReMixSampler(data, batch_size=16, num_single_camera=8, seed=3)
        sampler.set_pseudo_labels(labels, video_ids)
        batches, _ = check_mixed_batches(list(sampler), data, labels, 16, 8)
        assert set(video_ids[batches[:, 8:] - 32].ravel().tolist()) == {2}


def test_remix_sampler_multi_camera_only_baseline(log_records):
    data, video_ids = mixed_data()
    sampler = ReMixSampler(data, batch_size=8, num_single_camera=0, seed=0)
    assert len(sampler) == 32  # 32 // 8 = 4 batches
    without = list(sampler)
    sampler.set_pseudo_labels(pseudo_labels_per_video(video_ids, per_video=3), video_ids)
    assert list(sampler) == without
    groups = check_pk_groups(without, data.pids, 8)
    assert (groups < 32).all() and groups.shape == (8, K)
    assert not log_records


def test_remix_sampler_fallback_without_pseudo_labels(log_records):
    data, video_ids = mixed_data()
    sampler = ReMixSampler(data, batch_size=16, num_single_camera=8, seed=0)
    indices = list(sampler)
    assert len(indices) == len(sampler) == 64
    groups = check_pk_groups(indices, data.pids, 16)  # 4 multi-camera ids per batch
    assert (groups < 32).all()
    list(sampler)
    assert len(log_records) == 1 and 'no pseudo-labels were set' in log_records[0].getMessage()
    sampler.set_epoch(1)
    list(sampler)
    assert len(log_records) == 2 and 'epoch 1' in log_records[1].getMessage()

    for labels in (np.full(video_ids.size, -1), pseudo_labels_per_video(video_ids, per_video=0)):
        sampler.set_pseudo_labels(labels, video_ids)
        sampler.set_epoch(sampler.epoch + 1)
        assert (check_pk_groups(list(sampler), data.pids, 16) < 32).all()
        assert '0 pseudo-identities' in log_records[-1].getMessage()
    # One pseudo-id, P_sc = 2: still the fallback.
    labels = np.where(np.arange(video_ids.size) < 4, 7, -1)
    sampler.set_pseudo_labels(labels, video_ids)
    sampler.set_epoch(sampler.epoch + 1)
    assert (np.array(list(sampler)) < 32).all()
    assert 'hold 1 pseudo-identities, fewer than the 2' in log_records[-1].getMessage()


def test_remix_sampler_invalid_args():
    data, video_ids = mixed_data()
    with pytest.raises(ValueError, match='num_single_camera'):
        ReMixSampler(data, batch_size=16, num_single_camera=20, seed=0)
    with pytest.raises(ValueError, match='num_single_camera'):
        ReMixSampler(data, batch_size=16, num_single_camera=16, seed=0)
    with pytest.raises(ValueError, match='num_single_camera'):
        ReMixSampler(data, batch_size=16, num_single_camera=6, seed=0)
    with pytest.raises(ValueError, match='batch_size=18 must be a multiple of num_instances=4'):
        ReMixSampler(data, batch_size=18, num_single_camera=8, seed=0)
    with pytest.raises(ValueError, match='videos_per_batch'):
        ReMixSampler(data, batch_size=16, num_single_camera=8, videos_per_batch=0, seed=0)
    with pytest.raises(ValueError, match='dataset.num_multi_camera'):
        ReMixSampler(FakeData(data.pids, data.camids), batch_size=16, num_single_camera=8, seed=0)
    with pytest.raises(ValueError, match='dataset.num_multi_camera'):
        ReMixSampler(FakeData(data.pids, data.camids, 0),
                     batch_size=16,
                     num_single_camera=8,
                     seed=0)
    with pytest.raises(ValueError, match='dataset.num_multi_camera=200 exceeds len.dataset.=104'):
        ReMixSampler(FakeData(data.pids, data.camids, 200), batch_size=16, num_single_camera=8,
                     seed=0)
    with pytest.raises(ValueError, match='negative pids'):
        ReMixSampler(FakeData(data.pids, data.camids, 40),
                     batch_size=16,
                     num_single_camera=8,
                     seed=0)
    with pytest.raises(ValueError, match='8 identities'):
        ReMixSampler(data, batch_size=36, num_single_camera=8, seed=0)
    one_image_ids = FakeData(np.r_[np.arange(12), [-1] * 4], np.zeros(16), num_multi_camera=12)
    with pytest.raises(ValueError, match='dataset.num_multi_camera: 12 items fill no batch of 16'):
        ReMixSampler(one_image_ids, batch_size=16, num_single_camera=0, seed=0)

    sampler = ReMixSampler(data, batch_size=16, num_single_camera=8, seed=0)
    labels = pseudo_labels_per_video(video_ids, per_video=3)
    with pytest.raises(ValueError, match=r'labels must be an integer array of shape \(72,\)'):
        sampler.set_pseudo_labels(labels[:-1], video_ids)
    with pytest.raises(ValueError, match='video_ids must be'):
        sampler.set_pseudo_labels(labels, video_ids.astype(float))
    with pytest.raises(ValueError, match='labels must be >= -1'):
        sampler.set_pseudo_labels(np.full(72, -2), video_ids)
    labels[12:16] = 1000  # pseudo-id 1000 of video 0 put in video 1
    with pytest.raises(ValueError, match='pseudo-identity 1000 spans videos 0 and 1'):
        sampler.set_pseudo_labels(labels, video_ids)


# ---------------------------------------------------------------- with MMEngine / a DataLoader


def test_build_from_registry_and_loader_batch_size():
    data, video_ids = mixed_data()
    sampler = DATA_SAMPLERS.build(dict(type='ReMixSampler', batch_size=16, num_single_camera=8),
                                  default_args=dict(dataset=data, seed=0))
    assert isinstance(sampler, ReMixSampler) and sampler.seed == 0
    assert isinstance(
        DATA_SAMPLERS.build(dict(type='IdentitySampler', batch_size=8),
                            default_args=dict(dataset=labeled_data())), IdentitySampler)
    check_loader_batch_size(DataLoader(data, batch_size=16, sampler=sampler))
    with pytest.raises(ValueError,
                       match='train_dataloader.batch_size=32 differs from the '
                       "sampler's batch_size=16"):
        check_loader_batch_size(DataLoader(data, batch_size=32, sampler=sampler))


def test_loader_with_persistent_workers_sees_new_pseudo_labels():
    data, video_ids = mixed_data()
    labels = pseudo_labels_per_video(video_ids, per_video=3)
    sampler = ReMixSampler(data, batch_size=16, num_single_camera=8, seed=0)
    loader = DataLoader(data,
                        batch_size=16,
                        sampler=sampler,
                        num_workers=1,
                        persistent_workers=True)
    first = [batch.tolist() for batch in loader]
    assert len(first) == len(loader) == 4 and max(max(b) for b in first) < 32
    sampler.set_epoch(1)
    sampler.set_pseudo_labels(labels, video_ids)  # as the refresh hook, before the iterator
    second = np.array([batch.tolist() for batch in loader])
    sampler_view = np.array(list(sampler)).reshape(4, 16)
    np.testing.assert_array_equal(second, sampler_view)
    check_mixed_batches(second.ravel(), data, labels, 16, 8)
