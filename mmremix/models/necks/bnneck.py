"""BNNeck: batch normalisation between the pooled feature and the classifier."""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmremix.registry import MODELS


@MODELS.register_module()
class BNNeck(BaseModule):
    """A ``BatchNorm1d`` whose bias is frozen at zero (Luo et al., "Bag of Tricks and a Strong
    Baseline
    for Deep Person Re-identification", CVPRW 2019, Sec. 3.5).

    The metric losses see the feature before the neck, the classifier and retrieval the one after
    it.

    Args:
        in_channels (int): Feature size D.
        init_cfg (dict, optional): MMEngine initialisation config. Defaults to weight 1, bias 0.

    Inputs and outputs follow mmpretrain necks: a tuple of (B, D) float tensors in, the same tuple
    normalised out; only the last element is used.
    """

    def __init__(self, in_channels: int, init_cfg: dict = dict(type='Constant', val=1.0,
                                                               bias=0.0, layer='BatchNorm1d')):
        super().__init__(init_cfg=init_cfg)
        self.bn = nn.BatchNorm1d(in_channels)
        self.bn.bias.requires_grad_(False)

    def forward(self, inputs: Tuple[torch.Tensor, ...]) -> Tuple[torch.Tensor]:
        if isinstance(inputs, torch.Tensor):
            inputs = (inputs, )
        return (self.bn(inputs[-1]), )
