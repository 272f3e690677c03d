"""A test-only hook that stops a training process at a known point, for a test to kill it there."""
import time
from pathlib import Path

from mmengine.hooks import Hook

from mmremix.registry import HOOKS


@HOOKS.register_module()
class PauseAfterIterHook(Hook):
    """After iteration ``pause_iter`` (1-based, checkpoints saved), write ``flag_file`` and wait.

    Runs after every other hook (priority LOWEST), so the iteration's checkpoint, if any, is on
    disk when the flag appears; the process then sleeps until the test kills it.

    Args:
        pause_iter (int): Iterations done when the process stops.
        flag_file (str): File written when it stops.
    """

    priority = 'LOWEST'

    def __init__(self, pause_iter: int, flag_file: str) -> None:
        self.pause_iter, self.flag_file = pause_iter, flag_file

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.pause_iter:
            Path(self.flag_file).write_text(str(runner.iter + 1))
            while True:
                time.sleep(60)
