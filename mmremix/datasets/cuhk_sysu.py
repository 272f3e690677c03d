"""CUHK-SYSU person crops (Xiao et al., CVPR 2017), as a training source."""
import os.path as osp
import re

import numpy as np

from mmremix.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDPart
from .split_reid_dataset import list_files


@DATASETS.register_module()
class CUHKSYSU(BaseReIDDataset):
    """CUHK-SYSU's cropped persons, every image a training image (DG Protocol-1's source).

    ``<data_root>/cropped_images/p<pid>_s<scene>.jpg``: person ``<pid>`` in scene image
    ``<scene>``. The crops come from street snaps and movies with no camera ids: every image is
    camid 0 (one camera, as torchreid reads it).

    Source: Xiao et al., "Joint Detection and Identification Feature Learning for Person Search",
    CVPR 2017; Protocol-1 of the DG literature. Items and arguments: see
    :class:`BaseReIDDataset`.

    Raises:
        ValueError: ``split`` is not ``'train'``; at loading, a name does not match
            ``p<pid>_s<scene>.jpg`` (names the file and the layout).
        FileNotFoundError: ``cropped_images`` is missing (names it and the layout).
    """

    DATASET_NAME = 'cuhk_sysu'
    LAYOUT = '<data_root>/cropped_images/p<pid>_s<scene>.jpg, e.g. p11422_s16929.jpg'
    NAME_PATTERN = re.compile(r'p(?P<pid>\d+)_s\d+\.jpg$', re.IGNORECASE)
    SPLITS = ('train', )

    def load_part(self, part: str) -> ReIDPart:
        """Read ``cropped_images`` (``part`` is ``'train'``)."""
        folder = osp.join(self.data_root, 'cropped_images')
        paths = list_files(folder, ('.jpg', ), self.LAYOUT)
        pids = self.parse_names(paths)['pid']
        return ReIDPart(paths, pids, np.zeros(len(paths), dtype=np.int64), folder)
