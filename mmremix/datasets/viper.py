"""VIPeR (Gray and Tao, ECCV 2008)."""
import os.path as osp

import numpy as np

from mmremix.registry import DATASETS
from .split_reid_dataset import BaseSplitReIDDataset, SplitImages, list_files


@DATASETS.register_module()
class VIPeR(BaseSplitReIDDataset):
    """VIPeR in its official layout, tested over 10 seeded splits of 316 persons.

    ``<data_root>/VIPeR/cam_a/*.bmp`` and ``cam_b/*.bmp``: the i-th image of each folder (sorted by
    name) shows person i (pid i + 1); ``cam_a`` is camid 0 and view 0. Each split draws 316 of the
    632 persons as test persons: query = their ``cam_a`` images, gallery = their ``cam_b`` images;
    the other 316 persons are the training set. Split ids 10-19 are splits 0-9 with the directions
    swapped (query ``cam_b``, gallery ``cam_a``), as torchreid numbers them; the default
    ``split_ids`` 0-9 report the standard cam_a -> cam_b direction.

    Source: Gray and Tao, "Viewpoint Invariant Pedestrian Recognition with an Ensemble of
    Localized Features", ECCV 2008 (the 316 / 316 protocol); splits, items and arguments: see
    :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`.

    Raises:
        ValueError: At loading, ``cam_a`` and ``cam_b`` hold different numbers of images (names
            both folders and the layout); see the base class for the others.

    Example:
        >>> from mmremix.datasets import VIPeR
        >>> viper = VIPeR('../shared/data/viper', split_ids=range(20))  # doctest: +SKIP
    """

    DATASET_NAME = 'viper'
    LAYOUT = ('<data_root>/VIPeR/{cam_a,cam_b}/*.bmp, e.g. 000_45.bmp; the i-th image of cam_a and '
              'of cam_b (sorted by name) show the same person (632 persons)')
    REVERSIBLE = True
    NUM_TEST_PIDS = 316

    def load_images(self) -> SplitImages:
        """Read ``cam_a`` and ``cam_b``; pair their images by sorted position."""
        cam_a, cam_b = (list_files(osp.join(self.data_root, 'VIPeR', cam), ('.bmp', ), self.LAYOUT)
                        for cam in ('cam_a', 'cam_b'))
        if len(cam_a) != len(cam_b):
            raise ValueError(
                f'{osp.dirname(cam_a[0])} holds {len(cam_a)} images and {osp.dirname(cam_b[0])} '
                f'{len(cam_b)}: expected one image per person in each. Expected layout: '
                f'{self.LAYOUT}')
        pids = np.tile(np.arange(1, len(cam_a) + 1), 2)
        views = np.repeat([0, 1], len(cam_a))
        return SplitImages(cam_a + cam_b, pids, views.copy(), views)
