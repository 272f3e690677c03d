"""Rank-list pictures: a query image followed by its top-k gallery matches, framed by correctness.

The layout follows ReMix (Mamedov et al., WACV 2025), Fig. 3 (green frame: same identity as the
query, red: another identity); the grey frame for unknown identities, the file names and distances
under the images are design choices of mmremix.
"""
import os
import os.path as osp
import re
from typing import List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np

#: Frame colours (BGR): the query, a gallery image of the query's identity, of another identity, and
#: one whose identity is unknown.
QUERY_COLOR = (0, 0, 0)
MATCH_COLOR = (0, 180, 0)
MISMATCH_COLOR = (0, 0, 220)
UNKNOWN_COLOR = (160, 160, 160)
BACKGROUND_COLOR = (255, 255, 255)
TEXT_COLOR = (40, 40, 40)
FONT = cv2.FONT_HERSHEY_SIMPLEX


class RankListStyle(NamedTuple):
    """Geometry of a rank-list row, in pixels. Design choice of mmremix.

    A row is ``margin`` + one column per image (the query first) + ``margin``; columns are
    ``cell_width`` wide and separated by ``margin`` (plus ``query_gap`` after the query). Each
    column holds a framed image (``img_size`` plus ``border`` on each side, centred) and, under it,
    ``name_lines + 2`` text lines: the file name (wrapped at ``_``), the rank and distance (or
    ``'query'``) and the optional label.

    Attributes:
        img_size (tuple[int, int]): (height, width) every image is resized to (aspect not kept).
        cell_width (int): Width of a column, at least ``img_size[1] + 2 * border``.
        border (int): Frame thickness.
        margin (int): Space around the row and between columns.
        query_gap (int): Extra space between the query and the first match.
        font_scale (float): OpenCV font scale of the text.
        line_height (int): Height of a text line.
        name_lines (int): Lines given to the file name (longer names end with ``..``).
    """
    img_size: Tuple[int, int] = (128, 64)
    cell_width: int = 96
    border: int = 4
    margin: int = 6
    query_gap: int = 12
    font_scale: float = 0.35
    line_height: int = 12
    name_lines: int = 2

    @property
    def frame_size(self) -> Tuple[int, int]:
        """(height, width) of a framed image."""
        return self.img_size[0] + 2 * self.border, self.img_size[1] + 2 * self.border

    @property
    def row_height(self) -> int:
        """Height of a row."""
        return 2 * self.margin + self.frame_size[0] + (self.name_lines + 2) * self.line_height

    def column_left(self, col: int) -> int:
        """x of the left edge of column ``col`` (0: the query)."""
        return self.margin + col * (self.cell_width + self.margin) + (self.query_gap if col else 0)

    def row_width(self, num_gallery: int) -> int:
        """Width of a row with ``num_gallery`` matches after the query."""
        return (self.margin + (num_gallery + 1) * (self.cell_width + self.margin) +
                (self.query_gap if num_gallery else 0))

    def frame_box(self, col: int) -> Tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the frame of column ``col`` in its row, end-exclusive."""
        frame_h, frame_w = self.frame_size
        x0 = self.column_left(col) + (self.cell_width - frame_w) // 2
        return x0, self.margin, x0 + frame_w, self.margin + frame_h


def _text_width(text: str, style: RankListStyle) -> int:
    return cv2.getTextSize(text, FONT, style.font_scale, 1)[0][0]


def _wrap(text: str, style: RankListStyle) -> List[str]:
    """Split ``text`` into at most ``style.name_lines`` lines of ``style.cell_width``, at ``_``."""
    lines, line = [], ''
    for token in re.split(r'(?<=_)', text):
        while token:
            if _text_width(line + token, style) <= style.cell_width:
                line, token = line + token, ''
            elif line:
                lines.append(line)
                line = ''
            else:  # one token wider than a line: cut it
                cut = max((n for n in range(1, len(token) + 1)
                           if _text_width(token[:n], style) <= style.cell_width), default=1)
                lines.append(token[:cut])
                token = token[cut:]
    lines.append(line)
    if len(lines) > style.name_lines:
        lines = lines[:style.name_lines]
        lines[-1] = lines[-1][:-2] + '..'
    return lines


def _read_image(path: str, style: RankListStyle) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'Cannot read the image {path} (missing or not an image)')
    return cv2.resize(img, style.img_size[::-1], interpolation=cv2.INTER_LINEAR)


def _draw_cell(canvas: np.ndarray, col: int, img_path: str, color: Tuple[int, int, int],
               texts: Sequence[str], style: RankListStyle) -> None:
    x0, y0, x1, y1 = style.frame_box(col)
    canvas[y0:y1, x0:x1] = color
    b = style.border
    canvas[y0 + b:y1 - b, x0 + b:x1 - b] = _read_image(img_path, style)
    lines = _wrap(osp.basename(img_path), style)
    lines += [''] * (style.name_lines - len(lines)) + list(texts)
    left = style.column_left(col)
    for num, line in enumerate(lines, 1):
        x = left + (style.cell_width - _text_width(line, style)) // 2
        y = y1 + num * style.line_height - 2
        cv2.putText(canvas, line, (x, y), FONT, style.font_scale, TEXT_COLOR, 1, cv2.LINE_AA)


def _write_image(img: np.ndarray, out_file: str) -> None:
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    if not cv2.imwrite(out_file, img):
        raise OSError(f'Could not write the image {out_file} (check the extension, e.g. .png)')


def draw_rank_list(query_path: str,
                   gallery_paths: Sequence[str],
                   distances: Sequence[float],
                   matches: Optional[Sequence[Optional[bool]]] = None,
                   out_file: Optional[str] = None,
                   query_label: Optional[str] = None,
                   gallery_labels: Optional[Sequence[str]] = None,
                   style: RankListStyle = RankListStyle()) -> np.ndarray:
    """Draw one rank list: the query, then its top-k gallery images in rank order.

    Each image is framed (black: the query; green: ``match`` True; red: False; grey: None, identity
    unknown) and captioned with its file name, then ``'query'`` / ``query_label`` or
    ``'#rank d=distance'``, then its ``gallery_labels`` entry if given.

    Args:
        query_path (str): The query image.
        gallery_paths (Sequence[str]): The k top-ranked gallery images, best first.
        distances (Sequence[float]): Their k distances to the query (e.g. cosine distance).
        matches (Sequence[bool | None], optional): Per gallery image, whether its identity is the
            query's (None: unknown); None for all unknown.
        out_file (str, optional): Where to write the picture (folders are created).
        query_label (str, optional): Caption of the query under its name. Defaults to ``'query'``.
        gallery_labels (Sequence[str], optional): k extra captions (e.g. ``'pid 12'``).
        style (RankListStyle): Geometry and font.

    Returns:
        np.ndarray: (style.row_height, style.row_width(k), 3) uint8 BGR picture.

    Raises:
        ValueError: ``distances``, ``matches`` or ``gallery_labels`` has not k entries.
        FileNotFoundError: An image cannot be read.
        OSError: ``out_file`` cannot be written.

    Source: ReMix (Mamedov et al., WACV 2025), Fig. 3; captions and grey frames: design choice of
    mmremix.

    Example:
        >>> from mmremix.visualization import draw_rank_list
        >>> row = draw_rank_list('q/0001_c1s1_01.jpg', ['g/0001_c2s1_01.jpg', 'g/0002_c3s1_01.jpg'],
        ...                      [0.12, 0.35], [True, False], 'ranks.png')  # doctest: +SKIP
    """
    num = len(gallery_paths)
    matches = [None] * num if matches is None else list(matches)
    labels = [] if gallery_labels is None else list(gallery_labels)
    lengths = dict(distances=len(distances), matches=len(matches))
    if gallery_labels is not None:
        lengths['gallery_labels'] = len(labels)
    for name, length in lengths.items():
        if length != num:
            raise ValueError(f'{name} has {length} entries, expected one per gallery image '
                             f'({num})')
    canvas = np.full((style.row_height, style.row_width(num), 3), BACKGROUND_COLOR, np.uint8)
    _draw_cell(canvas, 0, query_path, QUERY_COLOR, [query_label or 'query'], style)
    colors = {True: MATCH_COLOR, False: MISMATCH_COLOR, None: UNKNOWN_COLOR}
    for rank, (path, dist, match) in enumerate(zip(gallery_paths, distances, matches), 1):
        texts = [f'#{rank} d={float(dist):.3f}'] + labels[rank - 1:rank]
        _draw_cell(canvas, rank, path, colors[None if match is None else bool(match)], texts,
                   style)
    if out_file is not None:
        _write_image(canvas, out_file)
    return canvas


def stack_rank_lists(rows: Sequence[np.ndarray],
                     out_file: Optional[str] = None,
                     legend: Optional[Sequence[str]] = None,
                     style: RankListStyle = RankListStyle()) -> np.ndarray:
    """Stack rank-list rows (from :func:`draw_rank_list`) into one picture, one query per row.

    Narrower rows (fewer matches) are padded on the right with the background colour. A legend,
    if given, is written above the rows, one text line each.

    Args:
        rows (Sequence[np.ndarray]): (h_i, w_i, 3) uint8 BGR pictures.
        out_file (str, optional): Where to write the picture (folders are created).
        legend (Sequence[str], optional): Text lines written above the rows.
        style (RankListStyle): Font and margins of the legend.

    Returns:
        np.ndarray: (legend_height + sum h_i, max w_i, 3) uint8 BGR picture, where
        ``legend_height`` is :func:`legend_height` (0 without a legend).

    Raises:
        ValueError: ``rows`` is empty.
        OSError: ``out_file`` cannot be written.

    Source: design choice of mmremix.
    """
    if len(rows) == 0:
        raise ValueError('stack_rank_lists needs at least one row')
    legend = list(legend or [])
    top = legend_height(len(legend), style)
    tops = top + np.cumsum([0] + [row.shape[0] for row in rows])
    width = max([row.shape[1] for row in rows] +
                [_text_width(line, style) + 2 * style.margin for line in legend])
    picture = np.full((tops[-1], width, 3), BACKGROUND_COLOR, np.uint8)
    for num, line in enumerate(legend, 1):
        cv2.putText(picture, line, (style.margin, style.margin + num * style.line_height - 2),
                    FONT, style.font_scale, TEXT_COLOR, 1, cv2.LINE_AA)
    for row_top, row in zip(tops, rows):
        picture[row_top:row_top + row.shape[0], :row.shape[1]] = row
    if out_file is not None:
        _write_image(picture, out_file)
    return picture


def legend_height(num_lines: int, style: RankListStyle = RankListStyle()) -> int:
    """Height in pixels of a legend of ``num_lines`` lines (0 for none)."""
    return style.margin + num_lines * style.line_height if num_lines else 0
