from .checkpoint import load_local_checkpoint, register_checkpoint_loader
from .dist import close_distributed, setup_cpu_distributed
from .setup_env import register_all_modules

__all__ = [
    'load_local_checkpoint', 'register_checkpoint_loader', 'register_all_modules',
    'setup_cpu_distributed', 'close_distributed'
]
