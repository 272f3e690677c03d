"""Writer of the synthetic Re-ID dataset in the Market-1501 layout and the video-folder layout.

Layout under ``root``::

    bounding_box_train/PPPP_cCs1_FFFFFF_01.jpg  training ids 1..num_train_ids, every camera
    query/PPPP_cCs1_FFFFFF_01.jpg               one image per test id and camera
    bounding_box_test/PPPP_cCs1_FFFFFF_01.jpg   the other test-id images, distractors (pid 0,
                                                ``0000_...``) and junk (pid -1, ``-1_...``)
    videos/<video_name>/<frame>.jpg             single-camera videos of other identities
    videos_gt.txt                               ``<video_name>/<frame>.jpg <pid>`` (diagnostics)
    .complete.json                              generator version, parameters, counts (last)

Every image draws its randomness from its own ``np.random.Generator`` seeded by (seed, stream, item
keys), so the bytes of a file depend only on the seed and the item, never on the generation order.
The whole module is a design choice of mmremix.
"""
import inspect
import json
import os
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Dict, Tuple, Union

import cv2
import numpy as np
from mmengine.logging import print_log

from .person_renderer import (CameraParams, jitter_pose, render_person, sample_appearance,
                              sample_camera, sample_pose)

GENERATOR_VERSION = 1
MARKER_NAME = '.complete.json'
JPEG_QUALITY = 95
# Independent random streams: the first key after the seed.
(_APPEARANCE, _CAMERA, _IMAGE, _VIDEO_CAMERA, _VIDEO_TRACK, _VIDEO_FRAME, _DISTRACTOR,
 _JUNK) = range(8)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    """Generator seeded by the dataset seed and an item's keys (non-negative ints)."""
    return np.random.default_rng([seed, *keys])


def market_name(pid: int, cam: int, frame: int) -> str:
    """Market-1501 file name of one detection.

    Args:
        pid (int): Identity; 0 for distractors, -1 for junk (written ``-1`` like Market-1501).
        cam (int): 1-based camera index (1..9).
        frame (int): Frame number (0..999999).

    Returns:
        str: ``'{pid:04d}_c{cam}s1_{frame:06d}_01.jpg'`` (``'-1_c...'`` for junk).
    """
    pid_str = '-1' if pid == -1 else f'{pid:04d}'
    return f'{pid_str}_c{cam}s1_{frame:06d}_01.jpg'


def _write_jpeg(path: Path, image: np.ndarray) -> None:
    """Write a uint8 BGR image as JPEG; raises OSError when OpenCV cannot write it."""
    if not cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
        raise OSError(f'cv2.imwrite could not write {path}')


def _labeled_split(folder: Path, seed: int, pids: np.ndarray, cameras: Tuple[CameraParams, ...],
                   ks: np.ndarray, img_size: Tuple[int, int]) -> int:
    """Render every (pid, camera, k) image of ``pids`` into ``folder``; returns the count."""
    pid_grid, cam_grid, k_grid = (
        g.ravel() for g in np.meshgrid(pids, np.arange(len(cameras)), ks, indexing='ij'))
    appearances = {int(pid): sample_appearance(_rng(seed, _APPEARANCE, int(pid))) for pid in pids}
    for pid, cam, k in zip(pid_grid.tolist(), cam_grid.tolist(), k_grid.tolist()):
        rng = _rng(seed, _IMAGE, pid, cam, k)
        pose = sample_pose(rng, cameras[cam])
        image = render_person(appearances[pid], cameras[cam], pose, rng, img_size)
        _write_jpeg(folder / market_name(pid, cam + 1, k + 1), image)
    return len(pid_grid)


