"""Atomic checkpoint writes: AtomicLocalBackend and AtomicCheckpointHook."""
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.runner.checkpoint import save_checkpoint

from helpers import make_tiny_data, tiny_runner_cfg
from mmremix.engine import AtomicCheckpointHook, AtomicLocalBackend, atomic_local_backend
from mmremix.registry import HOOKS

REPO = Path(__file__).resolve().parents[2]
ATOMIC = dict(backend='atomic_local')


def file_names(folder: Path):
    return sorted(p.name for p in folder.iterdir())


class HalfWriteFile:
    """A file object whose ``write`` writes the first half of the data, then fails."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def write(self, obj):
        self.f.write(obj[:len(obj) // 2])
        self.f.flush()
        raise OSError(28, 'No space left on device')


@pytest.fixture
def half_write(monkeypatch):
    """Make the backend's writes fail after half of the data reached the temporary file."""
    seen = []

    def fake_open(path, *args, **kwargs):
        seen.append(path)
        return HalfWriteFile(open(path, *args, **kwargs))

    monkeypatch.setattr(atomic_local_backend, 'open', fake_open, raising=False)
    return seen


def test_put_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / 'new_dir' / 'ckpt.pth'
    backend = AtomicLocalBackend()
    backend.put(b'first', target)
    backend.put(b'second', str(target))
    assert target.read_bytes() == b'second'
    backend.put_text('work_dirs/x/epoch_2.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'last_checkpoint').read_text() == 'work_dirs/x/epoch_2.pth'
    assert file_names(target.parent) == ['ckpt.pth']
    assert file_names(tmp_path) == ['last_checkpoint', 'new_dir']


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, half_write):
    path = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=dict(w=torch.ones(1000))), path)
    before = path.read_bytes()
    new = dict(meta=dict(epoch=2), state_dict=dict(w=torch.zeros(100000)))
    with pytest.raises(OSError, match='No space left'):
        save_checkpoint(new, str(path), backend_args=ATOMIC)
    # the write really went to a temporary file beside the target, and half of it was written
    assert len(half_write) == 1 and Path(half_write[0]).parent == tmp_path
    assert Path(half_write[0]).name.startswith('.epoch_1.pth.tmp-')
    assert path.read_bytes() == before
    assert file_names(tmp_path) == ['epoch_1.pth']

    (tmp_path / 'last_checkpoint').write_text('a/epoch_1.pth')
    with pytest.raises(OSError, match='No space left'):
        AtomicLocalBackend().put_text('a/epoch_2.pth', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'last_checkpoint').read_text() == 'a/epoch_1.pth'
    assert file_names(tmp_path) == ['epoch_1.pth', 'last_checkpoint']


# Each forked child saves ~32 MB checkpoints to its own path in a loop, the tensor filled with the
# save's number, and the test SIGKILLs it during a save. Forking from one parent pays the import of
# torch and mmremix once.
KILL_SCRIPT = textwrap.dedent('''
    import os, sys
    import torch
    from mmengine.runner.checkpoint import save_checkpoint
    import mmremix.engine  # registers 'atomic_local'

    for path in sys.argv[1:]:
        pid = os.fork()
        if pid == 0:
            for i in range(1, 100):
                ckpt = dict(meta=dict(i=i), state_dict=dict(w=torch.full((8_000_000, ), float(i))))
                print(f'saving {os.getpid()} {i}', flush=True)
                save_checkpoint(ckpt, path, backend_args=dict(backend='atomic_local'))
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print(f'ended {pid} {status}', flush=True)
''')


