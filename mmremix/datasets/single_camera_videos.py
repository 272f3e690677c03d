"""Unlabeled single-camera videos (LUPerson-style person crops grouped by video)."""
import os
import os.path as osp
from typing import Callable, Dict, List, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmremix.registry import DATASETS
from .base_reid_dataset import list_images, require_dir
from .column_storage import Column, ColumnStorageMixin
from .packed_strings import PackedStrings
from .unreadable_images import UnreadableImageMixin, check_on_unreadable
from .video_ann_file import read_video_ann_file



@DATASETS.register_module()
class SingleCameraVideos(UnreadableImageMixin, ColumnStorageMixin, BaseDataset):
    """Unlabeled person images grouped by single-camera video.

    Every image has a video and no person id; ReMix clusters each video separately into
    pseudo-identities (ReMix (Mamedov et al., WACV 2025), Sec. 2 and 4).

    Two layouts:

    - ``ann_file`` empty: ``<data_root>/<video_name>/<frame>.jpg``, one sub-folder per video (files
      directly under ``data_root`` are ignored);
    - ``ann_file`` (relative to ``data_root``, or absolute): lines
      ``<image path relative to data_root> <video_name>``.

    Items, in order of video name then listing order (frames sorted by name in the folder layout):
    ``img_path`` (str, absolute), ``video_id`` (int, 0..num_videos-1 in sorted order of the kept
    video names), ``video_name`` (str), ``dataset_name`` (str). ``metainfo``: ``dataset_name``,
    ``num_videos``.

    At scale (LUPerson: about 4.2M images in 46k videos) use an ``ann_file``, written once by
    ``tools/dataset_converters/index_single_camera_videos.py``: the folder layout lists every
    folder on every rank at every start. The ``ann_file`` is read vectorised
    (:func:`~mmremix.datasets.video_ann_file.read_video_ann_file`) and the items are held as
    columns (:class:`~mmremix.datasets.column_storage.ColumnStorageMixin`: the paths packed in
    one byte buffer, int64 video ids): 4.2M lines build in about 4 s and 0.4 GB
    (``benchmarks/bench_dataset_scale.py``; design choice of mmremix).

    Args:
        data_root (str): Root folder of the videos.
        ann_file (str): Optional list file (see above). Defaults to ``''`` (folder layout).
        dataset_name (str): Name stored in the items and ``metainfo``. Defaults to
            ``'single_camera'``.
        min_images_per_video (int): Videos with fewer images are dropped before numbering the videos
            (design choice of mmremix: a video too small to hold a cluster only adds noise).
            Defaults to 1 (keep all).
        pipeline (Sequence[dict | Callable]): Data transforms. Defaults to ().
        test_mode (bool): ``BaseDataset.test_mode``. Defaults to False.
        lazy_init (bool): Defer loading to the first access. Defaults to False.
        on_unreadable (str): What loading a missing, empty, truncated or corrupt image does:
            ``'error'`` raises :class:`~mmremix.datasets.unreadable_images.UnreadableImageError`
            naming the file and the item; ``'skip'`` logs a warning, counts the file
            (``num_unreadable``) and loads the next readable image of the same video instead
            (see :class:`~mmremix.datasets.unreadable_images.UnreadableImageMixin`). Defaults to
            ``'error'`` (design choice of mmremix).
        **kwargs: Other ``BaseDataset`` arguments (``indices``, ``serialize_data``, ...).

    Raises:
        ValueError: ``min_images_per_video`` < 1; ``on_unreadable`` is not ``'error'`` or
            ``'skip'``; at loading, a video folder has no image (names it), a list line is
            malformed (names the file and line), or no video is left after the
            ``min_images_per_video`` filter.
        FileNotFoundError: At loading, ``data_root`` or ``ann_file`` is missing (names it and the
            layout).

    Attributes:
        video_names (list[str]): Name of every kept video, indexed by ``video_id`` (after
            loading).

    Example:
        >>> from mmremix.datasets import SingleCameraVideos
        >>> videos = SingleCameraVideos('data/lup/videos')  # doctest: +SKIP
        >>> videos.video_ids  # doctest: +SKIP
        array([0, 0, 0, ..., 75, 75, 75])
    """

    ARRAY_KEYS = ('video_id', )
    LAYOUT = ('<data_root>/<video_name>/<frame>.jpg (one folder per video), or an ann_file with '
              'lines "<image path relative to data_root> <video_name>"')

    def __init__(self,
                 data_root: str,
                 ann_file: str = '',
                 dataset_name: str = 'single_camera',
                 min_images_per_video: int = 1,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 on_unreadable: str = 'error',
                 **kwargs) -> None:
        if min_images_per_video < 1:
            raise ValueError(f'min_images_per_video must be >= 1, got {min_images_per_video}')
        self.on_unreadable = check_on_unreadable(on_unreadable)
        self.dataset_name = dataset_name
        self.min_images_per_video = min_images_per_video
        super().__init__(
            ann_file=ann_file,
            data_root=osp.abspath(data_root),
            pipeline=list(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            **kwargs)

    def load_columns(self) -> Dict[str, Column]:
        """Read the videos (see the class docstring) into columns.

        Returns:
            dict: ``rel_path`` (:class:`PackedStrings`, paths relative to ``data_root`` or
            absolute) and ``video_id`` (int64), N rows in item order.
        """
        rel_paths, first_seen_ids, names = (self._read_ann_file()
                                            if self.ann_file else self._read_folders())
        # ids in sorted order of the names
        order = sorted(range(len(names)), key=names.__getitem__)
        video_names = [names[i] for i in order]
        sorted_id = np.empty(len(names), dtype=np.int64)
        sorted_id[order] = np.arange(len(names))
        video_ids = sorted_id[first_seen_ids]
        counts = np.bincount(video_ids, minlength=len(video_names))
        kept = counts >= self.min_images_per_video
        if not kept.any():
            raise ValueError(f'No video of {self.data_root} has min_images_per_video='
                             f'{self.min_images_per_video} images (largest: {counts.max()})')
        # Renumber the kept videos 0..V-1; items video by video (a stable sort keeps file order).
        new_ids = np.cumsum(kept) - 1
        keep_item = kept[video_ids]
        rows = np.flatnonzero(keep_item)[np.argsort(video_ids[keep_item], kind='stable')]
        self.video_names = [name for name, keep in zip(video_names, kept.tolist()) if keep]
        self._metainfo.update(dataset_name=self.dataset_name, num_videos=len(self.video_names))
        if rows.size < len(rel_paths) or (rows[1:] < rows[:-1]).any():
            rel_paths = rel_paths.take(rows)  # else the file order is already the item order
        return dict(rel_path=rel_paths, video_id=new_ids[video_ids[rows]])

    def item_at(self, row: int) -> dict:
        """The item of a row: ``img_path``, ``video_id``, ``video_name``, ``dataset_name``."""
        video_id = int(self.columns['video_id'][row])
        return dict(
            img_path=osp.join(self.data_root, self.columns['rel_path'][row]),
            video_id=video_id,
            video_name=self.video_names[video_id],
            dataset_name=self.dataset_name)

    def _read_folders(self) -> Tuple[PackedStrings, np.ndarray, List[str]]:
        """Paths, first-seen video ids and video names of the folder layout (frames sorted)."""
        root = require_dir(self.data_root, self.LAYOUT)
        names = sorted(entry.name for entry in os.scandir(root) if entry.is_dir())
        start = len(root) + 1
        folders = [[path[start:].encode('utf-8') for path in list_images(osp.join(root, name))]
                   for name in names]
        if not folders:
            raise ValueError(f'{root} has no video folder. Expected layout: {self.LAYOUT}')
        sizes = [len(frames) for frames in folders]
        return PackedStrings.from_chunks(folders), np.repeat(np.arange(len(names)), sizes), names

    def _read_ann_file(self) -> Tuple[PackedStrings, np.ndarray, List[str]]:
        """Paths, first-seen video ids and video names of the ``ann_file`` lines.

        Raises:
            FileNotFoundError: The file is missing (names it and the layout).
            ValueError: See :func:`~mmremix.datasets.video_ann_file.read_video_ann_file`.
        """
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'List file not found: {self.ann_file}. Expected layout: '
                                    f'{self.LAYOUT}')
        return read_video_ann_file(self.ann_file)

    @property
    def video_ids(self) -> np.ndarray:
        """np.ndarray: int64 (N,) read-only video id of every item, read without loading images."""
        return self._item_array('video_id')

    @property
    def num_videos(self) -> int:
        """int: Number of videos (``metainfo['num_videos']``)."""
        return self.metainfo['num_videos']
