"""QMUL iLIDS (Zheng et al., BMVC 2009)."""
import os.path as osp
import re
from typing import Dict, List

import numpy as np

from mmremix.registry import DATASETS
from .split_reid_dataset import BaseSplitReIDDataset, SplitImages, list_files


@DATASETS.register_module()
class iLIDS(BaseSplitReIDDataset):
    """QMUL iLIDS in its official layout, tested over 10 seeded splits of 60 persons.

    ``<data_root>/i-LIDS_Pedestrian/Persons/PPPPIII.jpg``: person ``PPPP`` (119 persons, 476
    images), image ``III``; there are no camera ids (camid 0). Each split draws 60 test persons
    and, for each, two of its images at random: one query and one gallery image (evaluation treats
    query and gallery as different cameras); the other 59 persons are the training set.

    Source: Zheng, Gong and Xiang, "Associating Groups of People", BMVC 2009; the 60-person,
    one-shot protocol of the DG literature; splits, items and arguments: see
    :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`.

    Raises:
        ValueError: At loading, a file name does not match ``PPPPIII.jpg`` or a person has fewer
            than two images (names the folder and the layout); see the base class for the others.
    """

    DATASET_NAME = 'ilids'
    LAYOUT = ('<data_root>/i-LIDS_Pedestrian/Persons/<pid:4><image:3>.jpg, e.g. 0001001.jpg '
              '(119 persons, at least 2 images each)')
    NAME_PATTERN = re.compile(r'(?P<pid>\d{4})(?P<img>\d{3})\.jpg$', re.IGNORECASE)
    NUM_TEST_PIDS = 60

    def load_images(self) -> SplitImages:
        """Read ``Persons``; every image is camid 0, view 0."""
        folder = osp.join(self.data_root, 'i-LIDS_Pedestrian', 'Persons')
        paths = list_files(folder, ('.jpg', ), self.LAYOUT)
        pids = self.parse_names(paths)['pid']
        persons, counts = np.unique(pids, return_counts=True)
        if (counts < 2).any():
            raise ValueError(f'{folder}: person(s) {persons[counts < 2][:5].tolist()} have fewer '
                             f'than 2 images. Expected layout: {self.LAYOUT}')
        zeros = np.zeros(len(paths), dtype=np.int64)
        return SplitImages(paths, pids, zeros, zeros.copy())

    def test_candidates(self, images: SplitImages) -> np.ndarray:
        """Every person (all have at least two images)."""
        return np.unique(images.pids)

    def generate_splits(self, images: SplitImages,
                        rng: np.random.RandomState) -> List[Dict[str, np.ndarray]]:
        """Per split: ``num_test_pids`` persons, one random query and one random gallery image
        each; the other persons' images for training."""
        candidates = self.test_candidates(images)
        num_test = self.num_tests_of(candidates)
        splits = []
        for _ in range(self.NUM_SPLITS):
            test = rng.permutation(candidates)[:num_test]
            # a random order of the images within each person: its first two are query, gallery
            order = np.lexsort((rng.random_sample(len(images.pids)), images.pids))
            first = np.unique(images.pids[order], return_index=True)[1]
            is_test = np.isin(images.pids[order[first]], test)
            splits.append(dict(
                train=np.flatnonzero(~np.isin(images.pids, test)),
                query=order[first[is_test]],
                gallery=order[first[is_test] + 1]))
        return splits
