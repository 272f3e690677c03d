"""CAVIAR4REID (Cheng et al., BMVC 2011)."""
import os.path as osp
import re

from mmremix.registry import DATASETS
from .split_reid_dataset import BaseSplitReIDDataset, SplitImages, list_files


@DATASETS.register_module()
class CAVIAR4REID(BaseSplitReIDDataset):
    """CAVIAR4REID in its official layout, tested on its 50 two-camera persons.

    ``<data_root>/caviarRAW/PPPPIII.jpg``: person ``PPPP``, image ``III``; by the dataset's
    convention images 001-010 are camera 1 (camid 0, view 0) and 011-020 camera 2 (camid 1,
    view 1). The 50 persons with images from both cameras (0023-0072 in the release; the other 22
    are seen by one camera) form the test set.

    Protocol (design choice of mmremix, the one of the reference figures in
    ``../shared/data/README.md``): one fixed split (``NUM_SPLITS = 1``, ``num_test_pids=None``):
    query = every camera-1 image of the 50 persons (500), gallery = every camera-2 image of them
    (500); no training persons. ``num_test_pids=n`` instead draws 10 seeded splits of n test
    persons, the others being the training set.

    Source: Cheng et al., "Custom Pictorial Structures for Re-identification", BMVC 2011; splits,
    items and arguments: see :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`.

    Raises:
        ValueError: At loading, a file name does not match ``PPPPIII.jpg`` or no person is seen by
            both cameras (names the folder and the layout); see the base class for the others.
    """

    DATASET_NAME = 'caviar4reid'
    LAYOUT = ('<data_root>/caviarRAW/<pid:4><image:3>.jpg, e.g. 0023011.jpg; images 001-010 camera '
              '1, 011-020 camera 2')
    NAME_PATTERN = re.compile(r'(?P<pid>\d{4})(?P<img>\d{3})\.jpg$', re.IGNORECASE)
    NUM_SPLITS = 1
    #: Images 001 ... LAST_CAMERA1_IMAGE are camera 1.
    LAST_CAMERA1_IMAGE = 10

    def __init__(self, data_root: str, num_test_pids=None, **kwargs) -> None:
        if num_test_pids is not None:
            self.NUM_SPLITS = 10
        super().__init__(data_root, num_test_pids=num_test_pids, **kwargs)

    def load_images(self) -> SplitImages:
        """Read ``caviarRAW``; the camera comes from the image index."""
        paths = list_files(osp.join(self.data_root, 'caviarRAW'), ('.jpg', ), self.LAYOUT)
        parsed = self.parse_names(paths)
        views = (parsed['img'] > self.LAST_CAMERA1_IMAGE).astype(int)
        images = SplitImages(paths, parsed['pid'], views.copy(), views)
        if self.test_candidates(images).size == 0:
            raise ValueError(f'{osp.dirname(paths[0])}: no person has images of both cameras. '
                             f'Expected layout: {self.LAYOUT}')
        return images
