"""Mid-epoch resume when the checkpoint is loaded onto another device than the CPU.

MMEngine's ``Runner.resume`` loads with ``map_location=get_device()``, CUDA on a GPU machine, which
moves every tensor of the checkpoint there. Here a hook of the highest priority maps the tensors
of the ``remix_refresh`` entry to the ``meta`` device (data-less tensors: ``.numpy()`` fails on
them as on CUDA tensors) before ``ReMixRefreshHook`` reads the entry: the pseudo-labels must come
back on the CPU, equal to the saved ones.
"""
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from helpers import make_tiny_data, tiny_runner_cfg
from mmremix.registry import HOOKS


@HOOKS.register_module(force=True)
class MapRefreshStateToMeta(Hook):
    """Move the checkpoint's ``remix_refresh`` tensors to 'meta', as map_location would."""

    priority = 'HIGHEST'

    def after_load_checkpoint(self, runner, checkpoint):
        state = checkpoint['remix_refresh']
        checkpoint['remix_refresh'] = {
            k: v.to('meta') if torch.is_tensor(v) else v for k, v in state.items()}


def _cfg(data_root, work_dir):
    cfg = tiny_runner_cfg(data_root, work_dir, max_epochs=1)
    cfg.train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=1)
    cfg.train_dataloader.batch_size = cfg.train_dataloader.sampler.batch_size = 8
    cfg.train_dataloader.sampler.num_single_camera = 4
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    return cfg


def test_mid_epoch_resume_with_a_non_cpu_map_location(tmp_path):
    data_root = make_tiny_data(tmp_path / 'data')
    first = Runner.from_cfg(_cfg(data_root, tmp_path / 'work'))
    first.train()
    saved = torch.load(tmp_path / 'work' / 'iter_1.pth', weights_only=False)
    assert saved['meta']['epoch'] == 0 and saved['meta']['iter'] == 1  # saved mid-epoch
    saved_labels = saved['remix_refresh']['sc_labels']

    cfg = _cfg(data_root, tmp_path / 'resumed')
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='MapRefreshStateToMeta')]
    cfg.load_from, cfg.resume = str(tmp_path / 'work' / 'iter_1.pth'), True
    resumed = Runner.from_cfg(cfg)
    hook = next(h for h in resumed.hooks if type(h).__name__ == 'ReMixRefreshHook')
    resumed.train()
    assert resumed.iter == first.iter
    restored = hook._epoch_labels['sc_labels']
    assert isinstance(restored, np.ndarray) and np.array_equal(restored, saved_labels)
    # saved as a numpy array: no map_location moves it
    assert isinstance(saved_labels, np.ndarray) and saved_labels.dtype == np.int64
