import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmremix.apis import FeatureExtractor
from mmremix.registry import MODELS
from mmremix.visualization import RankListStyle, draw_rank_list, stack_rank_lists
from mmremix.visualization.rank_list import (MATCH_COLOR, MISMATCH_COLOR, QUERY_COLOR,
                                             UNKNOWN_COLOR, legend_height)

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_CFG = dict(
    type='ReIDBaseline',
    backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, out_indices=(3, )),
    neck=dict(type='GeneralizedMeanPooling'),
    in_channels=64,
    num_classes=4)
GALLERY = ('0001_c1s1_000001_01.jpg', '0002_c2s1_000001_01.jpg', '0003_c3s1_000001_01.jpg',
           '0004_c1s1_000002_01.jpg')
# default RankListStyle: frames of 128 x 64 images + 2 * 4 border, 96-wide columns, margin 6,
# query gap 12, 2 name lines + 2 text lines of 12 px
ROW_H = 6 + 136 + 4 * 12 + 6
FRAME_W = 72


def row_width(k):
    return 6 + (k + 1) * (96 + 6) + 12


def frame_pixel(img, row, col, top=0):
    """The colour of the top-left frame pixel of a cell (col 0: the query); rows start at top."""
    x0 = 6 + col * (96 + 6) + (12 if col else 0) + (96 - FRAME_W) // 2
    return tuple(int(v) for v in img[top + row * ROW_H + 6 + 1, x0 + 1])


@pytest.fixture
def gallery(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / 'gallery'
    folder.mkdir()
    for name in GALLERY:
        cv2.imwrite(str(folder / name), rng.integers(0, 256, (64, 32, 3), dtype=np.uint8))
    return folder


def test_draw_rank_list_frames_sizes_and_errors(gallery, tmp_path):
    paths = [str(gallery / name) for name in GALLERY]
    row = draw_rank_list(paths[0], paths[1:], [0.1, 0.2, 0.3], [True, False, None])
    assert row.shape == (ROW_H, row_width(3), 3) and row.dtype == np.uint8
    assert RankListStyle().row_height == ROW_H and RankListStyle().row_width(3) == row_width(3)
    assert [frame_pixel(row, 0, col) for col in range(4)] == [
        QUERY_COLOR, MATCH_COLOR, MISMATCH_COLOR, UNKNOWN_COLOR]
    short = draw_rank_list(paths[0], paths[1:2], [0.1], out_file=str(tmp_path / 'a' / 'r.png'))
    assert frame_pixel(short, 0, 1) == UNKNOWN_COLOR  # matches=None: unknown ids
    assert cv2.imread(str(tmp_path / 'a' / 'r.png')).shape == (ROW_H, row_width(1), 3)
    stacked = stack_rank_lists([row, short])
    assert stacked.shape == (2 * ROW_H, row_width(3), 3)
    assert (stacked[ROW_H:, row_width(1):] == 255).all()  # the short row is padded with white
    with pytest.raises(ValueError, match='distances has 1 entries, expected one per gallery'):
        draw_rank_list(paths[0], paths[1:], [0.1])
    with pytest.raises(ValueError, match='gallery_labels has 2 entries'):
        draw_rank_list(paths[0], paths[1:], [0.1] * 3, gallery_labels=['a', 'b'])
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        draw_rank_list(str(tmp_path / 'nope.jpg'), paths[1:2], [0.1])


def test_retrieval_demo_writes_ranks(gallery, tmp_path):
    config_file, ckpt = tmp_path / 'tiny.py', tmp_path / 'tiny.pth'
    Config(dict(model=MODEL_CFG, test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(16, 32), keep_ratio=False),
        dict(type='PackReIDInputs'),
    ])))).dump(str(config_file))
    torch.manual_seed(0)
    torch.save({'state_dict': MODELS.build(MODEL_CFG).state_dict(), 'meta': {}}, ckpt)
    (tmp_path / 'query').mkdir()
    # a byte-identical copy of the pid-2 gallery image, under a Market name of another camera
    same = shutil.copy(gallery / GALLERY[1], tmp_path / 'query' / '0002_c5s1_000009_01.jpg')
    # the same image in the gallery, of the query's pid and camera: the metric ignores it, so the
    # demo must leave it out (it would be a perfect "match" at distance 0)
    own_camera = shutil.copy(same, gallery / '0002_c5s1_000010_01.jpg')
    unnamed = tmp_path / 'query' / 'street.jpg'
    cv2.imwrite(str(unnamed), np.random.default_rng(1).integers(0, 256, (64, 32, 3), np.uint8))
    out_dir = tmp_path / 'out'
    proc = subprocess.run(
        [sys.executable, 'demo/retrieval_demo.py', str(config_file), str(ckpt), '--query',
         str(same), str(unnamed), '--gallery', str(gallery), '--topk', '3', '--out-dir',
         str(out_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr

    results = json.loads((out_dir / 'ranks.json').read_text())
    assert [(r['query'], r['pid'], r['camid'], r['left_out']) for r in results] == [
        (str(same), 2, 4, 1), (str(unnamed), None, None, 0)]
    assert str(own_camera) not in [r['file'] for r in results[0]['ranks']]
    for result in results:
        assert [r['rank'] for r in result['ranks']] == [1, 2, 3]
        dists = [r['distance'] for r in result['ranks']]
        assert dists == sorted(dists)
    top1, *others = results[0]['ranks']
    assert Path(top1['file']).name == GALLERY[1] and top1['pid'] == 2 and top1['match'] is True
    assert top1['distance'] == pytest.approx(0, abs=1e-5)
    assert [r['match'] for r in others] == [False, False]
    assert [r['match'] for r in results[1]['ranks']] == [None] * 3
    # the distances are 1 - cosine similarity of the API's features
    gallery_paths = [str(gallery / name) for name in GALLERY] + [str(own_camera)]
    feats = FeatureExtractor(str(config_file), str(ckpt))([str(unnamed)] + gallery_paths)
    expected = np.sort(1 - feats[1:] @ feats[0])[:3]
    np.testing.assert_allclose([r['distance'] for r in results[1]['ranks']], expected, atol=1e-5)

    picture = cv2.imread(str(out_dir / 'ranks.png'))
    top = legend_height(4)  # the legend: frame colours and what was left out
    assert picture.shape == (top + 2 * ROW_H, row_width(3), 3)
    assert (picture[:top] != 255).any()
    assert [frame_pixel(picture, 0, col, top) for col in range(4)] == [
        QUERY_COLOR, MATCH_COLOR, MISMATCH_COLOR, MISMATCH_COLOR]
    assert [frame_pixel(picture, 1, col, top) for col in range(4)] == \
        [QUERY_COLOR] + [UNKNOWN_COLOR] * 3
