"""Instance Loss of ReMix: batch contrast against the hardest positive."""
import torch

from mmremix.registry import MODELS
from .utils import TemperatureLoss, check_feats_labels, positive_negative_nll


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

    def forward(self, feats: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Compute the weighted Instance Loss.

        Args:
            feats (torch.Tensor): L2-normalised embeddings ``f``, float32, shape (B, D).
            labels (torch.Tensor): Identity or pseudo-identity of each image, int64, shape (B,).

        Returns:
            torch.Tensor: The weighted loss, 0-dim float tensor.

        Raises:
            ValueError: If the shapes or devices of ``feats`` and ``labels`` do not match.
            TypeError: If ``feats`` is not floating point or ``labels`` is not integer.
        """
        check_feats_labels(feats, labels, 'InstanceLoss')
        if self.loss_weight == 0:
            return feats.sum() * 0
        logits = feats @ feats.t() / self.temperature
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        pos_mask = same & ~torch.eye(len(labels), dtype=torch.bool, device=feats.device)
        has_pos = pos_mask.any(dim=1)
        if not bool(has_pos.any()):
            return feats.sum() * 0
        hardest_pos = logits.masked_fill(~pos_mask, float('inf')).min(dim=1).values
        per_anchor = positive_negative_nll(hardest_pos[has_pos], logits[has_pos], ~same[has_pos])
        return self.loss_weight * per_anchor.mean()
