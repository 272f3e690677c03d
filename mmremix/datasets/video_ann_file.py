"""The ``ann_file`` of single-camera videos: one line ``<image path> <video_name>`` per image.

Read vectorised with numpy, block by block, so that a LUPerson-size file (about 4.2M lines)
creates no Python object per line: the file's bytes stay in one buffer that also holds the paths
(:class:`~mmremix.datasets.packed_strings.PackedStrings` offsets into it), and video names become
integer ids. Written by ``tools/dataset_converters/index_single_camera_videos.py``.

Source: design choice of mmremix.
"""
from typing import List, NamedTuple

import numpy as np

from .packed_strings import PackedStrings

#: Bytes parsed at once (bounds the temporary arrays: about 12 bytes per byte of a block).
BLOCK_BYTES = 8 * 2**20
#: The bytes ``bytes.split()`` splits on.
_IS_SPACE = np.zeros(256, dtype=bool)
_IS_SPACE[[9, 10, 11, 12, 13, 32]] = True
_NEWLINE = 10
#: What a line holds, quoted in errors.
LINE_FORMAT = '<image path> <video_name>'


class VideoAnnotations(NamedTuple):
    """The lines of a video ``ann_file``, blank lines left out.

    Attributes:
        paths (PackedStrings): N image paths, as written (relative or absolute).
        video_ids (np.ndarray): int64 (N,) index of each line's video in ``video_names``.
        video_names (list[str]): The distinct video names, in order of first appearance.
    """
    paths: PackedStrings
    video_ids: np.ndarray
    video_names: List[str]


def _fixed_width(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(M, max length) uint8 copy of M tokens of ``buffer``, zero-padded on the right."""
    width = int(lengths.max())
    table = np.zeros((starts.size, width), dtype=np.uint8)
    for k in range(width):  # one gather per character position: M-sized temporaries only
        has = lengths > k
        table[has, k] = buffer[starts[has] + k]
    return table


def _names_to_ids(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                  index: dict) -> np.ndarray:
    """Video ids of name tokens; ``index`` (name bytes -> id) grows with new names.

    Consecutive lines usually share their video, so only the first name of each run of equal
    names is looked up in ``index``.
    """
    lengths = ends - starts
    table = _fixed_width(buffer, starts, lengths)
    heads = np.flatnonzero(np.concatenate([[True], (table[1:] != table[:-1]).any(axis=1)]))
    head_ids = np.fromiter(
        (index.setdefault(table[row, :lengths[row]].tobytes(), len(index))
         for row in heads.tolist()),
        dtype=np.int64, count=heads.size)
    return np.repeat(head_ids, np.diff(np.append(heads, starts.size)))


def read_video_ann_file(path: str) -> VideoAnnotations:
    """Read a video ``ann_file``: lines ``<image path> <video_name>`` separated by whitespace.

    Args:
        path (str): The file (UTF-8; blank lines are skipped; the last line may lack a newline).

    Returns:
        VideoAnnotations: Paths, video ids and video names, in file order.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        ValueError: A line holds another number of fields than 2 (names the file, the line
            number and the line), or the file lists no image.
    """
    buffer = np.fromfile(path, dtype=np.uint8)
    if buffer.size and buffer[-1] != _NEWLINE:
        buffer = np.append(buffer, np.uint8(_NEWLINE))
    # offsets as uint32 below 4 GiB: 8 instead of 16 bytes per path
    offset_type = np.uint32 if buffer.size < 2**32 else np.int64
    path_starts, path_ends, video_ids = [], [], []
    index: dict = {}
    offset = line_number = 0
    while offset < buffer.size:
        stop = min(offset + BLOCK_BYTES, buffer.size)
        while True:  # whole lines only (the buffer ends with a newline)
            block = buffer[offset:stop]
            newlines = np.flatnonzero(block == _NEWLINE)
            if newlines.size:
                break
            stop = min(offset + 2 * (stop - offset), buffer.size)  # a line longer than a block
        block = block[:newlines[-1] + 1]
        space = _IS_SPACE[block]
        # a token starts at a non-space after a space (or the block start), ends before a space
        starts = np.flatnonzero(~space & np.concatenate([[True], space[:-1]]))
        ends = np.flatnonzero(~space & np.concatenate([space[1:], [True]])) + 1
        del space
        line_of_token = np.searchsorted(newlines, starts)
        fields = np.bincount(line_of_token, minlength=newlines.size)
        bad = np.flatnonzero((fields != 2) & (fields != 0))
        if bad.size:
            first = bad[0]
            begin = newlines[first - 1] + 1 if first else 0
            text = block[begin:newlines[first]].tobytes().decode('utf-8', 'replace').strip()
            raise ValueError(f'{path}, line {line_number + first + 1}: expected '
                             f'"{LINE_FORMAT}", got {text!r}')
        if starts.size:
            path_starts.append((starts[0::2] + offset).astype(offset_type))
            path_ends.append((ends[0::2] + offset).astype(offset_type))
            video_ids.append(_names_to_ids(block, starts[1::2], ends[1::2], index))
        line_number += newlines.size
        offset += block.size
    if not path_starts:
        raise ValueError(f'{path} lists no image (expected lines "{LINE_FORMAT}")')
    paths = PackedStrings(buffer, np.concatenate(path_starts), np.concatenate(path_ends))
    return VideoAnnotations(paths, np.concatenate(video_ids),
                            [name.decode('utf-8') for name in index])
