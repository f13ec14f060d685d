"""Block arithmetic shared by the kernels: sums and broadcasts over contiguous blocks of rows.

Every kernel sees rows sorted so that each block of areas (a kommun, a län, the whole
country) is contiguous, with ``starts`` the first row of each block. Sums over a block are one
``np.add.reduceat`` along the unit axis, and a block value is broadcast back to its rows with
``np.repeat``: no Python loop over blocks. The unit axis is always the last axis of the
arrays handled here, so the same code serves one count matrix and a stack of simulated draws.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "block_cumsum_before",
    "block_ids",
    "block_sizes",
    "block_sum",
    "expand",
    "row_sum",
    "xlogy",
]


def block_sizes(starts: np.ndarray, n_units: int) -> np.ndarray:
    """Number of rows in each block.

    Examples
    --------
    >>> block_sizes(np.array([0, 2]), 5)
    array([2, 3])
    """
    return np.diff(np.append(starts, n_units))


def block_ids(starts: np.ndarray, n_units: int) -> np.ndarray:
    """Block number of every row.

    Examples
    --------
    >>> block_ids(np.array([0, 2]), 5)
    array([0, 0, 1, 1, 1])
    """
    return np.repeat(np.arange(len(starts)), block_sizes(starts, n_units))


def block_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum over each block along the last axis: ``(..., n_units) -> (..., n_blocks)``.

    Examples
    --------
    >>> block_sum(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0, 2]))
    array([ 3., 12.])
    """
    return np.add.reduceat(values, starts, axis=-1)


def expand(values: np.ndarray, starts: np.ndarray, n_units: int) -> np.ndarray:
    """Broadcast one value per block back to the block's rows along the last axis.

    Examples
    --------
    >>> expand(np.array([10.0, 20.0]), np.array([0, 2]), 5)
    array([10., 10., 20., 20., 20.])
    """
    return np.repeat(values, block_sizes(starts, n_units), axis=-1)


def block_cumsum_before(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of the earlier rows of the same block (exclusive cumulative sum, reset per block).

    Examples
    --------
    >>> block_cumsum_before(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0, 2]))
    array([0., 1., 0., 3., 7.])
    """
    n = values.shape[-1]
    total = np.cumsum(values, axis=-1)
    before = total - values
    # subtract what came before each block's first row
    offset = np.take(before, starts, axis=-1)
    return before - expand(offset, starts, n)


def row_sum(values: np.ndarray) -> np.ndarray:
    """Sum over the last axis, column by column: ``(..., n, K) -> (..., n)``.

    The same numbers as ``values.sum(axis=-1)``, but NumPy's reduction over a short last
    axis is slow (tens of microseconds for a few thousand areas); a few whole-column
    additions are not.

    Examples
    --------
    >>> row_sum(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    array([ 6., 15.])
    """
    total = values[..., 0].copy()
    for k in range(1, values.shape[-1]):
        total += values[..., k]
    return total


def xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x * log(y)`` with ``0 * log(0) = 0``, the convention of information theory.

    Examples
    --------
    >>> xlogy(np.array([0.0, 1.0]), np.array([0.0, np.e]))
    array([0., 1.])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where(x == 0, 0.0, out)
