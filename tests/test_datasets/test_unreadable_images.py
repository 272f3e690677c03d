"""Unreadable or corrupt images: a clear error by default, or skipped, counted and substituted."""
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose
from torch.utils.data import DataLoader

from mmremix.datasets import (Market1501, ReIDConcatDataset, ReMixDataset, SingleCameraVideos,
                              UnreadableImageError)

LOAD = [dict(type='LoadImageFromFile')]
# Sorted train items: 0 1 2 = pid 0 (0001, cameras 1-3), 3 4 = pid 1 (0002), 5 = pid 2 (0003).
TRAIN = ['0001_c1s1_000001_00.jpg', '0001_c2s1_000001_00.jpg', '0001_c3s1_000001_00.jpg',
         '0002_c1s1_000001_00.jpg', '0002_c2s1_000001_00.jpg', '0003_c1s1_000001_00.jpg']
EMPTY, TRUNCATED, GARBAGE = 1, 4, 5  # the corrupt items


def write_jpeg(path: Path, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(seed).integers(0, 256, (32, 16, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), noise)


def truncate(path: Path) -> None:
    """Keep the first half of a JPEG: the header parses, the scan data ends early."""
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


@pytest.fixture
def market_root(tmp_path):
    folder = tmp_path / 'market' / 'bounding_box_train'
    for seed, name in enumerate(TRAIN):
        write_jpeg(folder / name, seed)
    (folder / TRAIN[EMPTY]).write_bytes(b'')
    truncate(folder / TRAIN[TRUNCATED])
    (folder / TRAIN[GARBAGE]).write_bytes(b'not an image')
    for name in ('query/0005_c1s1_000001_00.jpg', 'bounding_box_test/0005_c2s1_000001_00.jpg'):
        write_jpeg(tmp_path / 'market' / name)
    return tmp_path / 'market'


@pytest.fixture
def videos_root(tmp_path):
    for frame in range(3):
        write_jpeg(tmp_path / 'videos' / 'v0' / f'{frame:03d}.jpg', frame)
    (tmp_path / 'videos' / 'v0' / '001.jpg').write_bytes(b'')
    return tmp_path / 'videos'


CORRUPT = 'cannot be decoded as an image (truncated or corrupt)'


@pytest.mark.parametrize('item, problem', [(EMPTY, 'empty file (0 bytes)'), (TRUNCATED, CORRUPT),
                                           (GARBAGE, CORRUPT)])
def test_unreadable_image_raises_naming_file_item_and_dataset(market_root, item, problem):
    dataset = Market1501(str(market_root), pipeline=LOAD)
    assert dataset[0]['img'].shape == (32, 16, 3)
    path = market_root / 'bounding_box_train' / TRAIN[item]
    with pytest.raises(UnreadableImageError) as err:
        dataset[item]
    message = str(err.value)
    assert message.startswith(f"Cannot read the image {path} (item {item} of Market1501, dataset "
                              f"'market1501'): {problem}. ")
    assert "on_unreadable='skip'" in message
    assert isinstance(err.value, OSError)


def test_corrupt_test_image_advice_is_not_the_training_config(market_root):
    truncate(market_root / 'query' / '0005_c1s1_000001_00.jpg')
    dataset = Market1501(str(market_root), split='test', pipeline=LOAD)
    with pytest.raises(UnreadableImageError) as err:
        dataset[0]
    message = str(err.value)
    assert '0005_c1s1_000001_00.jpg' in message and 'Replace the file' in message
    assert "training dataset's config" not in message
    assert 'evaluation images are never substituted' in message


def test_error_names_the_file_through_dataloader_workers(market_root):
    dataset = Market1501(str(market_root), pipeline=LOAD)
    loader = DataLoader(dataset, sampler=[TRUNCATED], num_workers=1, collate_fn=list)
    with pytest.raises(UnreadableImageError, match=re.escape(str(
            market_root / 'bounding_box_train' / TRAIN[TRUNCATED]))):
        next(iter(loader))


def test_other_pipeline_failures_are_not_blamed_on_the_image(market_root):

    def broken(results):
        raise KeyError('a transform bug')

    dataset = Market1501(str(market_root), pipeline=LOAD + [broken], on_unreadable='skip')
    with pytest.raises(KeyError, match='a transform bug'):
        dataset[0]
    assert dataset.num_unreadable == 0


def test_skip_substitutes_the_next_image_of_the_same_pid(market_root, log_records):
    dataset = Market1501(str(market_root), pipeline=LOAD, on_unreadable='skip')
    folder = market_root / 'bounding_box_train'
    pids = dataset.get_pids()
    np.testing.assert_array_equal(pids, [0, 0, 0, 1, 1, 2])

    out = dataset[EMPTY]  # pid 0: the next item, 2
    assert out['sample_idx'] == 2 and out['img_path'] == str(folder / TRAIN[2])
    assert out['pid'] == pids[EMPTY] and out['img'].shape == (32, 16, 3)
    assert dataset.num_unreadable == 1
    assert len(log_records) == 1
    assert log_records[0].getMessage() == (
        f"Cannot read the image {folder / TRAIN[EMPTY]} (item 1 of Market1501, dataset "
        "'market1501'): empty file (0 bytes); skipped: item 2 of the same pid 0 is loaded "
        'instead (1 unreadable image(s) skipped so far by this process)')

    assert dataset[EMPTY]['sample_idx'] == 2  # known now: same substitute, no new warning
    assert dataset.num_unreadable == 1 and len(log_records) == 1

    out = dataset[TRUNCATED]  # the last item of pid 1: wraps round to item 3
    assert out['sample_idx'] == 3 and out['pid'] == pids[TRUNCATED] == 1
    assert dataset.num_unreadable == 2 and len(log_records) == 2
    assert f'{CORRUPT}; skipped: item 3 of the same pid 1' in log_records[1].getMessage()
    assert '(2 unreadable image(s) skipped so far' in log_records[1].getMessage()


def test_skip_without_a_readable_substitute_raises(market_root):
    dataset = Market1501(str(market_root), pipeline=LOAD, on_unreadable='skip')
    with pytest.raises(UnreadableImageError) as err:  # pid 2 has this single, corrupt image
        dataset[GARBAGE]
    assert str(err.value) == (
        f"Cannot read the image {market_root / 'bounding_box_train' / TRAIN[GARBAGE]} (item 5 of "
        f"Market1501, dataset 'market1501'): {CORRUPT}; no readable image of the same pid 2 is "
        'left to load instead (1 item(s), all unreadable)')


def test_on_unreadable_argument_checks(market_root):
    with pytest.raises(ValueError, match=r"on_unreadable must be one of \('error', 'skip'\), got "
                       "'ignore'"):
        Market1501(str(market_root), on_unreadable='ignore')
    with pytest.raises(ValueError, match="on_unreadable='skip' is for training sets"):
        Market1501(str(market_root), split='test', on_unreadable='skip')
    with pytest.raises(ValueError, match='on_unreadable must be one of'):
        SingleCameraVideos(str(market_root), on_unreadable=True)


def test_single_camera_skip_substitutes_the_same_video(videos_root, log_records):
    videos = SingleCameraVideos(str(videos_root), pipeline=LOAD, on_unreadable='skip')
    out = videos[1]
    assert out['sample_idx'] == 2 and out['video_id'] == 0 and out['img'].shape == (32, 16, 3)
    assert 'item 2 of the same video_id 0' in log_records[0].getMessage()
    # Another pipeline (the refresh hook's test pipeline) gets the same substitute.
    resize = LOAD + [dict(type='Resize', scale=(4, 8), keep_ratio=False)]
    out = videos.prepare_data(1, Compose(resize))
    assert out['sample_idx'] == 2 and out['img'].shape == (8, 4, 3)
    with pytest.raises(UnreadableImageError, match='001.jpg'):
        SingleCameraVideos(str(videos_root), pipeline=LOAD)[1]


def test_remix_dataset_follows_each_part_or_its_own_setting(market_root, videos_root):
    parts = dict(multi_camera=dict(type='Market1501', data_root=str(market_root)),
                 single_camera=dict(type='SingleCameraVideos', data_root=str(videos_root),
                                    on_unreadable='skip'))
    remix = ReMixDataset(**parts, pipeline=LOAD)
    assert remix[6 + 1]['sample_idx'] == 6 + 2  # single-camera part: skip
    with pytest.raises(UnreadableImageError, match=r"item 1 of ReMixDataset, dataset "
                       "'market1501'"):
        remix[EMPTY]  # multi-camera part: error (its default)
    remix = ReMixDataset(**parts, pipeline=LOAD, on_unreadable='skip')
    out = remix[EMPTY]
    assert out['sample_idx'] == 2 and out['pid'] == 0 and out['video_id'] == -1


def test_concat_takes_the_children_setting_or_needs_its_own(market_root):
    skip = dict(type='Market1501', data_root=str(market_root), on_unreadable='skip')
    error = dict(skip, on_unreadable='error', dataset_name='other')
    concat = ReIDConcatDataset([skip, dict(skip, dataset_name='again')], pipeline=LOAD)
    assert concat.on_unreadable == 'skip'
    out = concat[6 + TRUNCATED]  # the second child's pid 1 is pid 4 here
    assert out['sample_idx'] == 6 + 3 and out['pid'] == 4
    with pytest.raises(ValueError, match=re.escape(
            "set on_unreadable differently ({'market1501': 'skip', 'other': 'error'}); set it "
            'to "error" or "skip" on the ReIDConcatDataset itself')):
        ReIDConcatDataset([skip, error])
    assert ReIDConcatDataset([skip, error], on_unreadable='error').on_unreadable == 'error'
