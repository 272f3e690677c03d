"""Small Re-ID targets evaluated over seeded train / test splits kept in a JSON split file.

The domain-generalization protocol (ReMix (Mamedov et al., WACV 2025), evaluation; the standard
splits of torchreid and of the DG literature) tests on small datasets (VIPeR, GRID, PRID2011, iLIDS,
CUHK01, CAVIAR4REID) with no official query / gallery folders: each of 10 random splits picks the
test persons, and results are averaged over the splits. The splits are generated once from a seed,
written to a JSON file and read back, so every run and every model compares on the same images.
"""
import hashlib
import json
import os
import os.path as osp
import stat
import tempfile
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from .base_reid_dataset import BaseReIDDataset, require_dir

#: Where generated split files go when the data folder is read-only (``split_dir=None``).
DEFAULT_SPLIT_DIR = osp.join(
    os.environ.get('XDG_CACHE_HOME', osp.join(osp.expanduser('~'), '.cache')), 'mmremix', 'splits')
#: Roles of an image in one split (item field ``split_roles``).
ABSENT, QUERY, GALLERY = -1, 0, 1
SPLIT_PARTS = ('train', 'query', 'gallery')


class SplitImages(NamedTuple):
    """All images of a split target, in a fixed order.

    Attributes:
        img_paths (list[str]): N absolute paths.
        pids (np.ndarray): int64 (N,) person ids (0: a distractor of the gallery).
        camids (np.ndarray): int64 (N,) 0-based camera ids (0 where the dataset has none).
        views (np.ndarray): int64 (N,) 0 for the query side (e.g. VIPeR ``cam_a``), 1 for the
            gallery side (``cam_b``); 0 for every image of a dataset without views (iLIDS).
    """
    img_paths: List[str]
    pids: np.ndarray
    camids: np.ndarray
    views: np.ndarray


def list_files(folder: str, extensions: Sequence[str], layout: str) -> List[str]:
    """List the files of ``folder`` with one of ``extensions`` (case-insensitive), sorted by name.

    Args:
        folder (str): The folder.
        extensions (Sequence[str]): Lower-case extensions with the dot, e.g. ``('.bmp',)``.
        layout (str): The expected layout, quoted in the errors.

    Returns:
        list[str]: Absolute paths.

    Raises:
        FileNotFoundError: The folder is missing (names it and ``layout``).
        ValueError: It holds no such file (names it, the extensions and ``layout``).

    Source: design choice of mmremix.
    """
    folder = require_dir(folder, layout)
    names = sorted(entry.name for entry in os.scandir(folder)
                   if entry.is_file() and entry.name.lower().endswith(tuple(extensions)))
    if not names:
        raise ValueError(f'{folder} holds no {"/".join(extensions)} image. Expected layout: '
                         f'{layout}')
    return [osp.join(folder, name) for name in names]


