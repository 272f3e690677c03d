"""ReMix's training set: multi-camera (labeled) items followed by single-camera (video) items."""
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmremix.registry import DATASETS
from .base_reid_dataset import ReIDLabelsMixin
from .single_camera_videos import SingleCameraVideos
from .unreadable_images import UnreadableImageMixin, check_on_unreadable


@DATASETS.register_module()
class ReMixDataset(UnreadableImageMixin, ReIDLabelsMixin, BaseDataset):
    """The mixture of data ReMix trains on (ReMix (Mamedov et al., WACV 2025), Sec. 2).

    Items ``[0, num_multi_camera)`` are the multi-camera items (``pid``, ``camid``,
    ``dataset_name``; ids as the child gives them, so use a train split or a ``ReIDConcatDataset``
    with offset ids); items ``[num_multi_camera, len)`` are the single-camera items (``video_id``,
    ``video_name``, ``dataset_name``) with ``pid = camid = -1``. Pseudo-labels are not stored here:
    the epoch-start refresh hands them to the sampler and the model, keyed by item index, so
    dataloader workers (also persistent ones) never need to see them.

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

    def load_data_list(self) -> List[dict]:
        """The multi-camera items, then the single-camera items."""
        data_list = []
        for idx in range(len(self.multi_camera)):
            item = self.multi_camera.get_data_info(idx)
            del item['sample_idx']
            item['video_id'] = -1
            data_list.append(item)
        num_single_camera = 0
        if self.single_camera is not None:
            num_single_camera = len(self.single_camera)
            for idx in range(num_single_camera):
                item = self.single_camera.get_data_info(idx)
                del item['sample_idx']
                item.update(pid=-1, camid=-1)
                data_list.append(item)
        self._metainfo.update(
            num_pids=self.multi_camera.num_pids,
            num_cams=self.multi_camera.num_cams,
            num_videos=0 if self.single_camera is None else self.single_camera.num_videos,
            num_multi_camera=len(self.multi_camera),
            num_single_camera=num_single_camera)
        return data_list

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
