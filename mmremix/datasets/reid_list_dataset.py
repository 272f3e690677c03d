"""A labeled Re-ID dataset described by list files or Market-style folders."""
import os.path as osp

from mmremix.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDPart, parse_ints, read_list_file
from .market1501 import Market1501


@DATASETS.register_module()
class ReIDListDataset(BaseReIDDataset):
    """A custom labeled dataset: each part is a list file or a folder of Market-style names.

    Each of ``train``, ``query`` and ``gallery`` is a path relative to ``data_root`` that is either

    - a list file, one image per line: ``<path relative to data_root> <pid> <camid>`` with the
      0-based camid, or
    - a folder of images named like Market-1501 (``<pid>_c<camera>...``, 1-based camera).

    ``split='train'`` reads ``train``; ``split='test'`` reads ``query`` then ``gallery``. pid -1
    marks junk (dropped). A custom dataset in a config::

        train = dict(type='ReIDListDataset', data_root='data/mine', train='train.txt',
                     dataset_name='mine')
        test = dict(type='ReIDListDataset', data_root='data/mine', split='test', query='query.txt',
                    gallery='gallery.txt', dataset_name='mine')

    Multi-camera data: ReMix (Mamedov et al., WACV 2025), Sec. 2; file formats: design choice of
    mmremix.

    Args:
        data_root (str): Root folder; the parts and the image paths of the list files are relative
            to it.
        train (str): The train part. Defaults to ``'bounding_box_train'``.
        query (str): The query part. Defaults to ``'query'``.
        gallery (str): The gallery part. Defaults to ``'bounding_box_test'``.
        **kwargs: The other arguments of :class:`BaseReIDDataset` (``split``, ``dataset_name``,
            ...).

    Raises:
        FileNotFoundError: A part needed by the split is neither a list file nor a folder (names it
            and the layout).
        ValueError: A list line is malformed or a folder's file name does not match the Market
            pattern (names the file); see also :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'custom'
    LAYOUT = ('each part (train / query / gallery) under <data_root> is a list file with lines '
              '"<path relative to data_root> <pid> <camid, 0-based>" or a folder of Market-style '
              f'names ({Market1501.LAYOUT})')
    NAME_PATTERN = Market1501.NAME_PATTERN
    LIST_FIELDS = ('path', 'pid', 'camid')

    def __init__(self,
                 data_root: str,
                 train: str = 'bounding_box_train',
                 query: str = 'query',
                 gallery: str = 'bounding_box_test',
                 **kwargs) -> None:
        self.parts = dict(train=train, query=query, gallery=gallery)
        super().__init__(data_root, **kwargs)

    def load_part(self, part: str) -> ReIDPart:
        """Read a part from its list file or folder (``'train'``, ``'query'`` or ``'gallery'``)."""
        path = osp.join(self.data_root, self.parts[part])
        if osp.isdir(path):
            return self.load_folder(path)
        if not osp.isfile(path):
            raise FileNotFoundError(f'The {part} part {path} is neither a list file nor a folder. '
                                    f'Expected layout: {self.LAYOUT}')
        rows = read_list_file(path, self.LIST_FIELDS, self.LAYOUT)
        return ReIDPart([osp.join(self.data_root, row[0]) for row in rows],
                        parse_ints([row[1] for row in rows], 'pid', path),
                        parse_ints([row[2] for row in rows], 'camid', path), path)
