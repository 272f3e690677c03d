"""Runner-free Re-ID retrieval evaluation: mAP, CMC and mINP under the Market-1501 protocol."""
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from .input_checks import (as_tensor, check_feature_matrix, check_feature_values,
                           check_finite_rows)

__all__ = ['reid_evaluate', 'reid_evaluate_distmat']

IdsLike = Union[Tensor, np.ndarray, Sequence[int]]
FeatsLike = Union[Tensor, np.ndarray]


def _as_ids(values: IdsLike, name: str, length: int, device: torch.device, caller: str) -> Tensor:
    """Convert pids or camids to an int64 tensor of shape (length,) on ``device``.

    Raises:
        ValueError: If ``values`` is not one-dimensional with ``length`` items.
    """
    ids = torch.as_tensor(values, device=device).long()
    if ids.shape != (length, ):
        raise ValueError(f'{caller}: `{name}` must have shape ({length},), one entry per '
                         f'query or gallery item, got {tuple(ids.shape)}')
    return ids


def _check_features(query_feats: FeatsLike, gallery_feats: FeatsLike,
                    caller: str) -> Tuple[Tensor, Tensor]:
    """Check both feature matrices (shape, dtype, finite unit rows) and their common D.

    Returns:
        tuple[Tensor, Tensor]: The features as tensors, the gallery on the query's device.

    Raises:
        ValueError: See :func:`check_feature_matrix` and :func:`check_feature_values`; or the
            feature dimensions differ.
    """
    query_feats = check_feature_matrix(query_feats, 'query_feats', caller)
    gallery_feats = check_feature_matrix(gallery_feats, 'gallery_feats', caller)
    if query_feats.shape[1] != gallery_feats.shape[1]:
        raise ValueError(f'{caller}: `query_feats` and `gallery_feats` must have the same '
                         f'feature dimension, got {query_feats.shape[1]} and '
                         f'{gallery_feats.shape[1]}')
    check_feature_values(query_feats, 'query_feats', caller)
    check_feature_values(gallery_feats, 'gallery_feats', caller)
    return query_feats, gallery_feats.to(query_feats.device)


