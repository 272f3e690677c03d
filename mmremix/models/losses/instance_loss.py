"""Instance Loss of ReMix: batch contrast against the hardest positive."""
from typing import Optional

import torch

from mmremix.registry import MODELS
from .utils import (TemperatureLoss, check_candidates, check_feats_labels,
                    positive_negative_nll)


@MODELS.register_module()
class InstanceLoss(TemperatureLoss):
    """Instance Loss: batch contrast with the hardest positive.

    ``L_ins = mean_i -log(exp(s_ip*/t) / (exp(s_ip*/t) + sum_{n: y_n != y_i} exp(s_in/t)))`` with
    ``s_ij = f_i . f_j`` and ``p* = argmin_{p != i, y_p = y_i} s_ip`` (the least similar
    same-identity image). Source: ReMix (Mamedov et al., WACV 2025), Sec. 6.1 of
    docs/remix_method.md (loss name and data: paper; formula: design choice of mmremix).

    Anchors without any positive in the batch (an identity with a single image) have no
    ``p*`` and are excluded from the mean; an anchor with a positive but no negative (the whole
    batch is one identity) contributes exactly 0. If no anchor has a positive, or
    ``loss_weight == 0``, the loss is the graph-connected zero ``feats.sum() * 0`` (a 0-dim
    tensor on the device of ``feats`` whose ``backward()`` works and gives zero gradients).

    Args:
        temperature (float): Temperature ``t_ins`` (> 0). Defaults to 0.1, a design choice of
            mmremix.
        loss_weight (float): Multiplier of the loss (>= 0); 0 turns the loss off.
            Defaults to 1.0.

    Raises:
        ValueError: If ``temperature <= 0`` or ``loss_weight < 0``.

    Example:
        >>> import torch
        >>> loss = InstanceLoss(temperature=1.0)
        >>> feats = torch.tensor([[1., 0.], [1., 0.], [0., 1.], [0., 1.]])
        >>> value = loss(feats, torch.tensor([0, 0, 1, 1]))
        >>> round(value.item(), 6)  # log(1 + 2 * exp(-1)): s_ip* = 1, two negatives with s = 0
        0.551445
    """

    def __init__(self, temperature: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__(temperature, loss_weight)

    def forward(self,
                feats: torch.Tensor,
                labels: torch.Tensor,
                keys: Optional[torch.Tensor] = None,
                key_labels: Optional[torch.Tensor] = None,
                self_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the weighted Instance Loss.

        By default the anchors contrast with the other images of their batch. Under DDP, ReMix
        passes the images of every rank's batch as ``keys`` (the anchors' own among them, with
        gradients), so the loss is that of the total batch (design choice of mmremix).

        Args:
            feats (torch.Tensor): L2-normalised embeddings ``f`` of the anchors, float32, shape
                (B, D).
            labels (torch.Tensor): Identity or pseudo-identity of each image, int64, shape (B,).
            keys (torch.Tensor, optional): L2-normalised embeddings of the candidates (positives
                and negatives), float32, shape (N, D). Defaults to ``feats``.
            key_labels (torch.Tensor, optional): Their labels, int64, shape (N,); required with
                ``keys``.
            self_index (torch.Tensor, optional): Row of ``keys`` that is each anchor itself
                (never its own positive), int64, shape (B,); required with ``keys``.

        Returns:
            torch.Tensor: The weighted loss, 0-dim float tensor.

        Raises:
            ValueError: If the shapes or devices of ``feats`` and ``labels`` do not match.
            TypeError: If ``feats`` is not floating point or ``labels`` is not integer.
        """
        check_feats_labels(feats, labels, 'InstanceLoss')
        if keys is None:
            keys, key_labels = feats, labels
            self_index = torch.arange(len(labels), device=feats.device)
        else:
            check_candidates(feats, keys, key_labels, self_index, 'InstanceLoss')
        if self.loss_weight == 0:
            return feats.sum() * 0
        logits = feats @ keys.t() / self.temperature
        same = labels.unsqueeze(1) == key_labels.unsqueeze(0)
        is_self = torch.arange(len(key_labels), device=feats.device) == self_index.unsqueeze(1)
        pos_mask = same & ~is_self
        has_pos = pos_mask.any(dim=1)
        if not bool(has_pos.any()):
            return feats.sum() * 0
        hardest_pos = logits.masked_fill(~pos_mask, float('inf')).min(dim=1).values
        per_anchor = positive_negative_nll(hardest_pos[has_pos], logits[has_pos], ~same[has_pos])
        return self.loss_weight * per_anchor.mean()
