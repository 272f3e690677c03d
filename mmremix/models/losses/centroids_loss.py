"""Centroids Loss of ReMix: cross-entropy against all identity centroids of the memory."""
from typing import Optional

import torch
import torch.nn.functional as F

from mmremix.registry import MODELS
from .utils import TemperatureLoss, check_feats_labels


@MODELS.register_module()
class CentroidsLoss(TemperatureLoss):
    """Centroids Loss: each image must be closest to the centroid of its (pseudo-)identity.

    ``L_cen = mean_i -log(exp(f_i . c_{y_i}/t) / sum_k exp(f_i . c_k/t))`` over all ``C``
    centroids of the memory (multi-camera identities and single-camera pseudo-identities).
    Source: ReMix (Mamedov et al., WACV 2025), Sec. 6.3 of docs/remix_method.md (loss name and
    data: paper; formula: design choice of mmremix). The centroids are read only; their
    momentum update belongs to the centroid memory, not to this loss.

    Items with ``labels < 0`` (no centroid, e.g. DBSCAN noise) are ignored. If none remain, or
    ``loss_weight == 0``, the loss is the graph-connected zero ``feats.sum() * 0`` (a 0-dim
    tensor on the device of ``feats``).

    ``negatives='own_video'`` (design choice of mmremix) narrows the sum for single-camera images:
    an image of a pseudo-identity of video v is contrasted with the pseudo-identities of v and
    every multi-camera identity, not with the pseudo-identities of other videos. Each video is
    one camera (one scene), so telling a pseudo-identity from those of *other* videos can be
    done by the camera alone. Multi-camera images keep every centroid. Measured on the CUHK03
    videos (docs/generalization.md): ReMix's features of that domain separate its two cameras
    with either setting (after one epoch the camera gap was 0.184 with ``'own_video'``, 0.164
    with ``'all'``), so these negatives are not what teaches the camera there.

    Args:
        temperature (float): Temperature ``t_c`` (> 0). Defaults to 0.05, a design choice of
            mmremix.
        loss_weight (float): Multiplier of the loss (>= 0); 0 turns the loss off.
            Defaults to 1.0.
        negatives (str): ``'all'`` (default, the sum over all ``C`` centroids) or
            ``'own_video'`` (see above; needs ``centroid_videos`` in :meth:`forward`).

    Raises:
        ValueError: If ``temperature <= 0``, ``loss_weight < 0`` or ``negatives`` is unknown.

    Example:
        >>> import torch
        >>> loss = CentroidsLoss(temperature=1.0)
        >>> centroids = torch.tensor([[1., 0.], [0., 1.], [-1., 0.]])
        >>> value = loss(centroids[:2], torch.tensor([0, -1]), centroids)
        >>> round(value.item(), 6)  # log(1 + exp(-1) + exp(-2)), the second item is ignored
        0.407606
    """

    NEGATIVES = ('all', 'own_video')

    def __init__(self, temperature: float = 0.05, loss_weight: float = 1.0,
                 negatives: str = 'all') -> None:
        super().__init__(temperature, loss_weight)
        if negatives not in self.NEGATIVES:
            raise ValueError(f'CentroidsLoss: `negatives` must be one of {self.NEGATIVES}, got '
                             f'{negatives!r}')
        self.negatives = negatives

    def forward(self, feats: torch.Tensor, labels: torch.Tensor, centroids: torch.Tensor,
                centroid_videos: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the weighted Centroids Loss.

        Args:
            feats (torch.Tensor): L2-normalised embeddings ``f``, float32, shape (B, D).
            labels (torch.Tensor): Row of each image's centroid in ``centroids``, int64, shape
                (B,); values < 0 mark items without a centroid, which are ignored.
            centroids (torch.Tensor): L2-normalised centroid memory, float32, shape (C, D).
                No gradient is expected to flow into it.
            centroid_videos (torch.Tensor, optional): int64 (C,), the video of each centroid
                row, -1 for multi-camera identities. Needed by ``negatives='own_video'``,
                ignored otherwise.

        Returns:
            torch.Tensor: The weighted loss, 0-dim float tensor.

        Raises:
            ValueError: If the shapes or devices of the inputs do not match, a label is
                ``>= C``, or ``negatives='own_video'`` lacks a (C,) ``centroid_videos``.
            TypeError: If ``feats`` is not floating point or ``labels`` is not integer.
        """
        check_feats_labels(feats, labels, 'CentroidsLoss')
        if centroids.dim() != 2 or centroids.shape[1] != feats.shape[1]:
            raise ValueError(f'CentroidsLoss: `centroids` must have shape (C, {feats.shape[1]}), '
                             f'got {tuple(centroids.shape)}')
        if self.loss_weight == 0:
            return feats.sum() * 0
        valid = labels >= 0
        if not bool(valid.any()):
            return feats.sum() * 0
        valid_labels = labels[valid]
        max_label = int(valid_labels.max())
        if max_label >= centroids.shape[0]:
            raise ValueError(f'CentroidsLoss: `labels` index rows of `centroids`, but label '
                             f'{max_label} >= number of centroids {centroids.shape[0]}')
        logits = feats[valid] @ centroids.t() / self.temperature
        if self.negatives == 'own_video':
            if centroid_videos is None or centroid_videos.shape != (centroids.shape[0], ):
                got = None if centroid_videos is None else tuple(centroid_videos.shape)
                raise ValueError("CentroidsLoss(negatives='own_video') needs `centroid_videos` of "
                                 f'shape ({centroids.shape[0]},), the video of each centroid '
                                 f'(set by ReMixRefreshHook), got {got}')
            centroid_videos = centroid_videos.to(labels.device)
            item_videos = centroid_videos[valid_labels]
            other_video = ((centroid_videos[None, :] >= 0) & (item_videos[:, None] >= 0)
                           & (centroid_videos[None, :] != item_videos[:, None]))
            logits = logits.masked_fill(other_video, float('-inf'))
        return self.loss_weight * F.cross_entropy(logits, valid_labels)
