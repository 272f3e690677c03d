"""Unlabeled single-camera videos (LUPerson-style person crops grouped by video)."""
import os
import os.path as osp
from typing import Callable, List, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmremix.registry import DATASETS
from .base_reid_dataset import ItemArraysMixin, list_images, read_list_file, require_dir
from .unreadable_images import UnreadableImageMixin, check_on_unreadable


@DATASETS.register_module()
class SingleCameraVideos(UnreadableImageMixin, ItemArraysMixin, BaseDataset):
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

    def load_data_list(self) -> List[dict]:
        """Build the item dicts (see the class docstring).

        Returns:
            list[dict]: The items.
        """
        paths, names = self._read_ann_file() if self.ann_file else self._read_folders()
        # A dict rather than np.unique on a string array: keeps memory low for millions of paths.
        video_names = sorted(set(names))
        index = {name: video_id for video_id, name in enumerate(video_names)}
        video_ids = np.fromiter((index[name] for name in names), dtype=np.int64, count=len(names))
        counts = np.bincount(video_ids, minlength=len(video_names))
        kept = counts >= self.min_images_per_video
        if not kept.any():
            raise ValueError(f'No video of {self.data_root} has min_images_per_video='
                             f'{self.min_images_per_video} images (largest: {counts.max()})')
        # Renumber the kept videos 0..V-1; items video by video (a stable sort keeps frame order).
        new_ids = (np.cumsum(kept) - 1).tolist()
        keep_item = kept[video_ids]
        order = np.flatnonzero(keep_item)[np.argsort(video_ids[keep_item], kind='stable')]
        self._metainfo.update(dataset_name=self.dataset_name, num_videos=int(kept.sum()))
        return [
            dict(
                img_path=paths[idx],
                video_id=new_ids[old_id],
                video_name=video_names[old_id],
                dataset_name=self.dataset_name)
            for idx, old_id in zip(order.tolist(), video_ids[order].tolist())
        ]

    def _read_folders(self):
        root = require_dir(self.data_root, self.LAYOUT)
        paths, names = [], []
        for name in sorted(entry.name for entry in os.scandir(root) if entry.is_dir()):
            frames = list_images(osp.join(root, name))
            paths += frames
            names += [name] * len(frames)
        if not paths:
            raise ValueError(f'{root} has no video folder. Expected layout: {self.LAYOUT}')
        return paths, names

    def _read_ann_file(self):
        rows = read_list_file(self.ann_file, ('path', 'video_name'), self.LAYOUT)
        return [osp.join(self.data_root, row[0]) for row in rows], [row[1] for row in rows]

    @property
    def video_ids(self) -> np.ndarray:
        """np.ndarray: int64 (N,) read-only video id of every item, read without loading images."""
        return self._item_array('video_id')

    @property
    def num_videos(self) -> int:
        """int: Number of videos (``metainfo['num_videos']``)."""
        return self.metainfo['num_videos']
