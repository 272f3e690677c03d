"""DataLoader worker processes that end with the process that started them.

A DataLoader worker is a forked child of the training process. When that process is killed
(``kill -9``, SIGTERM, an out-of-memory kill), PyTorch's watchdog ends an idle worker within seconds,
but a worker whose queue holds prefetched batches nobody reads blocks at exit in the queue's feeder
thread and stays alive with parent PID 1, holding its copy of the dataset (about 580 MB per worker
for the quick start) until killed by hand. :func:`exit_with_parent_worker_init` asks the kernel
(Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to kill the worker when its parent ends, then seeds
the worker as MMEngine's default ``worker_init_fn`` does. :func:`add_exit_with_parent` sets it on
every ``*_dataloader`` of a config.

Source: design choice of mmremix.
"""
import ctypes
import multiprocessing
import os
import random
import signal
import sys
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import worker_init_fn as mmengine_worker_init_fn
from mmengine.dist import get_rank
from mmengine.registry import FUNCTIONS

#: ``PR_SET_PDEATHSIG`` of ``<linux/prctl.h>``.
PR_SET_PDEATHSIG = 1
#: The name under which :func:`exit_with_parent_worker_init` is registered in MMEngine's
#: ``FUNCTIONS`` (mmremix has no child registry of this kind).
WORKER_INIT_NAME = 'mmremix_exit_with_parent_worker_init'


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``sig`` to this process when its parent ends.

    Linux only (``prctl(PR_SET_PDEATHSIG)``); a no-op elsewhere. If the parent has already ended
    before the call (the process was re-parented), the process exits at once.

    Args:
        sig (int): The signal. Defaults to SIGKILL, which no Python code can delay.

    Returns:
        bool: True if the signal was set, False on other systems.

    Raises:
        OSError: If ``prctl`` fails (errno in the message).
    """
    if not sys.platform.startswith('linux'):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f'prctl(PR_SET_PDEATHSIG, {int(sig)}) failed: {os.strerror(errno)}')
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)  # the parent ended before prctl: no signal will come
    return True


@FUNCTIONS.register_module(name=WORKER_INIT_NAME)
def exit_with_parent_worker_init(worker_id: int,
                                 seed: Optional[int] = None,
                                 diff_rank_seed: bool = False,
                                 disable_subprocess_warning: bool = False) -> None:
    """``worker_init_fn`` of a DataLoader: end with the parent process, then seed the worker.

    Seeding: with a ``seed``, exactly MMEngine's default (``numpy``, ``random`` and ``torch`` seeded
    with ``num_workers * rank + worker_id + seed``, ``seed`` plus the rank when
    ``diff_rank_seed``, as the runner's seed is). Without one (``randomness.seed=None``), ``numpy``
    and ``random`` are seeded from PyTorch's per-worker seed, which derives from the runner's
    random seed.

    Args:
        worker_id (int): Given by the DataLoader.
        seed (int, optional): ``randomness.seed`` of the config.
        diff_rank_seed (bool): ``randomness.diff_rank_seed`` of the config.
        disable_subprocess_warning (bool): As in MMEngine's ``worker_init_fn``.
    """
    set_parent_death_signal()
    if seed is None:
        worker_seed = torch.initial_seed() % 2**32
        np.random.seed(worker_seed)
        random.seed(worker_seed)
        return
    info = torch.utils.data.get_worker_info()
    rank = get_rank()
    mmengine_worker_init_fn(worker_id, info.num_workers, rank,
                            seed + rank if diff_rank_seed else seed, disable_subprocess_warning)


def add_exit_with_parent(cfg: Config) -> int:
    """Set :func:`exit_with_parent_worker_init` as the ``worker_init_fn`` of the config's loaders.

    Every top-level ``*_dataloader`` dict of ``cfg`` without a ``worker_init_fn`` gets one, with
    the seed of ``cfg.randomness``; loaders that set their own are left alone.

    Args:
        cfg (Config): The run's config, changed in place.

    Returns:
        int: The number of loaders changed.
    """
    randomness = cfg.get('randomness') or {}
    changed = 0
    for key in list(cfg.keys()):
        loader = cfg.get(key)
        if not key.endswith('_dataloader') or not isinstance(loader, dict) or \
                'worker_init_fn' in loader:
            continue
        loader['worker_init_fn'] = dict(
            type=WORKER_INIT_NAME, seed=randomness.get('seed'),
            diff_rank_seed=bool(randomness.get('diff_rank_seed', False)),
            disable_subprocess_warning=bool(loader.pop('disable_subprocess_warning', False)))
        changed += 1
    return changed
