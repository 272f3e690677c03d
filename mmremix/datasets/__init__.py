from .base_reid_dataset import BaseReIDDataset, ItemArraysMixin, ReIDLabelsMixin
from .caviar4reid import CAVIAR4REID
from .cuhk01 import CUHK01
from .cuhk02 import CUHK02
from .cuhk03np import CUHK03NP
from .cuhk_sysu import CUHKSYSU
from .grid import GRID
from .ilids import iLIDS
from .market1501 import Market1501
from .msmt17 import MSMT17
from .prid2011 import PRID2011
from .reid_concat_dataset import ReIDConcatDataset
from .reid_list_dataset import ReIDListDataset
from .remix_dataset import ReMixDataset
from .samplers import *  # noqa: F401,F403
from .single_camera_videos import SingleCameraVideos
from .split_reid_dataset import BaseSplitReIDDataset
from .synthetic_reid import SyntheticReID, SyntheticVideos
from .transforms import *  # noqa: F401,F403
from .unreadable_images import UnreadableImageError
from .viper import VIPeR
from .worker_init import add_exit_with_parent, exit_with_parent_worker_init

__all__ = [
    'BaseReIDDataset', 'ItemArraysMixin', 'ReIDLabelsMixin', 'Market1501', 'MSMT17', 'CUHK03NP',
    'ReIDListDataset', 'SingleCameraVideos', 'ReIDConcatDataset', 'ReMixDataset',
    'SyntheticReID', 'SyntheticVideos', 'UnreadableImageError', 'BaseSplitReIDDataset', 'VIPeR',
    'GRID', 'PRID2011', 'iLIDS', 'CUHK01', 'CAVIAR4REID', 'CUHK02', 'CUHKSYSU',
    'add_exit_with_parent', 'exit_with_parent_worker_init'
]
