"""The strong Re-ID baseline: cross-entropy on identities + batch-hard triplet loss."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmpretrain.structures import DataSample

from mmremix.registry import MODELS

from .base_reid import BaseReID, pids_of


@MODELS.register_module()
class ReIDBaseline(BaseReID):
    """Re-ID baseline: encoder with BNNeck, an identity classifier and a triplet loss.

    The triplet loss sees the pooled feature before the BNNeck, the classifier the one after it (Luo
    et al., "Bag of Tricks and a Strong Baseline for Deep Person Re-identification", CVPRW 2019).

    Args:
        backbone (dict): Backbone config.
        num_classes (int): Number of training identities (pids must lie in ``[0, num_classes)``).
        in_channels (int): Feature size D of the encoder.
        neck (dict): Pooling config. Defaults to GeM.
        bnneck (dict, optional): BNNeck config; defaults to ``BNNeck(in_channels)``.
        loss_cls (dict): Identity loss config. Defaults to cross-entropy with label smoothing 0.1.
        loss_triplet (dict, optional): Triplet loss config; None disables it.
        data_preprocessor (dict, optional): See :class:`BaseReID`.
        train_cfg (dict, optional): See :class:`BaseReID` (a non-finite loss stops training).
        test_cfg (dict, optional): See :class:`BaseReID`.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 num_classes: int,
                 in_channels: int,
                 neck: dict = dict(type='GeneralizedMeanPooling'),
                 bnneck: Optional[dict] = None,
                 loss_cls: dict = dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original'),
                 loss_triplet: Optional[dict] = dict(type='TripletLoss', margin=0.3),
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if bnneck is None:
            bnneck = dict(type='BNNeck', in_channels=in_channels)
        super().__init__(backbone=backbone, neck=neck, bnneck=bnneck,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, init_cfg=init_cfg)
        self.num_classes = num_classes
        self.classifier = nn.Linear(in_channels, num_classes, bias=False)
        nn.init.normal_(self.classifier.weight, std=0.001)
        self.loss_cls = MODELS.build(loss_cls)
        self.loss_triplet = MODELS.build(loss_triplet) if loss_triplet is not None else None

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Identity and triplet losses of a batch.

        Args:
            inputs (torch.Tensor): (B, 3, H, W) float images, normalised.
            data_samples (list[DataSample]): With ``pid`` in ``[0, num_classes)``.

        Returns:
            dict[str, torch.Tensor]: ``loss_cls``, ``loss_triplet`` (scalars) and ``accuracy``
            (percent of the batch whose identity the classifier gets right, not optimised).

        Raises:
            ValueError: If a pid lies outside ``[0, num_classes)``.
        """
        feats, bn_feats = self.encoder(inputs)
        pids = pids_of(data_samples, feats.device)
        if pids.numel() and (int(pids.min()) < 0 or int(pids.max()) >= self.num_classes):
            raise ValueError(f'ReIDBaseline got pids in [{int(pids.min())}, {int(pids.max())}] but '
                             f'num_classes={self.num_classes}: set model.num_classes to the number '
                             'of training identities of the dataset.')
        logits = self.classifier(bn_feats)
        losses = dict(loss_cls=self.loss_cls(logits, pids))
        if self.loss_triplet is not None:
            losses['loss_triplet'] = self.loss_triplet(feats, pids)
        with torch.no_grad():
            losses['accuracy'] = (logits.argmax(1) == pids).float().mean() * 100
        return losses
