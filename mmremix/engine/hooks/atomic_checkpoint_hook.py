"""MMEngine's checkpoint hook with atomic writes of the checkpoints and of ``last_checkpoint``."""
import os
import os.path as osp

from mmengine.dist import get_rank, is_main_process
from mmengine.hooks import CheckpointHook

from mmremix.engine.atomic_local_backend import AtomicLocalBackend
from mmremix.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """A ``CheckpointHook`` whose files a kill during saving never leaves truncated.

    Same arguments and behaviour as MMEngine's ``CheckpointHook``, except for how files are
    written:

    - When neither ``backend_args`` nor ``file_client_args`` is given and ``out_dir`` is local
      (no ``://``, MMEngine's rule for ``LocalBackend``), checkpoints are written with
      ``backend_args=dict(backend='atomic_local')`` (:class:`AtomicLocalBackend`: temporary file,
      fsync, rename). Other back-ends are used as configured.
    - ``<work_dir>/last_checkpoint``, the file ``resume=True`` / ``--resume`` reads, is always
      written with :class:`AtomicLocalBackend`; MMEngine writes it with a plain ``open``.

    A run killed while saving therefore keeps its previous checkpoint and a ``last_checkpoint``
    naming a complete file.

    Source: design choice of mmremix.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if (self.backend_args is None and self.file_client_args is None
                and '://' not in str(self.out_dir or '')):
            self.backend_args = dict(backend='atomic_local')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # MMEngine's method saves the checkpoint (through self.backend_args), then writes
        # <runner.work_dir>/last_checkpoint with a plain open(). It runs here on a view of the
        # runner whose work_dir is a scratch folder; the file is then moved in atomically.
        scratch = osp.join(runner.work_dir, '.atomic_checkpoint_hook', f'rank{get_rank()}')
        os.makedirs(scratch, exist_ok=True)
        super()._save_checkpoint_with_step(_WorkDirView(runner, scratch), step, meta)
        if is_main_process():
            with open(osp.join(scratch, 'last_checkpoint')) as f:
                AtomicLocalBackend().put_text(f.read(), osp.join(runner.work_dir,
                                                                 'last_checkpoint'))


class _WorkDirView:
    """A runner seen through another ``work_dir``; every other attribute is the runner's."""

    def __init__(self, runner, work_dir: str) -> None:
        self._runner, self.work_dir = runner, work_dir

    def __getattr__(self, name: str):
        return getattr(self._runner, name)
