"""The momentum encoder's update after every optimiser step."""
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmremix.registry import HOOKS


@HOOKS.register_module()
class MomentumEncoderHook(Hook):
    """Call ``model.momentum_update()`` after every training iteration.

    ReMix's momentum encoder follows ``theta_M <- m * theta_M + (1 - m) * theta_E`` after every
    optimiser step (ReMix (Mamedov et al., WACV 2025), Sec. 3 of ``remix_method.md``). The update
    lives in a hook because under DDP the wrapper's ``train_step`` never calls the model's own.
    Before every validation and test epoch the hook calls ``model.sync_momentum_buffers()`` (when
    the model has it), so that every rank evaluates with the same momentum encoder.

    Raises:
        TypeError: At the start of training, if the model has no ``momentum_update`` method.
    """

    priority = 'ABOVE_NORMAL'

    def before_train(self, runner) -> None:
        model = get_ori_model(runner.model)
        if not callable(getattr(model, 'momentum_update', None)):
            raise TypeError('MomentumEncoderHook needs a model with a momentum encoder (e.g. '
                            'ReMix), '
                            f'got {type(model).__name__}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        get_ori_model(runner.model).momentum_update()

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
