"""A DistributedDataParallel wrapper that runs on GPUs and on CPU processes alike."""
import torch
from mmengine.model import MMDistributedDataParallel

from mmremix.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class ReIDDistributedDataParallel(MMDistributedDataParallel):
    """MMEngine's ``MMDistributedDataParallel``, usable with the gloo backend on CPU processes.

    MMEngine always passes ``device_ids=[LOCAL_RANK]``, which PyTorch rejects for a module on the
    CPU. This wrapper drops ``device_ids`` and ``output_device`` when the module's parameters live
    on the CPU, so ``tools/dist_train.sh CONFIG 2`` also runs on a machine without GPUs.

    Its ``train_step`` is MMEngine's, which calls ``module.parse_losses`` before the backward pass;
    for mmremix's models that check all-reduces a non-finite-loss flag, so every rank raises
    ``FloatingPointError`` at the same iteration and none is left waiting in the gradient
    all-reduce (see :meth:`~mmremix.models.BaseReID.parse_losses`).

    Args:
        module (torch.nn.Module): The model to wrap.
        **kwargs: Passed to :class:`torch.nn.parallel.DistributedDataParallel`.

    Source: design choice of mmremix.
    """

    def __init__(self, module: torch.nn.Module, **kwargs) -> None:
        first_param = next(module.parameters(), None)
        if first_param is not None and first_param.device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(module=module, **kwargs)
