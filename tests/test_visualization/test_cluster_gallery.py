import cv2
import numpy as np
import pytest

from mmremix.visualization.cluster_gallery import draw_cluster_gallery

RED, GREEN, WHITE = (0, 0, 255), (0, 255, 0), (255, 255, 255)


def solid(color, size=(40, 20)):
    return np.full((*size, 3), color, dtype=np.uint8)


def is_color(region, color):
    return bool(np.all(region == np.array(color, np.uint8)))


def test_layout_size_and_cells(tmp_path):
    groups = [('video 0 / cluster 0', [solid(RED)] * 4),
              ('video 1 / cluster 0', [solid(GREEN, (13, 7))] * 2),
              ('', [])]
    out_file = tmp_path / 'sub' / 'gallery.png'
    picture = draw_cluster_gallery(groups, str(out_file), cell_size=(20, 10), columns=2,
                                   title_height=12, gap=3)
    # 2 block rows x 2 block columns, 4 cells per block: (2 * (12 + 20) + 3, 2 * 4 * 10 + 3)
    assert picture.shape == (67, 83, 3) and picture.dtype == np.uint8
    assert is_color(picture[12:32, 0:40], RED)  # block (0, 0): four red cells
    assert is_color(picture[:, 40:43], WHITE) and is_color(picture[32:35], WHITE)  # gaps
    assert is_color(picture[12:32, 43:63], GREEN)  # block (0, 1): two green cells (resized)
    assert is_color(picture[12:32, 63:83], WHITE)  # ... and two empty ones
    assert is_color(picture[35:67, 0:40], WHITE)  # block (1, 0): the empty padding group
    assert picture[0:12, 0:40].min() < 128 and picture[0:12, 43:83].min() < 128  # titles drawn
    assert np.array_equal(cv2.imread(str(out_file)), picture)


def test_nearest_cells_repeat_the_pixels():
    image = np.arange(8, dtype=np.uint8).reshape(4, 2) * 30
    picture = draw_cluster_gallery([('a', [image])], cell_size=(8, 4), title_height=8)
    expected = np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)
    assert np.array_equal(picture[8:, :, 0], expected)


def test_one_column_and_grey_images():
    grey = np.full((8, 4), 50, dtype=np.uint8)
    picture = draw_cluster_gallery([('a', [grey]), ('b', [grey, grey, grey])], cell_size=(16, 8))
    assert picture.shape == (2 * (16 + 16) + 4, 3 * 8, 3)
    assert is_color(picture[16:32, 0:8], (50, 50, 50))
    assert is_color(picture[16:32, 8:24], WHITE)


def test_errors():
    with pytest.raises(ValueError, match='at least one group'):
        draw_cluster_gallery([])
    with pytest.raises(ValueError, match='no group has an image'):
        draw_cluster_gallery([('a', []), ('b', [])])
    with pytest.raises(ValueError, match='group "bad"'):
        draw_cluster_gallery([('bad', [np.zeros((4, 4, 3), np.float32)])])
    with pytest.raises(ValueError, match='columns'):
        draw_cluster_gallery([('a', [solid(RED)])], columns=0)
    with pytest.raises(ValueError, match="interpolation must be one of .*'bilinear'"):
        draw_cluster_gallery([('a', [solid(RED)])], interpolation='linear')
