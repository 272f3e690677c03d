"""Helpers shared by the ReMix losses: input checks, the temperature / weight base class, and the
"one positive against a masked set of negatives" negative log-likelihood."""
import torch
import torch.nn as nn


class TemperatureLoss(nn.Module):
    """Base of the ReMix losses: a softmax temperature and a loss weight, both checked.

    Args:
        temperature (float): Softmax temperature, > 0 (design choice of mmremix per loss).
        loss_weight (float): Multiplier of the loss, >= 0; 0 turns the loss off.

    Raises:
        ValueError: If ``temperature`` <= 0 or ``loss_weight`` < 0 (the message names the loss).

    Source: design choice of mmremix.
    """

    def __init__(self, temperature: float, loss_weight: float) -> None:
        super().__init__()
        name = type(self).__name__
        if temperature <= 0:
            raise ValueError(f'{name}: `temperature` must be > 0, got {temperature}')
        if loss_weight < 0:
            raise ValueError(f'{name}: `loss_weight` must be >= 0, got {loss_weight}')
        self.temperature = temperature
        self.loss_weight = loss_weight


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


def check_candidates(feats: torch.Tensor, keys: torch.Tensor, key_labels: torch.Tensor,
                     self_index: torch.Tensor, loss_name: str) -> None:
    """Check the candidate set of a batch-contrast loss (anchors against other images).

    Source: design choice of mmremix.

    Args:
        feats (torch.Tensor): Anchors, float, shape (B, D).
        keys (torch.Tensor): Candidates, float, shape (N, D).
        key_labels (torch.Tensor): Candidate labels, integer, shape (N,).
        self_index (torch.Tensor): Row of ``keys`` holding each anchor's own image, int64, (B,).
        loss_name (str): Name of the calling loss, used in error messages.

    Raises:
        ValueError: On a shape or device mismatch, or a ``self_index`` outside ``[0, N)``.
        TypeError: On a non-float ``keys`` or a non-integer ``key_labels`` / ``self_index``.
    """
    check_feats_labels(keys, key_labels, loss_name, 'keys')
    if keys.shape[1] != feats.shape[1] or keys.device != feats.device:
        raise ValueError(f'{loss_name}: `keys` must be (N, {feats.shape[1]}) on {feats.device}, '
                         f'got {tuple(keys.shape)} on {keys.device}')
    if self_index.shape != (feats.shape[0], ) or self_index.is_floating_point():
        raise TypeError(f'{loss_name}: `self_index` must be an integer tensor of shape '
                        f'({feats.shape[0]},), got {self_index.dtype} {tuple(self_index.shape)}')
    if self_index.numel() and (int(self_index.min()) < 0
                               or int(self_index.max()) >= keys.shape[0]):
        raise ValueError(f'{loss_name}: `self_index` must lie in [0, {keys.shape[0]})')


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
