"""Exact k-nearest-neighbour search with faiss and the sparse distance graphs built on it.

Everything here keeps memory at O(N k): the neighbour lists are (N, k) arrays and the distance
graphs are CSR matrices with O(N k) stored entries; no N x N matrix is formed. The exact (flat)
search itself costs O(N^2 D) time, which is why ReMix's refresh runs it video by video.
"""
import functools
import warnings
from typing import Optional, Tuple

import numpy as np
import scipy.sparse as sp

try:
    import faiss
except ImportError:  # an install without the cpu / gpu / tests extra: say which to add when used
    faiss = None

__all__ = [
    'STORED_ZERO_DISTANCE', 'l2_normalize', 'knn_search', 'knn_edges', 'pair_inner_products',
    'distance_graph', 'cosine_distance_graph'
]

# Zero distances are stored as this value: a CSR matrix drops entries equal to 0 in many
# operations, while scikit-learn reads a stored entry as "neighbour at this distance" and an
# absent one as "not a neighbour", so a true zero must stay stored.
STORED_ZERO_DISTANCE = np.finfo(np.float64).tiny

# Bound on the number of values gathered at once by the chunked pairwise helpers (2 MiB as
# float64): memory stays flat for large graphs, and small gathers stay in cache and avoid the
# page faults of large fresh allocations (measured 7x faster than 100 MiB gathers).
MAX_GATHERED_ELEMENTS = 2**18


def l2_normalize(features: np.ndarray) -> np.ndarray:
    """Return a C-contiguous float32 copy of ``features`` with unit-L2-norm rows.

    Rows of norm 0 stay 0. Source: design choice of mmremix (cosine similarity as inner product).

    Args:
        features (np.ndarray): Float array of shape (N, D).

    Returns:
        np.ndarray: float32 array of shape (N, D).

    Raises:
        ValueError: If ``features`` is not a 2-D floating-point array.
        ImportError: If faiss is not installed (:func:`_require_faiss`).
    """
    features = np.asarray(features)
    if features.ndim != 2 or not np.issubdtype(features.dtype, np.floating):
        raise ValueError('l2_normalize: `features` must be a 2-D float array (N, D), got shape '
                         f'{features.shape} and dtype {features.dtype}')
    _require_faiss()
    normalized = np.array(features, dtype=np.float32, order='C', copy=True)
    faiss.normalize_L2(normalized)
    return normalized


def _require_faiss() -> None:
    """Raise a clear ImportError when no faiss package is installed.

    faiss is an extra, not a runtime requirement, because faiss-cpu and faiss-gpu-cu12 both
    install the ``faiss`` module and must never be installed together (setup.py).

    Raises:
        ImportError: Naming the extras that bring faiss.
    """
    if faiss is None:
        raise ImportError('mmremix needs faiss for the k-nearest-neighbour search of the refresh: '
                          'install it with `pip install -e ".[cpu]"` (faiss-cpu) or '
                          '`pip install -e ".[gpu]"` (faiss-gpu-cu12, CUDA 12), never both')


@functools.lru_cache(maxsize=1)
def _gpu_resources() -> 'faiss.StandardGpuResources':
    """One faiss GPU resource object per process (its allocation is costly)."""
    return faiss.StandardGpuResources()


