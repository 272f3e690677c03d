"""Tests of the synthetic Re-ID generator (mmremix.datasets.synthetic)."""
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmremix.datasets.synthetic import (CameraParams, Pose, ensure_synthetic_reid,
                                        generate_synthetic_reid, market_name, render_person,
                                        sample_appearance)
from mmremix.datasets.synthetic import generator as generator_module
from mmremix.datasets.synthetic import person_renderer as renderer

MARKET_RE = re.compile(r'([-\d]+)_c(\d)')
SMALL = dict(
    seed=3,
    num_train_ids=4,
    num_test_ids=3,
    num_cameras=3,
    images_per_id_cam=2,
    num_videos=2,
    ids_per_video=2,
    images_per_video_id=3,
    num_distractors=2,
    num_junk=1,
    img_size=(64, 32))


def _parse(folder: Path):
    """(pid, cam) of every JPEG in a Market folder, as a Counter."""
    pairs = []
    for path in folder.glob('*.jpg'):
        match = MARKET_RE.search(path.name)
        assert match is not None, path.name
        pairs.append((int(match.group(1)), int(match.group(2))))
    return Counter(pairs)


def _all_files(root: Path):
    return sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic') / 'small'
    counts = generate_synthetic_reid(root, **SMALL)
    return root, counts


def test_market_name():
    assert market_name(12, 3, 45) == '0012_c3s1_000045_01.jpg'
    assert market_name(0, 1, 2) == '0000_c1s1_000002_01.jpg'
    assert market_name(-1, 2, 7) == '-1_c2s1_000007_01.jpg'


def test_counts_and_market_layout(small):
    root, counts = small
    # 4 ids x 3 cams x 2 images; test ids 5..7: 1 query per camera, 1 gallery image per camera + 2 +
    # 1.
    assert counts == dict(
        train_ids=4,
        train_images=24,
        test_ids=3,
        query_images=9,
        gallery_images=12,
        distractor_images=2,
        junk_images=1,
        videos=2,
        video_ids=4,
        video_images=12)
    train = _parse(root / 'bounding_box_train')
    assert train == Counter({(pid, cam): 2 for pid in range(1, 5) for cam in range(1, 4)})
    query = _parse(root / 'query')
    assert query == Counter({(pid, cam): 1 for pid in range(5, 8) for cam in range(1, 4)})
    gallery = _parse(root / 'bounding_box_test')
    assert sum(n for (pid, _), n in gallery.items() if pid == 0) == 2
    assert sum(n for (pid, _), n in gallery.items() if pid == -1) == 1
    assert {key: n for key, n in gallery.items() if key[0] > 0} == dict(query)
    assert sum(gallery.values()) == counts['gallery_images']

    image = cv2.imread(str(next((root / 'query').glob('*.jpg'))))
    assert image.shape == (64, 32, 3) and image.dtype == np.uint8
    marker = json.loads((root / '.complete.json').read_text())
    assert marker['params'] == {**SMALL, 'img_size': [64, 32]}
    assert marker['counts'] == counts


def test_videos_layout(small):
    root, _ = small
    videos = sorted(p.name for p in (root / 'videos').iterdir())
    assert videos == ['video_0000', 'video_0001']
    gt = dict(line.split() for line in (root / 'videos_gt.txt').read_text().splitlines())
    files = sorted(f'{v}/{p.name}' for v in videos for p in (root / 'videos' / v).glob('*.jpg'))
    assert sorted(gt) == files
    assert len(files) == 12
    # Video ids follow the labeled ids (1..7): 8, 9 in the first video, 10, 11 in the second.
    per_video = {v: Counter(int(pid) for f, pid in gt.items() if f.startswith(v)) for v in videos}
    assert per_video == {'video_0000': Counter({8: 3, 9: 3}), 'video_0001': Counter({10: 3, 11: 3})}
    # Frame numbers interleave the people in time order: frame t * 2 + person.
    assert gt['video_0000/000000.jpg'] == '8' and gt['video_0000/000001.jpg'] == '9'
    assert gt['video_0000/000004.jpg'] == '8'


def test_determinism(small, tmp_path):
    root, _ = small
    again = tmp_path / 'again'
    generate_synthetic_reid(again, **SMALL)
    files = _all_files(root)
    assert files == _all_files(again)
    assert all((root / f).read_bytes() == (again / f).read_bytes() for f in files)

    other = tmp_path / 'other_seed'
    generate_synthetic_reid(other, **{**SMALL, 'seed': 4})
    # The labeled layout is fixed by the counts (distractor and junk cameras are drawn from the
    # seed) ...
    train = sorted(p.name for p in (root / 'bounding_box_train').iterdir())
    assert train == sorted(p.name for p in (other / 'bounding_box_train').iterdir())
    # ... but every image differs.
    assert all((root / 'bounding_box_train' / f).read_bytes() != (other / 'bounding_box_train' /
                                                                  f).read_bytes() for f in train)


