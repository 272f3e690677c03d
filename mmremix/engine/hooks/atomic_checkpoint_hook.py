"""MMEngine's checkpoint hook with atomic writes of the checkpoints and of ``last_checkpoint``."""
import os.path as osp

from mmengine.dist import is_main_process
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
        # MMEngine 0.10's CheckpointHook._save_checkpoint_with_step, except the last line: the
        # plain open() of last_checkpoint sits inside it, so the method is restated whole.
        if self.max_keep_ckpts > 0:
            if len(self.keep_ckpt_ids) > 0 and self.keep_ckpt_ids[-1] == step:
                pass
            else:
                if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                    _step = self.keep_ckpt_ids.popleft()
                    if is_main_process():
                        ckpt_path = self.file_backend.join_path(
                            self.out_dir, self.filename_tmpl.format(_step))
                        if self.file_backend.isfile(ckpt_path):
                            self.file_backend.remove(ckpt_path)
                        elif self.file_backend.isdir(ckpt_path):
                            # checkpoints saved by deepspeed are directories
                            self.file_backend.rmtree(ckpt_path)
                self.keep_ckpt_ids.append(step)
                runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)

        # model-parallel saving gathers states from all ranks; only the main one records the file
        if not is_main_process():
            return
        AtomicLocalBackend().put_text(self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))
