"""Shared logic of the Re-ID datasets: folder and list-file reading, file-name parsing, relabelling.

Multi-camera data (ReMix (Mamedov et al., WACV 2025), Sec. 2): every image has a person id (pid)
and a camera id (camid). The item dicts follow ``docs/architecture.md``.
"""
import os
import os.path as osp
import re
from itertools import compress
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init

from .item_seed import item_random_state
from .unreadable_images import UnreadableImageMixin, check_on_unreadable

#: File extensions listed as images (lower case); other files (e.g. Market-1501's ``Thumbs.db``) are
#: skipped.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png')


def require_dir(path: str, layout: str) -> str:
    """Check that a dataset folder exists.

    Args:
        path (str): The folder.
        layout (str): The expected layout of the dataset, quoted in the error.

    Returns:
        str: ``path``, absolute.

    Raises:
        FileNotFoundError: ``path`` is not a folder; the message names it and the expected layout.

    Source: design choice of mmremix.
    """
    if not osp.isdir(path):
        raise FileNotFoundError(f'Folder not found: {path}. Expected layout: {layout}')
    return osp.abspath(path)


def list_images(folder: str) -> List[str]:
    """List the images directly inside a folder.

    Args:
        folder (str): The folder.

    Returns:
        list[str]: Absolute paths of the files with an extension in ``IMG_EXTENSIONS``
        (case-insensitive), sorted by name.

    Raises:
        ValueError: The folder holds no image; the message names it.

    Source: design choice of mmremix.
    """
    folder = osp.abspath(folder)
    names = sorted(
        entry.name for entry in os.scandir(folder)
        if entry.is_file() and entry.name.lower().endswith(IMG_EXTENSIONS))
    if not names:
        raise ValueError(f'{folder} holds no image ({"/".join(IMG_EXTENSIONS)} files)')
    return [osp.join(folder, name) for name in names]


