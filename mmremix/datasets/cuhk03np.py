"""CUHK03 (Li et al., CVPR 2014) in the new protocol (CUHK03-NP, Zhong et al., CVPR 2017)."""
import os.path as osp
from typing import Optional

from mmremix.registry import DATASETS
from .market1501 import Market1501


@DATASETS.register_module()
class CUHK03NP(Market1501):
    """CUHK03-NP: labeled or detected boxes, each subset in a Market-1501 layout and naming.

    ``data_root`` is the ``cuhk03-np`` folder holding ``labeled/`` and ``detected/``.

    Multi-camera data: ReMix (Mamedov et al., WACV 2025), Sec. 2.

    Args:
        data_root (str): The ``cuhk03-np`` folder.
        subset (str): ``'labeled'`` (hand-drawn boxes) or ``'detected'`` (DPM boxes). Defaults to
            ``'labeled'``.
        dataset_name (str, optional): Defaults to ``'cuhk03np_<subset>'``.
        **kwargs: The other arguments of :class:`BaseReIDDataset` (``split``, ``pipeline``, ...).

    Raises:
        ValueError: ``subset`` is not ``'labeled'`` or ``'detected'``; see also
            :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'cuhk03np'
    LAYOUT = ('<data_root>=cuhk03-np/{labeled,detected}/{bounding_box_train,query,'
              'bounding_box_test}/<pid>_c<camera>s<seq>_<frame>_<box>.png, '
              'e.g. 0001_c1s1_000000_00.png')
    SUBSETS = ('labeled', 'detected')

    def __init__(self,
                 data_root: str,
                 subset: str = 'labeled',
                 dataset_name: Optional[str] = None,
                 **kwargs) -> None:
        if subset not in self.SUBSETS:
            raise ValueError(f'subset must be one of {self.SUBSETS}, got {subset!r}')
        self.subset = subset
        if dataset_name is None:
            dataset_name = f'{self.DATASET_NAME}_{subset}'
        super().__init__(data_root, dataset_name=dataset_name, **kwargs)

    def part_dir(self, part: str) -> str:
        """Return the folder of a part (``'train'``, ``'query'`` or ``'gallery'``) of the subset."""
        return osp.join(self.data_root, self.subset, self.PART_DIRS[part])
