"""Camera Centroids Loss of ReMix: all camera centroids of the identity against hard negatives."""
import torch

from mmremix.registry import MODELS
from .utils import TemperatureLoss, check_feats_labels, positive_negative_nll


@MODELS.register_module()
class CameraCentroidsLoss(TemperatureLoss):
    """Camera Centroids Loss: pull an image to every camera centroid of its identity.

    For image i of identity y: positives ``P_i`` = the camera centroids ``c_{y,k'}`` of ``y``
    (all cameras); negatives ``N_i`` = the ``h`` camera centroids of other identities most
    similar to ``f_i`` (all of them when fewer than ``h`` exist);
    ``L_cam = mean_i mean_{p in P_i} -log(exp(f_i . c_p/t) / (exp(f_i . c_p/t)
    + sum_{n in N_i} exp(f_i . c_n/t)))``. Source: ReMix (Mamedov et al., WACV 2025), Sec. 6.4 of
    docs/remix_method.md (loss name and multi-camera data only: paper; formula, ``h`` and ``t``:
    design choice of mmremix). The centroids are read only; their momentum update belongs to the
    camera-centroid memory.

    Items with ``labels < 0`` (single-camera data) are ignored, and so are items whose identity
    has no camera centroid (they have no positive). If no item remains, or
    ``loss_weight == 0``, the loss is the graph-connected zero ``feats.sum() * 0`` (a 0-dim
    tensor on the device of ``feats``).

    Args:
        temperature (float): Temperature ``t_cc`` (> 0). Defaults to 0.07, a design choice of
            mmremix.
        num_hard_negatives (int): Number ``h`` (>= 1) of hardest other-identity camera
            centroids used as negatives. Defaults to 50, a design choice of mmremix.
        loss_weight (float): Multiplier of the loss (>= 0); 0 turns the loss off.
            Defaults to 1.0.

    Raises:
        ValueError: If ``temperature <= 0``, ``num_hard_negatives < 1`` or ``loss_weight < 0``.

    Example:
        >>> import torch
        >>> loss = CameraCentroidsLoss(temperature=1.0, num_hard_negatives=1)
        >>> cam_centroids = torch.tensor([[1., 0.], [0., 1.], [-1., 0.]])
        >>> value = loss(torch.tensor([[1., 0.]]), torch.tensor([0]), cam_centroids,
        ...              torch.tensor([0, 1, 2]))
        >>> round(value.item(), 6)  # log(1 + exp(-1)): only the hardest negative, [0, 1], counts
        0.313262
    """

    def __init__(self, temperature: float = 0.07, num_hard_negatives: int = 50,
                 loss_weight: float = 1.0) -> None:
        super().__init__(temperature, loss_weight)
        if num_hard_negatives < 1:
            raise ValueError(f'CameraCentroidsLoss: `num_hard_negatives` must be >= 1, '
                             f'got {num_hard_negatives}')
        self.num_hard_negatives = num_hard_negatives

    def forward(self, feats: torch.Tensor, labels: torch.Tensor, cam_centroids: torch.Tensor,
                cam_centroid_labels: torch.Tensor) -> torch.Tensor:
        """Compute the weighted Camera Centroids Loss.

        Args:
            feats (torch.Tensor): L2-normalised embeddings ``f``, float32, shape (B, D).
            labels (torch.Tensor): Identity of each image, int64, shape (B,); values < 0 mark
                single-camera items, which are ignored.
            cam_centroids (torch.Tensor): L2-normalised camera-centroid memory, float32,
                shape (M, D). No gradient is expected to flow into it.
            cam_centroid_labels (torch.Tensor): Identity of each camera centroid, int64,
                shape (M,).

        Returns:
            torch.Tensor: The weighted loss, 0-dim float tensor.

        Raises:
            ValueError: If the shapes or devices of the inputs do not match.
            TypeError: If a feature tensor is not floating point or a label tensor is not
                integer.
        """
        check_feats_labels(feats, labels, 'CameraCentroidsLoss')
        check_feats_labels(cam_centroids, cam_centroid_labels, 'CameraCentroidsLoss',
                           'cam_centroids')
        if cam_centroids.shape[1] != feats.shape[1]:
            raise ValueError(f'CameraCentroidsLoss: `cam_centroids` must have shape '
                             f'(M, {feats.shape[1]}), got {tuple(cam_centroids.shape)}')
        if self.loss_weight == 0:
            return feats.sum() * 0
        valid = labels >= 0
        logits = feats[valid] @ cam_centroids.t() / self.temperature
        pos_mask = labels[valid].unsqueeze(1) == cam_centroid_labels.unsqueeze(0)
        num_pos = pos_mask.sum(dim=1)
        if not bool((num_pos > 0).any()):
            return feats.sum() * 0
        # Positives are -inf here, so when fewer than h negatives exist topk also returns
        # positives; gathering the mask drops them again.
        num_candidates = min(self.num_hard_negatives, cam_centroids.shape[0])
        hard_logits, hard_idx = logits.masked_fill(pos_mask, float('-inf')).topk(
            num_candidates, dim=1)
        hard_mask = (~pos_mask).gather(1, hard_idx)
        rows, cols = pos_mask.nonzero(as_tuple=True)
        per_pair = positive_negative_nll(logits[rows, cols], hard_logits[rows], hard_mask[rows])
        per_pair_weight = 1.0 / num_pos[rows]
        num_anchors = (num_pos > 0).sum()
        return self.loss_weight * (per_pair * per_pair_weight).sum() / num_anchors
