"""Millions of strings in one byte buffer, for datasets at LUPerson scale (millions of paths)."""
from typing import Iterable, Sequence, Union

import numpy as np


class PackedStrings:
    """An immutable sequence of strings stored as UTF-8 bytes in one numpy buffer.

    A Python ``str`` costs about 50 bytes of overhead plus its characters, and a list of millions
    of them is touched (reference counts) by every forked dataloader worker, so its pages get
    copied into each worker. Here string ``i`` is ``buffer[starts[i]:ends[i]]``: 8 or 16 bytes
    of offsets per string plus its characters, in three numpy arrays that forked workers share.
    Selecting or reordering strings (:meth:`take`) copies the offsets only; the buffer is shared.

    Args:
        buffer (np.ndarray): uint8 (B,) UTF-8 bytes.
        starts (np.ndarray): Integer (N,) offset of each string in ``buffer`` (uint32 below
            4 GiB, else int64).
        ends (np.ndarray): Integer (N,) end offset (exclusive) of each string, same dtype.

    Raises:
        ValueError: ``starts`` and ``ends`` differ in shape or are not 1-D.

    Example:
        >>> names = PackedStrings.from_chunks([[b'vidA/000.jpg', b'vidB/001.jpg'], [b'x.jpg']])
        >>> len(names), names[1], names.take(np.array([2, 0]))[0]
        (3, 'vidB/001.jpg', 'x.jpg')

    Source: design choice of mmremix.
    """

    def __init__(self, buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        if starts.ndim != 1 or starts.shape != ends.shape:
            raise ValueError('PackedStrings: starts and ends must be 1-D of one length, got '
                             f'{starts.shape} and {ends.shape}')
        self.buffer, self.starts, self.ends = buffer, starts, ends
        for array in (buffer, starts, ends):
            array.setflags(write=False)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Sequence[bytes]]) -> 'PackedStrings':
        """Pack strings given as chunks of ``bytes`` (e.g. the lines of a file, read in blocks).

        Only one chunk's Python objects exist at a time when ``chunks`` is a generator; the
        buffer grows chunk by chunk.

        Args:
            chunks (Iterable[Sequence[bytes]]): UTF-8 encoded strings, chunk by chunk.

        Returns:
            PackedStrings: The strings in order.
        """
        blocks, lengths = [], []
        for chunk in chunks:
            blocks.append(np.frombuffer(b''.join(chunk), dtype=np.uint8))
            lengths.append(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)))
        lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        ends = np.cumsum(lengths)
        buffer = np.concatenate(blocks) if blocks else np.zeros(0, np.uint8)
        return cls(buffer, ends - lengths, ends)

    def __len__(self) -> int:
        return self.starts.size

    def __getitem__(self, idx: int) -> str:
        return self.buffer[self.starts[idx]:self.ends[idx]].tobytes().decode('utf-8')

    def take(self, rows: Union[np.ndarray, Sequence[int]]) -> 'PackedStrings':
        """The strings at ``rows`` (int indices, any order, repeats allowed), sharing the buffer.

        Args:
            rows (np.ndarray | Sequence[int]): (M,) indices into this sequence.

        Returns:
            PackedStrings: M strings.
        """
        rows = np.asarray(rows, dtype=np.int64)
        return PackedStrings(self.buffer, self.starts[rows], self.ends[rows])
