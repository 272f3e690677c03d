"""End-to-end run of tools/analysis_tools/camera_bias.py on tiny generated data."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import save_untrained_checkpoint
from mmremix.apis import FeatureExtractor
from mmremix.datasets.synthetic import generate_synthetic_reid
from mmremix.evaluation.functional.camera_bias import camera_bias
from mmremix.registry import DATASETS
from mmremix.utils import register_all_modules

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL = REPO_ROOT / 'tools' / 'analysis_tools' / 'camera_bias.py'
GENERATOR = dict(num_train_ids=4, num_test_ids=4, num_cameras=2, images_per_id_cam=2,
                 num_videos=1, ids_per_video=2, images_per_video_id=2, num_distractors=1,
                 num_junk=1, img_size=(64, 32))
MODEL = dict(type='ReMix', in_channels=64, neck=dict(type='GeneralizedMeanPooling'),
             backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                           out_indices=(3, )))
CONFIG = '''
model = {model!r}
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(32, 64), keep_ratio=False),
    dict(type='PackReIDInputs'),
]))
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('camera_bias')
    root = tmp / 'syn'
    generate_synthetic_reid(root, **GENERATOR)
    config = tmp / 'tiny.py'
    config.write_text(CONFIG.format(model=MODEL))
    checkpoint = save_untrained_checkpoint(MODEL, tmp / 'untrained.pth')
    return dict(tmp=tmp, root=root, config=str(config), checkpoint=checkpoint)


def run_tool(setup, *args):
    return subprocess.run([sys.executable, str(TOOL), setup['config'], setup['checkpoint'], *args],
                          cwd=REPO_ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'),
                          capture_output=True, text=True, timeout=180)


def test_row_and_json_match_the_function(setup):
    out = setup['tmp'] / 'bias.json'
    proc = run_tool(setup, '--data-root', str(setup['root']), '--name', 'tiny', '--header',
                    '--json', str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith('|')]
    assert lines[0].startswith('| checkpoint | cross_camera_mAP | within_camera_mAP')
    assert lines[2].startswith('| tiny | ') and len(lines[2].split('|')) == 12
    values = json.loads(out.read_text())

    register_all_modules()
    dataset = DATASETS.build(dict(type='Market1501', data_root=str(setup['root']), split='test'))
    items = [dataset.get_data_info(i) for i in range(len(dataset))]
    q = np.array([item['is_query'] for item in items])
    pids = np.array([item['pid'] for item in items])
    cams = np.array([item['camid'] for item in items])
    feats = FeatureExtractor(setup['config'], setup['checkpoint'])([i['img_path'] for i in items])
    expected = camera_bias(feats[q], feats[~q], pids[q], pids[~q], cams[q], cams[~q])
    for key, value in expected.items():
        assert values[key] == pytest.approx(value, abs=1e-6), key
    assert f"| tiny | {100 * expected['cross_camera_mAP']:.2f} |" in lines[2]


def test_a_wrong_layout_ends_with_one_error_line(setup):
    proc = run_tool(setup, '--data-root', str(setup['root']), '--dataset-type', 'VIPeR')
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith('camera_bias.py: error:')
