"""How much a Re-ID feature encodes the camera: within- and cross-camera retrieval, similarities."""
from typing import Dict, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from .reid_evaluation import _as_ids, _check_features, reid_evaluate

__all__ = ['camera_bias']

IdsLike = Union[Tensor, np.ndarray, Sequence[int]]
FeatsLike = Union[Tensor, np.ndarray]


def _masked_mean(values: Tensor, mask: Tensor) -> float:
    """Mean of ``values`` where ``mask`` is True, NaN where it is nowhere True."""
    count = int(mask.sum())
    return float(values[mask].double().sum()) / count if count else float('nan')


def _within_camera_map(query_feats: Tensor, gallery_feats: Tensor, ids: Sequence[Tensor]) -> float:
    """mAP of each query against the gallery of its own camera (positives: its pid there)."""
    q_pids, g_pids, q_cams, g_cams = ids
    ap_sum, num_valid = 0.0, 0
    for cam in torch.unique(q_cams).tolist():
        q_sel, g_sel = q_cams == cam, g_cams == cam
        if not bool(g_sel.any()):
            continue
        # the query gets a camera no gallery item has, so the protocol's same-pid-same-camera
        # removal removes nothing: the same-camera images of its pid are the positives
        try:
            res = reid_evaluate(query_feats[q_sel], gallery_feats[g_sel], q_pids[q_sel],
                                g_pids[g_sel], torch.full_like(q_pids[q_sel], -2), g_cams[g_sel],
                                topk=(1, ))
        except ValueError:  # no query of this camera has a positive there
            continue
        ap_sum += res['mAP'] * res['num_valid']
        num_valid += res['num_valid']
    return ap_sum / num_valid if num_valid else float('nan')


def camera_bias(query_feats: FeatsLike,
                gallery_feats: FeatsLike,
                query_pids: IdsLike,
                gallery_pids: IdsLike,
                query_camids: IdsLike,
                gallery_camids: IdsLike,
                topk: int = 10) -> Dict[str, float]:
    """Measure how much retrieval features favour the query's own camera.

    A feature trained only on people seen by one camera at a time (single-camera videos) can learn
    to tell people apart by cues that hold within a camera (viewpoint, light, background) and not
    across cameras. On a test set with camera ids this is visible as (a) retrieval within the
    query's camera much better than across cameras, (b) wrong persons of the query's camera more
    similar to it than wrong persons of other cameras, and (c) the top of the ranking filled with
    the query's camera beyond its share of the gallery.

    Measured here, with cosine similarity ``s = q . g`` of L2-normalised features and the
    Market-1501 protocol for (a):

    - ``cross_camera_mAP``: the standard protocol (same pid and same camera removed from each
      query's gallery), i.e. :func:`reid_evaluate`'s mAP.
    - ``within_camera_mAP``: each query against the gallery images of its own camera only, the
      positives its pid's images there (queries without one are skipped).
    - ``sim_pos_cross`` / ``sim_pos_same``: mean ``s`` over query-gallery pairs of the same pid in
      different / the same camera; ``sim_neg_cross`` / ``sim_neg_same``: different pids, different /
      the same camera. Pairs with a gallery pid of -1 (junk) are left out.
    - ``camera_gap``: ``sim_neg_same - sim_neg_cross``, the similarity the camera alone adds between
      different people.
    - ``topk_same_camera``: per query, the share of its top-``topk`` ranked gallery items (after the
      protocol's removals) that come from its camera, averaged over queries;
      ``topk_same_camera_chance``: the same share over its whole cleaned gallery (what a feature
      blind to the camera would give in expectation).

    Source: design choice of mmremix (a diagnostic for ReMix's single-camera data, Mamedov et al.,
    WACV 2025, Sec. 2); the protocol is Market-1501's (Zheng et al., ICCV 2015).

    Args:
        query_feats (Tensor | np.ndarray): Query features, float (Nq, D), L2-normalised.
        gallery_feats (Tensor | np.ndarray): Gallery features, float (Ng, D), L2-normalised.
        query_pids (Tensor | np.ndarray | Sequence[int]): Query identities, (Nq,).
        gallery_pids (Tensor | np.ndarray | Sequence[int]): Gallery identities, (Ng,); -1 is junk.
        query_camids (Tensor | np.ndarray | Sequence[int]): Query camera ids, (Nq,).
        gallery_camids (Tensor | np.ndarray | Sequence[int]): Gallery camera ids, (Ng,).
        topk (int): Ranks looked at by ``topk_same_camera``. Defaults to 10.

    Returns:
        dict[str, float]: The keys above; mAPs are fractions in [0, 1], similarities in [-1, 1];
        a value with no pair or query to average is NaN.

    Raises:
        ValueError: As :func:`reid_evaluate` for the features and ids; ``topk`` < 1; or the test set
            has a single camera (nothing to compare).
    """
    if topk < 1:
        raise ValueError(f'camera_bias: topk must be >= 1, got {topk}')
    caller = 'camera_bias'
    query_feats, gallery_feats = _check_features(query_feats, gallery_feats, caller)
    device = query_feats.device
    nq, ng = query_feats.shape[0], gallery_feats.shape[0]
    ids = (_as_ids(query_pids, 'query_pids', nq, device, caller),
           _as_ids(gallery_pids, 'gallery_pids', ng, device, caller),
           _as_ids(query_camids, 'query_camids', nq, device, caller),
           _as_ids(gallery_camids, 'gallery_camids', ng, device, caller))
    q_pids, g_pids, q_cams, g_cams = ids
    if torch.unique(torch.cat([q_cams, g_cams])).numel() < 2:
        raise ValueError('camera_bias: the test set has a single camera id; camera bias needs '
                         'at least two cameras')

    sim = query_feats.float() @ gallery_feats.float().T
    same_pid = q_pids[:, None] == g_pids[None, :]
    same_cam = q_cams[:, None] == g_cams[None, :]
    real = (g_pids != -1)[None, :].expand(nq, ng)
    out = dict(
        cross_camera_mAP=reid_evaluate(query_feats, gallery_feats, *ids, topk=(1, ))['mAP'],
        within_camera_mAP=_within_camera_map(query_feats, gallery_feats, ids),
        sim_pos_cross=_masked_mean(sim, real & same_pid & ~same_cam),
        sim_pos_same=_masked_mean(sim, real & same_pid & same_cam),
        sim_neg_cross=_masked_mean(sim, real & ~same_pid & ~same_cam),
        sim_neg_same=_masked_mean(sim, real & ~same_pid & same_cam))
    out['camera_gap'] = out['sim_neg_same'] - out['sim_neg_cross']

    # the protocol's cleaned gallery: no junk, no same-pid-same-camera item
    valid = real & ~(same_pid & same_cam)
    ranked = sim.masked_fill(~valid, float('-inf')).argsort(dim=1, descending=True, stable=True)
    num_valid = valid.sum(dim=1)
    k = torch.clamp(num_valid, max=topk)
    top_same = same_cam.gather(1, ranked[:, :topk]) & (torch.arange(min(topk, ng), device=device)
                                                       [None, :] < k[:, None])
    has = num_valid > 0
    out['topk_same_camera'] = float((top_same.sum(1)[has] / k[has]).mean()) if bool(
        has.any()) else float('nan')
    chance = (same_cam & valid).sum(1)[has] / num_valid[has]
    out['topk_same_camera_chance'] = float(chance.mean()) if bool(has.any()) else float('nan')
    return out
