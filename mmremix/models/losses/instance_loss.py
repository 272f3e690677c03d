"""Instance Loss of ReMix: batch contrast against the hardest positive.

Also holds the two helpers the other ReMix losses share: input checking and the
"one positive against a masked set of negatives" negative log-likelihood.
"""
import torch
import torch.nn as nn

from mmremix.registry import MODELS


def check_feats_labels(feats: torch.Tensor, labels: torch.Tensor, loss_name: str,
                       feats_name: str = 'feats') -> None:
    """Check a batch of embeddings and their integer labels.

    Source: design choice of mmremix.

    Args:
        feats (torch.Tensor): Embeddings, floating point, shape (B, D).
        labels (torch.Tensor): Identity labels, integer dtype, shape (B,).
        loss_name (str): Name of the calling loss, used in error messages.
        feats_name (str): Name of the ``feats`` argument in the caller, used in
            error messages. Defaults to ``'feats'``.

    Raises:
        ValueError: If ``feats`` is not 2-D, ``labels`` is not 1-D, their lengths differ or they
            lie on different devices.
        TypeError: If ``feats`` is not floating point or ``labels`` is not an integer tensor.
    """
    if feats.dim() != 2:
        raise ValueError(f'{loss_name}: `{feats_name}` must have shape (B, D), '
                         f'got shape {tuple(feats.shape)}')
    if not feats.is_floating_point():
        raise TypeError(f'{loss_name}: `{feats_name}` must be a floating point tensor, '
                        f'got dtype {feats.dtype}')
    if labels.dim() != 1 or labels.shape[0] != feats.shape[0]:
        raise ValueError(f'{loss_name}: `labels` must have shape ({feats.shape[0]},) to match '
                         f'`{feats_name}`, got shape {tuple(labels.shape)}')
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f'{loss_name}: `labels` must be an integer tensor, '
                        f'got dtype {labels.dtype}')
    if labels.device != feats.device:
        raise ValueError(f'{loss_name}: `labels` is on {labels.device} but `{feats_name}` is on '
                         f'{feats.device}')


def positive_negative_nll(pos_logits: torch.Tensor, neg_logits: torch.Tensor,
                          neg_mask: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of one positive against a masked set of negatives.

    For every row r: ``-log(exp(pos_r) / (exp(pos_r) + sum_{n: mask_rn} exp(neg_rn)))``,
    computed as ``logsumexp([pos_r, neg_r masked with -inf]) - pos_r``. The positive is always
    in the log-sum-exp, so a row without any negative gives exactly 0 with a finite gradient
    (no NaN in the forward or the backward pass).

    Source: the shared form of the Instance, Augmentation and Camera Centroids losses,
    ReMix (Mamedov et al., WACV 2025), Sec. 6 of docs/remix_method.md.

    Args:
        pos_logits (torch.Tensor): Logits of the positives (similarity / temperature),
            float, shape (N,), finite.
        neg_logits (torch.Tensor): Logits of the candidate negatives, float, shape (N, K).
        neg_mask (torch.Tensor): Which candidates are negatives, bool, shape (N, K).

    Returns:
        torch.Tensor: Per-row loss, float, shape (N,), each value >= 0.
    """
    masked_neg = neg_logits.masked_fill(~neg_mask, float('-inf'))
    all_logits = torch.cat([pos_logits.unsqueeze(1), masked_neg], dim=1)
    return torch.logsumexp(all_logits, dim=1) - pos_logits


@MODELS.register_module()
class InstanceLoss(nn.Module):
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
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'InstanceLoss: `temperature` must be > 0, got {temperature}')
        if loss_weight < 0:
            raise ValueError(f'InstanceLoss: `loss_weight` must be >= 0, got {loss_weight}')
        self.temperature = temperature
        self.loss_weight = loss_weight

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
