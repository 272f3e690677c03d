"""GRID (Loy et al., CVPR 2009)."""
import os.path as osp
import re
from typing import Dict, List

import numpy as np
from scipy.io import loadmat

from mmremix.registry import DATASETS
from .split_reid_dataset import BaseSplitReIDDataset, SplitImages, list_files


@DATASETS.register_module()
class GRID(BaseSplitReIDDataset):
    """GRID (underground station) in its official layout, tested over 10 splits of 125 persons.

    ``<data_root>/underground_reid/probe/*.jpeg`` (view 0) and ``gallery/*.jpeg`` (view 1), names
    ``PPPP_C_frame_x_y_w_h.jpeg``: person ``PPPP`` (0001-0250; ``0000`` is one of the 775
    distractors of the gallery), camera ``C`` (1-8, camid C - 1). Each split draws 125 of the 250
    persons: query = their probe images, gallery = their gallery images plus every distractor
    (900 images); the other 125 persons are the training set.

    The splits are the official ones when ``underground_reid/features_and_partitions.mat`` exists
    (its ``trainIdxAll``: per split the 125 training persons, 1-based; read from the field whose
    name contains ``train``, else the third field, as torchreid reads it), else 10 seeded random
    splits.

    Source: Loy, Xiang and Gong, "Multi-camera activity correlation analysis", CVPR 2009, and
    the GRID protocol of Loy et al., IJCV 2010; splits, items and arguments: see
    :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`.

    Raises:
        ValueError: At loading, a name does not parse, a probe person appears twice or without a
            gallery image, or a gallery person (not 0000) has no probe image (names the folders
            and the layout); the ``.mat`` file has no 10 lists of training persons.
    """

    DATASET_NAME = 'grid'
    LAYOUT = ('<data_root>/underground_reid/{probe,gallery}/<pid:4>_<camera>_<frame>_<x>_<y>_<w>_'
              '<h>.jpeg, e.g. 0001_1_25004_107_32_106_221.jpeg; pid 0001-0250 once in probe and '
              'once in gallery, 0000 = gallery distractor; optional '
              'underground_reid/features_and_partitions.mat')
    NAME_PATTERN = re.compile(r'(?P<pid>\d{4})_(?P<cam>\d)_')
    NUM_TEST_PIDS = 125
    PARTITIONS = 'features_and_partitions.mat'

    @property
    def partitions_file(self) -> str:
        """str: The official partitions file (it may be absent)."""
        return osp.join(self.data_root, 'underground_reid', self.PARTITIONS)

    def split_params(self) -> Dict[str, object]:
        """The official partitions when present, else the seeded generation's parameters."""
        if osp.isfile(self.partitions_file):
            return dict(partitions='official')
        return super().split_params()

    def load_images(self) -> SplitImages:
        """Read ``probe`` and ``gallery`` and check that the persons pair up."""
        folders = [osp.join(self.data_root, 'underground_reid', part)
                   for part in ('probe', 'gallery')]
        probe, gallery = (list_files(folder, ('.jpeg', '.jpg'), self.LAYOUT) for folder in folders)
        parsed = [self.parse_names(paths) for paths in (probe, gallery)]
        probe_pids, gallery_pids = parsed[0]['pid'], parsed[1]['pid']
        persons = gallery_pids[gallery_pids != 0]
        if (len(np.unique(probe_pids)) != len(probe_pids) or 0 in probe_pids
                or not np.array_equal(np.sort(probe_pids), np.sort(persons))):
            raise ValueError(
                f'{folders[0]} and {folders[1]}: every person must have exactly one probe and one '
                f'gallery image and 0000 may only name gallery distractors; got '
                f'{len(probe_pids)} probe images of {len(np.unique(probe_pids))} persons and '
                f'{len(persons)} gallery images of persons. Expected layout: {self.LAYOUT}')
        views = np.repeat([0, 1], [len(probe), len(gallery)])
        camids = np.concatenate([parsed[0]['cam'], parsed[1]['cam']]) - 1
        return SplitImages(probe + gallery, np.concatenate([probe_pids, gallery_pids]), camids,
                           views)

    def generate_splits(self, images: SplitImages,
                        rng: np.random.RandomState) -> List[Dict[str, np.ndarray]]:
        """The official partitions when the ``.mat`` file exists, else seeded random splits."""
        if not osp.isfile(self.partitions_file):
            return super().generate_splits(images, rng)
        candidates = self.test_candidates(images)
        splits = []
        for train_pids in self.read_partitions(candidates):
            is_train = np.isin(images.pids, train_pids)
            is_test = np.isin(images.pids, candidates) & ~is_train
            splits.append(dict(
                train=np.flatnonzero(is_train),
                query=np.flatnonzero(is_test & (images.views == 0)),
                gallery=np.flatnonzero((is_test & (images.views == 1)) | (images.pids == 0))))
        return splits

    def read_partitions(self, candidates: np.ndarray) -> List[np.ndarray]:
        """Read the training persons of each official split from ``trainIdxAll``.

        Args:
            candidates (np.ndarray): The pids that have probe and gallery images.

        Returns:
            list[np.ndarray]: ``NUM_SPLITS`` int64 arrays of training pids.

        Raises:
            ValueError: ``trainIdxAll`` is missing, does not hold ``NUM_SPLITS`` entries, or an
                entry names persons that are not in the folders (names the file).
        """
        mat = loadmat(self.partitions_file)
        if 'trainIdxAll' not in mat:
            raise ValueError(f'{self.partitions_file} has no variable trainIdxAll')
        entries = mat['trainIdxAll'].ravel()
        if len(entries) != self.NUM_SPLITS:
            raise ValueError(f'{self.partitions_file}: trainIdxAll holds {len(entries)} splits, '
                             f'expected {self.NUM_SPLITS}')
        lists = []
        for num, entry in enumerate(entries):
            record = np.asarray(entry).ravel()[0]
            names = record.dtype.names or ()
            field = next((name for name in names if 'train' in name.lower()),
                         names[2] if len(names) > 2 else None)
            if field is None:
                raise ValueError(f'{self.partitions_file}: trainIdxAll entry {num} has no '
                                 f'training-index field (fields: {names})')
            train = np.asarray(record[field]).astype(np.int64).ravel()
            if not np.isin(train, candidates).all():
                raise ValueError(f'{self.partitions_file}: split {num} names training persons '
                                 f'not in {self.data_root}')
            lists.append(train)
        return lists
