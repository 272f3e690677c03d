"""k-reciprocal re-ranking of query-gallery distances (Zhong et al., CVPR 2017).

The k-reciprocal encodings are sparse (one row of a scipy CSR matrix per image, built by
:func:`mmremix.clustering.jaccard.k_reciprocal_encoding`) and the query-gallery Jaccard distances
are accumulated column by column of the encodings (an inverted index, vectorised), so no
(Nq + Ng)^2 matrix is formed: the dense parts are the (Nq, Ng) outputs.
"""
import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor

from mmremix.clustering.jaccard import k_reciprocal_encoding
from mmremix.clustering.knn import knn_search
from .input_checks import check_feature_matrix, check_feature_values

__all__ = ['re_rank', 're_rank_memory_bytes']

# Working set of the inverted-index accumulation: at most this many (query, gallery, column)
# contributions are materialised at once (about 50 bytes each, so about 100 MB).
MAX_CONTRIBUTIONS = 2**21
# Peak bytes per stored entry of the expanded reciprocal sets R* (COO rows/cols as int32 and
# int64, float64 inner products and weights, the CSR result) and of the query-expanded
# encoding (scipy's sparse product and its CSR copy).
_BYTES_PER_RECIPROCAL_ENTRY = 64
_BYTES_PER_ENCODING_ENTRY = 24


def re_rank_memory_bytes(num_query: int, num_gallery: int, dim: int, k1: int, k2: int) -> int:
    """Upper bound of the peak memory :func:`re_rank` needs, in bytes.

    With N = Nq + Ng and h = ceil(k1 / 2): an expanded reciprocal set R*(i, k1) holds at most
    ``r = min(N, (k1 + 1) (h + 2))`` images and a query-expanded encoding at most
    ``m = min(N, k2 r)``; the estimate is ``12 Nq Ng`` (float32 Jaccard distances, their
    union and the original distances) ``+ 64 N r + 24 N m`` (the sparse encodings, worst case)
    ``+ 12 N (k1 + 1)`` (kNN lists) ``+ 4 N D`` (float32 features)
    ``+ 50 * MAX_CONTRIBUTIONS`` (inverted-index chunk). Real encodings are much smaller than
    the worst case (about k2 |R(i, k1)|), so the bound errs on the safe side. Examples (k1=20,
    k2=6, D=2048): Market-1501 (3368 x 15913) 1.8 GB; MSMT17 (11659 x 82161) 16.1 GB, above
    the default limit of :func:`re_rank`.

    Source: design choice of mmremix.

    Args:
        num_query (int): Nq.
        num_gallery (int): Ng.
        dim (int): Feature dimension D.
        k1 (int): k-reciprocal neighbourhood size.
        k2 (int): Query-expansion size.

    Returns:
        int: Bytes.

    Examples:
        >>> re_rank_memory_bytes(3368, 15913, 2048, 20, 6) / 2**30 < 2.0  # Market-1501
        True
    """
    num = num_query + num_gallery
    half = (k1 + 1) // 2
    recip_size = min(num, (k1 + 1) * (half + 2))
    encoding_size = min(num, k2 * recip_size)
    return (12 * num_query * num_gallery + _BYTES_PER_RECIPROCAL_ENTRY * num * recip_size +
            _BYTES_PER_ENCODING_ENTRY * num * encoding_size + 12 * num * (k1 + 1) +
            4 * num * dim + 50 * MAX_CONTRIBUTIONS)


