"""Augmentation Loss of ReMix: strongly augmented view against momentum-encoder targets."""
from typing import Optional

import torch

from mmremix.registry import MODELS
from .utils import (TemperatureLoss, check_candidates, check_feats_labels,
                    positive_negative_nll)


@MODELS.register_module()
class AugmentationLoss(TemperatureLoss):
    """Augmentation Loss: the augmented view of an image must find its momentum feature.

    With ``f^_i = E(x^_i)`` (encoder, strongly augmented view) and ``g_i = M(x_i)`` (momentum
    encoder, standard view):
    ``L_aug = mean_i -log(exp(f^_i . sg(g_i)/t) / sum_{j in {i} U {j: y_j != y_i}}
    exp(f^_i . sg(g_j)/t))``. The other images of the same identity are left out of the
    denominator, so they are never pushed away. Source: ReMix (Mamedov et al., WACV 2025),
    Sec. 6.2 of docs/remix_method.md (loss name and data: paper; formula and momentum targets:
    design choice of mmremix).

    ``momentum_feats`` is detached inside ``forward`` (the stop-gradient ``sg``), so no gradient
    ever reaches it. For an empty batch, or with ``loss_weight == 0``, the loss is the
    graph-connected zero ``aug_feats.sum() * 0`` (a 0-dim tensor on the device of ``aug_feats``
    whose ``backward()`` works and gives zero gradients).

    Args:
        temperature (float): Temperature ``t_aug`` (> 0). Defaults to 0.1, a design choice of
            mmremix.
        loss_weight (float): Multiplier of the loss (>= 0); 0 turns the loss off.
            Defaults to 1.0.

    Raises:
        ValueError: If ``temperature <= 0`` or ``loss_weight < 0``.

    Example:
        >>> import torch
        >>> loss = AugmentationLoss(temperature=1.0)
        >>> feats = torch.tensor([[1., 0.], [0., 1.], [0., 1.]])
        >>> value = loss(feats, feats, torch.tensor([0, 1, 1]))
        >>> # item 0 has two negatives; items 1 and 2 (same identity) one each
        >>> round(value.item(), 6)  # (log(1 + 2 exp(-1)) + 2 log(1 + exp(-1))) / 3
        0.392656
    """

    def __init__(self, temperature: float = 0.1, loss_weight: float = 1.0) -> None:
        super().__init__(temperature, loss_weight)

    def forward(self,
                aug_feats: torch.Tensor,
                momentum_feats: torch.Tensor,
                labels: torch.Tensor,
                keys: Optional[torch.Tensor] = None,
                key_labels: Optional[torch.Tensor] = None,
                self_index: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the weighted Augmentation Loss.

        By default the targets are the batch's momentum features. Under DDP, ReMix passes those
        of every rank's batch as ``keys``, so the loss is that of the total batch (design choice
        of mmremix).

        Args:
            aug_feats (torch.Tensor): L2-normalised encoder embeddings of the strongly augmented
                views ``f^ = E(x^)``, float32, shape (B, D).
            momentum_feats (torch.Tensor): L2-normalised momentum-encoder embeddings of the
                standard views ``g = M(x)``, float32, shape (B, D); row i is the same image as
                row i of ``aug_feats``. Detached inside.
            labels (torch.Tensor): Identity or pseudo-identity of each image, int64, shape (B,).
            keys (torch.Tensor, optional): Momentum features of the candidate targets, float32,
                shape (N, D); replaces ``momentum_feats`` as the targets. Detached inside.
            key_labels (torch.Tensor, optional): Their labels, int64, shape (N,); required with
                ``keys``.
            self_index (torch.Tensor, optional): Row of ``keys`` that is each image's own target,
                int64, shape (B,); required with ``keys``.

        Returns:
            torch.Tensor: The weighted loss, 0-dim float tensor.

        Raises:
            ValueError: If the shapes or devices of the inputs do not match.
            TypeError: If a feature tensor is not floating point or ``labels`` is not integer.
        """
        check_feats_labels(aug_feats, labels, 'AugmentationLoss', 'aug_feats')
        check_feats_labels(momentum_feats, labels, 'AugmentationLoss', 'momentum_feats')
        if momentum_feats.shape != aug_feats.shape:
            raise ValueError(f'AugmentationLoss: `momentum_feats` must have the shape of '
                             f'`aug_feats` {tuple(aug_feats.shape)}, '
                             f'got {tuple(momentum_feats.shape)}')
        if keys is None:
            keys, key_labels = momentum_feats, labels
            self_index = torch.arange(len(labels), device=aug_feats.device)
        else:
            check_candidates(aug_feats, keys, key_labels, self_index, 'AugmentationLoss')
        if self.loss_weight == 0 or len(labels) == 0:
            return aug_feats.sum() * 0
        logits = aug_feats @ keys.detach().t() / self.temperature
        neg_mask = labels.unsqueeze(1) != key_labels.unsqueeze(0)
        pos_logits = logits.gather(1, self_index.unsqueeze(1)).squeeze(1)
        per_image = positive_negative_nll(pos_logits, logits, neg_mask)
        return self.loss_weight * per_image.mean()
