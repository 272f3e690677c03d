"""Packing of a loaded Re-ID sample into model inputs and a data sample."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.structures import DataSample

from mmremix.registry import TRANSFORMS


def _image_to_tensor(img: np.ndarray) -> torch.Tensor:
    """(H, W, C) or (H, W) uint8 array -> contiguous (C, H, W) tensor, dtype kept."""
    if img.ndim == 2:
        img = img[..., None]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackReIDInputs(BaseTransform):
    """Pack a Re-ID sample: the image(s) as tensors and the ids as metainfo of a ``DataSample``.

    Required keys: ``img`` (an (H, W, C) uint8 array, or a list of such arrays, one per view, as
    mmpretrain's ``MultiView`` makes). Optional keys, packed as metainfo with the defaults given:
    ``sample_idx``, ``img_path``, ``dataset_name`` (''), ``pid`` (-1), ``camid`` (-1),
    ``video_id`` (-1), ``is_query`` (False), plus any key named in ``meta_keys``.

    Results:
        dict: ``inputs``: a (C, H, W) uint8 tensor, or a list of them (one per view);
        ``data_samples``: a :class:`mmpretrain.structures.DataSample`.

    Args:
        meta_keys (Sequence[str]): Extra keys to copy into the metainfo when present.

    Raises:
        KeyError: If ``img`` is missing.

    Source: design choice of mmremix (``docs/architecture.md``).
    """

    DEFAULTS = dict(dataset_name='', pid=-1, camid=-1, video_id=-1, is_query=False)
    OPTIONAL_KEYS = ('sample_idx', 'img_path', 'ori_shape', 'img_shape')

    def __init__(self, meta_keys: Sequence[str] = ()) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'img' not in results:
            raise KeyError(f'PackReIDInputs needs the key "img"; got keys {sorted(results)}. '
                           'Put a LoadImageFromFile transform before it.')
        img = results['img']
        if isinstance(img, (list, tuple)):
            inputs = [_image_to_tensor(view) for view in img]
        else:
            inputs = _image_to_tensor(img)
        metainfo = {key: results.get(key, default) for key, default in self.DEFAULTS.items()}
        for key in self.OPTIONAL_KEYS + self.meta_keys:
            if key in results:
                metainfo[key] = results[key]
        return dict(inputs=inputs, data_samples=DataSample(metainfo=metainfo))

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
