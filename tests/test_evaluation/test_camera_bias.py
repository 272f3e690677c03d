"""Tests of mmremix.evaluation.functional.camera_bias with hand-computed values."""
import math

import pytest
import torch

from mmremix.evaluation.functional.camera_bias import camera_bias

# one query (pid 1, camera 0) at angle 0; gallery items at the given angles (degrees)
QUERY = torch.tensor([[1., 0.]])
ANGLES = [53.13010235, 0., 36.86989765, 90., 0.]  # cosines 0.6, 1, 0.8, 0, 1
GALLERY = torch.tensor([[math.cos(math.radians(a)), math.sin(math.radians(a))] for a in ANGLES])
G_PIDS = [1, 1, 2, 2, -1]  # positive other camera, positive same camera, two negatives, junk
G_CAMS = [1, 0, 0, 1, 0]


def test_hand_values():
    out = camera_bias(QUERY, GALLERY, [1], G_PIDS, [0], G_CAMS, topk=1)
    # cleaned gallery (no same-pid-same-camera item, no junk): 0.8 (neg), 0.6 (pos), 0 (neg)
    assert out['cross_camera_mAP'] == pytest.approx(0.5)
    # own camera only: the same-camera positive (1.0) ranks first
    assert out['within_camera_mAP'] == pytest.approx(1.0)
    assert out['sim_pos_cross'] == pytest.approx(0.6, abs=1e-6)
    assert out['sim_pos_same'] == pytest.approx(1.0, abs=1e-6)
    assert out['sim_neg_same'] == pytest.approx(0.8, abs=1e-6)
    assert out['sim_neg_cross'] == pytest.approx(0.0, abs=1e-6)
    assert out['camera_gap'] == pytest.approx(0.8, abs=1e-6)
    assert out['topk_same_camera'] == pytest.approx(1.0)
    assert out['topk_same_camera_chance'] == pytest.approx(1 / 3)


def test_topk_beyond_the_cleaned_gallery_counts_only_its_items():
    out = camera_bias(QUERY, GALLERY, [1], G_PIDS, [0], G_CAMS, topk=10)
    assert out['topk_same_camera'] == pytest.approx(1 / 3)


def test_a_camera_blind_feature_has_no_gap():
    # two queries, one per camera; every negative orthogonal to them in both cameras
    eye = torch.eye(3)
    query, gallery = eye[:2], eye[[0, 1, 2, 2]]
    out = camera_bias(query, gallery, [1, 2], [1, 2, 3, 3], [0, 1], [1, 0, 0, 1])
    assert out['camera_gap'] == pytest.approx(0.0, abs=1e-6)
    assert out['cross_camera_mAP'] == pytest.approx(1.0)
    assert out['sim_pos_cross'] == pytest.approx(1.0)
    assert math.isnan(out['sim_pos_same'])  # no positive shares the query's camera
    assert math.isnan(out['within_camera_mAP'])


def test_errors():
    with pytest.raises(ValueError, match='single camera'):
        camera_bias(QUERY, GALLERY, [1], G_PIDS, [0], [0] * 5)
    with pytest.raises(ValueError, match='topk'):
        camera_bias(QUERY, GALLERY, [1], G_PIDS, [0], G_CAMS, topk=0)
    with pytest.raises(ValueError, match='gallery_pids'):
        camera_bias(QUERY, GALLERY, [1], G_PIDS[:3], [0], G_CAMS)
