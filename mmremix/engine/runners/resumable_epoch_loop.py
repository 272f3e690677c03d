"""An epoch-based training loop that resumes in the middle of an epoch."""
import logging

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from mmremix.registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """MMEngine's ``EpochBasedTrainLoop`` that continues a resumed epoch where it stopped.

    MMEngine restores the iteration count of a checkpoint saved in the middle of an epoch (a
    ``CheckpointHook`` with ``by_epoch=False``) but starts that epoch again from its first batch.
    This loop skips the batches the checkpoint had already trained on: it asks the sampler to start
    at batch ``iter - epoch * len(dataloader)`` (``skip_batches`` of mmremix's P x K samplers, so
    no skipped image is loaded), and numbers the iterations on from there. Together with the
    samplers' per-item augmentation seeds (:mod:`mmremix.datasets.item_seed`) and the refresh
    hook's saved pseudo-labels, a run killed in the middle of an epoch and resumed ends with the
    weights of the uninterrupted run.

    A sampler without ``skip_batches`` is iterated and the consumed batches are dropped (loaded
    for nothing, and with other augmentations than the first time): a warning says so.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader or dict): The training data loader.
        max_epochs (int): Total epochs.
        val_begin (int): Epoch from which validation runs. Defaults to 1.
        val_interval (int): Validation interval in epochs. Defaults to 1.
        dynamic_intervals (list, optional): As in ``EpochBasedTrainLoop``.

    Raises:
        RuntimeError: The checkpoint's iteration lies beyond the epoch it names (the data loader
            has fewer batches per epoch than when the checkpoint was saved).

    Source: design choice of mmremix.
    """

    def run_epoch(self) -> None:
        """Iterate one epoch, from the batch a resumed checkpoint stopped at."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        num_batches = len(self.dataloader)
        start = self._iter - self._epoch * num_batches
        if not 0 <= start <= num_batches:
            raise RuntimeError(
                f'Resumed at iteration {self._iter} in epoch {self._epoch}, but an epoch has '
                f'{num_batches} batches: the checkpoint was saved with another dataset or batch '
                'size')
        batches = enumerate(self.dataloader)
        if start:
            sampler = self.dataloader.sampler
            print_log(f'Resuming epoch {self._epoch + 1} at batch {start} of {num_batches}',
                      logger='current')
            if callable(getattr(sampler, 'skip_batches', None)):
                sampler.skip_batches(start)
                batches = enumerate(self.dataloader, start=start)
            else:
                print_log(f'{type(sampler).__name__} has no skip_batches: the first {start} '
                          'batches of the epoch are loaded again and dropped, with new '
                          'augmentations', logger='current', level=logging.WARNING)
                batches = ((idx, batch) for idx, batch in batches if idx >= start)
        for idx, data_batch in batches:
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