def read_list_file(path: str, fields: Sequence[str], layout: str) -> List[List[str]]:
    """Read a whitespace-separated annotation list, one image per line; blank lines are skipped.

    Args:
        path (str): The list file.
        fields (Sequence[str]): Names of the fields of a line, e.g. ``('path', 'pid', 'camid')``;
            used to check the number of fields and in the error messages.
        layout (str): The expected layout of the dataset, quoted when the file is missing.

    Returns:
        list[list[str]]: The fields of each line, ``len(fields)`` strings per line.

    Raises:
        FileNotFoundError: ``path`` is not a file (names it and the layout).
        ValueError: A line has another number of fields (names the file, the line number and the
            expected format), or the file has no line (names the file).

    Source: design choice of mmremix.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'List file not found: {path}. Expected layout: {layout}')
    with open(path) as f:
        rows = [(num, line.split()) for num, line in enumerate(f, 1) if line.strip()]
    expected = ' '.join(f'<{field}>' for field in fields)
    for num, row in rows:
        if len(row) != len(fields):
            raise ValueError(f'{path}, line {num}: expected "{expected}", got {" ".join(row)!r}')
    if not rows:
        raise ValueError(f'{path} lists no image (expected lines "{expected}")')
    return [row for _, row in rows]


def parse_ints(values: Sequence[str], field: str, path: str) -> np.ndarray:
    """Convert the string fields of a list file to integers.

    Args:
        values (Sequence[str]): N strings.
        field (str): The field name, for the error message.
        path (str): The list file, for the error message.

    Returns:
        np.ndarray: int64 array of shape (N,).

    Raises:
        ValueError: A value is not an integer; the message names the file and the field.

    Source: design choice of mmremix.
    """
    try:
        return np.asarray(values, dtype=np.int64)
    except ValueError as err:
        raise ValueError(f'{path}: the field <{field}> must be an integer ({err})') from None


class ReIDPart(NamedTuple):
    """The images of one part of a labeled dataset (``'train'``, ``'query'`` or ``'gallery'``).

    Attributes:
        img_paths (list[str]): N absolute image paths.
        pids (np.ndarray): int64 (N,) original person ids (-1 marks junk images).
        camids (np.ndarray): int64 (N,) 0-based camera indices.
        source (str): The folder or list file the part was read from, named in errors.
    """
    img_paths: List[str]
    pids: np.ndarray
    camids: np.ndarray
    source: str


class ItemArraysMixin:
    """Caches integer fields of all items as int64 numpy arrays for fast, image-free access.

    Samplers and hooks need e.g. the pid of every item at once; reading them through
    ``get_data_info`` would unpickle every item. The arrays are read once at ``full_init`` (before
    MMEngine serialises and clears ``data_list``) and again after ``get_subset`` / ``get_subset_``.
    Mixed into ``mmengine.dataset.BaseDataset`` subclasses (put it first in the bases).

    Source: design choice of mmremix.
    """

    #: Item keys cached as arrays; set by the subclass.
    ARRAY_KEYS: Sequence[str] = ()

    def full_init(self) -> None:
        """Load the data list as ``BaseDataset.full_init`` does and cache the item arrays."""
        if self._fully_initialized:
            return
        super().full_init()
        if not self.serialize_data:
            self._cache_item_arrays(self.data_list)

    def __getitem__(self, idx: int) -> dict:
        """``BaseDataset.__getitem__``; a :class:`~mmremix.datasets.item_seed.SeededIndex` runs
        the pipeline under its own seed (see :mod:`mmremix.datasets.item_seed`)."""
        seed = getattr(idx, 'seed', None)
        if seed is None:
            return super().__getitem__(idx)
        with item_random_state(seed):
            return super().__getitem__(int(idx))

    def _serialize_data(self):
        # BaseDataset clears data_list once it is serialised: read the arrays first.
        self._cache_item_arrays(self.data_list)
        return super()._serialize_data()

    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        """In-place subset, as ``BaseDataset.get_subset_``; the item arrays follow."""
        super().get_subset_(indices)
        self._cache_item_arrays([self.get_data_info(idx) for idx in range(len(self))])

    def get_subset(self, indices: Union[Sequence[int], int]) -> BaseDataset:
        """Subset copy, as ``BaseDataset.get_subset``; the item arrays follow."""
        subset = super().get_subset(indices)
        subset._cache_item_arrays([subset.get_data_info(idx) for idx in range(len(subset))])
        return subset

    def _cache_item_arrays(self, infos: Sequence[dict]) -> None:
        self._item_arrays: Dict[str, np.ndarray] = {}
        for key in self.ARRAY_KEYS:
            array = np.fromiter((info[key] for info in infos), dtype=np.int64, count=len(infos))
            array.setflags(write=False)
            self._item_arrays[key] = array

    @force_full_init
    def _item_array(self, key: str) -> np.ndarray:
        return self._item_arrays[key]

    @property
    @force_full_init
    def metainfo(self) -> dict:
        """dict: ``BaseDataset.metainfo``, loaded first so that it always holds the counts."""
        return super().metainfo


class ReIDLabelsMixin(ItemArraysMixin):
    """Per-item pid / camid arrays and the id counts of a labeled Re-ID dataset.

    Needs ``metainfo`` keys ``num_pids`` and ``num_cams`` and items with ``pid`` and ``camid``.

    Source: design choice of mmremix.
    """

    ARRAY_KEYS = ('pid', 'camid')

    def get_pids(self) -> np.ndarray:
        """Return the person id of every item, without loading images.

        Returns:
            np.ndarray: int64 (N,) read-only array, in item order.
        """
        return self._item_array('pid')

    def get_camids(self) -> np.ndarray:
        """Return the 0-based camera id of every item, without loading images.

        Returns:
            np.ndarray: int64 (N,) read-only array, in item order.
        """
        return self._item_array('camid')

    @property
    def num_pids(self) -> int:
        """int: Number of person ids (``metainfo['num_pids']``)."""
        return self.metainfo['num_pids']

    @property
    def num_cams(self) -> int:
        """int: Number of cameras (``metainfo['num_cams']``)."""
        return self.metainfo['num_cams']


class BaseReIDDataset(UnreadableImageMixin, ReIDLabelsMixin, BaseDataset):
    """Base class of labeled (multi-camera) Re-ID datasets.

    A subclass describes its layout (``LAYOUT``, quoted in errors), its file-name regex
    (``NAME_PATTERN``, with named groups ``pid`` and/or ``cam``) and implements ``load_part`` for
    the parts ``'train'``, ``'query'`` and ``'gallery'``. This class then

    - drops junk images (pid -1) and raises if a part is left empty;
    - for ``split='train'`` relabels pids and camids to contiguous 0-based ids in the sorted order
      of the originals;
    - for ``split='test'`` lists the query items (``is_query=True``) then the gallery items
      (``is_query=False``), with the original pids (distractors, pid 0, stay) and 0-based camids.

    Items: ``img_path`` (str, absolute), ``pid`` (int), ``camid`` (int, 0-based), ``dataset_name``
    (str) and, for the test split, ``is_query`` (bool). ``metainfo``: ``dataset_name``, ``num_pids``
    and ``num_cams`` = the numbers of distinct pids / camids of the split (the distractor pid 0
    counts as one id). These counts describe the whole split even when ``indices`` keeps a subset:
    relabelled ids stay valid classifier targets.

    Multi-camera data: ReMix (Mamedov et al., WACV 2025), Sec. 2; item layout: design choice of
    mmremix.

    Args:
        data_root (str): Root folder of the dataset.
        split (str): ``'train'`` or ``'test'`` (query + gallery). Defaults to ``'train'``.
        dataset_name (str, optional): Name stored in every item and in ``metainfo``, used to report
            results per target dataset. Defaults to ``DATASET_NAME`` of the class.
        pipeline (Sequence[dict | Callable]): Data transforms. Defaults to ().
        test_mode (bool): ``BaseDataset.test_mode``. Defaults to False.
        lazy_init (bool): Defer loading to the first access. Defaults to False.
        on_unreadable (str): What loading a missing, empty, truncated or corrupt image does:
            ``'error'`` raises :class:`~mmremix.datasets.unreadable_images.UnreadableImageError`
            naming the file and the item; ``'skip'`` (train split only) logs a warning, counts
            the file (``num_unreadable``) and loads the next readable image of the same pid
            instead (see :class:`~mmremix.datasets.unreadable_images.UnreadableImageMixin`).
            Defaults to ``'error'`` (design choice of mmremix).
        **kwargs: Other ``BaseDataset`` arguments (``metainfo``, ``indices``, ``serialize_data``,
            ...).

    Raises:
        ValueError: ``split`` is not ``'train'`` or ``'test'``; ``on_unreadable`` is not
            ``'error'`` or ``'skip'``, or is ``'skip'`` for the test split (evaluation must see
            every image); at loading, a file name does not match ``NAME_PATTERN`` (names the
            file and the pattern) or a part has no image left (names it).
        FileNotFoundError: At loading, a folder or list file of the layout is missing (names the
            path and ``LAYOUT``).
    """

    #: Default ``dataset_name``.
    DATASET_NAME: str = ''
    #: Expected folder layout, quoted in the errors.
    LAYOUT: str = ''
    #: Regex matched at the start of an image's file name, with named groups ``pid`` and / or
    #: ``cam`` (1-based camera); set by the subclass.
    NAME_PATTERN: re.Pattern
    SPLITS = ('train', 'test')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 dataset_name: Optional[str] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 on_unreadable: str = 'error',
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(f'split must be one of {self.SPLITS}, got {split!r}')
        if check_on_unreadable(on_unreadable) == 'skip' and split == 'test':
            raise ValueError("on_unreadable='skip' is for training sets: the test split must "
                             'evaluate every query and gallery image')
        self.split = split
        self.on_unreadable = on_unreadable
        self.dataset_name = self.DATASET_NAME if dataset_name is None else dataset_name
        super().__init__(
            data_root=osp.abspath(data_root),
            pipeline=list(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            **kwargs)

    def load_part(self, part: str) -> ReIDPart:
        """Read one part of the dataset.

        Args:
            part (str): ``'train'``, ``'query'`` or ``'gallery'``.

        Returns:
            ReIDPart: Absolute paths, original pids (junk included) and 0-based camids.
        """
        raise NotImplementedError(f'{type(self).__name__} must implement load_part')

    def load_data_list(self) -> List[dict]:
        """Build the item dicts of the split (see the class docstring).

        Returns:
            list[dict]: The items.
        """
        if self.split == 'train':
            train = self._load_clean_part('train')
            paths = train.img_paths
            pids = np.unique(train.pids, return_inverse=True)[1]
            camids = np.unique(train.camids, return_inverse=True)[1]
            extra = [{}] * len(paths)
        else:
            query, gallery = self._load_clean_part('query'), self._load_clean_part('gallery')
            paths = query.img_paths + gallery.img_paths
            pids = np.concatenate([query.pids, gallery.pids])
            camids = np.concatenate([query.camids, gallery.camids])
            extra = ([dict(is_query=True)] * len(query.img_paths) +
                     [dict(is_query=False)] * len(gallery.img_paths))
        self._metainfo.update(
            dataset_name=self.dataset_name,
            num_pids=len(np.unique(pids)),
            num_cams=len(np.unique(camids)))
        return [
            dict(img_path=path, pid=pid, camid=camid, dataset_name=self.dataset_name, **more)
            for path, pid, camid, more in zip(paths, pids.tolist(), camids.tolist(), extra)
        ]

    def _load_clean_part(self, part: str) -> ReIDPart:
        """Load a part and drop its junk images (pid -1); raise ValueError if none is left."""
        loaded = self.load_part(part)
        keep = loaded.pids != -1
        if not keep.any():
            raise ValueError(f'The {part} part of {self.dataset_name} ({loaded.source}) has no '
                             'image besides junk (pid -1)')
        return ReIDPart(
            list(compress(loaded.img_paths, keep)), loaded.pids[keep], loaded.camids[keep],
            loaded.source)

    def parse_names(self, img_paths: Sequence[str]) -> Dict[str, np.ndarray]:
        """Parse image file names with ``NAME_PATTERN``.

        Args:
            img_paths (Sequence[str]): N image paths; only the file names are parsed.

        Returns:
            dict[str, np.ndarray]: For each named group of the pattern (``pid``, ``cam``), an int64
            (N,) array of the parsed values.

        Raises:
            ValueError: A file name does not match; the message names it and the pattern.
        """
        groups = list(self.NAME_PATTERN.groupindex)
        values = []
        for path in img_paths:
            match = self.NAME_PATTERN.match(osp.basename(path))
            if match is None:
                raise ValueError(f'Cannot parse the image name {path}: expected the pattern '
                                 f'"{self.NAME_PATTERN.pattern}" of {type(self).__name__} '
                                 f'({self.LAYOUT})')
            values.append([match[group] for group in groups])
        table = np.asarray(values, dtype=np.int64).reshape(len(values), len(groups))
        return {group: table[:, col] for col, group in enumerate(groups)}

    def load_folder(self, folder: str) -> ReIDPart:
        """Read a folder of images named with the pid and the 1-based camera (``NAME_PATTERN``).

        Args:
            folder (str): The folder.

        Returns:
            ReIDPart: Sorted absolute paths, parsed pids and camids (camera - 1).

        Raises:
            FileNotFoundError: The folder is missing (names it and ``LAYOUT``).
            ValueError: It has no image, or a name does not match ``NAME_PATTERN``.
        """
        folder = require_dir(folder, self.LAYOUT)
        paths = list_images(folder)
        parsed = self.parse_names(paths)
        return ReIDPart(paths, parsed['pid'], parsed['cam'] - 1, folder)
