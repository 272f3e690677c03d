"""Opt-in checks of the dataset classes on the real folders of ``../shared/data`` (see README)."""
from pathlib import Path

import numpy as np
import pytest

from mmremix.datasets import Market1501, SingleCameraVideos

DATA_ROOT = Path(__file__).parents[2].parent / 'shared' / 'data'

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(
        not DATA_ROOT.is_dir(), reason=f'real Re-ID data folder {DATA_ROOT} is absent'),
]


def test_market1501_split():
    train = Market1501(str(DATA_ROOT / 'market1501_split'))
    assert len(train) == 11509
    assert train.metainfo == dict(dataset_name='market1501', num_pids=651, num_cams=6)
    np.testing.assert_array_equal(np.unique(train.get_pids()), np.arange(651))
    np.testing.assert_array_equal(np.unique(train.get_camids()), np.arange(6))

    test = Market1501(str(DATA_ROOT / 'market1501_split'), split='test')
    is_query = np.array([test.get_data_info(idx)['is_query'] for idx in range(len(test))])
    assert (is_query.sum(), (~is_query).sum()) == (443, 984)
    assert is_query[:443].all()
    # the last 100 ids of Market-1501's train folder; id 1451 has query images only
    assert test.num_pids == 100
    pids = test.get_pids()
    assert (len(np.unique(pids[:443])), len(np.unique(pids[443:]))) == (100, 99)
    assert 1451 not in pids[443:]


def test_cuhk03_val_with_market_class():
    test = Market1501(str(DATA_ROOT / 'cuhk03_val'), split='test', dataset_name='cuhk03_val')
    assert len(test) == 200 + 738
    assert test.metainfo == dict(dataset_name='cuhk03_val', num_pids=100, num_cams=2)
    # one query image per id and camera
    query = np.stack([test.get_pids()[:200], test.get_camids()[:200]], axis=1)
    assert len(np.unique(query, axis=0)) == 200
    np.testing.assert_array_equal(np.unique(test.get_camids()), [0, 1])


def test_cuhk03_single_camera_videos():
    videos = SingleCameraVideos(str(DATA_ROOT / 'cuhk03_single_camera' / 'videos'))
    assert len(videos) == 3602
    assert videos.num_videos == 76
    video_ids = videos.video_ids
    np.testing.assert_array_equal(np.unique(video_ids), np.arange(76))
    assert (np.diff(video_ids) >= 0).all()
    first = videos.get_data_info(0)
    assert first['video_name'] == 'cuhk03_v000_cam0'
    assert Path(first['img_path']).is_file()
