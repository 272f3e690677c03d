"""Quality of pseudo-labels against ground-truth identities (a refresh diagnostic)."""
from typing import Dict, Union

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

__all__ = ['pseudo_label_quality']


def pseudo_label_quality(pred_labels: np.ndarray,
                         gt_labels: np.ndarray) -> Dict[str, Union[float, int]]:
    """NMI, ARI and purity of pseudo-labels on the clustered (non-noise) items.

    Items with ``pred_labels == -1`` (DBSCAN noise) are left out of NMI, ARI and purity and
    counted in ``noise_ratio``. Purity is the fraction of clustered items whose cluster's most
    frequent ground-truth id is their own: ``sum_c max_g |c & g| / n_clustered``. When no item is
    clustered, NMI, ARI and purity are NaN.

    Source: ReMix (Mamedov et al., WACV 2025), Sec. 4.4 of the mmremix method spec (logged NMI /
    ARI / purity); NMI with scikit-learn's default arithmetic normalisation.

    Example:
        >>> q = pseudo_label_quality(np.array([0, 0, 0, 1, 1, -1]), np.array([5, 5, 6, 7, 7, 7]))
        >>> round(q['purity'], 2), q['num_clusters'], round(q['noise_ratio'], 3)
        (0.8, 2, 0.167)

    Args:
        pred_labels (np.ndarray): int (N,) pseudo-labels, -1 for noise.
        gt_labels (np.ndarray): int (N,) ground-truth identities.

    Returns:
        dict: ``nmi``, ``ari``, ``purity`` (floats in [0, 1], ARI can be negative),
        ``num_clusters`` (int, distinct non-noise labels) and ``noise_ratio`` (float, fraction
        of all N items that are noise; NaN when N = 0).

    Raises:
        ValueError: If the label arrays are not 1-D integer arrays of the same length.
    """
    pred_labels = np.asarray(pred_labels)
    gt_labels = np.asarray(gt_labels)
    for name, labels in (('pred_labels', pred_labels), ('gt_labels', gt_labels)):
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f'pseudo_label_quality: `{name}` must be a 1-D int array, got shape '
                             f'{labels.shape} and dtype {labels.dtype}')
    if pred_labels.shape != gt_labels.shape:
        raise ValueError('pseudo_label_quality: `pred_labels` and `gt_labels` must have the same '
                         f'length, got {len(pred_labels)} and {len(gt_labels)}')
    clustered = pred_labels >= 0
    pred, gt = pred_labels[clustered], gt_labels[clustered]
    noise_ratio = float(1.0 - clustered.mean()) if len(pred_labels) else float('nan')
    if len(pred) == 0:
        nan = float('nan')
        return dict(nmi=nan, ari=nan, purity=nan, num_clusters=0, noise_ratio=noise_ratio)
    counts = contingency_matrix(pred, gt, sparse=True)
    return dict(
        nmi=float(normalized_mutual_info_score(gt, pred)),
        ari=float(adjusted_rand_score(gt, pred)),
        purity=float(counts.max(axis=1).sum() / len(pred)),
        num_clusters=int(counts.shape[0]),
        noise_ratio=noise_ratio)
