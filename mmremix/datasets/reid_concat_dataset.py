"""Several labeled Re-ID datasets as one flat data list."""
from typing import Callable, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset

from mmremix.registry import DATASETS
from .base_reid_dataset import ReIDLabelsMixin
from .unreadable_images import UnreadableImageMixin, check_on_unreadable


@DATASETS.register_module()
class ReIDConcatDataset(UnreadableImageMixin, ReIDLabelsMixin, BaseDataset):
    """Labeled Re-ID datasets flattened into one data list, so ``sample_idx`` is a global index.

    - ``offset_ids=True`` (training on several sources, ReMix (Mamedov et al., WACV 2025),
      Sec. 2): the pids and camids of child k are shifted by the sums of ``num_pids`` /
      ``num_cams`` of the children before it, so ids are unique across sources; the children must
      hold relabelled ids (train splits: pids in [0, num_pids), camids in [0, num_cams)).
    - ``offset_ids=False`` (several test targets in one run): ids are kept; the children's dataset
      names must be unique, since results are reported per ``dataset_name``.

    Every item keeps its child's ``dataset_name``; the children's pipelines are not applied (the
    ``pipeline`` of this dataset is). ``metainfo``: ``dataset_name``, ``dataset_names`` (the
    children's, in order), ``num_pids`` and ``num_cams`` (sums over the children).

    Args:
        datasets (Sequence[dict | BaseDataset]): Children, as configs (built with
            ``mmremix.registry.DATASETS``) or datasets with per-item pids (``ReIDLabelsMixin``).
        offset_ids (bool): Shift the ids of each child (see above). Defaults to True.
        pipeline (Sequence[dict | Callable]): Data transforms. Defaults to ().
        dataset_name (str, optional): Name in ``metainfo``. Defaults to the children's names joined
            with ``'+'``.
        test_mode (bool): ``BaseDataset.test_mode``. Defaults to False.
        lazy_init (bool): Defer loading to the first access. Defaults to False.
        on_unreadable (str, optional): What loading a missing, empty, truncated or corrupt image
            does: ``'error'`` or ``'skip'`` (training items only: the next readable image of the
            same pid is loaded instead; see
            :class:`~mmremix.datasets.unreadable_images.UnreadableImageMixin`). None (default):
            the children's common ``on_unreadable`` (this dataset runs the pipeline).
        **kwargs: Other ``BaseDataset`` arguments (``indices``, ``serialize_data``, ...).

    Raises:
        ValueError: ``datasets`` is empty, a child has no pid labels, two children share a name with
            ``offset_ids=False``, a child's ids are not relabelled with ``offset_ids=True``, or
            ``on_unreadable`` is invalid or None while the children's settings differ.

    Example:
        >>> from mmremix.datasets import ReIDConcatDataset
        >>> train = ReIDConcatDataset([  # doctest: +SKIP
        ...     dict(type='Market1501', data_root='data/market1501'),
        ...     dict(type='MSMT17', data_root='data/MSMT17_V1')])
        >>> train.num_pids  # doctest: +SKIP
        1792
    """

    def __init__(self,
                 datasets: Sequence[Union[dict, BaseDataset]],
                 offset_ids: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 dataset_name: Optional[str] = None,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 on_unreadable: Optional[str] = None,
                 **kwargs) -> None:
        check_on_unreadable(on_unreadable, allow_none=True)
        if not datasets:
            raise ValueError('ReIDConcatDataset needs at least one dataset')
        self.datasets = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets]
        for child in self.datasets:
            if not isinstance(child, ReIDLabelsMixin):
                raise ValueError(
                    'ReIDConcatDataset concatenates labeled Re-ID datasets (with pid / camid, '
                    f'e.g. BaseReIDDataset subclasses), got {type(child).__name__} without pid '
                    'labels')
        self.dataset_names = [child.metainfo['dataset_name'] for child in self.datasets]
        if not offset_ids and len(set(self.dataset_names)) < len(self.dataset_names):
            raise ValueError(f'With offset_ids=False the dataset names must be unique (results are '
                             f'reported per dataset_name), got {self.dataset_names}')
        if on_unreadable is None:
            settings = [getattr(child, 'on_unreadable', 'error') for child in self.datasets]
            if len(set(settings)) > 1:
                raise ValueError(
                    'The children of ReIDConcatDataset set on_unreadable differently '
                    f'({dict(zip(self.dataset_names, settings))}); set it to "error" or "skip" '
                    'on the ReIDConcatDataset itself')
            on_unreadable = settings[0]
        self.on_unreadable = on_unreadable
        self.offset_ids = offset_ids
        self.dataset_name = '+'.join(self.dataset_names) if dataset_name is None else dataset_name
        super().__init__(
            pipeline=list(pipeline), test_mode=test_mode, lazy_init=lazy_init, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Flatten the children's items, shifting their ids when ``offset_ids`` is True.

        Returns:
            list[dict]: The items of all children, child by child.
        """
        data_list = []
        pid_offset = cam_offset = 0
        for child, name in zip(self.datasets, self.dataset_names):
            pids, camids = child.get_pids(), child.get_camids()
            if self.offset_ids and not (0 <= pids.min() and pids.max() < child.num_pids
                                        and 0 <= camids.min() and camids.max() < child.num_cams):
                raise ValueError(
                    f'offset_ids=True needs relabelled ids (a train split), but {name} has pids in '
                    f'[{pids.min()}, {pids.max()}] for num_pids={child.num_pids} and camids in '
                    f'[{camids.min()}, {camids.max()}] for num_cams={child.num_cams}')
            for idx in range(len(child)):
                item = child.get_data_info(idx)
                del item['sample_idx']
                item['pid'] += pid_offset
                item['camid'] += cam_offset
                data_list.append(item)
            if self.offset_ids:
                pid_offset += child.num_pids
                cam_offset += child.num_cams
        self._metainfo.update(
            dataset_name=self.dataset_name,
            dataset_names=self.dataset_names,
            num_pids=sum(child.num_pids for child in self.datasets),
            num_cams=sum(child.num_cams for child in self.datasets))
        return data_list