def is_writable_dir(folder: str) -> bool:
    """Whether new files may be written in ``folder``: it is writable for this process *and* its
    permission bits grant some write access (so a read-only tree is respected by root as well)."""
    mode = os.stat(folder).st_mode
    return os.access(folder, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


class BaseSplitReIDDataset(BaseReIDDataset):
    """Base class of the Re-ID targets evaluated over seeded random splits.

    A subclass reads its layout in :meth:`load_images` (paths, pids, camids and the query /
    gallery view of every image). The default :meth:`generate_splits` is the two-view protocol of
    VIPeR, GRID, PRID2011, CUHK01 and CAVIAR4REID: each split draws ``num_test_pids`` of the
    persons seen in both views (:meth:`test_candidates`); their view-0 images are the queries,
    their view-1 images the gallery, which also keeps every view-1 image of a person who can never
    be a test person (GRID's distractors, PRID's cam_b-only persons); the images of the other
    candidates are the training set. With ``REVERSIBLE`` the split ids ``NUM_SPLITS`` ...
    ``2 * NUM_SPLITS - 1`` repeat splits 0 ... ``NUM_SPLITS - 1`` with query and gallery swapped
    (the reverse direction, e.g. VIPeR cam_b -> cam_a), as torchreid numbers them.

    **Split file.** The ``2 * NUM_SPLITS`` (or ``NUM_SPLITS``) splits are generated once with
    ``np.random.RandomState(seed)`` (stable across numpy versions) and written as JSON::

        {"dataset": "VIPeR", "params": {"num_test_pids": 316, "seed": 0},
         "splits": [{"train": [paths], "query": [paths], "gallery": [paths]}, ...]}

    (paths relative to ``data_root``, ``/``-separated), then read back; every later run reads the
    file. With ``split_file`` given, that file is read (it must exist). Otherwise the file
    ``splits_<class>_<params>.json`` is looked up beside the data (``data_root``) and then under
    ``split_dir/<hash of data_root>/``; a new file is written beside the data when ``data_root`` is
    writable, else under ``split_dir`` (a read-only data tree, like ``../shared/data``, is never
    written to). Writes are atomic (temporary file, rename), so parallel ranks agree.

    **Items.** ``split='test'`` lists every image that is a query or a gallery image in at least
    one of ``split_ids``, once, so a test run extracts its features once for all splits. Besides
    ``img_path``, ``pid``, ``camid`` and ``dataset_name``, each item has ``split_roles``: a list
    with one entry per id of ``split_ids``, ``0`` query, ``1`` gallery, ``-1`` not in that split.
    Items have no ``is_query``: :class:`~mmremix.evaluation.metrics.ReIDMetric` evaluates each
    split from ``split_roles`` (pack it with ``PackReIDInputs(meta_keys=('split_roles',))``).
    ``split='train'`` (one split id) lists the training images of that split with relabelled pids
    and camids, as :class:`BaseReIDDataset` does. ``metainfo`` adds ``split_ids`` and
    ``split_file`` (the file read).

    Source: the 10-split protocol of the small Re-ID targets (Gray and Tao, ECCV 2008 for VIPeR;
    torchreid's split numbering); the split file format, its location and ``split_roles`` are
    design choices of mmremix.

    Args:
        data_root (str): Root folder of the dataset (the parent of its official folder).
        split (str): ``'test'`` (query and gallery of every split id) or ``'train'``.
            Defaults to ``'test'``.
        split_ids (Sequence[int], optional): Splits to use. None: ``0 ... NUM_SPLITS - 1`` (the
            standard direction). ``'train'`` takes exactly one.
        num_test_pids (int, optional): Test persons per split; None: all candidates (one split
            is then the whole protocol). Defaults to ``NUM_TEST_PIDS`` of the class.
        seed (int): Seed of the split generation. Defaults to 0.
        split_file (str, optional): A split file to read instead of the default one.
        split_dir (str, optional): Folder of generated split files when ``data_root`` is
            read-only. Defaults to ``$XDG_CACHE_HOME/mmremix/splits`` (``~/.cache/...``).
        **kwargs: Arguments of :class:`BaseReIDDataset` (``dataset_name``, ``pipeline``, ...).

    Raises:
        ValueError: ``split_ids`` is empty, holds an id outside the file's splits, or several ids
            with ``split='train'``; at loading, the data does not match the layout (names the
            folder and ``LAYOUT``), there are too few candidates for ``num_test_pids``, or a split
            file is malformed (names the file, the split and the entry).
        FileNotFoundError: A folder of the layout or the given ``split_file`` is missing.
    """

    #: Number of generated splits (before the reverse ones).
    NUM_SPLITS: int = 10
    #: Whether split ids NUM_SPLITS ... 2 * NUM_SPLITS - 1 are the reverse direction.
    REVERSIBLE: bool = False
    #: Default test persons per split.
    NUM_TEST_PIDS: Optional[int] = None

    def __init__(self,
                 data_root: str,
                 split: str = 'test',
                 split_ids: Optional[Sequence[int]] = None,
                 num_test_pids: Optional[int] = -1,
                 seed: int = 0,
                 split_file: Optional[str] = None,
                 split_dir: Optional[str] = None,
                 **kwargs) -> None:
        split_ids = tuple(range(self.NUM_SPLITS)) if split_ids is None else tuple(split_ids)
        if not split_ids:
            raise ValueError(f'{type(self).__name__}: `split_ids` must name at least one split')
        if split == 'train' and len(split_ids) != 1:
            raise ValueError(f"{type(self).__name__}: split='train' takes one split id, got "
                             f'split_ids={split_ids}')
        self.split_ids = split_ids
        self.num_test_pids = self.NUM_TEST_PIDS if num_test_pids == -1 else num_test_pids
        self.seed = seed
        self.split_file = split_file
        self.split_dir = DEFAULT_SPLIT_DIR if split_dir is None else split_dir
        super().__init__(data_root, split=split, **kwargs)

    # -- what a subclass provides ------------------------------------------------------------

    def load_images(self) -> SplitImages:
        """Read every image of the layout; see :class:`SplitImages`."""
        raise NotImplementedError(f'{type(self).__name__} must implement load_images')

    def test_candidates(self, images: SplitImages) -> np.ndarray:
        """Persons a split may draw as test persons: by default those seen in both views.

        Args:
            images (SplitImages): All images.

        Returns:
            np.ndarray: int64 sorted unique pids.
        """
        return np.intersect1d(images.pids[images.views == 0], images.pids[images.views == 1])

    def split_params(self) -> Dict[str, object]:
        """The generation parameters, stored in the split file and part of its default name."""
        return dict(num_test_pids=self.num_test_pids, seed=self.seed)

    def generate_splits(self, images: SplitImages,
                        rng: np.random.RandomState) -> List[Dict[str, np.ndarray]]:
        """Draw ``NUM_SPLITS`` splits of the two-view protocol (see the class docstring).

        Args:
            images (SplitImages): All images.
            rng (np.random.RandomState): The seeded generator.

        Returns:
            list[dict[str, np.ndarray]]: Per split, int64 image indices of ``train``, ``query``
            and ``gallery``.

        Raises:
            ValueError: Fewer candidates than ``num_test_pids``.
        """
        candidates = self.test_candidates(images)
        num_test = self.num_tests_of(candidates)
        always_gallery = (images.views == 1) & ~np.isin(images.pids, candidates)
        splits = []
        for _ in range(self.NUM_SPLITS):
            test = rng.permutation(candidates)[:num_test]
            is_test = np.isin(images.pids, test)
            train = np.isin(images.pids, candidates) & ~is_test
            splits.append(dict(
                train=np.flatnonzero(train),
                query=np.flatnonzero(is_test & (images.views == 0)),
                gallery=np.flatnonzero((is_test & (images.views == 1)) | always_gallery)))
        return splits

    def num_tests_of(self, candidates: np.ndarray) -> int:
        """``num_test_pids``, checked against the candidates (None: all of them).

        Raises:
            ValueError: More test persons asked than candidates (names the folder).
        """
        if self.num_test_pids is None:
            return len(candidates)
        if not 0 < self.num_test_pids <= len(candidates):
            raise ValueError(
                f'{type(self).__name__} at {self.data_root}: num_test_pids={self.num_test_pids} '
                f'but only {len(candidates)} persons can be test persons. Expected layout: '
                f'{self.LAYOUT}')
        return self.num_test_pids

    # -- split file ---------------------------------------------------------------------------

    def default_split_name(self) -> str:
        """The generated split file's name, e.g. ``splits_viper_num_test_pids316_seed0.json``."""
        params = '_'.join(f'{key}{value}' for key, value in self.split_params().items())
        return f'splits_{type(self).__name__.lower()}_{params}.json'

    def resolve_split_file(self, images: SplitImages) -> str:
        """Find the split file to read, generating and writing it first when there is none.

        Returns:
            str: The path of the split file.

        Raises:
            FileNotFoundError: ``split_file`` was given and does not exist.
        """
        if self.split_file is not None:
            if not osp.isfile(self.split_file):
                raise FileNotFoundError(f'{type(self).__name__}: split_file {self.split_file} '
                                        'does not exist')
            return self.split_file
        name = self.default_split_name()
        beside = osp.join(self.data_root, name)
        root_hash = hashlib.sha1(self.data_root.encode()).hexdigest()[:10]
        cached = osp.join(self.split_dir, root_hash, name)
        for path in (beside, cached):
            if osp.isfile(path):
                return path
        path = beside if is_writable_dir(self.data_root) else cached
        self.write_split_file(path, images)
        return path

    def write_split_file(self, path: str, images: SplitImages) -> None:
        """Generate the splits and write them atomically to ``path`` (see the class docstring)."""
        splits = self.generate_splits(images, np.random.RandomState(self.seed))
        if self.REVERSIBLE:
            splits += [dict(train=s['train'], query=s['gallery'], gallery=s['query'])
                       for s in splits]
        rel = [osp.relpath(p, self.data_root).replace(os.sep, '/') for p in images.img_paths]
        content = dict(
            dataset=type(self).__name__,
            params=self.split_params(),
            splits=[{part: [rel[i] for i in np.sort(s[part])] for part in SPLIT_PARTS}
                    for s in splits])
        os.makedirs(osp.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp')
        with os.fdopen(fd, 'w') as f:
            json.dump(content, f, indent=1)
        os.replace(tmp, path)

    def read_split_file(self, path: str, images: SplitImages) -> List[Dict[str, np.ndarray]]:
        """Read and check a split file.

        Args:
            path (str): The JSON file.
            images (SplitImages): All images of the layout.

        Returns:
            list[dict[str, np.ndarray]]: Per split, int64 image indices of each part.

        Raises:
            ValueError: The file is not a split file of this dataset, an image it names is not
                in the layout, a split has an empty query or gallery, an image in both, train
                persons among its test persons, or a query person without a gallery image
                (each names the file and the split).
        """
        with open(path) as f:
            content = json.load(f)
        if not isinstance(content, dict) or not isinstance(content.get('splits'), list):
            raise ValueError(f'{path} is not a split file: expected a JSON object with "splits": '
                             '[{"train": [...], "query": [...], "gallery": [...]}, ...]')
        if content.get('dataset', type(self).__name__) != type(self).__name__:
            raise ValueError(f'{path} holds splits of {content["dataset"]}, not of '
                             f'{type(self).__name__}')
        index = {osp.relpath(p, self.data_root).replace(os.sep, '/'): i
                 for i, p in enumerate(images.img_paths)}
        splits = []
        for num, entry in enumerate(content['splits']):
            where = f'{path}, split {num}'
            parts = {}
            for part in SPLIT_PARTS:
                names = entry.get(part) if isinstance(entry, dict) else None
                if not isinstance(names, list):
                    raise ValueError(f'{where}: expected a list "{part}" of image paths')
                unknown = [name for name in names if name not in index]
                if unknown:
                    raise ValueError(f'{where}: "{part}" names {len(unknown)} image(s) not in '
                                     f'{self.data_root}, e.g. {unknown[0]!r}')
                parts[part] = np.asarray([index[name] for name in names], dtype=np.int64)
            self._check_split(parts, images, where)
            splits.append(parts)
        return splits

    @staticmethod
    def _check_split(parts: Dict[str, np.ndarray], images: SplitImages, where: str) -> None:
        if len(parts['query']) == 0 or len(parts['gallery']) == 0:
            raise ValueError(f'{where}: the query and the gallery must not be empty')
        if np.intersect1d(parts['query'], parts['gallery']).size:
            raise ValueError(f'{where}: an image is both a query and a gallery image')
        query_pids = np.unique(images.pids[parts['query']])
        test_pids = np.union1d(query_pids, images.pids[parts['gallery']])
        shared = np.intersect1d(images.pids[parts['train']], test_pids)
        if shared.size:
            raise ValueError(f'{where}: train and test persons must be disjoint, pid(s) '
                             f'{shared[:5].tolist()} are in both')
        unmatched = np.setdiff1d(query_pids, images.pids[parts['gallery']])
        if unmatched.size:
            raise ValueError(f'{where}: query pid(s) {unmatched[:5].tolist()} have no gallery '
                             'image')

    # -- items --------------------------------------------------------------------------------

    def load_data_list(self) -> List[dict]:
        """Build the items of ``split`` over ``split_ids`` (see the class docstring).

        Returns:
            list[dict]: The items.
        """
        images = self.load_images()
        path = self.resolve_split_file(images)
        splits = self.read_split_file(path, images)
        bad = [i for i in self.split_ids if not 0 <= i < len(splits)]
        if bad:
            raise ValueError(f'{type(self).__name__}: split id(s) {bad} are not in {path}, which '
                             f'holds splits 0-{len(splits) - 1}')
        self._metainfo.update(dataset_name=self.dataset_name, split_ids=list(self.split_ids),
                              split_file=osp.abspath(path))
        if self.split == 'train':
            keep = splits[self.split_ids[0]]['train']
            if keep.size == 0:
                raise ValueError(f'{type(self).__name__}: split {self.split_ids[0]} of {path} has '
                                 'no training image')
            pids = np.unique(images.pids[keep], return_inverse=True)[1]
            camids = np.unique(images.camids[keep], return_inverse=True)[1]
            extra = [{}] * len(keep)
        else:
            roles = np.full((len(images.img_paths), len(self.split_ids)), ABSENT, dtype=np.int64)
            for col, split_id in enumerate(self.split_ids):
                roles[splits[split_id]['query'], col] = QUERY
                roles[splits[split_id]['gallery'], col] = GALLERY
            keep = np.flatnonzero((roles != ABSENT).any(axis=1))
            pids, camids = images.pids[keep], images.camids[keep]
            extra = [dict(split_roles=row) for row in roles[keep].tolist()]
        self._metainfo.update(num_pids=len(np.unique(pids)), num_cams=len(np.unique(camids)))
        return [
            dict(img_path=images.img_paths[i], pid=pid, camid=camid,
                 dataset_name=self.dataset_name, **more)
            for i, pid, camid, more in zip(keep.tolist(), pids.tolist(), camids.tolist(), extra)
        ]
