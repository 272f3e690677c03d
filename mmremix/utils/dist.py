"""Start-up of the distributed environment when no GPU is present."""
import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Start a gloo process group for a ``pytorch`` (torchrun) launch on a machine without GPUs.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and fails without a GPU. When
    ``launcher='pytorch'`` and CUDA is unavailable, this starts the process group with the gloo
    backend from torchrun's environment variables and records the backend in ``cfg.env_cfg``;
    the runner then finds the group initialised and skips its own start-up.

    Args:
        cfg (Config): The run's config (``env_cfg.dist_cfg.backend`` is set to ``'gloo'``).
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: True if a gloo group was started here.

    Source: design choice of mmremix.
    """
    if launcher != 'pytorch' or torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    torch_dist.init_process_group(backend='gloo')
    return True