def wait_for_a_partial_file(folder: Path, full_size: int, limit_s: float = 5.0) -> None:
    """Return once a file in ``folder`` is shorter than a complete checkpoint: bytes are being
    written (a plain ``open(path, 'wb')`` truncates the target, an atomic write fills a temporary
    file). Gives up after ``limit_s`` seconds, the kill then lands wherever the save is."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with os.scandir(folder) as entries:
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):  # renamed away meanwhile
                    if entry.stat().st_size < full_size:
                        return


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='SIGKILL of a forked writer needs POSIX')
def test_kill_during_save_leaves_a_complete_checkpoint(tmp_path):
    # (save to kill, None: as soon as it is announced (serialising), else seconds after its bytes
    # start reaching the disk); a plain open(path, 'wb') fails this test with a truncated file
    kills = [(2, None), (2, 0.0), (3, 0.005), (3, 0.02)]
    paths = [tmp_path / f'trial{t}' / 'latest.pth' for t in range(len(kills))]
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    with open(tmp_path / 'stderr.txt', 'w') as stderr:
        proc = subprocess.Popen([sys.executable, '-c', KILL_SCRIPT, *map(str, paths)], cwd=REPO,
                                env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    pid = None
    try:
        for path, (kill_at, delay) in zip(paths, kills):
            for line in proc.stdout:
                if line.startswith('saving ') and int(line.split()[2]) == kill_at:
                    pid = line.split()[1]
                    break
            assert pid is not None, (tmp_path / 'stderr.txt').read_text()[-2000:]
            if delay is not None:
                wait_for_a_partial_file(path.parent, full_size=path.stat().st_size)
                time.sleep(delay)
            os.kill(int(pid), signal.SIGKILL)
            ended = next(line.split() for line in proc.stdout if line.startswith('ended '))
            assert ended[1] == pid
            assert os.WIFSIGNALED(int(ended[2])), 'the child finished before it was killed'
            pid = None
        assert proc.wait(timeout=60) == 0
    finally:
        for stray in (pid, proc.pid):  # a failed assertion must not leave a writer running
            if stray is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(stray), signal.SIGKILL)
        proc.wait()
    for path, (kill_at, _) in zip(paths, kills):
        ckpt = torch.load(path, weights_only=False)
        i = ckpt['meta']['i']
        assert i in (kill_at - 1, kill_at)
        assert torch.equal(ckpt['state_dict']['w'], torch.full((8_000_000, ), float(i)))
        # only the killed save's hidden temporary file may remain beside it
        assert [n for n in file_names(path.parent) if not n.startswith('.')] == ['latest.pth']


def test_hook_defaults_to_the_atomic_backend_for_local_dirs_only():
    assert HOOKS.build(dict(type='AtomicCheckpointHook', interval=1)).backend_args == ATOMIC
    remote = AtomicCheckpointHook(interval=1, out_dir='s3://bucket/ckpts')
    assert remote.backend_args is None
    explicit = AtomicCheckpointHook(interval=1, backend_args=dict(backend='local'))
    assert explicit.backend_args == dict(backend='local')


@pytest.mark.parametrize('name', ['remix/remix_r18-narrow_1xb64-6e_synthetic_64x32.py',
                                  'baseline/baseline_r18-narrow_1xb64-10e_synthetic_64x32.py'])
def test_configs_use_the_atomic_hook(name):
    cfg = Config.fromfile(str(REPO / 'configs' / name))
    hook = HOOKS.build(cfg.default_hooks.checkpoint)
    assert isinstance(hook, AtomicCheckpointHook)
    assert (hook.interval, hook.max_keep_ckpts, hook.backend_args) == (1, 3, ATOMIC)


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('data') / 'syn')


def test_hook_writes_checkpoints_and_last_checkpoint_atomically(tiny_data, tmp_path, monkeypatch):
    writes = []
    put, put_text = AtomicLocalBackend.put, AtomicLocalBackend.put_text

    def record_put(self, obj, filepath):
        writes.append(Path(filepath))
        put(self, obj, filepath)

    def record_put_text(self, obj, filepath, encoding='utf-8'):
        writes.append(Path(filepath))
        put_text(self, obj, filepath, encoding)

    monkeypatch.setattr(AtomicLocalBackend, 'put', record_put)
    monkeypatch.setattr(AtomicLocalBackend, 'put_text', record_put_text)

    cfg = tiny_runner_cfg(tiny_data, tmp_path, model='ReIDBaseline', max_epochs=2)
    cfg.default_hooks.checkpoint = dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=1)
    Runner.from_cfg(cfg).train()
    last = tmp_path / 'last_checkpoint'
    assert writes == [tmp_path / 'epoch_1.pth', last, tmp_path / 'epoch_2.pth', last]
    assert last.read_text() == str(tmp_path / 'epoch_2.pth')
    assert not (tmp_path / 'epoch_1.pth').exists()  # max_keep_ckpts still removes old ones
    assert not [n for n in os.listdir(tmp_path) if '.tmp-' in n]

    # resume=True reads the atomically written last_checkpoint
    cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = 3
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 3
    third = torch.load(tmp_path / 'epoch_3.pth', weights_only=False)
    assert third['meta']['epoch'] == 3
    assert last.read_text() == str(tmp_path / 'epoch_3.pth')
