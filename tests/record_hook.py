"""A test-only hook recording, per rank, what the refresh installed and the losses of each step."""
from pathlib import Path

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmremix.registry import HOOKS


@HOOKS.register_module()
class RecordRefreshHook(Hook):
    """Save ``rank{r}_epoch{e}.pt`` after each refresh and ``rank{r}_losses.pt`` at the end.

    The refresh file holds the model's memories and item labels and the sampler's pseudo-labels;
    the loss file a list of ``{loss name: float}`` per iteration, and the memories after the
    first iteration's update.

    Args:
        out_dir (str): Folder of the files.
    """

    priority = 'LOW'  # after ReMixRefreshHook (NORMAL) and MomentumEncoderHook (ABOVE_NORMAL)

    def __init__(self, out_dir: str) -> None:
        self.out_dir = Path(out_dir)
        self.losses = []
        self.after_first_update = None

    def before_train_epoch(self, runner) -> None:
        model = get_ori_model(runner.model)
        sampler = runner.train_dataloader.sampler
        state = dict(centroids=model.memory.centroids.clone(),
                     camera_centroids=model.camera_memory.centroids.clone(),
                     sample_labels=model.sample_labels.clone(),
                     sampler_batches=torch.from_numpy(sampler.sample_batches()))
        self.out_dir.mkdir(parents=True, exist_ok=True)
        torch.save(state, self.out_dir / f'rank{get_rank()}_epoch{runner.epoch}.pt')

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.losses.append({k: float(v) for k, v in outputs.items() if k.startswith('loss')})
        if self.after_first_update is None:
            model = get_ori_model(runner.model)
            self.after_first_update = dict(centroids=model.memory.centroids.clone(),
                                           camera_centroids=model.camera_memory.centroids.clone())

    def after_train(self, runner) -> None:
        torch.save(dict(losses=self.losses, after_first_update=self.after_first_update),
                   self.out_dir / f'rank{get_rank()}_losses.pt')
