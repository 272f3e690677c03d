"""Column storage of the single-camera data at LUPerson scale: ann_file reader, packed paths,
ReMixDataset built from its parts' arrays (no image files are read: only paths and ids)."""
import re
from pathlib import Path

import numpy as np
import pytest

from mmremix.datasets import ReMixDataset, SingleCameraVideos
from mmremix.datasets.packed_strings import PackedStrings
from mmremix.datasets.video_ann_file import read_video_ann_file
import mmremix.datasets.video_ann_file as video_ann_file


def test_packed_strings_get_take_and_share_the_buffer():
    packed = PackedStrings.from_chunks([[b'a/0.jpg', 'é/1.jpg'.encode()], [], [b'c/2.jpg']])
    assert len(packed) == 3 and [packed[i] for i in range(3)] == ['a/0.jpg', 'é/1.jpg', 'c/2.jpg']
    taken = packed.take([2, 0, 2])
    assert [taken[i] for i in range(3)] == ['c/2.jpg', 'a/0.jpg', 'c/2.jpg']
    assert taken.buffer is packed.buffer and not packed.buffer.flags.writeable
    with pytest.raises(ValueError, match='starts and ends must be 1-D of one length'):
        PackedStrings(packed.buffer, packed.starts, packed.ends[:2])


def read(tmp_path: Path, text: bytes):
    path = tmp_path / 'ann.txt'
    path.write_bytes(text)
    return read_video_ann_file(str(path))


