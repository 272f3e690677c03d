"""DataLoader workers of tools/train.py exit when the training process is killed (issue 13, item 8)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import make_tiny_data, tiny_runner_cfg

REPO = Path(__file__).resolve().parents[2]


def children(pid: int):
    """The pids of the live processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / 'stat').read_text().rsplit(')', 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != 'Z':
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except OSError:
        return False
    return state != 'Z'


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='prctl(PR_SET_PDEATHSIG) is Linux')
@pytest.mark.parametrize('sig', [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_training_is_killed(tmp_path, sig):
    # Every item takes 0.5 s to load (a slow disk): a worker is busy with its 16-image batch for
    # about 8 s, and without the fix outlives its killed parent by as long (PyTorch's watchdog
    # only ends idle workers, and a worker blocked in I/O stays for good).
    data = make_tiny_data(tmp_path / 'syn')
    cfg = tiny_runner_cfg(data, tmp_path / 'work', model='ReIDBaseline', max_epochs=1000,
                          num_workers=2)
    cfg.train_dataloader.dataset.pipeline.insert(0, dict(type='SleepTransform', seconds=0.5))
    cfg.custom_imports = dict(imports=['slow_transform'], allow_failed_imports=False)
    cfg_file = tmp_path / 'tiny.py'
    cfg.dump(str(cfg_file))
    env = dict(os.environ, PYTHONPATH=f'{REPO / "tests"}{os.pathsep}{REPO}', OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, 'tools/train.py', str(cfg_file), '--work-dir',
                             str(tmp_path / 'work')], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        deadline = time.monotonic() + 240
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            workers = children(proc.pid)
        assert len(workers) >= 2, f'no DataLoader workers seen (exit status {proc.poll()})'
        time.sleep(1)  # the workers are loading their first batches
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 3
        while any(map(alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in workers if alive(pid)]
        assert not left, f'DataLoader workers {left} outlived the training process ({sig.name})'
    finally:
        for pid in [proc.pid] + workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
