"""ReMix's training set: multi-camera (labeled) items followed by single-camera (video) items."""
from typing import Callable, Dict, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmremix.registry import DATASETS
from .base_reid_dataset import ReIDLabelsMixin
from .column_storage import ColumnStorageMixin
from .single_camera_videos import SingleCameraVideos
from .unreadable_images import UnreadableImageMixin, check_on_unreadable


@DATASETS.register_module()
class ReMixDataset(UnreadableImageMixin, ColumnStorageMixin, ReIDLabelsMixin, BaseDataset):
    """The mixture of data ReMix trains on (ReMix (Mamedov et al., WACV 2025), Sec. 2).

    Items ``[0, num_multi_camera)`` are the multi-camera items (``pid``, ``camid``,
    ``dataset_name``; ids as the child gives them, so use a train split or a ``ReIDConcatDataset``
    with offset ids); items ``[num_multi_camera, len)`` are the single-camera items (``video_id``,
    ``video_name``, ``dataset_name``) with ``pid = camid = -1``. Pseudo-labels are not stored here:
    the epoch-start refresh hands them to the sampler and the model, keyed by item index, so
    dataloader workers (also persistent ones) never need to see them.

    Storage (:class:`~mmremix.datasets.column_storage.ColumnStorageMixin`): the combined item
    table is four int64 columns built from the parts' item arrays (``part_row``, ``pid``,
    ``camid``, ``video_id``); an item dict is read from its part on demand, so the parts' items
    are held once, by the parts, and never rebuilt item by item (design choice of mmremix).

    ``metainfo``: ``num_pids``, ``num_cams`` (multi-camera data), ``num_videos``,
    ``num_multi_camera``, ``num_single_camera``.

    Args:
        multi_camera (dict | BaseDataset): Labeled dataset with relabelled ids (e.g. ``Market1501``
            train split, or ``ReIDConcatDataset`` of several sources).
        single_camera (dict | BaseDataset, optional): ``SingleCameraVideos``; None trains on
            multi-camera data only.
        pipeline (Sequence[dict | Callable]): Data transforms (two views for ReMix).
        on_unreadable (str, optional): What loading a missing, empty, truncated or corrupt image
            does, for all items: ``'error'`` or ``'skip'`` (the next readable image of the same
            pid, or of the same video for single-camera items, is loaded instead; see
            :class:`~mmremix.datasets.unreadable_images.UnreadableImageMixin`). None (default):
            each part follows its own config's ``on_unreadable`` (this dataset runs the
            pipeline, so the parts' settings are read from them).
        **kwargs: Other ``BaseDataset`` arguments.

    Raises:
        ValueError: If ``multi_camera`` has no pid labels, ``single_camera`` is not a
            ``SingleCameraVideos`` or ``on_unreadable`` is not None, ``'error'`` or ``'skip'``.

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 2; the flat layout is a design choice of
    mmremix.
    """

    ARRAY_KEYS = ('pid', 'camid', 'video_id')

    def __init__(self,
                 multi_camera: Union[dict, BaseDataset],
                 single_camera: Union[dict, BaseDataset, None] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 on_unreadable: Optional[str] = None,
                 **kwargs) -> None:
        self.on_unreadable = check_on_unreadable(on_unreadable, allow_none=True)
        self.multi_camera = DATASETS.build(multi_camera) if isinstance(multi_camera,
                                                                       dict) else multi_camera
        if not isinstance(self.multi_camera, ReIDLabelsMixin):
            raise ValueError('ReMixDataset.multi_camera must be a labeled Re-ID dataset (with pid '
                             f'and camid), got {type(self.multi_camera).__name__}')
        self.single_camera = DATASETS.build(single_camera) if isinstance(single_camera,
                                                                         dict) else single_camera
        if self.single_camera is not None and not isinstance(self.single_camera,
                                                             SingleCameraVideos):
            raise ValueError('ReMixDataset.single_camera must be a SingleCameraVideos dataset, got '
                             f'{type(self.single_camera).__name__}')
        super().__init__(pipeline=list(pipeline), **kwargs)

    def load_columns(self) -> Dict[str, np.ndarray]:
        """The combined item table, from the parts' item arrays (no per-item work).

        Returns:
            dict[str, np.ndarray]: int64 (N,) columns: ``part_row`` (the item's index in its
            part; multi-camera items first), ``pid``, ``camid`` (-1 for single-camera items)
            and ``video_id`` (-1 for multi-camera items).
        """
        mc = self.multi_camera
        num_mc = len(mc)
        num_sc = 0 if self.single_camera is None else len(self.single_camera)
        minus_one = np.full(num_sc, -1, dtype=np.int64)
        sc_video_ids = minus_one if self.single_camera is None else self.single_camera.video_ids
        self._metainfo.update(
            num_pids=mc.num_pids,
            num_cams=mc.num_cams,
            num_videos=0 if self.single_camera is None else self.single_camera.num_videos,
            num_multi_camera=num_mc,
            num_single_camera=num_sc)
        return dict(
            part_row=np.concatenate([np.arange(num_mc), np.arange(num_sc)]),
            pid=np.concatenate([mc.get_pids(), minus_one]),
            camid=np.concatenate([mc.get_camids(), minus_one]),
            video_id=np.concatenate([np.full(num_mc, -1, dtype=np.int64), sc_video_ids]))

    def item_at(self, row: int) -> dict:
        """The item of a row, read from its part (``sample_idx`` removed), with the columns'
        ``pid``, ``camid`` and ``video_id``."""
        part = self.multi_camera if self.columns['video_id'][row] < 0 else self.single_camera
        info = part.get_data_info(int(self.columns['part_row'][row]))
        del info['sample_idx']
        info.update(pid=int(self.columns['pid'][row]), camid=int(self.columns['camid'][row]),
                    video_id=int(self.columns['video_id'][row]))
        return info

    def on_unreadable_at(self, idx: int) -> str:
        """The policy for an unreadable image of item ``idx``: ``on_unreadable``, or when None
        that of the item's part (multi-camera items have a pid >= 0)."""
        if self.on_unreadable is not None:
            return self.on_unreadable
        part = self.multi_camera if self.get_pids()[idx] >= 0 else self.single_camera
        return getattr(part, 'on_unreadable', 'error')

    @property
    def num_multi_camera(self) -> int:
        """int: Number of multi-camera items (they come first)."""
        return self.metainfo['num_multi_camera']

    @property
    def num_single_camera(self) -> int:
        """int: Number of single-camera items (they follow the multi-camera ones)."""
        return self.metainfo['num_single_camera']

    def get_video_ids(self) -> np.ndarray:
        """Return the video id of every item (-1 for multi-camera items), without loading images.

        Returns:
            np.ndarray: int64 (N,) read-only array, in item order.
        """
        return self._item_array('video_id')
