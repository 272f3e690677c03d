"""Averaging a module's floating-point buffers over ranks (BatchNorm running statistics)."""
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size


@torch.no_grad()
def average_float_buffers(module: nn.Module) -> int:
    """Replace every floating-point buffer of ``module`` by its mean over all ranks, in place.

    Integer buffers (BatchNorm's ``num_batches_tracked``, label tables such as ReMix's int64
    ``sample_labels``) are never touched, which is why MMEngine's ``SyncBuffersHook`` (it averages
    every buffer of the whole model) does not fit. The buffers are flattened into one tensor per
    (dtype, device) so that the whole module costs one all-reduce per group. Every rank must call
    it with the same architecture (the buffers are matched by registration order). For BatchNorm
    the result is the mean of the ranks' running means and running variances (the spread of the
    ranks' means is not added to the variance, as in MMEngine's ``SyncBuffersHook``).

    Source: design choice of mmremix (ReMix's momentum encoder must be identical on every rank
    before a refresh or a test, issue 10).

    Args:
        module (nn.Module): The module whose buffers are averaged (e.g. the momentum encoder).

    Returns:
        int: Number of buffers averaged (0 when not distributed).
    """
    if get_world_size() == 1:
        return 0
    groups: Dict[Tuple[torch.dtype, torch.device], List[torch.Tensor]] = {}
    for buffer in module.buffers():
        if buffer.is_floating_point():
            groups.setdefault((buffer.dtype, buffer.device), []).append(buffer)
    for buffers in groups.values():
        flat = torch.cat([b.reshape(-1) for b in buffers])
        all_reduce(flat, op='mean')
        for buffer, mean in zip(buffers, flat.split([b.numel() for b in buffers])):
            buffer.copy_(mean.view_as(buffer))
    return sum(len(buffers) for buffers in groups.values())
