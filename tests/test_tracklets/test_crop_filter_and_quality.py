"""CropFilter, select_track_crops and tracking_quality against hand-computed values."""
import cv2
import numpy as np
import pytest

from mmremix.tracklets import (CropFilter, PersonDetections, crop_box, select_track_crops,
                               sharpness, tracking_quality)
from mmremix.tracklets.track_quality import read_mot_ground_truth


def detections(*rows):
    rows = np.array(rows, np.float32)
    return PersonDetections(rows[:, :4], rows[:, 4])


def test_each_filter_drops_what_it_says():
    frame = np.zeros((200, 300, 3), np.uint8)
    dets = detections(
        [10, 10, 50, 110, 0.9],    # kept: 100 high, ratio 0.4
        [10, 10, 50, 110, 0.4],    # score
        [10, 10, 30, 60, 0.9],     # 50 high
        [10, 10, 100, 110, 0.9],   # ratio 0.9
        [10, 10, 25, 110, 0.9],    # ratio 0.15
        [1, 10, 41, 110, 0.9],     # 1 px from the left border
        [250, 99, 290, 199, 0.9],  # 1 px from the bottom
        [250, 98, 290, 198, 0.9],  # kept: 2 px from the bottom
    )
    keep = CropFilter()(dets, frame)
    np.testing.assert_array_equal(keep, [1, 0, 0, 0, 0, 0, 0, 1])
    off = CropFilter(min_score=0, min_height=0, aspect_ratio=None, border_margin=None)
    assert off(dets, frame).all()
    assert not CropFilter()(PersonDetections.empty(), frame).any()


def test_blur_filter_drops_blurred_crops():
    rng = np.random.default_rng(0)
    frame = np.zeros((200, 300, 3), np.uint8)
    frame[:, :150] = rng.integers(0, 255, (200, 150, 3))  # sharp texture
    frame[:, 150:] = cv2.GaussianBlur(frame[:, :150], (0, 0), 4)  # the same, blurred
    dets = detections([20, 20, 70, 170, 0.9], [170, 20, 220, 170, 0.9])
    sharp, blurred = (sharpness(frame[20:170, x:x + 50]) for x in (20, 170))
    assert sharp > 20 * blurred
    keep = CropFilter(min_sharpness=(sharp + blurred) / 2)(dets, frame)
    np.testing.assert_array_equal(keep, [True, False])


def test_crop_box_stays_in_the_frame():
    assert crop_box(np.array([-5.5, 2.2, 20.1, 500.0]), (100, 50)) == (0, 2, 21, 100)
    assert crop_box(np.array([60.0, 10, 70, 20]), (100, 50)) == (49, 10, 50, 20)


def test_bad_filter_settings():
    with pytest.raises(ValueError, match='min_height must be >= 0'):
        CropFilter(min_height=-1)
    with pytest.raises(ValueError, match='aspect_ratio'):
        CropFilter(aspect_ratio=(0.9, 0.1))
    with pytest.raises(ValueError, match='3 boxes and 2 scores'):
        PersonDetections.from_arrays(np.ones((3, 4)) * [0, 0, 1, 1], [0.5, 0.5])


def test_select_track_crops():
    assert select_track_crops(3, 4, 20).tolist() == []
    assert select_track_crops(4, 4, 20).tolist() == [0, 1, 2, 3]
    assert select_track_crops(10, 4, 4).tolist() == [0, 3, 6, 9]
    assert select_track_crops(11, 1, 3).tolist() == [0, 5, 10]
    assert select_track_crops(7, 1, 0).tolist() == list(range(7))


def test_tracking_quality_hand_computed():
    # two persons over 4 frames; person 2 is missed in frame 1 and its track changes in frame 3
    gt = np.array([[f, pid, 100 * pid, 0, 100 * pid + 40, 100] for f in range(4) for pid in (1, 2)])
    crops = np.array([
        [0, 0, 100, 0, 140, 100], [1, 0, 101, 1, 141, 101], [2, 0, 100, 0, 140, 100],
        [3, 0, 100, 0, 140, 100],
        [0, 1, 200, 0, 240, 100], [2, 1, 200, 0, 240, 100], [3, 5, 200, 0, 240, 100],
        [3, 5, 500, 0, 540, 100],  # a false positive in track 5
    ], np.float64)
    q = tracking_quality(crops, gt)
    assert q['gt_boxes'] == 8 and q['matched'] == 7 and q['recall'] == 7 / 8
    assert q['tracks'] == 3 and q['crops'] == 8
    assert q['purity'] == (4 + 2 + 1) / 8
    assert q['id_switches'] == 1
    only_even = tracking_quality(crops[crops[:, 0] % 2 == 0], gt, frames=np.array([0, 2]))
    assert only_even['gt_boxes'] == 4 and only_even['recall'] == 1.0


def test_read_mot_ground_truth_keeps_pedestrians(tmp_path):
    gt = tmp_path / 'gt.txt'
    gt.write_text('1,1,10,20,30,40,1,1,1.0\n1,2,0,0,5,5,0,1,1.0\n2,1,11,20,30,40,1,7,1.0\n'
                  '2,3,1,2,3,4,1,1,0.5\n')
    rows = read_mot_ground_truth(str(gt))
    np.testing.assert_array_equal(rows, [[0, 1, 10, 20, 40, 60], [1, 3, 1, 2, 4, 6]])
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        read_mot_ground_truth(str(tmp_path / 'missing.txt'))