def _query_gallery_jaccard(encoding: sp.csr_matrix, num_query: int) -> np.ndarray:
    """Jaccard distances ``1 - sum min(V_q, V_g) / sum max(V_q, V_g)``, float32 (Nq, Ng).

    For every column l of the encodings, each query q and gallery g with V_q[l] > 0 and
    V_g[l] > 0 contribute ``min(V_q[l], V_g[l])`` (the inverted index of Zhong et al., Sec. 4.1);
    the contributions of a chunk of query rows are expanded with ``np.repeat`` and summed with
    ``np.bincount``, at most about :data:`MAX_CONTRIBUTIONS` at once.
    """
    queries, gallery = encoding[:num_query], encoding[num_query:].tocsc()
    num_gallery = gallery.shape[0]
    mass = np.asarray(encoding.sum(axis=1), dtype=np.float32).ravel()
    col_counts = np.diff(gallery.indptr)
    # Work of each query row: its contributions plus its row of the bincount output; a chunk
    # starts where the work done before it crosses a multiple of MAX_CONTRIBUTIONS.
    entry_rows = np.repeat(np.arange(num_query), np.diff(queries.indptr))
    cost = np.bincount(entry_rows, col_counts[queries.indices], minlength=num_query) + num_gallery
    chunk_ids = (np.cumsum(cost) - cost) // MAX_CONTRIBUTIONS
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(chunk_ids)) + 1, [num_query]])
    shared = np.empty((num_query, num_gallery), dtype=np.float32)
    for start, stop in zip(bounds[:-1], bounds[1:]):
        block = queries[start:stop].tocoo()
        counts = col_counts[block.col]
        entry = np.repeat(np.arange(block.nnz), counts)
        # Position of each contribution in the CSC arrays of the gallery encodings.
        offsets = np.arange(entry.size) - np.repeat(np.cumsum(counts) - counts, counts)
        position = gallery.indptr[block.col][entry] + offsets
        values = np.minimum(block.data[entry], gallery.data[position])
        keys = block.row[entry].astype(np.int64) * num_gallery + gallery.indices[position]
        shared[start:stop] = np.bincount(
            keys, values, minlength=(stop - start) * num_gallery).reshape(stop - start, -1)
    # In place, in float32: the only other (Nq, Ng) array is the union.
    union = mass[:num_query, None] + mass[None, num_query:]
    union -= shared
    np.divide(shared, union, out=shared)
    del union
    return np.subtract(1.0, shared, out=shared)


