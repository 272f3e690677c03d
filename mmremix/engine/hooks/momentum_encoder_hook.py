"""The momentum encoder's update after every optimiser step."""
from typing import List

import torch
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmpretrain.utils import get_ori_model

from mmremix.registry import HOOKS


def _optimizers(optim_wrapper) -> List[torch.optim.Optimizer]:
    """The torch optimisers of an ``OptimWrapper`` or an ``OptimWrapperDict``.

    Raises:
        TypeError: If ``optim_wrapper`` is neither.
    """
    if isinstance(optim_wrapper, OptimWrapperDict):
        return [wrapper.optimizer for wrapper in optim_wrapper.values()]
    if isinstance(optim_wrapper, OptimWrapper):
        return [optim_wrapper.optimizer]
    raise TypeError('MomentumEncoderHook needs runner.optim_wrapper to be an OptimWrapper or an '
                    f'OptimWrapperDict, got {type(optim_wrapper).__name__}')


@HOOKS.register_module()
class MomentumEncoderHook(Hook):
    """Call ``model.momentum_update()`` after every training iteration whose optimiser stepped.

    ReMix's momentum encoder follows ``theta_M <- m * theta_M + (1 - m) * theta_E`` after every
    optimiser step (ReMix (Mamedov et al., WACV 2025), Sec. 3 of ``remix_method.md``), and the
    centroid memories take the features of the batches since the last step. The update lives in
    a hook because under DDP the wrapper's ``train_step`` never calls the model's own.

    An iteration without an optimiser step, gradient accumulation (``optim_wrapper``
    ``accumulative_counts`` > 1) or a step that AMP's loss scaler skipped after infinite
    gradients, updates nothing: the hook registers a step post-hook on the torch optimiser(s)
    (``Optimizer.register_step_post_hook``), which runs only when ``optimizer.step()`` actually
    ran; the model keeps the batches' momentum features until the next step. With several
    optimisers (``OptimWrapperDict``) one step of any of them counts.

    Before every validation and test epoch the hook calls ``model.sync_momentum_buffers()`` (when
    the model has it), so that every rank evaluates with the same momentum encoder.

    Raises:
        TypeError: At the start of training, if the model has no ``momentum_update`` method or
            the runner's ``optim_wrapper`` is not an ``OptimWrapper`` / ``OptimWrapperDict``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self._stepped = False
        self._handles: list = []

    def before_train(self, runner) -> None:
        model = get_ori_model(runner.model)
        if not callable(getattr(model, 'momentum_update', None)):
            raise TypeError('MomentumEncoderHook needs a model with a momentum encoder (e.g. '
                            'ReMix), '
                            f'got {type(model).__name__}')
        self._remove_step_hooks()
        self._stepped = False
        self._handles = [optimizer.register_step_post_hook(self._on_optimizer_step)
                         for optimizer in _optimizers(runner.optim_wrapper)]

    def _on_optimizer_step(self, optimizer, args, kwargs) -> None:
        self._stepped = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._stepped:
            self._stepped = False
            get_ori_model(runner.model).momentum_update()

    def after_train(self, runner) -> None:
        self._remove_step_hooks()

    def _remove_step_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def before_val_epoch(self, runner) -> None:
        """Make the momentum encoder identical on every rank before validation (BN buffers)."""
        self._sync(runner)

    def before_test_epoch(self, runner) -> None:
        """Make the momentum encoder identical on every rank before testing (BN buffers)."""
        self._sync(runner)

    @staticmethod
    def _sync(runner) -> None:
        model = get_ori_model(runner.model)
        if callable(getattr(model, 'sync_momentum_buffers', None)):
            model.sync_momentum_buffers()
