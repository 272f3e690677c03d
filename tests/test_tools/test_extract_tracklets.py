"""tools/dataset_converters/extract_tracklets.py as a user runs it; ReMix trained on its output."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

from helpers import make_tiny_data, tiny_runner_cfg

REPO = Path(__file__).resolve().parents[2]
SCENE_DIR = REPO / 'tests' / 'test_tracklets'
sys.path.insert(0, str(SCENE_DIR))
from tracklet_scene import render_scene, write_video  # noqa: E402


def run_tool(args, expect_ok=True):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=str(SCENE_DIR))
    proc = subprocess.run([sys.executable, 'tools/dataset_converters/extract_tracklets.py', *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert (proc.returncode == 0) == expect_ok, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope='module')
def stub_config(tmp_path_factory):
    cfg = tmp_path_factory.mktemp('cfg') / 'stub_detector.py'
    cfg.write_text("custom_imports = dict(imports=['tracklet_scene'], allow_failed_imports=False)\n"
                   "detector = dict(type='ColourBlobDetector', box_noise=1.5, miss_rate=0.1)\n")
    return cfg


@pytest.fixture(scope='module')
def scene_video(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp('video') / 'scene.avi', render_scene()[0])


def test_tool_writes_the_dataset_and_prints_frames_per_second(stub_config, scene_video, tmp_path):
    out = tmp_path / 'tracks'
    proc = run_tool([str(scene_video), '--out-dir', str(out), '--detector-config',
                     str(stub_config), '--window-seconds', '1'])
    assert '40 frames in' in proc.stdout and 'frames/s' in proc.stdout
    assert 'scene: ' in proc.stderr and 'frame/s]' in proc.stderr  # tqdm's bar
    assert (out / 'videos' / 'ann_file.txt').is_file() and (out / 'crops.csv').is_file()
    assert len(list((out / 'videos').iterdir())) >= 3  # ann_file.txt and >= 2 window videos


def test_tool_refuses_bad_input_naming_it(stub_config, scene_video, tmp_path):
    bad = tmp_path / 'not_a_video.avi'
    bad.write_bytes(b'\x00' * 64)
    proc = run_tool([str(bad), '--out-dir', str(tmp_path / 'out'), '--detector-config',
                     str(stub_config)], expect_ok=False)
    assert f'error: {bad} is not a readable video' in proc.stderr
    full = tmp_path / 'full'
    full.mkdir()
    (full / 'x').write_text('x')
    proc = run_tool([str(scene_video), '--out-dir', str(full), '--detector-config',
                     str(stub_config)], expect_ok=False)
    assert f'{full} already exists and is not an empty folder' in proc.stderr


def test_remix_trains_on_the_extracted_tracks(stub_config, scene_video, tmp_path):
    out = tmp_path / 'tracks'
    run_tool([str(scene_video), '--out-dir', str(out), '--detector-config', str(stub_config),
              '--window-seconds', '1', '--no-progress'])
    data = make_tiny_data(tmp_path / 'syn')
    cfg = tiny_runner_cfg(data, tmp_path / 'work', model='ReMix', max_epochs=1)
    cfg.train_dataloader.dataset.single_camera = dict(
        type='SingleCameraVideos', data_root=str(out / 'videos'), ann_file='ann_file.txt')
    cfg.custom_hooks[1].gt_file = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', weights_only=False)
    assert ckpt['meta']['epoch'] == 1 and ckpt['meta']['iter'] > 0
    dataset = runner.train_dataloader.dataset
    assert dataset.num_multi_camera == 32 and len(dataset) > 32
    # the refresh clustered the tracks into pseudo-identities: centroids beyond the 8 pids
    assert ckpt['state_dict']['memory.centroids'].shape[0] > 8
