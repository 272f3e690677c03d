"""Tests of the Re-ID dataset classes on tiny generated layouts (8x4 JPEG files)."""
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmremix.datasets import (CUHK03NP, MSMT17, Market1501, ReIDConcatDataset, ReIDListDataset,
                              SingleCameraVideos)
from mmremix.registry import DATASETS

MARKET_TRAIN = [
    '-1_c1s1_000001_00.jpg', '0002_c1s1_000451_03.jpg', '0002_c3s1_000551_01.jpg',
    '0007_c2s1_000100_01.jpg', '0010_c6s2_000200_02.jpg'
]
MARKET_QUERY = ['0007_c1s1_000300_00.jpg', '0010_c2s1_000400_00.jpg']
MARKET_GALLERY = [
    '-1_c3s1_000600_00.jpg', '0000_c1s1_000500_00.jpg', '0007_c4s1_000700_00.jpg',
    '0010_c5s1_000800_00.jpg'
]


def write_images(folder: Path, names) -> None:
    """Write an 8x4 BGR JPEG for each (possibly nested) name under ``folder``."""
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(str(path), np.full((8, 4, 3), 127, np.uint8))


def make_market(root: Path) -> Path:
    write_images(root / 'bounding_box_train', MARKET_TRAIN)
    write_images(root / 'query', MARKET_QUERY)
    write_images(root / 'bounding_box_test', MARKET_GALLERY)
    (root / 'bounding_box_train' / 'Thumbs.db').write_bytes(b'\0')
    return root


def field(dataset, key):
    return [dataset.get_data_info(idx)[key] for idx in range(len(dataset))]


@pytest.fixture
def market_root(tmp_path):
    return make_market(tmp_path / 'market1501')


def test_market_train_relabels_and_drops_junk(market_root):
    dataset = Market1501(str(market_root))
    # junk (-1) and Thumbs.db dropped; sorted names; pids {2, 7, 10} -> {0, 1, 2};
    # cameras c1, c3, c2, c6 -> camids {0, 2, 1, 5} -> {0, 2, 1, 3}.
    assert field(dataset, 'img_path') == [
        str(market_root / 'bounding_box_train' / name) for name in MARKET_TRAIN[1:]
    ]
    assert field(dataset, 'pid') == [0, 0, 1, 2]
    assert field(dataset, 'camid') == [0, 2, 1, 3]
    assert field(dataset, 'dataset_name') == ['market1501'] * 4
    assert 'is_query' not in dataset.get_data_info(0)
    assert dataset.metainfo == dict(dataset_name='market1501', num_pids=3, num_cams=4)
    assert (dataset.num_pids, dataset.num_cams) == (3, 4)
    np.testing.assert_array_equal(dataset.get_pids(), [0, 0, 1, 2])
    np.testing.assert_array_equal(dataset.get_camids(), [0, 2, 1, 3])
    assert dataset.get_pids().dtype == np.int64
    assert not dataset.get_pids().flags.writeable


def test_market_test_split(market_root):
    dataset = Market1501(str(market_root), split='test', dataset_name='market_test')
    # query then gallery; gallery junk dropped, distractor pid 0 kept; camid = camera - 1.
    assert field(dataset, 'img_path') == (
        [str(market_root / 'query' / name) for name in MARKET_QUERY] +
        [str(market_root / 'bounding_box_test' / name) for name in MARKET_GALLERY[1:]])
    assert field(dataset, 'is_query') == [True, True, False, False, False]
    assert field(dataset, 'pid') == [7, 10, 0, 7, 10]
    assert field(dataset, 'camid') == [0, 1, 0, 3, 4]
    assert field(dataset, 'sample_idx') == [0, 1, 2, 3, 4]
    assert dataset.metainfo == dict(dataset_name='market_test', num_pids=3, num_cams=4)
    np.testing.assert_array_equal(dataset.get_pids(), [7, 10, 0, 7, 10])


def test_market_test_split_needs_no_train_folder(tmp_path):
    write_images(tmp_path / 'query', MARKET_QUERY)
    write_images(tmp_path / 'bounding_box_test', MARKET_GALLERY)
    assert len(Market1501(str(tmp_path), split='test')) == 5


