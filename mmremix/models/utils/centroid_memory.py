"""A memory of L2-normalised centroids, rebuilt every epoch and updated with momentum every step."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


class CentroidMemory(nn.Module):
    """Centroids keyed by integers, e.g. identity index, or ``pid * num_cams + camid`` for camera
    centroids.

    Buffers (saved in checkpoints; their sizes change every epoch, and loading a checkpoint resizes
    them): ``centroids`` (C, D) float32, L2-normalised rows; ``keys`` (C,) int64, strictly
    increasing; ``labels`` (C,) int64, the identity each row belongs to.

    Args:
        feat_dim (int): Feature size D.
        momentum (float): mu of the update ``c <- normalise(mu * c + (1 - mu) * batch mean)``.
            ReMix's value is 0.9 (design choice of mmremix).

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 4 and 6.3 of ``remix_method.md``; cluster
    memories as in ClusterContrast (Dai et al., 2021).
    """

    def __init__(self, feat_dim: int, momentum: float = 0.9) -> None:
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f'CentroidMemory momentum must lie in [0, 1], got {momentum}')
        self.momentum = momentum
        self.register_buffer('centroids', torch.zeros(0, feat_dim))
        self.register_buffer('keys', torch.zeros(0, dtype=torch.long))
        self.register_buffer('labels', torch.zeros(0, dtype=torch.long))

    def __len__(self) -> int:
        return self.centroids.size(0)

    @torch.no_grad()
    def reset(self, centroids: torch.Tensor, keys: Optional[torch.Tensor] = None,
              labels: Optional[torch.Tensor] = None) -> None:
        """Replace the memory (at the epoch-start refresh).

        Args:
            centroids (torch.Tensor): (C, D) float; normalised here.
            keys (torch.Tensor, optional): (C,) int64 strictly increasing; defaults to 0..C-1.
            labels (torch.Tensor, optional): (C,) int64; defaults to ``keys``.

        Raises:
            ValueError: On shape mismatches or keys that are not strictly increasing.
        """
        num = centroids.size(0)
        device = self.centroids.device
        keys = torch.arange(num) if keys is None else keys
        labels = keys if labels is None else labels
        if centroids.dim() != 2 or centroids.size(1) != self.centroids.size(1):
            raise ValueError(f'centroids must be (C, {self.centroids.size(1)}), '
                             f'got {tuple(centroids.shape)}')
        if keys.shape != (num, ) or labels.shape != (num, ):
            raise ValueError(f'keys and labels must be ({num},), got {tuple(keys.shape)} and '
                             f'{tuple(labels.shape)}')
        if num > 1 and not bool((keys[1:] > keys[:-1]).all()):
            raise ValueError('CentroidMemory keys must be strictly increasing')
        self.centroids = F.normalize(centroids.float(), dim=1).to(device)
        self.keys = keys.long().to(device)
        self.labels = labels.long().to(device)

    def rows_of(self, keys: torch.Tensor) -> torch.Tensor:
        """Rows of the given keys.

        Args:
            keys (torch.Tensor): (N,) int64; negative values mean "no centroid".

        Returns:
            torch.Tensor: (N,) int64 row indices, -1 where the key is negative or not in the memory.
        """
        if len(self) == 0:
            return torch.full_like(keys, -1)
        rows = torch.searchsorted(self.keys, keys).clamp_(max=len(self) - 1)
        found = (self.keys[rows] == keys) & (keys >= 0)
        return torch.where(found, rows, torch.full_like(rows, -1))

    @torch.no_grad()
    def update(self, feats: torch.Tensor, rows: torch.Tensor) -> None:
        """Momentum update of the rows seen in a batch with the mean of their features, in place.

        Only the rows seen are read and written (O(rows x D), not O(C x D)). Call it after the
        backward pass of the losses that used the memory: it writes into ``centroids`` in place.

        Args:
            feats (torch.Tensor): (N, D) float features (momentum-encoder embeddings, normalised).
            rows (torch.Tensor): (N,) int64 rows; negative rows are ignored.
        """
        valid = rows >= 0
        if not bool(valid.any()):
            return
        seen, inverse = torch.unique(rows[valid], return_inverse=True)
        feats = feats[valid].to(self.centroids.dtype)
        sums = feats.new_zeros(seen.numel(), feats.size(1)).index_add_(0, inverse, feats)
        means = sums / torch.bincount(inverse, minlength=seen.numel()).unsqueeze(1)
        updated = self.momentum * self.centroids[seen] + (1 - self.momentum) * means
        self.centroids[seen] = F.normalize(updated, dim=1)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # The memory's size changes every epoch: take the checkpoint's sizes before loading.
        for name in ('centroids', 'keys', 'labels'):
            key = prefix + name
            if key in state_dict:
                buffer = getattr(self, name)
                setattr(self, name, buffer.new_empty(state_dict[key].shape))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
