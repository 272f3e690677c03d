"""End-to-end runs of tools/analysis_tools/vis_clusters.py and vis_activation.py on tiny data."""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import mmcv
import pytest

from helpers import save_untrained_checkpoint
from mmremix.datasets.synthetic import generate_synthetic_reid

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = REPO_ROOT / 'tools' / 'analysis_tools'
GENERATOR = dict(num_train_ids=6, num_test_ids=3, num_cameras=2, images_per_id_cam=2,
                 num_videos=2, ids_per_video=3, images_per_video_id=5, num_distractors=1,
                 num_junk=1, img_size=(64, 32))

CONFIG = '''
data_root = {root!r}
generator_cfg = {generator!r}
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 64), keep_ratio=False),
    dict(type='PackReIDInputs'),
]
model = dict(
    type='ReMix',
    data_preprocessor=dict(type='ReIDDataPreprocessor', to_rgb=True),
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                  strides=(1, 2, 2, 1), out_indices=(3, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=64)
train_dataloader = dict(dataset=dict(
    type='ReMixDataset',
    multi_camera=dict(type='SyntheticReID', data_root=data_root, split='train',
                      generator_cfg=generator_cfg),
    single_camera=dict(type='SyntheticVideos', data_root=data_root, generator_cfg=generator_cfg),
    pipeline=test_pipeline))
# cosine distances of the untrained (non-negative) features are below 1: with eps = 1 and
# k1 >= video size, every video is exactly one cluster and has no noise
custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(type='ReMixRefreshHook', pipeline=test_pipeline, eps=1.0, min_samples=2,
         metric='cosine', k1=20, k2=6),
]
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Tiny synthetic data, a tiny ReMix config and its untrained checkpoint."""
    tmp = tmp_path_factory.mktemp('vis_tools')
    root = tmp / 'syn'
    generate_synthetic_reid(root, **GENERATOR)
    config = tmp / 'tiny_remix.py'
    config.write_text(CONFIG.format(root=str(root), generator=GENERATOR))
    checkpoint = save_untrained_checkpoint(dict(
        type='ReMix', in_channels=64, neck=dict(type='GeneralizedMeanPooling'),
        backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                      strides=(1, 2, 2, 1), out_indices=(3, ))), tmp / 'untrained.pth')
    return dict(tmp=tmp, root=root, config=str(config), checkpoint=checkpoint)


@pytest.fixture(scope='module')
def runs(setup):
    """Both tools on the tiny setup, started together (their imports dominate the run time)."""
    tmp = setup['tmp']
    queries = sorted((setup['root'] / 'query').glob('*.jpg'))[:2]
    commands = dict(
        clusters=['vis_clusters.py', setup['config'], setup['checkpoint'], '--out',
                  tmp / 'clusters.png', '--videos', 3, '--cell-size', 32, 16],
        activation=['vis_activation.py', setup['config'], setup['checkpoint'], *queries, '--out',
                    tmp / 'activation.png', '--cell-size', 32, 16])
    env = dict(os.environ, OMP_NUM_THREADS='1')
    procs = {
        key: subprocess.Popen([sys.executable, str(TOOLS / name), *map(str, args)],
                              cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        for key, (name, *args) in commands.items()
    }
    outputs = {key: proc.communicate(timeout=180) for key, proc in procs.items()}
    for key, proc in procs.items():
        assert proc.returncode == 0, f'{commands[key][0]} failed:\n{outputs[key][1][-3000:]}'
    stdout = {key: out for key, (out, _) in outputs.items()}
    return dict(stdout=stdout, queries=queries, clusters=tmp / 'clusters.png',
                activation=tmp / 'activation.png')


def test_vis_clusters_end_to_end(runs):
    stdout = runs['stdout']['clusters']
    # only 2 videos exist: both drawn, 3 people x 5 frames each, one cluster, no noise
    assert 'video_0000: 15 images, 1 clusters, 0 noise' in stdout
    assert 'video_0001: 15 images, 1 clusters, 0 noise' in stdout
    assert 'eps=1.0, min_samples=2, metric=cosine' in stdout
    # one block row, one block column per video, 4 images per block:
    # (16 + 32) x (2 * 4 * 16 + 4)
    picture = cv2.imread(str(runs['clusters']))
    assert picture.shape == (48, 132, 3)
    assert f'(132 x 48 pixels, width x height)' in stdout


def test_vis_activation_end_to_end(runs):
    stdout = runs['stdout']['activation']
    peaks = re.findall(r'peak at \(row (\d+), col (\d+)\) of 64 x 32 \(height x width\), mean ([\d.]+)', stdout)
    assert len(peaks) == 2
    assert all(0 <= int(r) < 64 and 0 <= int(c) < 32 and 0 < float(m) <= 1 for r, c, m in peaks)
    # two (image, overlay) blocks side by side: (16 + 32) x (2 * 2 * 16 + 4)
    picture = cv2.imread(str(runs['activation']))
    assert picture.shape == (48, 68, 3)
    # the first cell is the query as the network saw it (64 x 32, unchanged), resized to the cell
    expected = mmcv.imresize(mmcv.imread(str(runs['queries'][0])), (16, 32),
                             interpolation='nearest')
    assert (picture[16:48, 0:16] == expected).all()
    assert not (picture[16:48, 16:32] == expected).all()  # the overlay differs


def test_vis_activation_takes_a_folder_and_names_an_unreadable_image(setup, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    for query in sorted((setup['root'] / 'query').glob('*.jpg'))[:2]:
        shutil.copy(query, folder)
    bad = folder / 'zz_bad.jpg'
    bad.write_bytes(b'not a jpeg')
    proc = subprocess.run(
        [sys.executable, str(TOOLS / 'vis_activation.py'), setup['config'], setup['checkpoint'],
         str(folder), '--out', str(tmp_path / 'a.png')],
        cwd=REPO_ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True,
        text=True, timeout=180)
    assert proc.returncode == 1
    # the cause is the last line, naming the file and the problem
    assert proc.stderr.strip().splitlines()[-1] == (
        f'vis_activation.py: error: UnreadableImageError: Cannot read the image {bad}: cannot be '
        'decoded as an image (truncated or corrupt). Replace the file or leave it out of the '
        'inputs')
    bad.unlink()
    proc = subprocess.run(
        [sys.executable, str(TOOLS / 'vis_activation.py'), setup['config'], setup['checkpoint'],
         str(folder), '--out', str(tmp_path / 'new' / 'a.png')],
        cwd=REPO_ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True,
        text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count('peak at') == 2 and (tmp_path / 'new' / 'a.png').is_file()


def test_vis_clusters_names_a_missing_single_camera_dataset(setup, monkeypatch, capsys):
    config = setup['tmp'] / 'no_videos.py'
    config.write_text(CONFIG.format(root=str(setup['root']), generator=GENERATOR) +
                      'train_dataloader = dict(dataset=dict(type="SyntheticReID"))\n')
    spec = importlib.util.spec_from_file_location('vis_clusters', TOOLS / 'vis_clusters.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', ['vis_clusters.py', str(config), setup['checkpoint'],
                                      '--out', str(setup['tmp'] / 'x.png')])
    with pytest.raises(KeyError, match='train_dataloader.dataset.single_camera'):
        tool.main()