def _bad_detections(folder: Path, seed: int, stream: int, count: int,
                    cameras: Tuple[CameraParams, ...], img_size: Tuple[int, int]) -> None:
    """Gallery detections that match no query.

    Distractors (pid 0) are badly framed crops of unseen people (zoomed in, shifted); junk (pid -1)
    is mostly background with a small, off-centre person.
    """
    for index in range(count):
        rng = _rng(seed, stream, index)
        cam = int(rng.integers(len(cameras)))
        pose = sample_pose(rng, cameras[cam])
        if stream == _DISTRACTOR:
            pid = 0
            pose = replace(
                pose,
                scale=float(rng.uniform(1.2, 1.8)),
                top=float(rng.uniform(-0.7, -0.1)),
                cx=float(rng.uniform(0.2, 0.8)))
        else:
            pid = -1
            pose = replace(
                pose,
                scale=float(rng.uniform(0.3, 0.5)),
                cx=float(rng.choice([0.05, 0.95])),
                top=float(rng.uniform(0.0, 0.6)))
        image = render_person(sample_appearance(rng), cameras[cam], pose, rng, img_size)
        _write_jpeg(folder / market_name(pid, cam + 1, index + 1), image)


def _videos(root: Path, seed: int, first_pid: int, num_videos: int, ids_per_video: int,
            images_per_video_id: int, img_size: Tuple[int, int]) -> None:
    """Single-camera videos: each has its own camera and background and ``ids_per_video`` people.

    Frame files are numbered in time order with the people of one time step next to each other
    (``t * ids_per_video + person``), so sorted file names do not group an identity.
    """
    gt_lines = []
    for video in range(num_videos):
        name = f'video_{video:04d}'
        folder = root / 'videos' / name
        folder.mkdir(parents=True)
        camera = sample_camera(_rng(seed, _VIDEO_CAMERA, video), img_size)
        for person in range(ids_per_video):
            pid = first_pid + video * ids_per_video + person
            appearance = sample_appearance(_rng(seed, _APPEARANCE, pid))
            track = sample_pose(_rng(seed, _VIDEO_TRACK, video, person), camera)
            for t in range(images_per_video_id):
                rng = _rng(seed, _VIDEO_FRAME, video, person, t)
                image = render_person(appearance, camera, jitter_pose(track, rng), rng, img_size)
                frame = f'{t * ids_per_video + person:06d}.jpg'
                _write_jpeg(folder / frame, image)
                gt_lines.append(f'{name}/{frame} {pid}\n')
    (root / 'videos_gt.txt').write_text(''.join(sorted(gt_lines)))


