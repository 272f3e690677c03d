"""Which person detections of a frame become training crops."""
from typing import Optional, Tuple

import cv2
import numpy as np

from .person_detections import PersonDetections


def crop_box(box: np.ndarray, frame_hw: Tuple[int, int]) -> Tuple[int, int, int, int]:
    """Integer pixel bounds of a box inside the frame.

    Args:
        box (np.ndarray): (4,) ``x1, y1, x2, y2`` float pixels.
        frame_hw (tuple[int, int]): Frame height and width.

    Returns:
        tuple[int, int, int, int]: ``x1, y1, x2, y2`` with 0 <= x1 < x2 <= W and 0 <= y1 < y2 <= H
        (at least one pixel).
    """
    h, w = frame_hw
    x1 = int(np.clip(np.floor(box[0]), 0, w - 1))
    y1 = int(np.clip(np.floor(box[1]), 0, h - 1))
    x2 = int(np.clip(np.ceil(box[2]), x1 + 1, w))
    y2 = int(np.clip(np.ceil(box[3]), y1 + 1, h))
    return x1, y1, x2, y2


def sharpness(crop: np.ndarray, height: int = 128) -> float:
    """Variance of the Laplacian of a crop resized to a fixed height (focus measure).

    Resizing first makes the value comparable between crops of different sizes. Source:
    Pech-Pacheco et al., ICPR 2000 (variance of the Laplacian as a focus measure); the height is a
    design choice of mmremix.

    Args:
        crop (np.ndarray): (h, w, 3) uint8 BGR.
        height (int): Height the crop is resized to. Defaults to 128.

    Returns:
        float: Variance of the 3 x 3 Laplacian of the grey image (0 for a flat crop).
    """
    width = max(1, round(crop.shape[1] * height / crop.shape[0]))
    grey = cv2.cvtColor(cv2.resize(crop, (width, height)), cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


class CropFilter:
    """Per-detection filters deciding which tracked boxes are saved as crops.

    Tracking sees every detection (ByteTrack also uses the low-score ones); only the crops of the
    boxes that pass all these filters are saved. All thresholds are design choices of mmremix,
    picked for Re-ID crops (e.g. Market-1501's boxes are 128 px high, at least about 0.25 to 0.6
    as wide as high); 0 or None turns a filter off.

    Args:
        min_score (float): Smallest detection score. Defaults to 0.5.
        min_height (float): Smallest box height, in frame pixels. Defaults to 64.
        aspect_ratio (tuple[float, float], optional): Allowed width / height range, inclusive.
            Defaults to (0.2, 0.8).
        border_margin (float, optional): A box within this many pixels of the frame border (or
            beyond it) is cut by the border and dropped; None keeps them. Defaults to 2.
        min_sharpness (float): Smallest :func:`sharpness` (variance of the Laplacian at 128 px
            height); drops motion-blurred and out-of-focus crops. Defaults to 0 (off).

    Raises:
        ValueError: A negative threshold, or an aspect ratio range with low > high.
    """

    def __init__(self,
                 min_score: float = 0.5,
                 min_height: float = 64,
                 aspect_ratio: Optional[Tuple[float, float]] = (0.2, 0.8),
                 border_margin: Optional[float] = 2,
                 min_sharpness: float = 0.0) -> None:
        for name, value in (('min_score', min_score), ('min_height', min_height),
                            ('min_sharpness', min_sharpness), ('border_margin', border_margin)):
            if value is not None and value < 0:
                raise ValueError(f'{name} must be >= 0, got {value}')
        if aspect_ratio is not None and not 0 <= aspect_ratio[0] <= aspect_ratio[1]:
            raise ValueError(f'aspect_ratio must be (low, high) with 0 <= low <= high, got '
                             f'{aspect_ratio}')
        self.min_score, self.min_height = min_score, min_height
        self.aspect_ratio, self.border_margin = aspect_ratio, border_margin
        self.min_sharpness = min_sharpness

    def __call__(self, detections: PersonDetections, frame: np.ndarray) -> np.ndarray:
        """Which detections of a frame pass.

        Args:
            detections (PersonDetections): The frame's N boxes.
            frame (np.ndarray): (H, W, 3) uint8 BGR frame (for the border and the sharpness).

        Returns:
            np.ndarray: (N,) bool.
        """
        boxes, scores = detections.boxes, detections.scores
        widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        keep = (scores >= self.min_score) & (heights >= self.min_height)
        if self.aspect_ratio is not None:
            ratio = widths / heights
            keep &= (ratio >= self.aspect_ratio[0]) & (ratio <= self.aspect_ratio[1])
        if self.border_margin is not None:
            h, w = frame.shape[:2]
            m = self.border_margin
            keep &= ((boxes[:, 0] >= m) & (boxes[:, 1] >= m) & (boxes[:, 2] <= w - m)
                     & (boxes[:, 3] <= h - m))
        if self.min_sharpness > 0:
            for i in np.flatnonzero(keep):
                x1, y1, x2, y2 = crop_box(boxes[i], frame.shape[:2])
                keep[i] = sharpness(frame[y1:y2, x1:x2]) >= self.min_sharpness
        return keep


def select_track_crops(num_crops: int, min_track_crops: int,
                       max_crops_per_track: int) -> np.ndarray:
    """Which crops of a finished track are kept.

    A track with fewer than ``min_track_crops`` crops is dropped (too short to form a
    pseudo-identity: ReMix's DBSCAN needs ``min_samples`` images); a longer one keeps
    ``max_crops_per_track`` crops evenly spaced in time, first and last included (consecutive
    frames are near-duplicates). Design choice of mmremix.

    Args:
        num_crops (int): Crops of the track, in time order.
        min_track_crops (int): Smallest number of crops of a kept track.
        max_crops_per_track (int): Largest number kept; 0 keeps all.

    Returns:
        np.ndarray: int64 sorted indices of the kept crops (empty when the track is dropped).
    """
    if num_crops < max(min_track_crops, 1):
        return np.zeros(0, np.int64)
    if max_crops_per_track <= 0 or num_crops <= max_crops_per_track:
        return np.arange(num_crops)
    return np.unique(np.round(np.linspace(0, num_crops - 1, max_crops_per_track)).astype(np.int64))
