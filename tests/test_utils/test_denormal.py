import os
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmremix.utils.denormal import set_flush_denormal

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DENORMAL = 1e-39  # below torch.finfo(torch.float32).tiny = 1.18e-38

requires_flags = pytest.mark.skipif(
    not torch.set_flush_denormal(False), reason='this CPU has no flush-to-zero / DAZ flags')


@pytest.fixture
def restore_flags():
    yield
    torch.set_flush_denormal(False)


def _denormal_survives() -> bool:
    return bool((torch.tensor([DENORMAL]) * 1.5).item() != 0.0)


@requires_flags
def test_true_flushes_and_false_restores(restore_flags):
    assert _denormal_survives()
    assert set_flush_denormal(dict(env_cfg=dict(flush_denormal=True))) is True
    assert not _denormal_survives()
    assert set_flush_denormal(dict(env_cfg=dict(flush_denormal=False))) is False
    assert _denormal_survives()


@requires_flags
def test_absent_option_leaves_the_process_setting(restore_flags):
    torch.set_flush_denormal(True)
    assert set_flush_denormal(dict(env_cfg=dict(cudnn_benchmark=True))) is False
    assert set_flush_denormal(dict()) is False
    assert not _denormal_survives()  # still flushed: nothing was changed


@pytest.mark.parametrize('value', [1, 'yes', None])
def test_non_bool_is_an_error_naming_the_field(value, restore_flags):
    with pytest.raises(TypeError, match='env_cfg.flush_denormal must be True or False'):
        set_flush_denormal(dict(env_cfg=dict(flush_denormal=value)))


def test_default_runtime_flushes():
    cfg = Config.fromfile(os.path.join(REPO, 'configs/_base_/default_runtime.py'))
    assert cfg.env_cfg.flush_denormal is True


@requires_flags
def test_flags_reach_the_intra_op_worker_threads():
    # An element-wise product over 2 intra-op threads splits the tensor between the main thread and
    # a worker started before the flags were set: every element is flushed only if the worker
    # flushes too. A fresh process, so that the pool and the flags are this test's own.
    code = (
        'import torch\n'
        'from mmremix.utils.denormal import set_flush_denormal\n'
        'torch.set_num_threads(2)\n'
        'n = 1 << 22\n'
        f'before = int((torch.full((n, ), {DENORMAL}) * 1.5).count_nonzero())\n'
        'set_flush_denormal(dict(env_cfg=dict(flush_denormal=True)))\n'
        f'after = int((torch.full((n, ), {DENORMAL}) * 1.5).count_nonzero())\n'
        'print(before, after)\n')
    env = dict(os.environ, OMP_NUM_THREADS='2')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300, check=True)
    assert out.stdout.split() == [str(1 << 22), '0']


@pytest.mark.parametrize('tool, extra', [('tools/train.py', []), ('tools/test.py', ['README.md'])])
def test_the_tools_apply_the_option(tool, extra, tmp_path):
    # A wrong value fails in set_flush_denormal, before any data or checkpoint is read: the tool
    # reads the option of the merged config.
    config = 'configs/remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py'
    out = subprocess.run(
        [sys.executable, tool, config, *extra, '--work-dir', str(tmp_path), '--cfg-options',
         'env_cfg.flush_denormal=1'], cwd=REPO, env=dict(os.environ, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert 'env_cfg.flush_denormal must be True or False, got 1' in out.stderr
