"""The person boxes of one frame, as every person detector returns them."""
from typing import NamedTuple

import numpy as np


class PersonDetections(NamedTuple):
    """Person boxes of one frame.

    Attributes:
        boxes (np.ndarray): (N, 4) float32 ``x1, y1, x2, y2`` in pixels of the frame (x2, y2
            exclusive), not clipped.
        scores (np.ndarray): (N,) float32 detection scores in [0, 1].
    """

    boxes: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> 'PersonDetections':
        """PersonDetections: No box."""
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))

    @classmethod
    def from_arrays(cls, boxes, scores) -> 'PersonDetections':
        """Checked detections from array-likes.

        Args:
            boxes (array-like): (N, 4) ``x1, y1, x2, y2`` pixels.
            scores (array-like): (N,) scores.

        Returns:
            PersonDetections: float32 copies.

        Raises:
            ValueError: The shapes do not match (N, 4) and (N,), or a box has x2 <= x1 or y2 <= y1.
        """
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        scores = np.asarray(scores, np.float32).reshape(-1)
        if len(boxes) != len(scores):
            raise ValueError(f'a detector returned {len(boxes)} boxes and {len(scores)} scores')
        if ((boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])).any():
            raise ValueError('a detector returned a box with x2 <= x1 or y2 <= y1')
        return cls(boxes, scores)
