"""Market-1501 (Zheng et al., ICCV 2015)."""
import os.path as osp
import re

from mmremix.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDPart


@DATASETS.register_module()
class Market1501(BaseReIDDataset):
    """Market-1501 in its standard layout, or any folder set laid out and named like it.

    Names ``PPPP_cCsS_FFFFFF_BB.jpg`` give the pid ``PPPP`` (-1: junk, dropped; 0: distractor, kept
    in the gallery) and the 1-based camera ``C`` (camid = C - 1). Only image files are listed (the
    original release also holds ``Thumbs.db`` files). A test split needs only ``query/`` and
    ``bounding_box_test/``.

    Multi-camera data: ReMix (Mamedov et al., WACV 2025), Sec. 2. Arguments, items and errors: see
    :class:`BaseReIDDataset`.

    Example:
        >>> from mmremix.datasets import Market1501
        >>> query_and_gallery = Market1501('data/market1501', split='test')  # doctest: +SKIP
    """

    DATASET_NAME = 'market1501'
    LAYOUT = ('<data_root>/{bounding_box_train,query,bounding_box_test}/'
              '<pid>_c<camera>s<seq>_<frame>_<box>.jpg, e.g. 0002_c1s1_000451_03.jpg')
    NAME_PATTERN = re.compile(r'(?P<pid>-?\d+)_c(?P<cam>\d)')
    PART_DIRS = dict(train='bounding_box_train', query='query', gallery='bounding_box_test')

    def part_dir(self, part: str) -> str:
        """Return the folder of a part (``'train'``, ``'query'`` or ``'gallery'``)."""
        return osp.join(self.data_root, self.PART_DIRS[part])

    def load_part(self, part: str) -> ReIDPart:
        """Read the folder of a part; see :meth:`BaseReIDDataset.load_folder`."""
        return self.load_folder(self.part_dir(part))
