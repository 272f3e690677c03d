"""CUHK01 (Li et al., ACCV 2012)."""
import os.path as osp
import re

import numpy as np

from mmremix.registry import DATASETS
from .split_reid_dataset import BaseSplitReIDDataset, SplitImages, list_files


@DATASETS.register_module()
class CUHK01(BaseSplitReIDDataset):
    """CUHK01 in its official layout, tested over 10 seeded splits of 486 persons.

    ``<data_root>/campus/NNNNIII.png``: person ``NNNN`` (971 persons), image ``III``; images 001-002
    are camera A (camid 0, view 0), 003-004 camera B (camid 1, view 1). Each split draws 486 test
    persons: query = their camera-A images, gallery = their camera-B images; the other 485 persons
    are the training set. Split ids 10-19 are splits 0-9 with query and gallery swapped (camera B
    -> camera A).

    Source: Li, Zhao and Wang, "Human Reidentification with Transferred Metric Learning",
    ACCV 2012 (the 485 / 486 protocol); splits, items and arguments: see
    :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`.

    Raises:
        ValueError: At loading, a file name does not match ``NNNNIII.png``, or a person lacks
            images of one camera (names the folder, the pids and the layout); see the base class.
    """

    DATASET_NAME = 'cuhk01'
    LAYOUT = ('<data_root>/campus/<pid:4><image:3>.png, e.g. 0001001.png; images 001-002 camera A, '
              '003-004 camera B (971 persons)')
    NAME_PATTERN = re.compile(r'(?P<pid>\d{4})(?P<img>\d{3})\.png$', re.IGNORECASE)
    REVERSIBLE = True
    NUM_TEST_PIDS = 486
    #: Images 001 ... LAST_CAMERA_A_IMAGE are camera A.
    LAST_CAMERA_A_IMAGE = 2

    def load_images(self) -> SplitImages:
        """Read ``campus``; the camera comes from the image index."""
        paths = list_files(osp.join(self.data_root, 'campus'), ('.png', ), self.LAYOUT)
        parsed = self.parse_names(paths)
        views = (parsed['img'] > self.LAST_CAMERA_A_IMAGE).astype(int)
        images = SplitImages(paths, parsed['pid'], views.copy(), views)
        one_camera = np.setdiff1d(images.pids, self.test_candidates(images))
        if one_camera.size:
            raise ValueError(
                f'{osp.dirname(paths[0])}: person(s) {one_camera[:5].tolist()} lack images of '
                f'camera A or B. Expected layout: {self.LAYOUT}')
        return images
