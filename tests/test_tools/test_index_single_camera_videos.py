"""tools/dataset_converters/index_single_camera_videos.py: the ann_file gives the folder layout's
items in the same order; bad names and empty folders are reported."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmremix.datasets import SingleCameraVideos

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools' / 'dataset_converters' / 'index_single_camera_videos.py'
_SPEC = importlib.util.spec_from_file_location('index_single_camera_videos', SCRIPT)
tool = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(tool)


def touch(root: Path, names) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b'')  # only listed, never decoded


@pytest.fixture
def videos_root(tmp_path):
    root = tmp_path / 'videos'
    touch(root, ['vid_b/0010.jpg', 'vid_b/0002.JPG', 'vid_a/1.png', 'vid_a/0.jpeg',
                 'vid_a/notes.txt', 'vid_c/000.jpg'])
    (root / 'empty_video').mkdir()
    (root / 'top_level.jpg').write_bytes(b'')  # not in a video folder: ignored
    return root


def items(dataset):
    return [(d['img_path'], d['video_id'], d['video_name'])
            for d in map(dataset.get_data_info, range(len(dataset)))]


def test_ann_file_gives_the_folder_layout_items(videos_root):
    out = videos_root / 'ann_file.txt'
    num_videos, num_images, empty = tool.index_videos(str(videos_root), str(out), threads=3,
                                                      progress=False)
    assert (num_videos, num_images, empty) == (3, 5, ['empty_video'])
    assert out.read_text().splitlines() == [
        'vid_a/0.jpeg vid_a', 'vid_a/1.png vid_a', 'vid_b/0002.JPG vid_b',
        'vid_b/0010.jpg vid_b', 'vid_c/000.jpg vid_c'
    ]
    (videos_root / 'empty_video').rmdir()  # the folder layout refuses it
    by_ann = SingleCameraVideos(str(videos_root), ann_file='ann_file.txt')
    assert items(by_ann) == items(SingleCameraVideos(str(videos_root)))
    assert not list(videos_root.glob('*.tmp*'))


def test_names_with_whitespace_are_refused_and_leave_no_file(videos_root):
    touch(videos_root, ['vid_c/frame 1.jpg'])
    out = videos_root / 'ann_file.txt'
    with pytest.raises(ValueError, match=r"The file name 'frame 1.jpg' in .*vid_c contains "
                       'whitespace'):
        tool.index_videos(str(videos_root), str(out), progress=False)
    assert not out.exists() and not list(videos_root.glob('*.tmp*'))
    (videos_root / 'vid d').mkdir()
    with pytest.raises(ValueError, match="The video folder 'vid d'"):
        tool.index_videos(str(videos_root), str(out), progress=False)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing'):
        tool.index_videos(str(tmp_path / 'missing'), str(tmp_path / 'a.txt'))
    (tmp_path / 'v0').mkdir()
    with pytest.raises(ValueError, match='No folder of .* holds an image'):
        tool.index_videos(str(tmp_path), str(tmp_path / 'a.txt'), progress=False)
    with pytest.raises(ValueError, match='threads must be >= 1'):
        tool.index_videos(str(tmp_path), str(tmp_path / 'a.txt'), threads=0)


def test_command_line(videos_root):
    proc = subprocess.run([sys.executable, str(SCRIPT), str(videos_root)], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr
    assert '5 images in 3 videos' in proc.stdout
    assert 'skipped 1 folder(s) without images: empty_video' in proc.stdout
    assert "ann_file='ann_file.txt'" in proc.stdout
    assert (videos_root / 'ann_file.txt').is_file()
