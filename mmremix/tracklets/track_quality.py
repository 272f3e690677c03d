"""Quality of extracted person tracks against MOTChallenge ground truth."""
import os.path as osp
from typing import Dict, Optional

import numpy as np
from scipy.optimize import linear_sum_assignment


def read_mot_ground_truth(gt_file: str) -> np.ndarray:
    """The pedestrian boxes of a MOTChallenge ``gt.txt``.

    Lines ``frame,id,x,y,w,h,flag,class,visibility``; kept: ``flag == 1`` and ``class == 1``
    (pedestrian), as the MOT17 benchmark counts them.

    Args:
        gt_file (str): The ``gt/gt.txt`` file.

    Returns:
        np.ndarray: (G, 6) float64 rows ``frame_index, id, x1, y1, x2, y2``, frame index 0-based
        (MOTChallenge frame 1 is 0, as in
        :class:`~mmremix.tracklets.frame_sources.FrameFolderSource`).

    Raises:
        FileNotFoundError: ``gt_file`` does not exist.
        ValueError: A line has fewer than 8 comma-separated numbers (names the file).
    """
    if not osp.isfile(gt_file):
        raise FileNotFoundError(f'ground-truth file not found: {gt_file}')
    rows = np.loadtxt(gt_file, delimiter=',', ndmin=2)
    if rows.size and rows.shape[1] < 8:
        raise ValueError(f'{gt_file}: expected lines frame,id,x,y,w,h,flag,class[,visibility]')
    rows = rows[(rows[:, 6] == 1) & (rows[:, 7] == 1)] if rows.size else np.zeros((0, 8))
    return np.column_stack([rows[:, 0] - 1, rows[:, 1], rows[:, 2], rows[:, 3],
                            rows[:, 2] + rows[:, 4], rows[:, 3] + rows[:, 5]])


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of (N, 4) and (M, 4) ``x1, y1, x2, y2`` boxes."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-9)


def tracking_quality(crops: np.ndarray,
                     gt: np.ndarray,
                     frames: Optional[np.ndarray] = None,
                     iou_thr: float = 0.5) -> Dict[str, float]:
    """Recall, track purity and identity switches of extracted crops.

    In each frame, crops and ground-truth boxes are matched one to one (Hungarian on IoU, pairs
    of IoU >= ``iou_thr``). Then (design choice of mmremix, after the CLEAR MOT metrics, Bernardin
    and Stiefelhagen, 2008):

    - recall: matched ground-truth boxes / ground-truth boxes of the processed frames;
    - purity: over all crops, the share that belong to their track's majority ground-truth
      identity (a crop matching no ground truth counts against it);
    - identity switches: for each ground-truth identity, in frame order, the number of times its
      matched crop's track differs from that of its previous matched crop.

    Args:
        crops (np.ndarray): (C, 6) rows ``frame_index, track, x1, y1, x2, y2``.
        gt (np.ndarray): (G, 6) rows ``frame_index, id, x1, y1, x2, y2``
            (:func:`read_mot_ground_truth`).
        frames (np.ndarray, optional): The processed frame indices (frame stride); defaults to all
            frames of ``gt``.
        iou_thr (float): Smallest IoU of a match. Defaults to 0.5.

    Returns:
        dict: ``gt_boxes``, ``matched``, ``recall``, ``crops``, ``tracks``, ``purity``,
        ``id_switches`` (recall and purity in [0, 1]; purity 0 without crops).

    Example:
        >>> gt = np.array([[0, 7, 0, 0, 10, 20], [1, 7, 1, 0, 11, 20]])
        >>> crops = np.array([[0, 3, 0, 0, 10, 20], [1, 4, 1, 0, 11, 20]])
        >>> q = tracking_quality(crops, gt)
        >>> q['recall'], q['purity'], q['id_switches']
        (1.0, 1.0, 1)
    """
    crops = np.asarray(crops, np.float64).reshape(-1, 6)
    gt = np.asarray(gt, np.float64).reshape(-1, 6)
    if frames is not None:
        gt = gt[np.isin(gt[:, 0], np.asarray(frames))]
    matched_id = np.full(len(crops), -1.0)  # ground-truth id of each crop, -1: none
    for frame in np.unique(crops[:, 0]):
        ci, gi = np.flatnonzero(crops[:, 0] == frame), np.flatnonzero(gt[:, 0] == frame)
        if not len(gi):
            continue
        iou = box_iou(crops[ci, 2:], gt[gi, 2:])
        rows, cols = linear_sum_assignment(-iou)
        ok = iou[rows, cols] >= iou_thr
        matched_id[ci[rows[ok]]] = gt[gi[cols[ok]], 1]

    majority = 0
    for track in np.unique(crops[:, 1]):
        ids = matched_id[(crops[:, 1] == track) & (matched_id >= 0)]
        majority += np.unique(ids, return_counts=True)[1].max() if len(ids) else 0

    switches = 0
    hit = matched_id >= 0
    for gt_id in np.unique(matched_id[hit]):
        sel = np.flatnonzero(matched_id == gt_id)
        tracks = crops[sel[np.argsort(crops[sel, 0], kind='stable')], 1]
        switches += int((tracks[1:] != tracks[:-1]).sum())
    return dict(gt_boxes=len(gt), matched=int(hit.sum()),
                recall=float(hit.sum() / len(gt)) if len(gt) else 0.0,
                crops=len(crops), tracks=len(np.unique(crops[:, 1])),
                purity=float(majority / len(crops)) if len(crops) else 0.0,
                id_switches=switches)
