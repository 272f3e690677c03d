"""Datasets whose items are held as columns (numpy arrays) instead of a list of dicts."""
import copy
from typing import Any, Dict, Sequence, Union

import numpy as np
from mmengine.dataset import force_full_init

from .base_reid_dataset import ItemArraysMixin

#: A column: anything indexable by an int and by an int64 row array (numpy arrays,
#: :class:`~mmremix.datasets.packed_strings.PackedStrings`).
Column = Any


def take_rows(column: Column, rows: np.ndarray) -> Column:
    """Select rows of a column (``take`` for packed strings, fancy indexing for arrays)."""
    return column.take(rows) if hasattr(column, 'buffer') else column[rows]


def subset_rows(indices: Union[Sequence[int], int], num_items: int) -> np.ndarray:
    """The rows ``BaseDataset``'s ``indices`` argument selects.

    Args:
        indices (Sequence[int] | int): Rows, or an int: the first ``indices`` rows when >= 0,
            the last ``-indices`` when negative (as ``mmengine.dataset.BaseDataset``).
        num_items (int): Number of items.

    Returns:
        np.ndarray: int64 (M,) row indices.

    Raises:
        IndexError: A row is out of range; the message names it and the number of items.
    """
    if isinstance(indices, (int, np.integer)):
        rows = np.arange(num_items)
        return rows[:indices] if indices >= 0 else rows[indices:]
    rows = np.asarray(indices, dtype=np.int64).reshape(-1)
    if rows.size and not (-num_items <= rows.min() and rows.max() < num_items):
        raise IndexError(f'indices hold rows in [{rows.min()}, {rows.max()}], outside the '
                         f'{num_items} items')
    return rows % max(num_items, 1)


class ColumnStorageMixin(ItemArraysMixin):
    """Keeps a dataset's items as columns, each one numpy array or packed string buffer.

    MMEngine's ``BaseDataset`` holds a list of dicts and, with ``serialize_data``, a pickled copy
    of every item: at LUPerson scale (4.2M items) a few GB per rank while building, and again for
    each dataset that wraps another. Here the subclass loads its items as columns
    (:meth:`load_columns`: int64 arrays, :class:`~mmremix.datasets.packed_strings.PackedStrings`,
    ...) and builds the item dict of one row on demand (:meth:`item_at`). ``indices``,
    ``get_subset`` and ``get_subset_`` select rows of every column; ``serialize_data`` has no
    effect (numpy buffers are shared by forked dataloader workers without copies).
    ``data_list`` stays empty. The ``ARRAY_KEYS`` columns are the item arrays of
    :class:`~mmremix.datasets.base_reid_dataset.ItemArraysMixin` (no copy).

    Mixed into ``mmengine.dataset.BaseDataset`` subclasses, before it in the bases.

    Source: design choice of mmremix.
    """

    def load_columns(self) -> Dict[str, Column]:
        """Load the items as columns of one length N, in item order.

        Returns:
            dict[str, Column]: Columns by name; ``ARRAY_KEYS`` among them as int64 arrays.
        """
        raise NotImplementedError(f'{type(self).__name__} must implement load_columns')

    def item_at(self, row: int) -> dict:
        """The item dict of a row of :attr:`columns` (without ``sample_idx``)."""
        raise NotImplementedError(f'{type(self).__name__} must implement item_at')

    def full_init(self) -> None:
        """Load the columns and keep the rows of ``indices``; idempotent."""
        if self._fully_initialized:
            return
        columns = self.load_columns()
        if self._indices is not None:
            rows = subset_rows(self._indices, len(next(iter(columns.values()))))
            columns = {key: take_rows(column, rows) for key, column in columns.items()}
        self._set_columns(columns)
        self._fully_initialized = True

    def _set_columns(self, columns: Dict[str, Column]) -> None:
        self.columns = columns
        self._num_items = len(next(iter(columns.values())))
        self._item_arrays = {}
        for key in self.ARRAY_KEYS:
            array = columns[key]
            array.setflags(write=False)
            self._item_arrays[key] = array

    @force_full_init
    def __len__(self) -> int:
        return self._num_items

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The item dict of index ``idx`` with ``sample_idx = idx``, as ``BaseDataset``."""
        info = self.item_at(idx)
        info['sample_idx'] = idx
        return info

    def load_data_list(self) -> list:
        """All item dicts (for inspection; the dataset itself never builds this list)."""
        return [self.get_data_info(idx) for idx in range(len(self))]

    @force_full_init
    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        """Keep the rows of ``indices`` (as ``BaseDataset.get_subset_``)."""
        rows = subset_rows(indices, len(self))
        self._set_columns({key: take_rows(col, rows) for key, col in self.columns.items()})
        self.__dict__.pop('_unreadable_by_idx', None)  # item indices changed

    @force_full_init
    def get_subset(self, indices: Union[Sequence[int], int]) -> 'ColumnStorageMixin':
        """A shallow copy holding the rows of ``indices`` (as ``BaseDataset.get_subset``).

        The copy shares the pipeline and the unselected configuration with this dataset.
        """
        subset = copy.copy(self)
        subset.get_subset_(indices)
        return subset
