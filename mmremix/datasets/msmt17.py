"""MSMT17 (Wei et al., CVPR 2018)."""
import os.path as osp
import re

import numpy as np

from mmremix.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDPart, parse_ints, read_list_file, require_dir


@DATASETS.register_module()
class MSMT17(BaseReIDDataset):
    """MSMT17 (V1 or V2) in its release layout.

    The pids come from the list files (lines ``<path relative to train/ or test/> <pid>``); the
    camera is the third field of the file name (``0000_000_01_0303morning_0015_0.jpg``: camera 1 of
    15, camid 0).

    Multi-camera data: ReMix (Mamedov et al., WACV 2025), Sec. 2.

    Args:
        data_root (str): The ``MSMT17_V1`` or ``MSMT17_V2`` folder.
        combine_val (bool): Train on ``list_train.txt`` + ``list_val.txt`` (the usual MSMT17
            practice: the validation images show training identities) instead of
            ``list_train.txt`` alone. Defaults to True.
        **kwargs: The other arguments of :class:`BaseReIDDataset` (``split``, ``dataset_name``,
            ...).

    Raises:
        FileNotFoundError: An image folder or list file is missing (names it and the layout).
        ValueError: A list line is malformed or a file name does not match the pattern (names the
            file); see also :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'msmt17'
    LAYOUT = ('<data_root>/{train,test}/<pid>/<image>.jpg and <data_root>/list_{train,val,query,'
              'gallery}.txt with lines "<path relative to train/ or test/> <pid>"; image names '
              '<pid>_<index>_<camera>_<date+time>_<seq>_<box>.jpg, '
              'e.g. 0000_000_01_0303morning_0015_0.jpg')
    NAME_PATTERN = re.compile(r'\d+_\d+_(?P<cam>\d+)_')
    #: (image folder, list files) of each part.
    PART_LISTS = dict(
        train=('train', ('list_train.txt', 'list_val.txt')),
        query=('test', ('list_query.txt', )),
        gallery=('test', ('list_gallery.txt', )))

    def __init__(self, data_root: str, combine_val: bool = True, **kwargs) -> None:
        self.combine_val = combine_val
        super().__init__(data_root, **kwargs)

    def load_part(self, part: str) -> ReIDPart:
        """Read the list files of a part (``'train'``, ``'query'`` or ``'gallery'``)."""
        img_dir, list_names = self.PART_LISTS[part]
        if part == 'train' and not self.combine_val:
            list_names = list_names[:1]
        img_dir = require_dir(osp.join(self.data_root, img_dir), self.LAYOUT)
        paths, pids = [], []
        for list_name in list_names:
            list_path = osp.join(self.data_root, list_name)
            rows = read_list_file(list_path, ('path', 'pid'), self.LAYOUT)
            paths += [osp.join(img_dir, row[0]) for row in rows]
            pids.append(parse_ints([row[1] for row in rows], 'pid', list_path))
        return ReIDPart(paths, np.concatenate(pids),
                        self.parse_names(paths)['cam'] - 1,
                        ' + '.join(osp.join(self.data_root, name) for name in list_names))
