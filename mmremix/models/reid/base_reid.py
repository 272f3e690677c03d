"""Common base of the Re-ID models: the encoder, retrieval features and ``forward`` modes."""
from abc import abstractmethod
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample

from mmremix.registry import MODELS

from .reid_encoder import ReIDEncoder


class BaseReID(BaseModel):
    """Base of mmremix's Re-ID models.

    Args:
        backbone (dict): Backbone config (any mmpretrain backbone by name).
        neck (dict): Pooling config (GeM or GAP).
        bnneck (dict, optional): BNNeck config; None for none.
        data_preprocessor (dict, optional): Defaults to ``ReIDDataPreprocessor`` with ImageNet
            statistics.
        test_cfg (dict, optional): ``flip`` (bool): average the features of the image and its
            horizontal flip at test time (design choice of mmremix, default False).
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict = dict(type='GeneralizedMeanPooling'),
                 bnneck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ReIDDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = ReIDEncoder(backbone=backbone, neck=neck, bnneck=bnneck)
        self.test_cfg = dict(flip=False)
        self.test_cfg.update(test_cfg or {})

    @property
    def test_encoder(self) -> torch.nn.Module:
        """The network whose features are used for retrieval."""
        return self.encoder

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Retrieval features.

        Args:
            inputs (torch.Tensor): (B, 3, H, W) float images, normalised.

        Returns:
            torch.Tensor: (B, D) float32, L2-normalised, the BNNeck output of :attr:`test_encoder`
            (averaged with the flipped image's when ``test_cfg['flip']``).
        """
        feats = self.test_encoder(inputs)[1]
        if self.test_cfg['flip']:
            feats = feats + self.test_encoder(inputs.flip(3))[1]
        return F.normalize(feats.float(), dim=1)

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """MMEngine's entry point.

        Args:
            inputs: (B, 3, H, W) images, or a list of such batches, one per view (training of
            ReMix).
            data_samples (list[DataSample], optional): Per-image metainfo (pid, camid, ...).
            mode (str): ``'tensor'`` returns :meth:`extract_feat`; ``'loss'`` a dict of losses;
                ``'predict'`` the data samples with the field ``feature`` set.

        Raises:
            ValueError: On an unknown mode.
        """
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'Invalid mode "{mode}": expected "tensor", "loss" or "predict".')

    @abstractmethod
    def loss(self, inputs, data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Training losses, by name."""

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None) -> List[DataSample]:
        """Retrieval features of a batch, stored as the field ``feature`` ((D,) float32).

        Args:
            inputs (torch.Tensor): (B, 3, H, W) float images, normalised.
            data_samples (list[DataSample], optional): Created empty when None.

        Returns:
            list[DataSample]: One per image, with ``feature`` set.
        """
        feats = self.extract_feat(inputs)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(feats.size(0))]
        for data_sample, feat in zip(data_samples, feats):
            data_sample.set_field(feat, 'feature')
        return data_samples


def pids_of(data_samples: List[DataSample], device: torch.device) -> torch.Tensor:
    """The ``pid`` metainfo of a batch as a (B,) int64 tensor on ``device``."""
    return torch.tensor([sample.pid for sample in data_samples], dtype=torch.long, device=device)