def test_build_from_config_pipeline_and_lazy_init(market_root):
    dataset = DATASETS.build(
        dict(
            type='Market1501',
            data_root=str(market_root),
            lazy_init=True,
            pipeline=[lambda info: dict(info, shape=cv2.imread(info['img_path']).shape)]))
    assert isinstance(dataset, Market1501)
    assert not dataset._fully_initialized
    assert dataset.metainfo['num_pids'] == 3  # metainfo loads the data first
    sample = dataset[3]
    assert sample['shape'] == (8, 4, 3)
    assert (sample['pid'], sample['camid'], sample['sample_idx']) == (2, 3, 3)


@pytest.mark.parametrize('serialize_data', [True, False])
def test_id_arrays_follow_indices_and_subsets(market_root, serialize_data):
    dataset = Market1501(str(market_root), indices=[3, 1], serialize_data=serialize_data)
    np.testing.assert_array_equal(dataset.get_pids(), [2, 0])
    np.testing.assert_array_equal(dataset.get_camids(), [3, 2])
    # the id space of the whole split is kept: relabelled pids stay valid classifier targets
    assert dataset.num_pids == 3
    subset = dataset.get_subset([1])
    np.testing.assert_array_equal(subset.get_pids(), [0])
    np.testing.assert_array_equal(dataset.get_pids(), [2, 0])
    dataset.get_subset_(-1)
    np.testing.assert_array_equal(dataset.get_camids(), [2])


def test_split_must_be_train_or_test(market_root):
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'test'\), got 'val'"):
        Market1501(str(market_root), split='val')


def test_missing_folder_names_path_and_layout(tmp_path):
    missing = tmp_path / 'nowhere'
    with pytest.raises(FileNotFoundError) as err:
        Market1501(str(missing))
    assert str(missing / 'bounding_box_train') in str(err.value)
    assert 'layout: <data_root>/{bounding_box_train,query,bounding_box_test}' in str(err.value)


def test_bad_file_name_names_file_and_pattern(tmp_path):
    write_images(tmp_path / 'bounding_box_train', ['0001_c1s1_000001_00.jpg', 'person.jpg'])
    with pytest.raises(ValueError) as err:
        Market1501(str(tmp_path))
    assert str(tmp_path / 'bounding_box_train' / 'person.jpg') in str(err.value)
    assert Market1501.NAME_PATTERN.pattern in str(err.value)


def test_empty_split_names_path(tmp_path):
    (tmp_path / 'bounding_box_train').mkdir()
    (tmp_path / 'bounding_box_train' / 'Thumbs.db').write_bytes(b'\0')
    folder = tmp_path / 'bounding_box_train'
    with pytest.raises(ValueError, match=re.escape(f'{folder} holds no image')):
        Market1501(str(tmp_path))


def test_junk_only_split_names_path(tmp_path):
    write_images(tmp_path / 'bounding_box_train', ['-1_c1s1_000001_00.jpg'])
    folder = tmp_path / 'bounding_box_train'
    with pytest.raises(ValueError, match=re.escape(f'({folder}) has no image besides junk')):
        Market1501(str(tmp_path))


def make_msmt17(root: Path) -> Path:
    train = [
        '0000/0000_000_01_0303morning_0015_0.jpg', '0003/0003_000_02_0303noon_0001_0.jpg',
        '0000/0000_001_05_0303noon_0020_1.jpg'
    ]
    test = [
        '0100/0100_000_07_0113morning_0001_0.jpg', '0100/0100_001_15_0113noon_0002_0.jpg',
        '0101/0101_000_15_0113noon_0003_0.jpg'
    ]
    write_images(root / 'train', train)
    write_images(root / 'test', test)
    (root / 'list_train.txt').write_text(f'{train[0]} 0\n{train[1]} 3\n')
    (root / 'list_val.txt').write_text(f'{train[2]} 0\n')
    (root / 'list_query.txt').write_text(f'{test[0]} 100\n')
    (root / 'list_gallery.txt').write_text(f'{test[1]} 100\n\n{test[2]} 101\n')
    return root