def test_images_do_not_depend_on_generation_order(small, tmp_path):
    root, _ = small
    fewer = tmp_path / 'fewer'
    # Fewer train ids shift the test pids, but train pid 1..2 images are seeded per item only.
    generate_synthetic_reid(fewer, **{**SMALL, 'num_train_ids': 2, 'num_videos': 0})
    for name in ('0001_c1s1_000001_01.jpg', '0002_c3s1_000002_01.jpg'):
        assert (fewer / 'bounding_box_train' / name).read_bytes() == \
            (root / 'bounding_box_train' / name).read_bytes()


def test_generate_validates(tmp_path):
    with pytest.raises(ValueError, match='images_per_id_cam'):
        generate_synthetic_reid(tmp_path / 'a', **{**SMALL, 'images_per_id_cam': 1})
    with pytest.raises(ValueError, match='num_cameras'):
        generate_synthetic_reid(tmp_path / 'a', **{**SMALL, 'num_cameras': 10})
    with pytest.raises(ValueError, match='img_size'):
        generate_synthetic_reid(tmp_path / 'a', **{**SMALL, 'img_size': (16, 8)})
    (tmp_path / 'full').mkdir()
    (tmp_path / 'full' / 'x.txt').write_text('x')
    with pytest.raises(FileExistsError, match='not empty'):
        generate_synthetic_reid(tmp_path / 'full', **SMALL)


