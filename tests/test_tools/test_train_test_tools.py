"""tools/train.py, tools/test.py and tools/dist_train.sh as a user runs them (subprocesses)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers import make_tiny_data, tiny_runner_cfg

REPO = Path(__file__).resolve().parents[2]


def run(args, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', PYTHON=sys.executable)
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
                          **kwargs)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('data') / 'syn')


def test_train_resume_and_test(tiny_data, tmp_path):
    cfg = tiny_runner_cfg(tiny_data, tmp_path / 'work', model='ReIDBaseline', max_epochs=1)
    cfg_file = tmp_path / 'tiny_baseline.py'
    cfg.dump(str(cfg_file))
    work = tmp_path / 'work'
    run([sys.executable, 'tools/train.py', str(cfg_file), '--work-dir', str(work)])
    first = torch.load(work / 'epoch_1.pth', weights_only=False)
    assert first['meta']['epoch'] == 1

    # an interrupted run goes on from the work dir's last checkpoint
    out = run([sys.executable, 'tools/train.py', str(cfg_file), '--work-dir', str(work), '--resume',
               '--cfg-options', 'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
               'log_level=INFO'])
    assert 'resumed epoch: 1' in out.replace('Resumed', 'resumed')
    second = torch.load(work / 'epoch_2.pth', weights_only=False)
    assert second['meta']['epoch'] == 2 and second['meta']['iter'] == 2 * first['meta']['iter']
    assert 'tiny/mAP' in out

    metrics_file = tmp_path / 'new' / 'folder' / 'metrics.json'  # folders are created
    run([sys.executable, 'tools/test.py', str(cfg_file), str(work / 'epoch_2.pth'), '--work-dir',
         str(tmp_path / 'test'), '--out', str(metrics_file)])
    metrics = json.loads(metrics_file.read_text())
    assert {'tiny/mAP', 'tiny/rank1', 'tiny/rank5', 'tiny/rank10', 'tiny/mINP'} <= set(metrics)
    assert 0.0 <= metrics['tiny/mAP'] <= 100.0


def test_dist_train_two_cpu_processes(tiny_data, tmp_path):
    cfg = tiny_runner_cfg(tiny_data, tmp_path / 'work', model='ReMix', max_epochs=1)
    cfg.train_dataloader.batch_size = cfg.train_dataloader.sampler.batch_size = 8
    cfg.train_dataloader.sampler.num_single_camera = 4
    cfg_file = tmp_path / 'tiny_remix.py'
    cfg.dump(str(cfg_file))
    out = run(['bash', 'tools/dist_train.sh', str(cfg_file), '2', '--work-dir',
               str(tmp_path / 'work')],
              input='')
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', weights_only=False)
    assert ckpt['meta']['epoch'] == 1
    # 32 multi-camera images, 4 per batch and process: 8 iterations alone, 4 with 2 processes
    assert ckpt['meta']['iter'] == 4, out[-2000:]
    assert ckpt['state_dict']['memory.centroids'].shape[0] >= 8  # pids, then pseudo-identities
