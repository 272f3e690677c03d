"""Concatenating a tensor from all ranks, with and without gradients."""
import torch
import torch.distributed as torch_dist
from mmengine.dist import all_gather, get_rank, get_world_size


def gather(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate a tensor of equal shape from all ranks, rank order; no gradient.

    Args:
        tensor (torch.Tensor): (B, ...) on every rank.

    Returns:
        torch.Tensor: (world_size * B, ...); ``tensor`` itself when not distributed.
    """
    if get_world_size() == 1:
        return tensor
    return torch.cat(all_gather(tensor.contiguous()))


class _GatherWithGrad(torch.autograd.Function):
    """All-gather whose backward sums every rank's gradient of this rank's rows."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        ctx.rows = tensor.shape[0]
        return torch.cat(all_gather(tensor.contiguous()))

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous()
        torch_dist.all_reduce(grad)  # all_reduce, not reduce_scatter: gloo has none
        start = get_rank() * ctx.rows
        return grad[start:start + ctx.rows]


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate a tensor of equal shape from all ranks, rank order, keeping gradients.

    A loss on rank r that uses rows of rank r' sends its gradient back to rank r': the backward
    pass sums over ranks the gradient of each rank's rows. Under DDP, which averages parameter
    gradients over ranks, the mean over ranks of per-rank losses on gathered tensors then has
    the gradient of the same loss computed by one process on the total batch.

    Args:
        tensor (torch.Tensor): (B, ...) float on every rank.

    Returns:
        torch.Tensor: (world_size * B, ...); ``tensor`` itself when not distributed.

    Source: design choice of mmremix (as the cross-GPU negatives of SimCLR / MoCo v3).
    """
    if get_world_size() == 1:
        return tensor
    return _GatherWithGrad.apply(tensor)