def generate_synthetic_reid(
        root: Union[str, Path],
        seed: int = 0,
        num_train_ids: int = 120,
        num_test_ids: int = 50,
        num_cameras: int = 6,
        images_per_id_cam: int = 3,
        num_videos: int = 20,
        ids_per_video: int = 8,
        images_per_video_id: int = 6,
        num_distractors: int = 24,
        num_junk: int = 12,
        img_size: Tuple[int, int] = (128, 64)) -> Dict[str, int]:
    """Write a synthetic person Re-ID dataset (Market-1501 layout plus single-camera videos).

    Identities differ by clothing colours and patterns, hair, shoes, bags and proportions; cameras
    differ by lighting, colour cast, blur, resolution, noise, viewpoint, figure scale and
    background. Train ids are 1..num_train_ids, test ids follow, and the video identities follow the
    test ids (disjoint from both). The defaults (about 2.2k train, 0.9k test and 1k video images at
    128x64) generate in seconds and let a small CPU model learn in minutes. Design choice of
    mmremix.

    Args:
        root (str | Path): Output folder; must not exist or be empty. The marker file is written
            last.
        seed (int): Non-negative seed; the same seed gives byte-identical files.
        num_train_ids (int): Identities in ``bounding_box_train``.
        num_test_ids (int): Identities in ``query`` / ``bounding_box_test``.
        num_cameras (int): Cameras c1..c<num_cameras>, 2 to 9 (one digit in Market names).
        images_per_id_cam (int): Images of each labeled identity in each camera, at least 2 (the
            test ids give the first to ``query`` and the others to the gallery).
        num_videos (int): Single-camera videos under ``videos/``.
        ids_per_video (int): People per video.
        images_per_video_id (int): Frames of each person in a video.
        num_distractors (int): Gallery images with pid 0.
        num_junk (int): Gallery images with pid -1.
        img_size (tuple[int, int]): (height, width) of every image in pixels, each at least 32.

    Returns:
        dict[str, int]: ``train_ids``, ``train_images``, ``test_ids``, ``query_images``,
        ``gallery_images`` (all files of ``bounding_box_test``, distractors and junk included),
        ``distractor_images``, ``junk_images``, ``videos``, ``video_ids`` and ``video_images``.

    Raises:
        ValueError: If a parameter is out of range (the message names it).
        FileExistsError: If ``root`` exists and is not empty.
    """
    params = _bind_params(
        seed=seed,
        num_train_ids=num_train_ids,
        num_test_ids=num_test_ids,
        num_cameras=num_cameras,
        images_per_id_cam=images_per_id_cam,
        num_videos=num_videos,
        ids_per_video=ids_per_video,
        images_per_video_id=images_per_video_id,
        num_distractors=num_distractors,
        num_junk=num_junk,
        img_size=img_size)
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f'generate_synthetic_reid needs an empty or missing root, but {root} is not empty')
    size = (int(img_size[0]), int(img_size[1]))
    for split in ('bounding_box_train', 'query', 'bounding_box_test'):
        (root / split).mkdir(parents=True)
    (root / 'videos').mkdir()

    cameras = tuple(sample_camera(_rng(seed, _CAMERA, cam), size) for cam in range(num_cameras))
    train_pids = np.arange(1, num_train_ids + 1)
    test_pids = np.arange(num_train_ids + 1, num_train_ids + num_test_ids + 1)
    train_images = _labeled_split(root / 'bounding_box_train', seed, train_pids, cameras,
                                  np.arange(images_per_id_cam), size)
    query_images = _labeled_split(root / 'query', seed, test_pids, cameras, np.arange(1), size)
    test_images = _labeled_split(root / 'bounding_box_test', seed, test_pids, cameras,
                                 np.arange(1, images_per_id_cam), size)
    _bad_detections(root / 'bounding_box_test', seed, _DISTRACTOR, num_distractors, cameras, size)
    _bad_detections(root / 'bounding_box_test', seed, _JUNK, num_junk, cameras, size)
    _videos(root, seed, num_train_ids + num_test_ids + 1, num_videos, ids_per_video,
            images_per_video_id, size)

    counts = dict(
        train_ids=num_train_ids,
        train_images=train_images,
        test_ids=num_test_ids,
        query_images=query_images,
        gallery_images=test_images + num_distractors + num_junk,
        distractor_images=num_distractors,
        junk_images=num_junk,
        videos=num_videos,
        video_ids=num_videos * ids_per_video,
        video_images=num_videos * ids_per_video * images_per_video_id)
    marker = dict(generator_version=GENERATOR_VERSION, params=params, counts=counts)
    (root / MARKER_NAME).write_text(json.dumps(marker, indent=2, sort_keys=True))
    return counts


_GENERATE_SIGNATURE = inspect.signature(generate_synthetic_reid)


def _bind_params(**params) -> dict:
    """Validate generation parameters and return them JSON-ready (``img_size`` as a list).

    Raises:
        ValueError: If a parameter is out of range; the message names it.
    """
    limits = dict(
        seed=0,
        num_train_ids=1,
        num_test_ids=1,
        images_per_id_cam=2,
        num_videos=0,
        ids_per_video=1,
        images_per_video_id=1,
        num_distractors=0,
        num_junk=0)
    for name, low in limits.items():
        value = params[name]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise ValueError(f'{name} must be an int >= {low}, got {value!r}')
    num_cameras = params['num_cameras']
    if not isinstance(num_cameras, (int, np.integer)) or not 2 <= num_cameras <= 9:
        raise ValueError('num_cameras must be an int in [2, 9] (one digit in Market names), got '
                         f'{num_cameras!r}')
    if params['num_train_ids'] + params['num_test_ids'] > 9999:
        raise ValueError(
            'num_train_ids + num_test_ids must be <= 9999 (four-digit Market pids), got '
            f"{params['num_train_ids'] + params['num_test_ids']}")
    img_size = params['img_size']
    if len(img_size) != 2 or min(int(s) for s in img_size) < 32:
        raise ValueError(f'img_size must be (height, width) with both >= 32, got {img_size!r}')
    clean = {name: int(value) for name, value in params.items() if name != 'img_size'}
    clean['img_size'] = [int(s) for s in img_size]
    return clean