def _ranking_metrics(chunk_distance: Callable[[int, int], Tensor], num_query: int,
                     num_gallery: int, ids: Sequence[IdsLike], topk: Sequence[int],
                     chunk_size: Optional[int], max_elements: int, device: torch.device,
                     caller: str) -> Dict[str, Union[float, int, Tensor]]:
    """Rank the gallery for each query by ascending distance and reduce mAP, CMC and mINP.

    The ranking core shared by :func:`reid_evaluate` and :func:`reid_evaluate_distmat`; see the
    former for the protocol, the chunking and the returned dict.

    Args:
        chunk_distance (Callable[[int, int], Tensor]): ``chunk_distance(start, stop)`` returns the
            float (stop - start, Ng) distances of queries ``start:stop`` on ``device``.
        num_query (int): Nq.
        num_gallery (int): Ng.
        ids (Sequence): ``(query_pids, gallery_pids, query_camids, gallery_camids)``.
        topk (Sequence[int]): Ranks of interest.
        chunk_size (int, optional): Queries per chunk; None derives it from ``max_elements``.
        max_elements (int): Element budget of one (chunk, Ng) matrix.
        device (torch.device): Device of the computation.
        caller (str): Public function name used in error messages.

    Raises:
        ValueError: See :func:`reid_evaluate`.
    """
    if len(topk) == 0 or min(topk) < 1:
        raise ValueError(f'{caller}: `topk` must be a non-empty sequence of positive ranks, '
                         f'got {tuple(topk)}')
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f'{caller}: `chunk_size` must be positive or None, got {chunk_size}')
    if max_elements < 1:
        raise ValueError(f'{caller}: `max_elements` must be positive, got {max_elements}')
    query_pids, gallery_pids, query_camids, gallery_camids = (
        _as_ids(values, name, length, device, caller) for values, name, length in zip(
            ids, ('query_pids', 'gallery_pids', 'query_camids', 'gallery_camids'),
            (num_query, num_gallery, num_query, num_gallery)))
    gallery_junk = gallery_pids == -1
    max_rank = max(topk)
    if chunk_size is None:
        chunk_size = max(1, max_elements // num_gallery)

    # Per-query results, reduced once at the end so every chunk size gives bit-identical sums.
    ap = torch.zeros(num_query, dtype=torch.float64, device=device)
    inp = torch.zeros(num_query, dtype=torch.float64, device=device)
    num_pos = torch.zeros(num_query, dtype=torch.int64, device=device)
    first_rank = torch.zeros(num_query, dtype=torch.int64, device=device)
    starts = range(0, num_query, chunk_size)
    # a bar only where evaluation takes long (MSMT17-sized tests: dozens of chunks)
    for start in tqdm(starts, desc='evaluation', unit='chunk', disable=len(starts) < 8,
                      mininterval=5):
        stop = min(start + chunk_size, num_query)
        # Masks in gallery order first: booleans are cheap to gather, int64 ids are not.
        matches = gallery_pids[None] == query_pids[start:stop, None]
        keep = ~((matches & (gallery_camids[None] == query_camids[start:stop, None]))
                 | gallery_junk[None])
        positive = matches & keep
        del matches
        order = torch.sort(chunk_distance(start, stop), dim=1, stable=True).indices
        positive = positive.gather(1, order)
        keep = keep.gather(1, order)
        del order

        # Rank of each sorted position among the kept items only (junk removed from the list).
        kept_rank = keep.cumsum(dim=1, dtype=torch.int32) - 1
        rows, cols = positive.nonzero(as_tuple=True)  # row-major: positives in rank order per row
        pos_rank = kept_rank[rows, cols].double()
        del kept_rank, keep
        chunk_num_pos = positive.sum(dim=1)
        del positive
        # 1-based index of each positive among its query's positives.
        pos_index = (torch.arange(rows.numel(), device=device) -
                     (chunk_num_pos.cumsum(0) - chunk_num_pos)[rows] + 1)
        is_first = pos_index == 1
        is_last = pos_index == chunk_num_pos[rows]
        rows += start
        ap.index_add_(0, rows, pos_index / (pos_rank + 1))
        inp[rows[is_last]] = pos_index[is_last] / (pos_rank[is_last] + 1)
        first_rank[rows[is_first]] = pos_rank[is_first].long()
        num_pos[start:stop] = chunk_num_pos

    valid = num_pos > 0
    num_valid = int(valid.sum())
    if num_valid == 0:
        raise ValueError(f'{caller}: none of the {num_query} queries has a valid gallery '
                         'match (same pid, different camid, pid != -1)')
    ranks = torch.arange(1, max_rank + 1, device=device)
    cmc = (first_rank[valid, None] < ranks).double().mean(dim=0).cpu()
    return dict(
        mAP=float((ap[valid] / num_pos[valid]).sum()) / num_valid,
        mINP=float(inp[valid].sum()) / num_valid,
        cmc=cmc,
        num_valid=num_valid,
        num_skipped=num_query - num_valid)


def reid_evaluate(query_feats: Tensor,
                  gallery_feats: Tensor,
                  query_pids: IdsLike,
                  gallery_pids: IdsLike,
                  query_camids: IdsLike,
                  gallery_camids: IdsLike,
                  topk: Sequence[int] = (1, 5, 10),
                  chunk_size: Optional[int] = None,
                  max_elements: int = 2**24) -> Dict[str, Union[float, int, Tensor]]:
    """Evaluate Re-ID retrieval with mAP, CMC and mINP under the Market-1501 protocol.

    The distance is ``1 - cosine similarity`` (``1 - q @ g.T``) and each query ranks the gallery
    by ascending distance, ties broken by the gallery index (stable sort). The features must be
    L2-normalised and finite: rows with NaN or infinite values, or with a norm off 1 by more than
    1e-3, are refused with the number of such rows, never re-normalised (see
    :mod:`~mmremix.evaluation.functional.input_checks`). For each query the gallery items with the
    query's pid *and* camid, and the items with pid -1 (junk), are removed from its ranking; the
    positives are the remaining items with the query's pid. Queries without a positive are
    skipped and counted.

    Per valid query, with positives at 0-based ranks ``r_1 < ... < r_n`` of the cleaned ranking:
    ``AP = mean_i(i / (r_i + 1))``, ``INP = n / (r_n + 1)`` and ``CMC@k = [r_1 < k]``; mAP, mINP and
    the CMC curve are their means over the valid queries.

    The queries are processed in chunks so that the (chunk, Ng) working matrices stay bounded:
    about 20-25 bytes per element at the peak (distances, sort values and int64 indices, boolean
    masks), i.e. about 0.4 GB with the default budget whatever Nq. Everything inside a chunk is
    vectorised; per-query results are reduced once at the end, so the chunk size does not change
    the result.

    Sources: Market-1501 protocol (Zheng et al., "Scalable Person Re-identification: A Benchmark",
    ICCV 2015), used by ReMix (Mamedov et al., WACV 2025) for its evaluation; mINP from Ye et al.,
    "Deep Learning for Person Re-identification: A Survey and Outlook", TPAMI 2021. The stable
    tie-break and the chunking are design choices of mmremix.

    Args:
        query_feats (Tensor | np.ndarray): Query features, float of shape (Nq, D),
            L2-normalised. All computation runs on its device (the CPU for a numpy array).
        gallery_feats (Tensor | np.ndarray): Gallery features, float of shape (Ng, D),
            L2-normalised.
        query_pids (Tensor | np.ndarray | Sequence[int]): Query identities, shape (Nq,).
        gallery_pids (Tensor | np.ndarray | Sequence[int]): Gallery identities, shape (Ng,); -1
            marks junk.
        query_camids (Tensor | np.ndarray | Sequence[int]): Query camera ids, shape (Nq,).
        gallery_camids (Tensor | np.ndarray | Sequence[int]): Gallery camera ids, shape (Ng,).
        topk (Sequence[int]): Ranks of interest; the CMC curve is computed up to ``max(topk)``.
            Defaults to (1, 5, 10).
        chunk_size (int, optional): Number of queries per chunk. None picks
            ``max(1, max_elements // Ng)``. Design choice of mmremix. Defaults to None.
        max_elements (int): Budget of elements of one (chunk, Ng) matrix used when
            ``chunk_size`` is None. Design choice of mmremix. Defaults to 2**24.

    Returns:
        dict: ``mAP`` (float, fraction in [0, 1]), ``mINP`` (float, fraction in [0, 1]), ``cmc``
        (float64 CPU tensor of shape (max(topk),): fraction of valid queries with a positive in the
        top 1..max(topk)), ``num_valid`` (int, evaluated queries) and ``num_skipped`` (int, queries
        without a valid match).

    Raises:
        ValueError: If the features are not non-empty (N, D) float matrices with the same D, if
            rows hold NaN or infinite values (the message names how many), if rows are not
            L2-normalised (names how many and their norms), if the pids or camids do not have
            one entry per feature row, if ``topk``, ``chunk_size`` or ``max_elements`` are not
            positive, or if no query has a valid match.

    Examples:
        >>> import torch
        >>> q = torch.tensor([[1., 0.]])
        >>> g = torch.tensor([[0., 1.], [1., 0.], [0.6, 0.8]])
        >>> res = reid_evaluate(q, g, [7], [7, 3, 7], [0], [1, 1, 2], topk=(1, 2))
        >>> round(res['mAP'], 4), res['cmc'].tolist(), round(res['mINP'], 4)
        (0.5833, [0.0, 1.0], 0.6667)
    """
    query_feats, gallery_feats = _check_features(query_feats, gallery_feats, 'reid_evaluate')

    def chunk_distance(start: int, stop: int) -> Tensor:
        return (query_feats[start:stop] @ gallery_feats.T).neg_().add_(1)

    return _ranking_metrics(chunk_distance, query_feats.shape[0], gallery_feats.shape[0],
                            (query_pids, gallery_pids, query_camids, gallery_camids), topk,
                            chunk_size, max_elements, query_feats.device, 'reid_evaluate')


def reid_evaluate_distmat(distmat: Tensor,
                          query_pids: IdsLike,
                          gallery_pids: IdsLike,
                          query_camids: IdsLike,
                          gallery_camids: IdsLike,
                          topk: Sequence[int] = (1, 5, 10),
                          chunk_size: Optional[int] = None,
                          max_elements: int = 2**24) -> Dict[str, Union[float, int, Tensor]]:
    """Evaluate Re-ID retrieval from a precomputed query-gallery distance matrix.

    Same protocol, chunking and results as :func:`reid_evaluate` (both call one ranking core),
    with the gallery of each query ranked by ascending ``distmat`` row, e.g. the re-ranked
    distances of :func:`mmremix.evaluation.functional.re_rank`. The matrix is read chunk by
    chunk (no copy); the extra working memory is the same as :func:`reid_evaluate`'s.

    Source: Market-1501 protocol (Zheng et al., ICCV 2015) as in :func:`reid_evaluate`; the
    separate entry point is a design choice of mmremix.

    Args:
        distmat (Tensor | np.ndarray): Float distances of shape (Nq, Ng), smaller is closer, all
            finite. All computation runs on its device (the CPU for a numpy array).
        query_pids (Tensor | np.ndarray | Sequence[int]): Query identities, shape (Nq,).
        gallery_pids (Tensor | np.ndarray | Sequence[int]): Gallery identities, shape (Ng,); -1
            marks junk.
        query_camids (Tensor | np.ndarray | Sequence[int]): Query camera ids, shape (Nq,).
        gallery_camids (Tensor | np.ndarray | Sequence[int]): Gallery camera ids, shape (Ng,).
        topk (Sequence[int]): Ranks of interest. Defaults to (1, 5, 10).
        chunk_size (int, optional): Queries per chunk; None picks ``max(1, max_elements // Ng)``.
            Design choice of mmremix. Defaults to None.
        max_elements (int): Element budget of one (chunk, Ng) matrix. Defaults to 2**24.

    Returns:
        dict: ``mAP``, ``mINP``, ``cmc``, ``num_valid`` and ``num_skipped`` as in
        :func:`reid_evaluate`.

    Raises:
        ValueError: If ``distmat`` is not a non-empty 2-D float matrix, if rows hold NaN or
            infinite distances (the message names how many; checked chunk by chunk), if the ids
            do not match
            its shape, if ``topk``, ``chunk_size`` or ``max_elements`` are not positive, or if no
            query has a valid match.

    Examples:
        >>> import torch
        >>> dist = torch.tensor([[1.0, 0.0, 0.4]])
        >>> res = reid_evaluate_distmat(dist, [7], [7, 3, 7], [0], [1, 1, 2], topk=(1, 2))
        >>> round(res['mAP'], 4), res['cmc'].tolist(), round(res['mINP'], 4)
        (0.5833, [0.0, 1.0], 0.6667)
    """
    distmat = as_tensor(distmat, 'distmat', 'reid_evaluate_distmat')
    if distmat.dim() != 2 or distmat.numel() == 0 or not distmat.is_floating_point():
        raise ValueError('reid_evaluate_distmat: `distmat` must be a non-empty float (Nq, Ng) '
                         f'matrix, got shape {tuple(distmat.shape)} and dtype {distmat.dtype}')
    check_finite_rows(distmat, 'distmat', 'reid_evaluate_distmat',
                      rows_per_chunk=max(1, max_elements // distmat.shape[1]))
    return _ranking_metrics(lambda start, stop: distmat[start:stop], distmat.shape[0],
                            distmat.shape[1],
                            (query_pids, gallery_pids, query_camids, gallery_camids), topk,
                            chunk_size, max_elements, distmat.device, 'reid_evaluate_distmat')
