"""Loading of local checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. MMEngine checkpoints hold the message
hub (``HistoryBuffer``), numpy scalars and arrays, so ``--resume`` and ``load_from`` fail with
``UnpicklingError: Weights only load failed``. mmremix re-registers MMEngine's loader for local
paths (the empty prefix) through the public ``CheckpointLoader.register_scheme`` API so that local
files, the project's own checkpoints and converted weights, are loaded as they were before torch
2.6. Remote schemes (``http://``, ``openmmlab://``, ...) are left as MMEngine registers them.

Design choice of mmremix, following ``../shared/docs/stack_notes.md``.
"""
import os.path as osp

import torch
from mmengine.runner import CheckpointLoader


def load_local_checkpoint(filename: str, map_location=None) -> dict:
    """Load a checkpoint from a local file with ``weights_only=False``.

    Only use it on files you trust: unpickling runs code. MMEngine calls it for every path without a
    URL scheme once :func:`register_checkpoint_loader` has run.

    Args:
        filename (str): Path of the checkpoint; ``~`` is expanded.
        map_location (str | torch.device | callable, optional): As in :func:`torch.load`.

    Returns:
        dict: The loaded object (an MMEngine checkpoint dict or a plain ``state_dict``).

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file {filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def register_checkpoint_loader() -> None:
    """Make MMEngine load local checkpoints with :func:`load_local_checkpoint`."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
