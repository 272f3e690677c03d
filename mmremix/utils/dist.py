"""Start-up of the distributed environment when no GPU is present, and its orderly end."""
import datetime

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Start a gloo process group for a ``pytorch`` (torchrun) launch on a machine without GPUs.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and fails without a GPU. When
    ``launcher='pytorch'`` and CUDA is unavailable, this starts the process group with the gloo
    backend from torchrun's environment variables, with the config's
    ``env_cfg.dist_cfg.timeout`` (seconds) as MMEngine would pass it, and records the backend in
    ``cfg.env_cfg``; the runner then finds the group initialised and skips its own start-up.

    Args:
        cfg (Config): The run's config (``env_cfg.dist_cfg.backend`` is set to ``'gloo'``).
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: True if a gloo group was started here.

    Source: design choice of mmremix.
    """
    if launcher != 'pytorch' or torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    timeout = dist_cfg.get('timeout')
    kwargs = {} if timeout is None else dict(timeout=datetime.timedelta(seconds=timeout))
    torch_dist.init_process_group(backend='gloo', **kwargs)
    return True


def use_gloo_without_cuda(cfg: Config) -> bool:
    """Set ``env_cfg.dist_cfg.backend='gloo'`` when CUDA is unavailable (MMEngine's default is NCCL).

    Args:
        cfg (Config): The tool's config, changed in place.

    Returns:
        bool: True if the backend was set to gloo.
    """
    if torch.cuda.is_available():
        return False
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    return True


def close_distributed() -> bool:
    """Destroy the default process group at the end of a successful run.

    Without it a gloo process can abort at interpreter exit ("terminate called without an active
    exception", SIGABRT: gloo's threads still hold work when Python tears down), which made a
    finished 2-process run exit with status 1 now and then. Call it only after the run
    succeeded on every rank: after an error the other ranks may be inside a collective, and the
    destroy could wait for them. Source: PyTorch's documented shutdown (``destroy_process_group``).

    Returns:
        bool: True if a process group was destroyed.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return False
    torch_dist.destroy_process_group()
    return True
