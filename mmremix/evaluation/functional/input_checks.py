"""Checks of the evaluation inputs: numpy or torch matrices, finite values, unit-norm features.

A NaN or infinite feature or distance makes the ranking arbitrary (a sort puts NaN last) and the
resulting mAP plausible-looking, so the evaluation functions refuse such inputs with the number of
bad rows. Features must be L2-normalised: the cosine distance ``1 - q . g`` of
:func:`~mmremix.evaluation.functional.reid_evaluate` is only a cosine distance for unit vectors,
and re-normalising silently would hide a model whose outputs are not what its contract says
(``docs/architecture.md``: predicted features are L2-normalised).

Source: design choice of mmremix.
"""
from typing import Sequence, Union

import numpy as np
import torch
from torch import Tensor

__all__ = [
    'as_tensor', 'check_feature_matrix', 'check_feature_values', 'check_finite_rows',
    'NORM_TOLERANCE'
]

MatrixLike = Union[Tensor, np.ndarray, Sequence[Sequence[float]]]

#: Largest accepted ``| ||f|| - 1 |`` of a feature row. float16 features rounded from unit
#: vectors stay within about 5e-4; features that were never normalised are off by far more.
NORM_TOLERANCE = 1e-3

#: Rows named in an error message.
_ROWS_SHOWN = 5


def as_tensor(values: MatrixLike, name: str, caller: str) -> Tensor:
    """Return ``values`` as a tensor: a tensor unchanged, a numpy array without a copy.

    Args:
        values (Tensor | np.ndarray | Sequence): The matrix.
        name (str): Argument name, for the error message.
        caller (str): Public function name, for the error message.

    Returns:
        Tensor: The values, on the CPU unless ``values`` was a tensor elsewhere.

    Raises:
        ValueError: ``values`` cannot be converted (e.g. ragged lists or strings).
    """
    if isinstance(values, Tensor):
        return values
    try:
        array = np.asarray(values)
        if not array.flags.writeable:  # torch warns on (and must not write into) read-only arrays
            array = array.copy()
        return torch.from_numpy(array)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{caller}: `{name}` must be a tensor or a numpy array of numbers, got '
                         f'{type(values).__name__} ({err})') from None


def _row_list(rows: Tensor) -> str:
    shown = rows[:_ROWS_SHOWN].tolist()
    return ', '.join(map(str, shown)) + (', ...' if rows.numel() > _ROWS_SHOWN else '')


def check_finite_rows(matrix: Tensor, name: str, caller: str, rows_per_chunk: int) -> None:
    """Raise if any row of a 2-D float matrix holds a NaN or an infinite value.

    Reads the matrix in chunks of rows, so the boolean mask stays at most
    ``rows_per_chunk`` x ``matrix.shape[1]`` (a distance matrix may be gigabytes).

    Args:
        matrix (Tensor): Float (N, M) matrix.
        name (str): Argument name, for the error message.
        caller (str): Public function name, for the error message.
        rows_per_chunk (int): Rows checked at once, >= 1.

    Raises:
        ValueError: Some rows are not finite; the message names how many of N, and the first
            row indices.
    """
    bad = torch.cat([
        (~torch.isfinite(matrix[start:start + rows_per_chunk]).all(dim=1)).nonzero().ravel() +
        start for start in range(0, matrix.shape[0], rows_per_chunk)
    ])
    if bad.numel():
        raise ValueError(f'{caller}: `{name}` has {bad.numel()} of {matrix.shape[0]} rows with '
                         f'NaN or infinite values (rows {_row_list(bad.cpu())}); the ranking '
                         'and every metric would be meaningless. Check the model that produced '
                         'them (diverged training, float16 overflow) or the inputs it was given')


def check_feature_matrix(feats: MatrixLike, name: str, caller: str) -> Tensor:
    """Check the shape and dtype of a query or gallery feature matrix; return it as a tensor.

    Args:
        feats (Tensor | np.ndarray): Features, float (N, D).
        name (str): Argument name, for the error message.
        caller (str): Public function name, for the error message.

    Returns:
        Tensor: ``feats`` as a tensor (no copy; numpy arrays on the CPU).

    Raises:
        ValueError: ``feats`` is not a non-empty 2-D floating-point matrix.
    """
    feats = as_tensor(feats, name, caller)
    if feats.dim() != 2 or feats.shape[0] == 0:
        raise ValueError(f'{caller}: `{name}` must be a non-empty float (N, D) matrix, got shape '
                         f'{tuple(feats.shape)}')
    if not feats.is_floating_point():
        raise ValueError(f'{caller}: `{name}` must be floating point, got {feats.dtype}')
    return feats


def check_feature_values(feats: Tensor, name: str, caller: str) -> None:
    """Check that every feature row is finite and a unit vector.

    Args:
        feats (Tensor): Float (N, D) features (see :func:`check_feature_matrix`).
        name (str): Argument name, for the error messages.
        caller (str): Public function name, for the error messages.

    Raises:
        ValueError: Some rows hold NaN or infinite values (names how many); or some rows are not
            unit vectors, i.e. their L2 norm differs from 1 by more than :data:`NORM_TOLERANCE`
            (names how many and their norm range; normalise them with
            ``torch.nn.functional.normalize(feats, dim=1)``).
    """
    check_finite_rows(feats, name, caller, rows_per_chunk=feats.shape[0])
    norms = torch.linalg.vector_norm(feats.float(), dim=1)
    off = ((norms - 1).abs() > NORM_TOLERANCE).nonzero().ravel()
    if off.numel():
        raise ValueError(
            f'{caller}: `{name}` must be L2-normalised (the distance is 1 - cosine similarity), '
            f'but {off.numel()} of {feats.shape[0]} rows have norms in '
            f'[{norms[off].min():.4g}, {norms[off].max():.4g}] (rows {_row_list(off.cpu())}); '
            f'pass torch.nn.functional.normalize({name}, dim=1)')