def _read_marker(root: Path) -> Union[dict, None]:
    """The parsed marker of ``root``, or None when there is none.

    Raises:
        ValueError: If the marker exists but is not the JSON this module writes.
    """
    path = root / MARKER_NAME
    if not path.is_file():
        return None
    try:
        marker = json.loads(path.read_text())
        return dict(generator_version=marker['generator_version'], params=marker['params'])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(
            f'{path} is not a valid synthetic-dataset marker ({error}); delete {root} to '
            'regenerate the dataset') from error


def _check_marker(root: Path, marker: dict, params: dict) -> None:
    """Raise ValueError naming the differing fields if ``root`` has other settings."""
    expected = dict(generator_version=GENERATOR_VERSION, params=params)
    if marker == expected:
        return
    found = {'generator_version': marker['generator_version'], **marker['params']}
    wanted = {'generator_version': GENERATOR_VERSION, **params}
    diff = {
        key: (found.get(key), wanted.get(key))
        for key in sorted(set(found) | set(wanted)) if found.get(key) != wanted.get(key)
    }
    details = ', '.join(f'{key}: found {old!r}, requested {new!r}'
                        for key, (old, new) in diff.items())
    raise ValueError(
        f'{root} holds a synthetic Re-ID dataset generated with other settings ({details}); '
        f'delete the folder {root} to regenerate it, or request the same settings')


def ensure_synthetic_reid(root: Union[str, Path], **params) -> Path:
    """Generate the synthetic Re-ID dataset at ``root`` on first use and reuse it afterwards.

    The dataset is written into a unique temporary sibling folder and moved to ``root`` with
    ``os.replace``, so an interrupted run never leaves a half-written ``root``; when several
    processes (e.g. DDP ranks) race, each generates its own copy, the first move wins and the others
    accept its result (the copies are byte-identical). Design choice of mmremix.

    Args:
        root (str | Path): Dataset folder.
        **params: Keyword arguments of :func:`generate_synthetic_reid` (defaults fill the rest).

    Returns:
        Path: ``root``.

    Raises:
        TypeError: If ``params`` has a name that :func:`generate_synthetic_reid` does not take.
        ValueError: If ``root`` holds a dataset generated with other parameters or another generator
            version (delete the folder to regenerate), or a parameter is out of range.
        FileExistsError: If ``root`` exists, is not empty and has no marker (not a generated
            dataset).
    """
    bound = _GENERATE_SIGNATURE.bind(root, **params)
    bound.apply_defaults()
    params = _bind_params(**{k: v for k, v in bound.arguments.items() if k != 'root'})
    root = Path(root)
    marker = _read_marker(root)
    if marker is not None:
        _check_marker(root, marker, params)
        return root
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f'{root} exists but has no {MARKER_NAME}, so it is not a generated synthetic '
            'dataset; delete it or choose another root')
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = root.parent / f'.{root.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}'
    print_log(f'Generating the synthetic Re-ID dataset in {root} (first use; about 10 s) ...',
              logger='current')
    started = time.perf_counter()
    try:
        generate_synthetic_reid(tmp, **params)
        try:
            os.replace(tmp, root)
        except OSError:  # another process moved its copy first: accept it if it matches
            marker = _read_marker(root)
            if marker is None:
                raise
            _check_marker(root, marker, params)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_log(f'Synthetic Re-ID dataset written to {root} in {time.perf_counter() - started:.1f} s',
              logger='current')
    return root
