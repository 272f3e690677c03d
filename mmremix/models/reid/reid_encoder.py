"""The Re-ID encoder: backbone, pooling neck and BNNeck."""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule

from mmremix.registry import MODELS


@MODELS.register_module()
class ReIDEncoder(BaseModule):
    """Backbone (any mmpretrain backbone by name) -> pooling -> optional BNNeck.

    Args:
        backbone (dict): Backbone config, e.g. ``dict(type='ResNet', depth=50, strides=(1, 2, 2, 1),
            out_indices=(3, ))`` (last stride 1). Only its last output is pooled.
        neck (dict): Pooling config: ``dict(type='GeneralizedMeanPooling')`` (GeM, default of ReMix)
            or ``dict(type='GlobalAveragePooling')``.
        bnneck (dict, optional): ``dict(type='BNNeck', in_channels=D)``; None skips it.
        init_cfg (dict, optional): MMEngine initialisation config.

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 3 of ``remix_method.md`` (pooling and BNNeck are
    design choices of mmremix, configurable).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict = dict(type='GeneralizedMeanPooling'),
                 bnneck: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        self.bnneck = MODELS.build(bnneck) if bnneck is not None else None

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Encode a batch of images.

        Args:
            inputs (torch.Tensor): (B, 3, H, W) float images, normalised.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: the pooled feature before the BNNeck and the one
            after it, both (B, D) float and not L2-normalised (the same tensor twice without a
            BNNeck).
        """
        pooled = self.neck(self.backbone(inputs)[-1:])
        pooled = pooled[-1] if isinstance(pooled, (tuple, list)) else pooled
        pooled = pooled.flatten(1)
        if self.bnneck is None:
            return pooled, pooled
        return pooled, self.bnneck((pooled, ))[-1]
