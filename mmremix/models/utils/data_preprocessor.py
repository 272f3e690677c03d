"""Batch stacking and normalisation of Re-ID images, one view or several."""
from typing import Union

import torch
from mmengine.model import ImgDataPreprocessor

from mmremix.registry import MODELS


@MODELS.register_module()
class ReIDDataPreprocessor(ImgDataPreprocessor):
    """Stack, convert BGR to RGB and normalise Re-ID images; several views are handled view by view.

    With one view per sample, ``data['inputs']`` is a list of B (C, H, W) uint8 tensors and the
    result is a (B, C, H, W) float32 tensor. With V views per sample (mmpretrain's ``MultiView``),
    MMEngine's ``pseudo_collate`` gives a list of V lists of B tensors and the result is a list of V
    (B, C, H, W) float32 tensors, in the pipeline's view order.

    Args:
        mean (Sequence[float]): Per-channel mean, in the 0-255 range, RGB order if ``to_rgb``.
        std (Sequence[float]): Per-channel standard deviation, same conventions.
        to_rgb (bool): Convert the loaded BGR images to RGB. Defaults to True.
        channels_last (bool): Return tensors in ``torch.channels_last`` memory format (faster
            convolutions with AMP on GPUs). Design choice of mmremix. Defaults to False.

    Source: design choice of mmremix.
    """

    def __init__(self,
                 mean=(123.675, 116.28, 103.53),
                 std=(58.395, 57.12, 57.375),
                 to_rgb: bool = True,
                 channels_last: bool = False) -> None:
        super().__init__(mean=mean, std=std, bgr_to_rgb=to_rgb)
        self.channels_last = channels_last

    def _one_view(self, inputs, data_samples, training: bool) -> torch.Tensor:
        batch = super().forward(dict(inputs=inputs, data_samples=data_samples), training)['inputs']
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        return batch

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        data_samples = data.get('data_samples')
        views_given = isinstance(inputs, (list, tuple)) and len(inputs) > 0 and isinstance(
            inputs[0], (list, tuple))
        batch: Union[torch.Tensor, list]
        if views_given:
            batch = [self._one_view(view, data_samples, training) for view in inputs]
        else:
            batch = self._one_view(inputs, data_samples, training)
        if data_samples is not None:
            data_samples = self.cast_data(data_samples)
        return dict(inputs=batch, data_samples=data_samples)
