"""Tiny generated videos with known moving persons, and a registered detector stub that finds them.

The persons are saturated coloured rectangles (80 x 32 px, a darker "head" band) moving in straight
lines, one horizontal lane each (they never overlap), on a grey, slightly noisy background;
:class:`ColourBlobDetector` finds them by saturation and returns their boxes with Gaussian noise,
random misses and random scores, so the tests see what a real detector does to a tracker.
"""
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from mmremix.registry import PERSON_DETECTORS
from mmremix.tracklets import PersonDetections

# (id, BGR colour, first frame, last frame, start (x, y), velocity (dx, dy) px per frame)
DEFAULT_PERSONS = (
    (1, (40, 40, 220), 0, 39, (10, 10), (4, 0)),
    (2, (40, 200, 40), 0, 39, (440, 100), (-4, 0)),
    (3, (220, 60, 40), 8, 35, (60, 190), (3, 0)),
    (4, (30, 200, 230), 12, 39, (300, 275), (8, 0)),  # leaves the frame on the right
)
PERSON_HW = (80, 32)


def render_scene(num_frames: int = 40, size=(360, 480), persons=DEFAULT_PERSONS, seed: int = 0):
    """Frames and ground truth of a generated scene.

    Returns:
        tuple[list[np.ndarray], np.ndarray]: (H, W, 3) uint8 BGR frames and (G, 6) ground-truth rows
        ``frame, id, x1, y1, x2, y2`` of the visible persons, clipped to the frame.
    """
    rng = np.random.default_rng(seed)
    frames, gt = [], []
    for t in range(num_frames):
        frame = np.clip(rng.normal(128, 6, (*size, 3)), 0, 255).astype(np.uint8)
        for pid, colour, first, last, (x0, y0), (dx, dy) in persons:
            if not first <= t <= last:
                continue
            x1, y1 = x0 + dx * (t - first), y0 + dy * (t - first)
            x2, y2 = x1 + PERSON_HW[1], y1 + PERSON_HW[0]
            cv2.rectangle(frame, (x1, y1), (x2 - 1, y2 - 1), colour, -1)
            cv2.rectangle(frame, (x1 + 8, y1), (x2 - 9, y1 + 14), [c // 2 for c in colour], -1)
            if x1 < size[1]:
                gt.append((t, pid, x1, y1, min(x2, size[1]), min(y2, size[0])))
        frames.append(frame)
    return frames, np.array(gt, np.float64).reshape(-1, 6)


def write_video(path: Path, frames: Sequence[np.ndarray], fps: float = 10.0) -> Path:
    """Write frames as an MJPG ``.avi`` (OpenCV's built-in encoder) and return the path."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, (w, h))
    assert writer.isOpened(), f'cannot write {path}'
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def write_mot_sequence(root: Path, frames: Sequence[np.ndarray], gt: np.ndarray, fps: int = 10,
                       name: str = 'SCENE-01') -> Path:
    """Write a MOTChallenge sequence folder (img1/, seqinfo.ini, gt/gt.txt) and return it."""
    seq = root / name
    (seq / 'img1').mkdir(parents=True)
    (seq / 'gt').mkdir()
    for t, frame in enumerate(frames):
        cv2.imwrite(str(seq / 'img1' / f'{t + 1:06d}.jpg'), frame)
    (seq / 'seqinfo.ini').write_text(
        f'[Sequence]\nname={name}\nimDir=img1\nframeRate={fps}\nseqLength={len(frames)}\n'
        f'imWidth={frames[0].shape[1]}\nimHeight={frames[0].shape[0]}\nimExt=.jpg\n')
    lines = [f'{int(f) + 1},{int(i)},{x1},{y1},{x2 - x1},{y2 - y1},1,1,1.0'
             for f, i, x1, y1, x2, y2 in gt]
    (seq / 'gt' / 'gt.txt').write_text('\n'.join(lines) + '\n')
    return seq


@PERSON_DETECTORS.register_module(force=True)
class ColourBlobDetector:
    """Detector stub: boxes of the saturated blobs of a frame, with noise and misses.

    Args:
        box_noise (float): Standard deviation of the Gaussian noise on each coordinate, px.
        miss_rate (float): Probability that a person is not returned in a frame.
        score_range (tuple[float, float]): Scores are uniform in this range.
        seed (int): Seed of the noise, the misses and the scores.
    """

    def __init__(self, box_noise: float = 1.5, miss_rate: float = 0.15,
                 score_range=(0.55, 0.95), seed: int = 0) -> None:
        self.box_noise, self.miss_rate, self.score_range = box_noise, miss_rate, score_range
        self.rng = np.random.default_rng(seed)

    def __call__(self, frame: np.ndarray) -> PersonDetections:
        mask = (cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)[..., 1] > 100).astype(np.uint8)
        num, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        stats = stats[1:][stats[1:, cv2.CC_STAT_AREA] >= 100]
        boxes = np.column_stack([stats[:, 0], stats[:, 1], stats[:, 0] + stats[:, 2],
                                 stats[:, 1] + stats[:, 3]]).astype(np.float32)
        boxes += self.rng.normal(0, self.box_noise, boxes.shape).astype(np.float32)
        keep = self.rng.random(len(boxes)) >= self.miss_rate
        scores = self.rng.uniform(*self.score_range, len(boxes)).astype(np.float32)
        return PersonDetections.from_arrays(boxes[keep], scores[keep])
