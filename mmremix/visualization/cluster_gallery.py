"""A gallery picture of titled image groups (pseudo-identity clusters, images and their maps).

Source: ReMix (Mamedov et al., WACV 2025), Fig. 4 (four random images of each of several
single-camera pseudo-identity clusters); the layout is a design choice of mmremix.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.image.geometric import cv2_interp_codes

__all__ = ['draw_cluster_gallery']

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_MAX_FONT_SCALE = 0.4


def _to_bgr(image: np.ndarray, title: str) -> np.ndarray:
    """An (H, W) or (H, W, 3) uint8 image as (H, W, 3) BGR."""
    if image.dtype != np.uint8 or not (image.ndim == 2 or
                                       (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f'draw_cluster_gallery: an image of group "{title}" is {image.shape} '
                         f'{image.dtype}; expected (H, W) or (H, W, 3) uint8')
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


def _put_title(band: np.ndarray, title: str) -> None:
    """Write ``title`` in black on the white ``band`` (in place), shrunk to fit its width."""
    height, width = band.shape[:2]
    (text_w, text_h), _ = cv2.getTextSize(title, _FONT, _MAX_FONT_SCALE, 1)
    scale = min(_MAX_FONT_SCALE, _MAX_FONT_SCALE * (width - 4) / max(text_w, 1),
                _MAX_FONT_SCALE * (height - 4) / max(text_h, 1))
    (_, text_h), _ = cv2.getTextSize(title, _FONT, scale, 1)
    cv2.putText(band, title, (2, (height + text_h) // 2), _FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)


def draw_cluster_gallery(groups: Sequence[Tuple[str, Sequence[np.ndarray]]],
                         out_file: Optional[str] = None,
                         cell_size: Tuple[int, int] = (128, 64),
                         columns: int = 1,
                         title_height: int = 16,
                         gap: int = 4,
                         interpolation: str = 'nearest') -> np.ndarray:
    """Draw groups of images, each group a titled row of cells, as one picture.

    Every group becomes a block: a white title band of ``title_height`` pixels over one row of
    cells of ``cell_size``, one image per cell (resized to fill the cell), as many cells as the
    largest group has images (smaller groups leave white cells). Blocks are laid out row-major in
    ``columns`` columns, ``gap`` white pixels apart. A group without images is a blank block with
    its title (to pad a row). Picture size, with R = ceil(len(groups) / columns) block rows and
    K = the largest group's image count: height ``R * (title_height + cell_h) + (R - 1) * gap``,
    width ``columns * K * cell_w + (columns - 1) * gap``.

    Source: ReMix (Mamedov et al., WACV 2025), Fig. 4; layout: design choice of mmremix.

    Args:
        groups (Sequence[tuple[str, Sequence[np.ndarray]]]): (title, images) pairs; images are
            (H, W, 3) BGR or (H, W) grey uint8 arrays of any size.
        out_file (str, optional): Where to write the picture (folders are created); the format
            follows the extension (PNG at the highest compression level). None only returns it.
        cell_size (tuple[int, int]): (height, width) of a cell in pixels. Defaults to (128, 64).
        columns (int): Blocks per row. Defaults to 1.
        title_height (int): Height of a title band in pixels, >= 8. Defaults to 16.
        gap (int): White pixels between blocks, >= 0. Defaults to 4.
        interpolation (str): ``mmcv.imresize`` interpolation of the images into their cells.
            Defaults to ``'nearest'`` (design choice of mmremix: Re-ID inputs are small, so cells
            usually enlarge them; nearest shows their pixels as the network sees them and keeps
            PNG files small).

    Returns:
        np.ndarray: The picture, (height, width, 3) uint8 BGR.

    Raises:
        ValueError: If ``groups`` is empty or holds no image, an image is not uint8 (H, W) or
            (H, W, 3), a size argument is out of range, or ``interpolation`` is not an
            ``mmcv.imresize`` method.

    Example:
        >>> import numpy as np
        >>> img = np.zeros((64, 32, 3), np.uint8)
        >>> draw_cluster_gallery([('video 0 / cluster 0', [img] * 4),
        ...                       ('video 0 / cluster 1', [img] * 3)]).shape
        (292, 256, 3)
    """
    if not groups:
        raise ValueError('draw_cluster_gallery needs at least one group')
    cell_h, cell_w = cell_size
    if cell_h < 1 or cell_w < 1 or columns < 1 or title_height < 8 or gap < 0:
        raise ValueError(f'draw_cluster_gallery: expected cell_size >= (1, 1), columns >= 1, '
                         f'title_height >= 8, gap >= 0; got cell_size={cell_size}, '
                         f'columns={columns}, title_height={title_height}, gap={gap}')
    if interpolation not in cv2_interp_codes:
        raise ValueError(f'draw_cluster_gallery: interpolation must be one of '
                         f'{sorted(cv2_interp_codes)}, got {interpolation!r}')
    num_cells = max(len(images) for _, images in groups)
    if num_cells == 0:
        raise ValueError('draw_cluster_gallery: no group has an image')
    rows = -(-len(groups) // columns)
    block_h, block_w = title_height + cell_h, num_cells * cell_w
    height = rows * block_h + (rows - 1) * gap
    width = columns * block_w + (columns - 1) * gap
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    for index, (title, images) in enumerate(groups):
        top = (index // columns) * (block_h + gap)
        left = (index % columns) * (block_w + gap)
        _put_title(canvas[top:top + title_height, left:left + block_w], title)
        cells: List[np.ndarray] = [
            mmcv.imresize(_to_bgr(np.asarray(image), title), (cell_w, cell_h),
                          interpolation=interpolation) for image in images
        ]
        if cells:
            canvas[top + title_height:top + block_h,
                   left:left + len(cells) * cell_w] = np.concatenate(cells, axis=1)
    if out_file is not None:
        # OpenCV's default PNG level (1) favours speed; pictures for documents favour size
        png = osp.splitext(out_file)[1].lower() == '.png'
        mmcv.imwrite(canvas, out_file, params=[cv2.IMWRITE_PNG_COMPRESSION, 9] if png else None)
    return canvas