def re_rank(query_feats: Tensor,
            gallery_feats: Tensor,
            k1: int = 20,
            k2: int = 6,
            lambda_value: float = 0.3,
            max_memory_gb: float = 16.0) -> Tensor:
    """k-reciprocal re-ranking: ``(1 - lambda) * Jaccard + lambda * original`` distances.

    Following Zhong et al. (CVPR 2017, Secs. 3-4), on the N = Nq + Ng images together, with
    N(i, k) the k nearest neighbours of i plus i itself (exact search, :func:`knn_search`):

    1. R(i, k) = {j in N(i, k) : i in N(j, k)}; R*(i, k1) adds R(q, ceil(k1 / 2)) for each
       q in R(i, k1) with ``|R(i, k1) & R(q, ceil(k1 / 2))| >= 2/3 |R(q, ceil(k1 / 2))|`` (Eq. 6).
    2. V_i[j] = exp(-||f_i - f_j||^2) on R*(i, k1), divided by its sum (Eq. 8), then averaged
       over the k2 nearest neighbours of i, i included (local query expansion, Eq. 11).
    3. d_J(q, g) = 1 - sum_l min(V_q[l], V_g[l]) / sum_l max(V_q[l], V_g[l]) (Eqs. 7, 10).
    4. d*(q, g) = (1 - lambda) d_J(q, g) + lambda d(q, g) (Eq. 12), computed as
       ``torch.lerp(d_J, d, lambda)`` (exactly d_J at lambda = 0 and d at lambda = 1).

    The original distance d is the cosine distance ``1 - q . g`` of :func:`reid_evaluate`, so
    ``lambda_value=1`` reproduces the plain ranking (design choice of mmremix, as fast-reid; the
    authors' code uses the squared Euclidean distance divided by its column maximum, and a strict
    ``>`` with ``round(k1 / 2)`` in Eq. 6). Steps 1-2 are those of
    :func:`mmremix.clustering.k_reciprocal_jaccard`; here d_J is computed for every
    query-gallery pair. Memory: see :func:`re_rank_memory_bytes` (O(Nq Ng) dense, the encodings
    sparse); the call is refused before any allocation when that bound exceeds
    ``max_memory_gb``.

    Source: Zhong et al., "Re-ranking Person Re-identification with k-reciprocal Encoding",
    CVPR 2017 (defaults k1=20, k2=6, lambda=0.3 from the paper); optional in ReMix's evaluation
    (design choice of mmremix).

    Args:
        query_feats (Tensor | np.ndarray): Query features, float (Nq, D), L2-normalised (as in
            :func:`reid_evaluate`: checked, not re-normalised).
        gallery_feats (Tensor | np.ndarray): Gallery features, float (Ng, D), L2-normalised.
        k1 (int): k-reciprocal neighbourhood size, 1 <= k1 < Nq + Ng. Defaults to 20.
        k2 (int): Query-expansion size, 1 <= k2 <= k1 + 1 (1: none). Defaults to 6.
        lambda_value (float): Weight of the original distance, in [0, 1]. Defaults to 0.3.
        max_memory_gb (float): Limit for the memory estimate, in GiB (2^30 bytes), > 0. Design
            choice of mmremix. Defaults to 16.0.

    Returns:
        Tensor: float32 (Nq, Ng) re-ranked distances on ``query_feats.device``; smaller is
        closer, in [0, 2].

    Raises:
        ValueError: If the features are not non-empty 2-D float matrices with the same D, hold
            NaN or infinite values or are not L2-normalised (the message names how many rows), if a
            hyper-parameter is out of range, or if the memory estimate exceeds ``max_memory_gb``.

    Examples:
        >>> import torch
        >>> feats = torch.nn.functional.normalize(torch.randn(30, 8), dim=1)
        >>> dist = re_rank(feats[:5], feats[5:], k1=6, k2=3)
        >>> dist.shape, dist.dtype
        (torch.Size([5, 25]), torch.float32)
        >>> torch.equal(re_rank(feats[:5], feats[5:], k1=6, k2=3, lambda_value=1.0),
        ...             1 - feats[:5] @ feats[5:].T)
        True
    """
    query_feats = check_feature_matrix(query_feats, 'query_feats', 're_rank')
    gallery_feats = check_feature_matrix(gallery_feats, 'gallery_feats', 're_rank')
    if query_feats.shape[1] != gallery_feats.shape[1]:
        raise ValueError('re_rank: `query_feats` and `gallery_feats` must have the same feature '
                         f'dimension, got {query_feats.shape[1]} and {gallery_feats.shape[1]}')
    num_query, num_gallery = query_feats.shape[0], gallery_feats.shape[0]
    num = num_query + num_gallery
    if not 1 <= k1 < num or not 1 <= k2 <= k1 + 1:
        raise ValueError(f're_rank: need 1 <= k1 < Nq + Ng = {num} and 1 <= k2 <= k1 + 1, got '
                         f'k1={k1}, k2={k2}')
    if not 0.0 <= lambda_value <= 1.0:
        raise ValueError(f're_rank: `lambda_value` must be in [0, 1], got {lambda_value}')
    if not max_memory_gb > 0:
        raise ValueError(f're_rank: `max_memory_gb` must be > 0, got {max_memory_gb}')
    estimate_gb = re_rank_memory_bytes(num_query, num_gallery, query_feats.shape[1], k1,
                                       k2) / 2**30
    if estimate_gb > max_memory_gb:
        raise ValueError(
            f're_rank: {num_query} queries x {num_gallery} gallery images (k1={k1}, k2={k2}) '
            f'need up to {estimate_gb:.2f} GB, above the limit max_memory_gb={max_memory_gb} '
            'GB. Evaluate fewer queries or gallery images, raise `max_memory_gb` '
            '(ReIDMetric: rerank_cfg=dict(max_memory_gb=...)), or turn re-ranking off '
            '(ReIDMetric(rerank=False), no --rerank).')

    check_feature_values(query_feats, 'query_feats', 're_rank')
    check_feature_values(gallery_feats, 'gallery_feats', 're_rank')
    gallery_feats = gallery_feats.to(query_feats.device)
    features = np.ascontiguousarray(
        torch.cat([query_feats, gallery_feats]).detach().float().cpu().numpy())
    _, knn_indices = knn_search(features, k1 + 1)
    encoding = k_reciprocal_encoding(features, knn_indices, k1, k2)
    jaccard = torch.from_numpy(_query_gallery_jaccard(encoding, num_query)).to(query_feats.device)
    original = (query_feats @ gallery_feats.T).neg_().add_(1).float()
    return jaccard.lerp_(original, lambda_value)
