"""Unreadable or corrupt images: a clear error naming the file, or (opt-in) another image instead.

A missing, empty, truncated or corrupt image file makes the pipeline's ``LoadImageFromFile`` fail
with an error that may not name the file (OpenCV's ``!buf.empty()`` for an empty file) or the
dataset. The datasets' ``prepare_data`` catches such failures: with ``on_unreadable='error'`` (the
default) it raises :class:`UnreadableImageError` naming the file, the item and the dataset; with
``on_unreadable='skip'`` it logs a warning, counts the file, and loads another image of the same
identity in its place, so that P x K batches keep their structure.

Source: design choice of mmremix.
"""
import logging
import os.path as osp
from typing import Any, Callable, Dict, Optional, Tuple

import mmcv
import numpy as np
from mmengine.logging import print_log

#: Values of the datasets' ``on_unreadable`` argument.
ON_UNREADABLE = ('error', 'skip')


class UnreadableImageError(OSError):
    """An image of a dataset is missing, empty, truncated or corrupt (and is not skipped)."""


def check_on_unreadable(value: Optional[str], allow_none: bool = False) -> Optional[str]:
    """Check a dataset's ``on_unreadable`` argument.

    Args:
        value (str | None): ``'error'`` or ``'skip'`` (or None where ``allow_none``).
        allow_none (bool): Whether None (follow the parts of a composite dataset) is valid.

    Returns:
        str | None: ``value``.

    Raises:
        ValueError: Another value; the message lists the valid ones.
    """
    valid = ON_UNREADABLE + ((None, ) if allow_none else ())
    if value not in valid:
        raise ValueError(f'on_unreadable must be one of {valid}, got {value!r}')
    return value


def image_problem(path: str) -> Optional[str]:
    """Say why an image file cannot be loaded, or None when it decodes.

    Decodes with ``mmcv.imread`` (its default backend, OpenCV), as ``LoadImageFromFile`` does by
    default. Called only after a pipeline failed, so the file is read a second time only then.

    Args:
        path (str): The image file.

    Returns:
        str | None: ``'no such file'``, ``'empty file (0 bytes)'``, ``'cannot be decoded as an
        image (truncated or corrupt)'`` or None.
    """
    if not osp.isfile(path):
        return 'no such file'
    if osp.getsize(path) == 0:
        return 'empty file (0 bytes)'
    try:
        img = mmcv.imread(path)
    except Exception:  # any decoder error means the same here: the file is not an image
        img = None
    if img is None:
        return 'cannot be decoded as an image (truncated or corrupt)'
    return None


