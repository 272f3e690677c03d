"""CUHK02 (Li and Wang, CVPR 2013), as a training source."""
import os.path as osp
import re

import numpy as np

from mmremix.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDPart
from .split_reid_dataset import list_files


@DATASETS.register_module()
class CUHK02(BaseReIDDataset):
    """CUHK02 in its standard layout, every image a training image (DG Protocol-1's source).

    ``<data_root>/Dataset/P{1..5}/cam{1,2}/<pid>_<image>.png``: five camera pairs, each person seen
    by the two cameras of one pair. Person ``<pid>`` of pair ``Pk`` is a person of its own (pids are
    made unique as ``k * 100000 + pid`` before the relabelling of the train split); camera ``j`` of
    pair ``k`` is camid ``2 * (k - 1) + j - 1``. ``cam_pairs`` picks the pairs (the DG protocol
    trains on all five; torchreid's own protocol keeps P5 for testing).

    Source: Li and Wang, "Locally Aligned Feature Transforms across Views", CVPR 2013; Protocol-1
    of the DG literature (Song et al., "Generalizable Person Re-identification by Domain-Invariant
    Mapping Network", CVPR 2019). Items and the other arguments: see :class:`BaseReIDDataset`.

    Args:
        data_root (str): The folder holding ``Dataset/``.
        cam_pairs (Sequence[str]): Camera pairs to read. Defaults to ``('P1', ..., 'P5')``.
        **kwargs: Arguments of :class:`BaseReIDDataset` (``split`` must be ``'train'``).

    Raises:
        ValueError: ``split`` is not ``'train'``; at loading, a name does not match
            ``<pid>_<image>.png`` (names the file and the layout).
        FileNotFoundError: A pair or camera folder is missing (names it and the layout).
    """

    DATASET_NAME = 'cuhk02'
    LAYOUT = ('<data_root>/Dataset/P{1..5}/cam{1,2}/<pid>_<image>.png, e.g. '
              'Dataset/P1/cam1/0001_01.png')
    NAME_PATTERN = re.compile(r'(?P<pid>\d+)_\d+\.png$', re.IGNORECASE)
    SPLITS = ('train', )
    PID_STRIDE = 100000

    def __init__(self, data_root: str, cam_pairs=('P1', 'P2', 'P3', 'P4', 'P5'), **kwargs) -> None:
        self.cam_pairs = tuple(cam_pairs)
        super().__init__(data_root, **kwargs)

    def load_part(self, part: str) -> ReIDPart:
        """Read every camera of every pair of ``cam_pairs`` (``part`` is ``'train'``)."""
        paths, pids, camids = [], [], []
        for pair in self.cam_pairs:
            pair_num = int(pair.lstrip('Pp'))
            for cam in (1, 2):
                folder = osp.join(self.data_root, 'Dataset', pair, f'cam{cam}')
                files = list_files(folder, ('.png', ), self.LAYOUT)
                paths += files
                pids.append(self.parse_names(files)['pid'] + pair_num * self.PID_STRIDE)
                camids.append(np.full(len(files), 2 * (pair_num - 1) + cam - 1))
        return ReIDPart(paths, np.concatenate(pids), np.concatenate(camids),
                        osp.join(self.data_root, 'Dataset'))