def test_msmt17(tmp_path):
    root = make_msmt17(tmp_path / 'MSMT17_V1')
    train = MSMT17(str(root))
    # list_train then list_val; pids {0, 3} -> {0, 1}; cameras 1, 2, 5 -> {0, 1, 4} -> {0, 1, 2}
    assert field(train, 'img_path') == [
        str(root / 'train' / '0000/0000_000_01_0303morning_0015_0.jpg'),
        str(root / 'train' / '0003/0003_000_02_0303noon_0001_0.jpg'),
        str(root / 'train' / '0000/0000_001_05_0303noon_0020_1.jpg')
    ]
    assert field(train, 'pid') == [0, 1, 0]
    assert field(train, 'camid') == [0, 1, 2]
    assert train.metainfo == dict(dataset_name='msmt17', num_pids=2, num_cams=3)

    no_val = MSMT17(str(root), combine_val=False)
    assert (field(no_val, 'pid'), field(no_val, 'camid')) == ([0, 1], [0, 1])

    test = MSMT17(str(root), split='test')
    assert field(test, 'is_query') == [True, False, False]
    assert field(test, 'pid') == [100, 100, 101]
    assert field(test, 'camid') == [6, 14, 14]
    first_query = root / 'test' / '0100/0100_000_07_0113morning_0001_0.jpg'
    assert field(test, 'img_path')[0] == str(first_query)


def test_msmt17_errors(tmp_path):
    root = make_msmt17(tmp_path)
    (root / 'list_query.txt').write_text('0100/0100_000_07_0113morning_0001_0.jpg\n')
    with pytest.raises(ValueError) as err:
        MSMT17(str(root), split='test')
    assert f'{root / "list_query.txt"}, line 1: expected "<path> <pid>"' in str(err.value)

    (root / 'list_query.txt').write_text('0100/0100_000_07_0113morning_0001_0.jpg abc\n')
    with pytest.raises(ValueError, match=re.escape(f'{root / "list_query.txt"}: the field <pid>')):
        MSMT17(str(root), split='test')

    (root / 'list_val.txt').unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(root / 'list_val.txt'))):
        MSMT17(str(root))


def test_cuhk03np_subset(tmp_path):
    root = tmp_path / 'cuhk03-np'
    make_market(root / 'labeled')
    for part in ('bounding_box_train', 'query', 'bounding_box_test'):
        write_images(root / 'detected' / part,
                     ['0001_c1s1_000001_00.png', '0005_c2s1_000002_00.png'])
    detected = CUHK03NP(str(root), subset='detected')
    assert field(detected, 'img_path') == [
        str(root / 'detected' / 'bounding_box_train' / '0001_c1s1_000001_00.png'),
        str(root / 'detected' / 'bounding_box_train' / '0005_c2s1_000002_00.png')
    ]
    assert field(detected, 'pid') == [0, 1]
    assert detected.metainfo == dict(dataset_name='cuhk03np_detected', num_pids=2, num_cams=2)
    labeled = CUHK03NP(str(root), split='test')
    assert labeled.metainfo['dataset_name'] == 'cuhk03np_labeled'
    assert field(labeled, 'pid') == [7, 10, 0, 7, 10]
    with pytest.raises(ValueError, match="subset must be one of .*, got 'both'"):
        CUHK03NP(str(root), subset='both')


def test_list_dataset_from_list_files(tmp_path):
    write_images(tmp_path / 'imgs', ['a.jpg', 'b.jpg', 'c.jpg'])
    write_images(tmp_path / 'gallery', ['0009_c2s1_000001_00.jpg'])
    (tmp_path / 'train.txt').write_text('imgs/a.jpg 5 2\nimgs/b.jpg 9 0\nimgs/c.jpg -1 1\n')
    (tmp_path / 'query.txt').write_text('imgs/b.jpg 9 0\n')
    train = ReIDListDataset(str(tmp_path), train='train.txt', dataset_name='mine')
    assert field(train, 'img_path') == [str(tmp_path / 'imgs/a.jpg'), str(tmp_path / 'imgs/b.jpg')]
    assert field(train, 'pid') == [0, 1]
    assert field(train, 'camid') == [1, 0]
    assert train.metainfo == dict(dataset_name='mine', num_pids=2, num_cams=2)
    # a list file for the query part and a Market-style folder for the gallery part
    test = ReIDListDataset(str(tmp_path), split='test', query='query.txt', gallery='gallery')
    assert field(test, 'pid') == [9, 9]
    assert field(test, 'camid') == [0, 1]
    assert field(test, 'is_query') == [True, False]
    assert test.metainfo['dataset_name'] == 'custom'