class UnreadableImageMixin:
    """``prepare_data`` with the handling of unreadable images described in the module docstring.

    Mixed into the datasets before ``ItemArraysMixin`` (it reads the ``pid`` / ``video_id`` item
    arrays to find a substitute). The policy of an item is :meth:`on_unreadable_at` (the
    dataset's ``on_unreadable`` attribute, set by its constructor).

    With ``'skip'``, the substitute of item i is the first readable item of the same identity
    after i in item order (cyclically): the same pid where the item has a pid >= 0, else the same
    video (single-camera items). It is a function of the data only, so every process (dataloader
    workers, the refresh hook's feature extraction) substitutes the same item. The unreadable
    files found are remembered per process (:attr:`num_unreadable`) and not decoded again; each
    is warned about once per process. Evaluation items (with ``is_query``) are never substituted.

    Source: design choice of mmremix.
    """

    #: ``'error'`` or ``'skip'``; set by the dataset's constructor.
    on_unreadable: Optional[str] = 'error'

    def on_unreadable_at(self, idx: int) -> str:
        """The policy (``'error'`` or ``'skip'``) for an unreadable image of item ``idx``."""
        return self.on_unreadable

    @property
    def num_unreadable(self) -> int:
        """int: Unreadable images skipped so far by this process (each worker counts its own)."""
        return len(self._unreadable_found)

    @property
    def _unreadable_found(self) -> Dict[int, str]:
        # item index -> path of the unreadable images skipped by this process
        return self.__dict__.setdefault('_unreadable_by_idx', {})

    def prepare_data(self, idx: int, pipeline: Optional[Callable] = None) -> Any:
        """Run a pipeline on an item, handling an unreadable image by the dataset's policy.

        Args:
            idx (int): The item index.
            pipeline (Callable, optional): The transforms; defaults to the dataset's ``pipeline``
                (the refresh hook passes its test pipeline).

        Returns:
            Any: The pipeline's output for item ``idx``, or with ``'skip'`` for its substitute.

        Raises:
            UnreadableImageError: The image is missing, empty, truncated or corrupt and the policy
                is ``'error'``, or no readable substitute exists; the message names the file, the
                item and the dataset.
            Exception: Any other failure of the pipeline, unchanged.
        """
        pipeline = self.pipeline if pipeline is None else pipeline
        current = idx
        while True:
            if current in self._unreadable_found:  # known from an earlier draw: no warning
                current, _ = self._substitute(idx, self._describe_item(idx))
                continue
            info = self.get_data_info(current)
            try:
                return pipeline(info)
            except Exception as err:
                problem = image_problem(info['img_path']) if 'img_path' in info else None
                if problem is None:
                    raise
                described = f'{self._describe_item(current)}: {problem}'
                if self.on_unreadable_at(idx) != 'skip':
                    if 'is_query' in info:  # a test item: skipping would change the benchmark
                        advice = ('Replace the file (evaluation images are never substituted: '
                                  "on_unreadable='skip' applies to training items only)")
                    else:
                        advice = ("Replace or remove the file, or set on_unreadable='skip' in "
                                  "the training dataset's config to load another image of the "
                                  'same identity instead')
                    raise UnreadableImageError(f'{described}. {advice}') from err
                self._unreadable_found[current] = info['img_path']
                substitute, identity = self._substitute(idx, described)
                print_log(
                    f'{described}; skipped: item {substitute} of the same {identity} is loaded '
                    f'instead ({self.num_unreadable} unreadable image(s) skipped so far by this '
                    'process)',
                    logger='current',
                    level=logging.WARNING)
                current = substitute

    def _substitute(self, idx: int, described: str) -> Tuple[int, str]:
        """The first item of ``idx``'s identity after ``idx`` (cyclically) not known unreadable.

        Args:
            idx (int): The item drawn.
            described (str): What failed, the start of the error message.

        Returns:
            tuple[int, str]: The item index and the identity (e.g. ``'pid 3'``), for the log.

        Raises:
            UnreadableImageError: ``idx`` is an evaluation item, has no identity or has no other
                readable item.
        """
        if 'is_query' in self.get_data_info(idx):
            raise UnreadableImageError(
                f'{described}; evaluation images are never substituted '
                "(on_unreadable='skip' applies to training items)")
        for key in ('pid', 'video_id'):
            values = self._item_array(key) if key in self.ARRAY_KEYS else None
            if values is not None and values[idx] >= 0:
                same = np.flatnonzero(values == values[idx])
                identity = f'{key} {values[idx]}'
                break
        else:
            raise UnreadableImageError(f'{described}; the item has no pid or video_id, so no '
                                       'other image can replace it')
        same = np.roll(same, -int(np.searchsorted(same, idx, side='right')))
        for candidate in same.tolist():
            if candidate not in self._unreadable_found:
                return candidate, identity
        raise UnreadableImageError(f'{described}; no readable image of the same {identity} is '
                                   f'left to load instead ({same.size} item(s), all unreadable)')

    def _describe_item(self, idx: int) -> str:
        info = self.get_data_info(idx)
        return (f'Cannot read the image {info.get("img_path")} (item {idx} of '
                f"{type(self).__name__}, dataset '{info.get('dataset_name', '')}')")