def knn_search(features: np.ndarray,
               k: int,
               use_gpu: bool = False,
               num_threads: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours of every row among all rows, by inner product.

    With L2-normalised rows the inner product is the cosine similarity. The search is faiss's
    exact flat index (``IndexFlatIP``, or ``GpuIndexFlatIP`` when ``use_gpu`` is set and faiss
    sees a GPU; otherwise a warning is given and the CPU is used). Each row's list starts with the
    row itself, even when duplicates tie with it (faiss orders ties arbitrarily); the other
    neighbours follow by decreasing similarity. Cost: O(N^2 D) time, O(N k) memory.

    ``num_threads`` sets faiss's OpenMP threads for this search only (restored afterwards): for
    the small searches of one video (a few hundred rows), one thread is several times faster in
    wall time than two, because the fork/join and the spinning of idle threads cost more than the
    search, the more so on a loaded machine.

    Source: design choice of mmremix (the kNN graph that ReMix's DBSCAN distances are built on,
    ReMix (Mamedov et al., WACV 2025), Sec. 4.2 of the mmremix method spec).

    Args:
        features (np.ndarray): float32 array of shape (N, D), rows L2-normalised (not checked).
        k (int): Neighbours per row, self included, 1 <= k <= N.
        use_gpu (bool): Search on a faiss GPU index when faiss has GPUs. Defaults to False.
        num_threads (int, optional): OpenMP threads of a CPU search; None keeps faiss's setting.

    Returns:
        Tuple[np.ndarray, np.ndarray]: ``similarities`` float32 (N, k) and ``indices`` int64
        (N, k), with ``indices[:, 0] == arange(N)``.

    Raises:
        ValueError: If ``features`` is not a non-empty 2-D float32 array or ``k`` is out of range.
        ImportError: If faiss is not installed (:func:`_require_faiss`).
    """
    if features.ndim != 2 or features.shape[0] == 0 or features.dtype != np.float32:
        raise ValueError('knn_search: `features` must be a non-empty float32 array (N, D), got '
                         f'shape {features.shape} and dtype {features.dtype}')
    num = features.shape[0]
    if not 1 <= k <= num:
        raise ValueError(f'knn_search: `k` must be in [1, N={num}], got {k}')
    features = np.ascontiguousarray(features)
    _require_faiss()
    if use_gpu and faiss.get_num_gpus() > 0:
        index = faiss.GpuIndexFlatIP(_gpu_resources(), features.shape[1])
    else:
        if use_gpu:
            warnings.warn('knn_search: use_gpu=True but faiss sees no GPU; searching on the CPU')
        index = faiss.IndexFlatIP(features.shape[1])
    index.add(features)
    previous_threads = faiss.omp_get_max_threads()
    if num_threads is not None:
        faiss.omp_set_num_threads(num_threads)
    try:
        sims, indices = index.search(features, k)
    finally:
        faiss.omp_set_num_threads(previous_threads)

    rows = np.arange(num)[:, None]
    missing_self = ~(indices == rows).any(axis=1)
    indices[missing_self, -1] = rows[missing_self, 0]
    sims[missing_self, -1] = np.einsum('ij,ij->i', features[missing_self],
                                       features[missing_self])
    # Self first, the others in faiss's order (a stable sort of the "is not self" flags).
    order = np.argsort(indices != rows, axis=1, kind='stable')
    return (np.take_along_axis(sims, order, axis=1),
            np.take_along_axis(indices, order, axis=1).astype(np.int64))


def _check_knn_indices(knn_indices: np.ndarray, k: int, caller: str) -> None:
    """Check that ``knn_indices`` is an (N, >= k + 1) int array whose rows start with themselves.

    Raises:
        ValueError: If the shape, the dtype or the first column is wrong.
    """
    if (knn_indices.ndim != 2 or not np.issubdtype(knn_indices.dtype, np.integer)
            or knn_indices.shape[1] < k + 1):
        raise ValueError(f'{caller}: `knn_indices` must be an int array (N, >= k + 1 = {k + 1}), '
                         f'got shape {knn_indices.shape} and dtype {knn_indices.dtype}')
    if not np.array_equal(knn_indices[:, 0], np.arange(knn_indices.shape[0])):
        raise ValueError(f'{caller}: `knn_indices[:, 0]` must be each row itself (as returned by '
                         'knn_search)')


def knn_edges(knn_indices: np.ndarray, k: int) -> Tuple[np.ndarray, np.ndarray]:
    """Undirected edges of the symmetrised k-nearest-neighbour graph, self-loops left out.

    {i, j} is an edge when j is among the k nearest neighbours of i or i among those of j. Each
    edge is returned once, as ``rows[e] < cols[e]``, sorted by (row, column); distances are
    symmetric, so computing them once per edge halves the work (:func:`distance_graph` stores
    both directions).

    Source: design choice of mmremix (a sparse, symmetrised kNN graph instead of an N x N matrix).

    Args:
        knn_indices (np.ndarray): int array (N, >= k + 1) from :func:`knn_search`; column 0 is the
            row itself and columns 1..k are the k nearest other rows.
        k (int): Neighbours per row to use, k >= 0.

    Returns:
        Tuple[np.ndarray, np.ndarray]: ``rows`` and ``cols``, int64 of shape (E,), E <= N k.

    Raises:
        ValueError: If ``knn_indices`` does not fit ``k`` (see :func:`knn_search`).
    """
    _check_knn_indices(knn_indices, k, 'knn_edges')
    num = knn_indices.shape[0]
    src = np.repeat(np.arange(num, dtype=np.int64), k)
    dst = knn_indices[:, 1:k + 1].astype(np.int64).ravel()
    keys = np.unique(np.minimum(src, dst) * num + np.maximum(src, dst))
    rows, cols = np.divmod(keys, num)
    keep = rows != cols
    return rows[keep], cols[keep]


def pair_inner_products(features: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Inner products ``features[rows[e]] . features[cols[e]]`` for every pair e, in chunks.

    Memory stays O(chunk D) whatever the number of pairs. Source: design choice of mmremix.

    Args:
        features (np.ndarray): float32 array of shape (N, D).
        rows (np.ndarray): int array of shape (E,), values in [0, N).
        cols (np.ndarray): int array of shape (E,), values in [0, N).

    Returns:
        np.ndarray: float64 array of shape (E,).
    """
    out = np.empty(len(rows), dtype=np.float64)
    chunk = max(1, MAX_GATHERED_ELEMENTS // max(1, features.shape[1]))
    for start in range(0, len(rows), chunk):
        stop = start + chunk
        out[start:stop] = np.einsum('ij,ij->i', features[rows[start:stop]],
                                    features[cols[start:stop]])
    return out


def distance_graph(rows: np.ndarray, cols: np.ndarray, distances: np.ndarray,
                   num: int) -> sp.csr_matrix:
    """Build a sparse precomputed-distance matrix for scikit-learn's DBSCAN.

    Stored entry (i, j) means "j is a candidate neighbour of i at this distance"; an absent entry
    means "not a neighbour". The diagonal is stored (distance 0); zero distances are stored as
    :data:`STORED_ZERO_DISTANCE` (the smallest normal float64) so that no sparse operation drops
    them; each row is sorted by increasing distance, the order scikit-learn's precomputed
    neighbours need (otherwise it re-sorts row by row in Python and warns).

    Source: design choice of mmremix.

    Args:
        rows (np.ndarray): int array (E,), the rows of the undirected off-diagonal edges, each
            edge once (as from :func:`knn_edges`); both (i, j) and (j, i) are stored.
        cols (np.ndarray): int array (E,), their columns.
        distances (np.ndarray): float array (E,), non-negative (small negative rounding errors are
            clipped to 0).
        num (int): N, the number of points.

    Returns:
        scipy.sparse.csr_matrix: float64 (N, N), symmetric, with 2 E + N stored entries.
    """
    diag = np.arange(num, dtype=np.int64)
    rows, cols = np.concatenate([diag, rows, cols]), np.concatenate([diag, cols, rows])
    data = np.maximum(np.concatenate([np.zeros(num), distances, distances]),
                      STORED_ZERO_DISTANCE)
    order = np.lexsort((data, rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=num))])
    return sp.csr_matrix((data[order], cols[order], indptr), shape=(num, num))


def cosine_distance_graph(features: np.ndarray, knn_indices: np.ndarray, k: int) -> sp.csr_matrix:
    """Cosine distances ``1 - f_i . f_j`` over the symmetrised k-nearest-neighbour graph.

    Pairs outside the graph are absent (not neighbours), so a DBSCAN on it sees at most the
    symmetrised k nearest neighbours of each point: memory O(N k). Source: ReMix (Mamedov et al.,
    WACV 2025), Sec. 4.2 of the mmremix method spec (cosine distance option); the kNN truncation is
    a design choice of mmremix.

    Args:
        features (np.ndarray): float32 (N, D), rows L2-normalised.
        knn_indices (np.ndarray): int (N, >= k + 1) from :func:`knn_search`.
        k (int): Neighbours per row, k >= 0.

    Returns:
        scipy.sparse.csr_matrix: float64 (N, N) distance graph, see :func:`distance_graph`.

    Raises:
        ValueError: If ``knn_indices`` does not fit ``k``.
    """
    rows, cols = knn_edges(knn_indices, k)
    dists = 1.0 - pair_inner_products(features, rows, cols)
    return distance_graph(rows, cols, dists, features.shape[0])
