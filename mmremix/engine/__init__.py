from .atomic_local_backend import AtomicLocalBackend  # noqa: F401
from .hooks import *  # noqa: F401,F403
from .model_wrappers import ReIDDistributedDataParallel  # noqa: F401
from .runners import *  # noqa: F401,F403
