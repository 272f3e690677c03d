"""tools/gpu_check.sh refuses to run without CUDA; its wheel list and its training config hold."""
import os
import subprocess
import sys
from pathlib import Path

from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]


def test_without_cuda_it_says_so_and_exits_non_zero(tmp_path):
    env = dict(os.environ, PYTHON=sys.executable, CUDA_VISIBLE_DEVICES='', OUT=str(tmp_path / 'o'))
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', str(tmp_path / 'wheels')], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3
    assert 'gpu_check: no CUDA device' in proc.stderr and 'Nothing was checked' in proc.stderr
    assert not (tmp_path / 'o').exists()  # stopped before any step
    # a Python without torch reads as no CUDA too
    proc = subprocess.run(['bash', 'tools/gpu_check.sh'], cwd=REPO, capture_output=True,
                          text=True, timeout=60,
                          env=dict(env, PYTHON=str(tmp_path / 'no-python')))
    assert proc.returncode == 3 and 'cannot import torch' in proc.stderr


def test_wheel_list_pins_every_package_the_gpu_machine_lacks():
    lines = [line.split('#')[0].strip()
             for line in (REPO / 'tools' / 'gpu_check' / 'requirements.txt').read_text()
             .splitlines()]
    pins = dict(line.split('==') for line in lines if line)
    assert {'mmengine', 'mmcv-lite', 'mmpretrain', 'faiss-cpu'} <= set(pins)
    assert all(version[0].isdigit() for version in pins.values())  # exact versions, one each
    assert not any(name.startswith('faiss-gpu') for name in pins)


def test_training_config_is_remix_r50_on_the_synthetic_data():
    cfg = Config.fromfile(str(REPO / 'tools' / 'gpu_check' / 'remix_r50_synthetic_256x128.py'))
    paper = Config.fromfile(str(REPO / 'configs' / 'remix' / 'remix_r50.py'))
    assert cfg.model.backbone.depth == 50 and cfg.model.backbone.init_cfg is None
    assert cfg.train_dataloader.dataset.pipeline == paper.train_dataloader.dataset.pipeline
    assert cfg.train_dataloader.sampler == paper.train_dataloader.sampler
    assert [h['type'] for h in cfg.custom_hooks] == [h['type'] for h in paper.custom_hooks]
    mc = cfg.train_dataloader.dataset.multi_camera
    assert (mc.type, mc.indices) == ('SyntheticReID', 800)  # 800 // 32 = 25 iterations an epoch
    assert cfg.train_cfg.max_epochs * (800 // 32) == 50
    assert cfg.default_hooks.checkpoint.by_epoch is False
    assert cfg.default_hooks.checkpoint.interval == 10
