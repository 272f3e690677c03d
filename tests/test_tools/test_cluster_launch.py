"""What a cluster user relies on: the Slurm scripts' srun command, the distributed timeout from
the config reaching torch, and an install that never holds two faiss packages."""
import datetime
import os
import runpy
import subprocess
from pathlib import Path

import mmengine.dist.utils as mmengine_dist_utils
import pytest
import setuptools
import torch
from mmengine.config import Config
from mmengine.dist import init_dist

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_srun(tmp_path):
    """An ``srun`` on PATH that records its arguments (one per line) and its MASTER_PORT."""
    (tmp_path / 'srun').write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$SRUN_LOG"\n'
                                   'echo "MASTER_PORT=$MASTER_PORT" >> "$SRUN_LOG"\n')
    (tmp_path / 'srun').chmod(0o755)
    log = tmp_path / 'srun.log'
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}', SRUN_LOG=str(log))
    return env, log


def run_script(args, env):
    return subprocess.run(['bash', *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)


def test_slurm_train_runs_one_task_per_gpu_with_the_slurm_launcher(fake_srun):
    env, log = fake_srun
    env.update(GPUS='8', GPUS_PER_NODE='4', SRUN_ARGS='--qos=high --time=2:00:00', PORT='29611')
    proc = run_script(['tools/slurm_train.sh', 'gpu', 'remix', 'configs/remix/remix_r50.py',
                       'work_dirs/r50', '--amp'], env)
    assert proc.returncode == 0, proc.stderr
    args = log.read_text().splitlines()
    assert args[:9] == ['-p', 'gpu', '--job-name=remix', '--gres=gpu:4', '--ntasks=8',
                        '--ntasks-per-node=4', '--cpus-per-task=5', '--kill-on-bad-exit=1',
                        '--qos=high']
    assert args[9:] == ['--time=2:00:00', 'python', '-u', 'tools/train.py',
                        'configs/remix/remix_r50.py', '--work-dir', 'work_dirs/r50',
                        '--launcher', 'slurm', '--amp', 'MASTER_PORT=29611']


def test_slurm_test_and_optional_work_dir(fake_srun):
    env, log = fake_srun
    env.update(GPUS='2')
    proc = run_script(['tools/slurm_test.sh', 'p', 'j', 'c.py', 'e.pth', '--rerank'], env)
    assert proc.returncode == 0, proc.stderr
    args = log.read_text().splitlines()
    assert '--ntasks=2' in args and '--gres=gpu:2' in args
    assert args[-7:] == ['tools/test.py', 'c.py', 'e.pth', '--launcher', 'slurm', '--rerank',
                         'MASTER_PORT=29500']
    proc = run_script(['tools/slurm_train.sh', 'p', 'j', 'c.py', '--resume'], env)
    assert proc.returncode == 0, proc.stderr
    assert log.read_text().splitlines()[-6:] == ['tools/train.py', 'c.py', '--launcher', 'slurm',
                                                 '--resume', 'MASTER_PORT=29500']
    proc = run_script(['tools/slurm_test.sh', 'p', 'j', 'c.py'], env)
    assert proc.returncode == 2 and 'Usage' in proc.stderr


def test_config_timeout_reaches_init_process_group(monkeypatch):
    cfg = Config.fromfile(str(REPO / 'configs' / 'remix' / 'remix_r50.py'))
    timeout = cfg.env_cfg.dist_cfg.timeout
    assert timeout >= 1800  # above torch's NCCL default of 10 min (see default_runtime.py)
    calls = []
    monkeypatch.setattr(torch.distributed, 'init_process_group',
                        lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(torch.cuda, 'set_device', lambda device: None)
    monkeypatch.setattr(mmengine_dist_utils.mp, 'set_start_method', lambda *args, **kw: None)
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    init_dist('pytorch', **cfg.env_cfg.dist_cfg)  # what Runner.setup_env calls
    assert calls == [dict(backend='nccl', timeout=datetime.timedelta(seconds=timeout))]


def setup_arguments(monkeypatch):
    captured = {}
    monkeypatch.setattr(setuptools, 'setup', lambda **kwargs: captured.update(kwargs))
    monkeypatch.chdir(REPO)
    runpy.run_path(str(REPO / 'setup.py'))
    return captured


def faiss_packages(requirements):
    return sorted(req.split('>')[0].split('=')[0] for req in requirements
                  if req.startswith('faiss'))


def test_each_install_gets_exactly_one_faiss(monkeypatch):
    args = setup_arguments(monkeypatch)
    runtime, extras = args['install_requires'], args['extras_require']
    tests_txt = [line.strip() for line in (REPO / 'requirements' / 'tests.txt').read_text()
                 .splitlines() if line.strip() and not line.startswith('#')]
    # the README / CI command, a CPU install, and the documented GPU install
    assert faiss_packages(runtime + extras['tests']) == ['faiss-cpu']
    assert faiss_packages(runtime + extras['cpu']) == ['faiss-cpu']
    assert faiss_packages(runtime + extras['gpu'] + tests_txt) == ['faiss-gpu-cu12']
