"""Batch-hard triplet loss, the metric loss of the multi-camera baseline."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmremix.registry import MODELS
from .utils import check_feats_labels


@MODELS.register_module()
class TripletLoss(nn.Module):
    """Batch-hard triplet loss on euclidean distances.

    For every anchor i: ``d_ap`` = largest distance to an image of the same identity (j != i),
    ``d_an`` = smallest distance to an image of another identity; the loss is
    ``max(0, d_ap - d_an + margin)`` or, with ``margin=None``, the soft margin
    ``log(1 + exp(d_ap - d_an))``, averaged over the anchors. Source: Hermans et al., "In
    Defense of the Triplet Loss for Person Re-Identification", 2017; its use in the baseline is
    a design choice of mmremix.

    Anchors without a positive (an identity with a single image in the batch) or without a
    negative (the whole batch is one identity) are skipped. If no anchor remains, or
    ``loss_weight == 0``, the loss is the graph-connected zero ``feats.sum() * 0`` (a 0-dim
    tensor on the device of ``feats``).

    Args:
        margin (float, optional): Margin (>= 0) of the hinge; ``None`` selects the soft margin.
            Defaults to 0.3, a design choice of mmremix.
        loss_weight (float): Multiplier of the loss (>= 0); 0 turns the loss off.
            Defaults to 1.0.

    Raises:
        ValueError: If ``margin < 0`` or ``loss_weight < 0``.

    Example:
        >>> import torch
        >>> loss = TripletLoss(margin=0.3)
        >>> feats = torch.tensor([[0., 0.], [1., 0.], [0., 3.], [1., 3.]])
        >>> loss(feats, torch.tensor([0, 0, 1, 1])).item()  # d_ap = 1, d_an = 3
        0.0
    """

    def __init__(self, margin: Optional[float] = 0.3, loss_weight: float = 1.0) -> None:
        super().__init__()
        if margin is not None and margin < 0:
            raise ValueError(f'TripletLoss: `margin` must be >= 0 or None, got {margin}')
        if loss_weight < 0:
            raise ValueError(f'TripletLoss: `loss_weight` must be >= 0, got {loss_weight}')
        self.margin = margin
        self.loss_weight = loss_weight

    def forward(self, feats: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Compute the weighted batch-hard triplet loss.

        Args:
            feats (torch.Tensor): Embeddings, float32, shape (B, D); need not be normalised.
            labels (torch.Tensor): Identity of each image, int64, shape (B,).

        Returns:
            torch.Tensor: The weighted loss, 0-dim float tensor, in the units of the distance.

        Raises:
            ValueError: If the shapes or devices of ``feats`` and ``labels`` do not match.
            TypeError: If ``feats`` is not floating point or ``labels`` is not integer.
        """
        check_feats_labels(feats, labels, 'TripletLoss')
        if self.loss_weight == 0:
            return feats.sum() * 0
        sq_norms = feats.pow(2).sum(dim=1)
        sq_dist = sq_norms.unsqueeze(1) + sq_norms.unsqueeze(0) - 2 * feats @ feats.t()
        # The clamp keeps sqrt's gradient finite for coincident features.
        dist = sq_dist.clamp(min=1e-12).sqrt()
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        pos_mask = same & ~torch.eye(len(labels), dtype=torch.bool, device=feats.device)
        valid = pos_mask.any(dim=1) & ~same.all(dim=1)
        if not bool(valid.any()):
            return feats.sum() * 0
        dist, pos_mask, neg_mask = dist[valid], pos_mask[valid], ~same[valid]
        hardest_pos = dist.masked_fill(~pos_mask, float('-inf')).max(dim=1).values
        hardest_neg = dist.masked_fill(~neg_mask, float('inf')).min(dim=1).values
        gap = hardest_pos - hardest_neg
        per_anchor = F.softplus(gap) if self.margin is None else F.relu(gap + self.margin)
        return self.loss_weight * per_anchor.mean()