def test_list_dataset_from_market_folders(market_root):
    dataset = ReIDListDataset(str(market_root), split='test')
    assert field(dataset, 'pid') == [7, 10, 0, 7, 10]
    assert field(dataset, 'camid') == [0, 1, 0, 3, 4]


def test_list_dataset_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        ReIDListDataset(str(tmp_path), train='train.txt')
    assert f'{tmp_path / "train.txt"} is neither a list file nor a folder' in str(err.value)
    (tmp_path / 'train.txt').write_text('a.jpg 1 0\nb.jpg 2\n')
    message = f'{tmp_path / "train.txt"}, line 2: expected "<path> <pid> <camid>", got \'b.jpg 2\''
    with pytest.raises(ValueError, match=re.escape(message)):
        ReIDListDataset(str(tmp_path), train='train.txt')
    (tmp_path / 'train.txt').write_text('\n')
    with pytest.raises(ValueError, match=re.escape(f'{tmp_path / "train.txt"} lists no image')):
        ReIDListDataset(str(tmp_path), train='train.txt')


@pytest.fixture
def videos_root(tmp_path):
    root = tmp_path / 'videos'
    write_images(root / 'vidB', ['001.jpg', '000.jpg'])
    write_images(root / 'vidA', ['000.jpg', '001.jpg', '002.jpg'])
    write_images(root / 'vidC', ['000.jpg'])
    (root / 'notes.txt').write_text('not a video')
    return root


def test_single_camera_videos_folders(videos_root):
    videos = SingleCameraVideos(str(videos_root))
    names = [
        'vidA/000.jpg', 'vidA/001.jpg', 'vidA/002.jpg', 'vidB/000.jpg', 'vidB/001.jpg',
        'vidC/000.jpg'
    ]
    assert field(videos, 'img_path') == [str(videos_root / name) for name in names]
    assert field(videos, 'video_id') == [0, 0, 0, 1, 1, 2]
    assert field(videos, 'video_name') == ['vidA'] * 3 + ['vidB'] * 2 + ['vidC']
    assert field(videos, 'dataset_name') == ['single_camera'] * 6
    assert 'pid' not in videos.get_data_info(0)
    assert videos.metainfo == dict(dataset_name='single_camera', num_videos=3)
    assert videos.num_videos == 3
    assert videos.video_ids.dtype == np.int64
    np.testing.assert_array_equal(videos.video_ids, [0, 0, 0, 1, 1, 2])


def test_single_camera_videos_min_images(videos_root):
    videos = SingleCameraVideos(str(videos_root), min_images_per_video=2, dataset_name='lup')
    np.testing.assert_array_equal(videos.video_ids, [0, 0, 0, 1, 1])
    assert videos.metainfo == dict(dataset_name='lup', num_videos=2)
    with pytest.raises(ValueError, match='min_images_per_video=4 images'):
        SingleCameraVideos(str(videos_root), min_images_per_video=4)
    with pytest.raises(ValueError, match='min_images_per_video must be >= 1, got 0'):
        SingleCameraVideos(str(videos_root), min_images_per_video=0)


def test_single_camera_videos_ann_file(videos_root):
    (videos_root / 'videos.txt').write_text(
        'vidB/000.jpg vidB\nvidA/001.jpg vidA\nvidB/001.jpg vidB\nvidC/000.jpg vidC\n'
        'vidA/000.jpg vidA\n')
    videos = SingleCameraVideos(str(videos_root), ann_file='videos.txt', min_images_per_video=2)
    # grouped by sorted video name, file order kept within a video; vidC (1 image) dropped
    assert field(videos, 'img_path') == [
        str(videos_root / name)
        for name in ['vidA/001.jpg', 'vidA/000.jpg', 'vidB/000.jpg', 'vidB/001.jpg']
    ]
    assert field(videos, 'video_name') == ['vidA', 'vidA', 'vidB', 'vidB']
    np.testing.assert_array_equal(videos.video_ids, [0, 0, 1, 1])
    assert videos.num_videos == 2