@pytest.mark.parametrize('block_bytes', [16, 40, 2**20])
def test_reader_matches_split_lines(tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(video_ann_file, 'BLOCK_BYTES', block_bytes)
    text = (b'vB/0.jpg  vB\n\nvA/1.jpg\tvA\r\n  /abs/vB/2.jpg vB \nvC/0.jpg vC\nvA/0.jpg vA\n'
            b'\n\nvA/9.jpg vA')  # blank lines, tabs, CRLF, no final newline
    paths, video_ids, names = read(tmp_path, text)
    rows = [line.split() for line in text.splitlines() if line.strip()]
    assert [paths[i] for i in range(len(paths))] == [row[0].decode() for row in rows]
    assert [names[i] for i in video_ids] == [row[1].decode() for row in rows]
    assert names == ['vB', 'vA', 'vC']  # first appearance


@pytest.mark.parametrize('text, line, got', [
    (b'a.jpg v0\nb.jpg\nc.jpg v0\n', 2, "'b.jpg'"),
    (b'a.jpg v0\n\n\nb.jpg v0 extra\n', 4, "'b.jpg v0 extra'"),
])
def test_reader_names_the_bad_line(tmp_path, monkeypatch, text, line, got):
    monkeypatch.setattr(video_ann_file, 'BLOCK_BYTES', 10)  # the line number spans blocks
    with pytest.raises(ValueError, match=re.escape(f'ann.txt, line {line}: expected '
                                                   f'"<image path> <video_name>", got {got}')):
        read(tmp_path, text)


def test_reader_refuses_an_empty_file(tmp_path):
    with pytest.raises(ValueError, match='lists no image'):
        read(tmp_path, b'\n \n')


def write_ann(root: Path, num_videos: int, seed: int) -> list:
    """An unsorted ann_file of num_videos videos (1-6 frames each); returns its lines."""
    rng = np.random.default_rng(seed)
    lines = [f'clip_{v:03d}/{f:04d}.jpg clip_{v:03d}' for v in range(num_videos)
             for f in range(rng.integers(1, 7))]
    lines = [lines[i] for i in rng.permutation(len(lines))]
    (root / 'ann.txt').write_text('\n'.join(lines) + '\n')
    return lines


def test_single_camera_videos_ann_file_matches_a_per_line_reference(tmp_path):
    lines = write_ann(tmp_path, 40, 0)
    videos = SingleCameraVideos(str(tmp_path), ann_file='ann.txt', min_images_per_video=3)
    rows = [line.split() for line in lines]
    counts = {name: sum(row[1] == name for row in rows) for _, name in rows}
    kept = sorted(name for name, count in counts.items() if count >= 3)
    expected = [(str(tmp_path / path), kept.index(name), name) for name in kept
                for path, video in rows if video == name]  # by video name, file order kept
    items = [videos.get_data_info(i) for i in range(len(videos))]
    assert [(d['img_path'], d['video_id'], d['video_name']) for d in items] == expected
    assert [d['sample_idx'] for d in items] == list(range(len(expected)))
    np.testing.assert_array_equal(videos.video_ids, [e[1] for e in expected])
    assert videos.num_videos == len(kept) and videos.data_list == []


def test_indices_and_subsets_select_rows_of_every_column(tmp_path):
    write_ann(tmp_path, 10, 1)
    full = SingleCameraVideos(str(tmp_path), ann_file='ann.txt')
    paths = [full.get_data_info(i)['img_path'] for i in range(len(full))]
    part = SingleCameraVideos(str(tmp_path), ann_file='ann.txt', indices=[5, 0, -1])
    assert [part.get_data_info(i)['img_path'] for i in range(3)] == [paths[5], paths[0],
                                                                     paths[-1]]
    np.testing.assert_array_equal(part.video_ids, full.video_ids[[5, 0, -1]])
    subset = full.get_subset(-2)
    assert [subset.get_data_info(i)['img_path'] for i in range(2)] == paths[-2:]
    assert len(full) == len(paths)  # unchanged
    video_ids = full.video_ids.copy()
    full.get_subset_(3)
    np.testing.assert_array_equal(full.video_ids, video_ids[:3])
    assert [full.get_data_info(i)['img_path'] for i in range(3)] == paths[:3]
    with pytest.raises(IndexError, match='outside the 3 items'):
        full.get_subset_([3])


def make_list_dataset(root: Path) -> dict:
    (root / 'mc.txt').write_text('m/0.jpg 7 0\nm/1.jpg 3 1\nm/2.jpg 7 2\nm/3.jpg 3 0\n')
    return dict(type='ReIDListDataset', data_root=str(root), train='mc.txt', dataset_name='mc')


def test_remix_dataset_is_built_from_the_parts_arrays(tmp_path, monkeypatch):
    write_ann(tmp_path, 12, 2)
    multi = make_list_dataset(tmp_path)
    videos = SingleCameraVideos(str(tmp_path), ann_file='ann.txt', dataset_name='lup')
    expected_sc = [videos.get_data_info(i) for i in range(len(videos))]

    def per_item_call(self, idx):
        raise AssertionError('ReMixDataset must not build its items one by one')

    monkeypatch.setattr(SingleCameraVideos, 'get_data_info', per_item_call)
    dataset = ReMixDataset(multi_camera=multi, single_camera=videos)
    monkeypatch.undo()
    # one copy: no list of items and no serialised copy of the parts' items
    assert dataset.data_list == [] and getattr(dataset, 'data_bytes', None) is None
    assert sum(column.nbytes for column in dataset.columns.values()) == 4 * 8 * len(dataset)

    assert len(dataset) == 4 + len(videos)
    assert (dataset.num_multi_camera, dataset.num_single_camera) == (4, len(videos))
    np.testing.assert_array_equal(dataset.get_pids(), [1, 0, 1, 0] + [-1] * len(videos))
    np.testing.assert_array_equal(dataset.get_camids(), [0, 1, 2, 0] + [-1] * len(videos))
    np.testing.assert_array_equal(dataset.get_video_ids(), [-1] * 4 + videos.video_ids.tolist())
    assert dataset.get_data_info(1) == dict(img_path=str(tmp_path / 'm/1.jpg'), pid=0, camid=1,
                                            dataset_name='mc', video_id=-1, sample_idx=1)
    for i, sc in enumerate(expected_sc):
        assert dataset.get_data_info(4 + i) == dict(sc, pid=-1, camid=-1, sample_idx=4 + i)
    assert dataset.metainfo['num_videos'] == videos.num_videos == 12
    subset = dataset.get_subset([len(dataset) - 1, 2])
    assert [subset.get_data_info(i)['img_path'] for i in range(2)] == [
        expected_sc[-1]['img_path'], str(tmp_path / 'm/2.jpg')]
    np.testing.assert_array_equal(subset.get_pids(), [-1, 1])