def test_ensure_is_idempotent_and_refuses_other_params(tmp_path):
    import logging

    from mmengine.logging import MMLogger
    root = tmp_path / 'data' / 'synthetic'
    messages = []
    handler = logging.Handler(level=logging.INFO)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        assert ensure_synthetic_reid(root, **SMALL) == root
        assert ensure_synthetic_reid(root, **SMALL) == root  # reused: says nothing
    finally:
        logger.removeHandler(handler)
    # the first use says what it does and how long it took (it runs for seconds)
    assert len(messages) == 2
    assert messages[0].startswith(f'Generating the synthetic Re-ID dataset in {root}')
    assert messages[1].startswith(f'Synthetic Re-ID dataset written to {root} in ')
    marker = root / '.complete.json'
    stamp = marker.stat().st_mtime_ns
    assert ensure_synthetic_reid(str(root), **SMALL) == root
    assert marker.stat().st_mtime_ns == stamp
    assert sorted(p.name
                  for p in root.parent.iterdir()) == ['synthetic']  # no temporary folder left

    with pytest.raises(ValueError, match=r'num_train_ids: found 4, requested 5.*delete the folder'):
        ensure_synthetic_reid(root, **{**SMALL, 'num_train_ids': 5})
    with pytest.raises(TypeError):
        ensure_synthetic_reid(root, **SMALL, num_people=3)

    stranger = tmp_path / 'stranger'
    stranger.mkdir()
    (stranger / 'notes.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='.complete.json'):
        ensure_synthetic_reid(stranger, **SMALL)


def test_ensure_accepts_the_copy_of_a_process_that_won_the_race(tmp_path, monkeypatch):
    root = tmp_path / 'synthetic'
    real_generate = generator_module.generate_synthetic_reid

    def generate_then_lose_race(tmp, **params):
        counts = real_generate(tmp, **params)
        real_generate(root, **params)  # the other process finishes and moves its copy first
        return counts

    monkeypatch.setattr(generator_module, 'generate_synthetic_reid', generate_then_lose_race)
    assert ensure_synthetic_reid(root, **SMALL) == root
    assert sorted(p.name for p in tmp_path.iterdir()) == ['synthetic']
    assert json.loads((root / '.complete.json').read_text())['params']['seed'] == 3


def test_ensure_leaves_nothing_after_an_interruption(tmp_path, monkeypatch):

    def broken_render(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(generator_module, 'render_person', broken_render)
    with pytest.raises(KeyboardInterrupt):
        ensure_synthetic_reid(tmp_path / 'synthetic', **SMALL)
    assert list(tmp_path.iterdir()) == []


def _neutral_camera() -> CameraParams:
    """A camera that changes nothing: unit gain, gamma and cast, no noise, grey background."""
    return CameraParams(
        gain=1.0,
        gamma=1.0,
        cast=np.ones(3, np.float32),
        saturation=1.0,
        blur_sigma=0.5,
        noise_std=0.0,
        downscale=1.0,
        scale=0.9,
        shift_std=0.0,
        view_probs=np.full(4, 0.25),
        light=0.0,
        background=np.full((80, 96, 3), 0.5, np.float32))


def _solid_backpacker():
    app = sample_appearance(np.random.default_rng(0))
    return replace(
        app,
        upper=np.array([0.0, 0.0, 1.0], np.float32),
        upper_pattern=renderer.SOLID,
        bag_type=renderer.BACKPACK,
        bag=np.array([0.0, 1.0, 0.0], np.float32),
        hat=np.zeros(0, np.float32),
        hair_long=False)


def test_render_person_backpack_shows_from_the_back_only():
    app = _solid_backpacker()
    camera = _neutral_camera()
    pose = Pose(
        view=renderer.BACK,
        scale=0.9,
        cx=0.5,
        top=0.05,
        stride=0.5,
        swing=0.0,
        bg_x=0.0,
        bg_y=0.0,
        gain=1.0)
    back = render_person(app, camera, pose, np.random.default_rng(0), (64, 32))
    front = render_person(app, camera, replace(pose, view=renderer.FRONT), np.random.default_rng(0),
                          (64, 32))
    assert back.shape == (64, 32, 3) and back.dtype == np.uint8
    # Mid-back: figure units are 0.9 * 64 px from the top at 0.05 * 64 px; no shading on the axis.
    row = int(0.05 * 64 + (app.head + 0.035 + 0.12) * 0.9 * 64)
    np.testing.assert_allclose(back[row, 15:17], [[0, 255, 0]] * 2, atol=2)  # green backpack
    np.testing.assert_allclose(front[row, 15:17], [[0, 0, 255]] * 2, atol=2)  # red shirt
    np.testing.assert_array_equal(back[0, 0], [128, 128, 128])  # grey background: 0.5 * 255 + 0.5


def test_render_person_left_view_mirrors_right_view():
    app = _solid_backpacker()
    camera = _neutral_camera()
    pose = Pose(
        view=renderer.RIGHT,
        scale=0.9,
        cx=0.5,
        top=0.05,
        stride=0.7,
        swing=0.5,
        bg_x=0.0,
        bg_y=0.0,
        gain=1.0)
    right = render_person(app, camera, pose, np.random.default_rng(0), (64, 32)).astype(int)
    left = render_person(app, camera, replace(pose, view=renderer.LEFT), np.random.default_rng(0),
                         (64, 32)).astype(int)
    assert np.abs(left - right[:, ::-1]).max() <= 1
    assert np.abs(left - right).max() > 100  # not symmetric by itself


def test_render_person_rejects_small_background():
    camera = replace(_neutral_camera(), background=np.zeros((32, 32, 3), np.float32))
    pose = Pose(
        view=renderer.FRONT,
        scale=0.9,
        cx=0.5,
        top=0.05,
        stride=0.5,
        swing=0.0,
        bg_x=0.0,
        bg_y=0.0,
        gain=1.0)
    with pytest.raises(ValueError, match='background'):
        render_person(_solid_backpacker(), camera, pose, np.random.default_rng(0), (64, 32))


def test_identity_survives_cameras_but_is_not_trivial(tmp_path):
    root = tmp_path / 'signal'
    generate_synthetic_reid(
        root,
        seed=0,
        num_train_ids=30,
        num_test_ids=1,
        images_per_id_cam=2,
        num_videos=0,
        num_distractors=0,
        num_junk=0)
    paths = sorted((root / 'bounding_box_train').glob('*.jpg'))
    keys = np.array([[int(g) for g in MARKET_RE.search(p.name).groups()] for p in paths])
    pids, cams = keys[:, 0], keys[:, 1]
    images = np.stack([cv2.imread(str(p)) for p in paths]).astype(np.float32) / 255
    torso = images[:, 32:58, 22:42].mean(axis=(1, 2))  # (N, 3) mean BGR of the torso region
    dist = np.linalg.norm(torso[:, None] - torso[None], axis=-1)
    cross = cams[:, None] != cams[None]
    same = pids[:, None] == pids[None]
    # Identity information survives the camera changes: same-id pairs are closer on average ...
    assert dist[same & cross].mean() < 0.85 * dist[~same & cross].mean()
    nearest = np.where(cross, dist, np.inf).argmin(axis=1)
    rank1 = (pids[nearest] == pids).mean()
    # ... and the nearest cross-camera neighbour beats chance (1/30) but is far from always right.
    assert 0.1 < rank1 < 0.6
