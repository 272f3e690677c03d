"""PRID2011, single-shot (Hirzer et al., SCIA 2011)."""
import os.path as osp
import re

import numpy as np

from mmremix.registry import DATASETS
from .split_reid_dataset import BaseSplitReIDDataset, SplitImages, list_files


@DATASETS.register_module()
class PRID2011(BaseSplitReIDDataset):
    """PRID2011 (single-shot) in its official layout, tested over 10 seeded splits of 100 persons.

    ``<data_root>/prid_2011/single_shot/cam_a/person_NNNN.png`` (385 persons, camid 0, view 0) and
    ``cam_b/person_NNNN.png`` (749 persons, camid 1, view 1). Persons 0001-0200 are the same people
    in both cameras; the other numbers are different people in each camera. Each split draws 100
    of the 200 shared persons: query = their ``cam_a`` images, gallery = their ``cam_b`` images
    plus the ``cam_b`` images of persons 0201-0749 (649 images); the other 100 shared persons are
    the training set. The ``cam_a`` persons 0201-0385 are in no split and are not loaded.

    Source: Hirzer et al., "Person Re-Identification by Descriptive and Discriminative
    Classification", SCIA 2011; splits, items and arguments: see
    :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`.

    Raises:
        ValueError: At loading, a file name does not match ``person_NNNN.png``, or a person
            0001-0200 is missing from a camera (names the folder and the layout); see the base
            class.
    """

    DATASET_NAME = 'prid2011'
    LAYOUT = ('<data_root>/prid_2011/single_shot/{cam_a,cam_b}/person_<pid:4>.png, e.g. '
              'person_0001.png; persons 0001-0200 in both cameras (cam_a 385, cam_b 749 persons)')
    NAME_PATTERN = re.compile(r'person_(?P<pid>\d{4})\.png$', re.IGNORECASE)
    NUM_TEST_PIDS = 100
    #: Persons 1 ... NUM_SHARED_PIDS are seen by both cameras.
    NUM_SHARED_PIDS = 200

    def load_images(self) -> SplitImages:
        """Read ``cam_a`` (shared persons only) and ``cam_b``."""
        shared = np.arange(1, self.NUM_SHARED_PIDS + 1)
        paths, pids, views = [], [], []
        for view, cam in enumerate(('cam_a', 'cam_b')):
            folder = osp.join(self.data_root, 'prid_2011', 'single_shot', cam)
            cam_paths = list_files(folder, ('.png', ), self.LAYOUT)
            cam_pids = self.parse_names(cam_paths)['pid']
            missing = np.setdiff1d(shared, cam_pids)
            if missing.size:
                raise ValueError(f'{folder} lacks person(s) {missing[:5].tolist()} of the '
                                 f'{self.NUM_SHARED_PIDS} seen by both cameras. Expected layout: '
                                 f'{self.LAYOUT}')
            keep = np.flatnonzero(np.isin(cam_pids, shared) if view == 0 else cam_pids > 0)
            paths += [cam_paths[i] for i in keep]
            pids.append(cam_pids[keep])
            views.append(np.full(len(keep), view))
        views = np.concatenate(views)
        return SplitImages(paths, np.concatenate(pids), views.copy(), views)

    def test_candidates(self, images: SplitImages) -> np.ndarray:
        """Persons 1 ... ``NUM_SHARED_PIDS``: the same people in both cameras."""
        return np.arange(1, self.NUM_SHARED_PIDS + 1)
