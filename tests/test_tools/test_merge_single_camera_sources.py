"""tools/dataset_converters/merge_single_camera_sources.py: unique video ids and offset ground truth."""
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmremix.datasets import SingleCameraVideos

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    'merge_tool', REPO / 'tools' / 'dataset_converters' / 'merge_single_camera_sources.py')
merge_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(merge_tool)


def make_source(folder: Path, videos: dict, gt: bool = True) -> Path:
    """videos: video name -> list of pids of its frames."""
    lines = []
    for video, pids in videos.items():
        (folder / 'videos' / video).mkdir(parents=True)
        for i, pid in enumerate(pids):
            cv2.imwrite(str(folder / 'videos' / video / f'{i:06d}.jpg'),
                        np.full((8, 4, 3), 10 * i, np.uint8))
            lines.append(f'{video}/{i:06d}.jpg {pid}\n')
    if gt:
        (folder / 'gt_identities.txt').write_text(''.join(lines))
    return folder


def test_same_video_names_stay_apart_and_pids_are_offset(tmp_path):
    # both sources name a video "v0" and use pids 0 and 1
    a = make_source(tmp_path / 'a', {'v0': [0, 0, 1], 'v1': [2, 2]})
    b = make_source(tmp_path / 'b', {'v0': [0, 1, 1, 1]})
    rows = merge_tool.merge_sources(str(tmp_path / 'out'), {'a': str(a), 'b': str(b)})
    assert [(r['videos'], r['images'], r['pid_offset'], r['num_pids']) for r in rows] == [
        (2, 5, 0, 3), (1, 4, 3, 2)]
    videos = SingleCameraVideos(str(tmp_path / 'out'), ann_file='videos.txt')
    assert videos.num_videos == 3
    infos = [videos.get_data_info(i) for i in range(len(videos))]
    assert [i['video_name'] for i in infos] == ['a/v0'] * 3 + ['a/v1'] * 2 + ['b/v0'] * 4
    assert [i['video_id'] for i in infos] == [0, 0, 0, 1, 1, 2, 2, 2, 2]
    assert all(Path(i['img_path']).is_file() for i in infos)
    gt = dict(line.split() for line in (tmp_path / 'out' / 'gt_identities.txt').read_text()
              .splitlines())
    assert [int(gt[f'{i["video_name"]}/{Path(i["img_path"]).name}']) for i in infos] == [
        0, 0, 1, 2, 2, 3, 4, 4, 4]


def test_source_without_ground_truth_and_errors(tmp_path, capsys):
    a = make_source(tmp_path / 'a', {'v0': [5, 5]}, gt=False)
    rows = merge_tool.merge_sources(str(tmp_path / 'out'), {'a': str(a)})
    assert rows[0]['gt_images'] == 0 and rows[0]['num_pids'] == 0
    with pytest.raises(ValueError, match='not empty'):
        merge_tool.merge_sources(str(tmp_path / 'out'), {'a': str(a)})
    with pytest.raises(FileNotFoundError, match='videos not found'):
        merge_tool.merge_sources(str(tmp_path / 'new'), {'x': str(tmp_path / 'missing')})
    with pytest.raises(ValueError, match='letters, digits'):
        merge_tool.merge_sources(str(tmp_path / 'new2'), {'a/b': str(a)})
    (a / 'gt_identities.txt').write_text('v0/000000.jpg\n')
    with pytest.raises(ValueError, match='line 1'):
        merge_tool.merge_sources(str(tmp_path / 'new3'), {'a': str(a)})
    assert merge_tool.main([str(tmp_path / 'new4'), 'nameonly']) == 2
    assert 'NAME=FOLDER' in capsys.readouterr().err