def test_single_camera_videos_errors(videos_root):
    (videos_root / 'vidD').mkdir()
    with pytest.raises(ValueError, match=re.escape(f'{videos_root / "vidD"} holds no image')):
        SingleCameraVideos(str(videos_root))
    with pytest.raises(FileNotFoundError) as err:
        SingleCameraVideos(str(videos_root / 'missing'))
    assert str(videos_root / 'missing') in str(err.value)
    assert '<data_root>/<video_name>/<frame>.jpg' in str(err.value)
    with pytest.raises(FileNotFoundError, match=re.escape(str(videos_root / 'none.txt'))):
        SingleCameraVideos(str(videos_root), ann_file='none.txt')
    (videos_root / 'empty').mkdir()
    with pytest.raises(ValueError, match=re.escape(f'{videos_root / "empty"} has no video folder')):
        SingleCameraVideos(str(videos_root / 'empty'))


def make_list_train(root: Path, name: str) -> dict:
    write_images(root, ['a.jpg', 'b.jpg', 'c.jpg'])
    (root / 'train.txt').write_text('a.jpg 4 1\nb.jpg 8 0\nc.jpg 8 1\n')
    return dict(type='ReIDListDataset', data_root=str(root), train='train.txt', dataset_name=name)


def test_concat_offsets_ids(market_root, tmp_path):
    market = Market1501(str(market_root))  # 4 items, 3 pids, 4 cams
    concat = ReIDConcatDataset([market, make_list_train(tmp_path / 'mine', 'mine')])
    assert len(concat) == 7
    # the second dataset's pids {0, 1, 1} and camids {1, 0, 1} shift by 3 and 4
    np.testing.assert_array_equal(concat.get_pids(), [0, 0, 1, 2, 3, 4, 4])
    np.testing.assert_array_equal(concat.get_camids(), [0, 2, 1, 3, 5, 4, 5])
    assert field(concat, 'dataset_name') == ['market1501'] * 4 + ['mine'] * 3
    assert field(concat, 'sample_idx') == list(range(7))
    assert concat.get_data_info(5)['img_path'] == str(tmp_path / 'mine' / 'b.jpg')
    assert concat.metainfo == dict(
        dataset_name='market1501+mine',
        dataset_names=['market1501', 'mine'],
        num_pids=5,
        num_cams=6)
    assert (concat.num_pids, concat.num_cams) == (5, 6)


def test_concat_of_test_targets(market_root, tmp_path):
    write_images(tmp_path / 'other' / 'query', ['0003_c1s1_000001_00.jpg'])
    write_images(tmp_path / 'other' / 'bounding_box_test', ['0003_c2s1_000001_00.jpg'])
    concat = DATASETS.build(
        dict(
            type='ReIDConcatDataset',
            offset_ids=False,
            dataset_name='targets',
            datasets=[
                dict(type='Market1501', data_root=str(market_root), split='test'),
                dict(
                    type='Market1501',
                    data_root=str(tmp_path / 'other'),
                    split='test',
                    dataset_name='other')
            ]))
    assert field(concat, 'pid') == [7, 10, 0, 7, 10, 3, 3]
    assert field(concat, 'camid') == [0, 1, 0, 3, 4, 0, 1]
    assert field(concat, 'is_query') == [True, True, False, False, False, True, False]
    assert field(concat, 'dataset_name') == ['market1501'] * 5 + ['other'] * 2
    assert concat.metainfo['dataset_name'] == 'targets'


def test_concat_errors(market_root, videos_root, tmp_path):
    train_cfg = dict(type='Market1501', data_root=str(market_root))
    with pytest.raises(ValueError, match=r"names must be unique .*\['market1501', 'market1501'\]"):
        ReIDConcatDataset([train_cfg, train_cfg], offset_ids=False)
    with pytest.raises(ValueError, match='got SingleCameraVideos without pid labels'):
        ReIDConcatDataset([train_cfg, dict(type='SingleCameraVideos', data_root=str(videos_root))])
    with pytest.raises(ValueError, match=r'needs relabelled ids .* pids in \[0, 10\]'):
        ReIDConcatDataset([dict(train_cfg, split='test')])
    with pytest.raises(ValueError, match='at least one dataset'):
        ReIDConcatDataset([])
