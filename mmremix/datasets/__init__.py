from .base_reid_dataset import BaseReIDDataset, ItemArraysMixin, ReIDLabelsMixin
from .cuhk03np import CUHK03NP
from .market1501 import Market1501
from .msmt17 import MSMT17
from .reid_concat_dataset import ReIDConcatDataset
from .reid_list_dataset import ReIDListDataset
from .remix_dataset import ReMixDataset
from .samplers import *  # noqa: F401,F403
from .single_camera_videos import SingleCameraVideos
from .synthetic_reid import SyntheticReID, SyntheticVideos
from .transforms import *  # noqa: F401,F403
from .unreadable_images import UnreadableImageError

__all__ = [
    'BaseReIDDataset', 'ItemArraysMixin', 'ReIDLabelsMixin', 'Market1501', 'MSMT17', 'CUHK03NP',
    'ReIDListDataset', 'SingleCameraVideos', 'ReIDConcatDataset', 'ReMixDataset',
    'SyntheticReID', 'SyntheticVideos', 'UnreadableImageError'
]
