"""Primary suppression: which cells are sensitive in themselves.

Three families of rules:

* the **frequency rule** for counts of persons: a count from 1 to ``min_count - 1`` is
  sensitive; zeros follow a stated policy;
* the **derived-statistics rule**: a share, rate or mean is withheld when its denominator
  is below a minimum or when its numerator or denominator is withheld;
* the **magnitude rules** for tables of sums (income, floor area) when the individual
  contributions are known: the (n, k)-dominance rule and the p% rule.

All are vectorised over cells (sorting plus ``np.add.reduceat``), never a loop per cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items

__all__ = [
    "ZERO_POLICIES",
    "derived_rule",
    "dominance_rule",
    "frequency_rule",
    "p_percent_rule",
]

ZERO_POLICIES = ("published", "sensitive")


def _check_min_count(min_count: int) -> int:
    if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 1:
        raise SegregationError(f"min_count must be a whole number >= 1, got {min_count!r}.")
    return int(min_count)


def frequency_rule(
    values: np.ndarray, min_count: int = 5, *, zeros: str = "published"
) -> np.ndarray:
    """Sensitive counts under the frequency (threshold) rule.

    Parameters
    ----------
    values : array_like of int
        Cell counts (inner cells and margins alike).
    min_count : int, default=5
        Smallest count that may be published. Counts ``1 .. min_count - 1`` are sensitive.
        5 is common in Swedish official statistics for small areas; 3 is also used.
    zeros : {"published", "sensitive"}, default="published"
        ``"published"``: an empty cell tells nothing about a person and is published (it is
        then known to the attacker as exactly 0, as in tau-ARGUS). ``"sensitive"``: zeros
        are withheld too, for tables where "nobody here" is itself disclosive.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> frequency_rule([0, 1, 4, 5, 12]).tolist()
    [False, True, True, False, False]
    >>> frequency_rule([0, 1, 4, 5, 12], 3, zeros="sensitive").tolist()
    [True, True, False, False, False]
    """
    min_count = _check_min_count(min_count)
    if zeros not in ZERO_POLICIES:
        raise SegregationError(f"zeros must be one of {ZERO_POLICIES}, got {zeros!r}.")
    v = np.asarray(values)
    sensitive = (v > 0) & (v < min_count)
    if zeros == "sensitive":
        sensitive |= v == 0
    return sensitive


def derived_rule(
    numerator: np.ndarray | pd.Series,
    denominator: np.ndarray | pd.Series,
    *,
    min_denominator: float = 5,
    numerator_withheld: np.ndarray | pd.Series | None = None,
    denominator_withheld: np.ndarray | pd.Series | None = None,
) -> np.ndarray:
    """Which shares, rates or means must be withheld.

    A derived statistic ``numerator / denominator`` is withheld when the denominator is
    below ``min_denominator`` (too few persons behind it), or missing, or when the
    numerator or the denominator is itself withheld (suppressed) in a published table:
    otherwise the ratio and the other published term give the withheld one back.

    Parameters
    ----------
    numerator, denominator : array_like
        The two terms, cell by cell; missing values count as withheld.
    min_denominator : float, default=5
        Smallest denominator for which the ratio may be published.
    numerator_withheld, denominator_withheld : array_like of bool, optional
        Suppression status of the terms in the published tables.

    Returns
    -------
    ndarray of bool
        True where the derived statistic is withheld.

    Examples
    --------
    >>> derived_rule([1, 30, 8], [3, 100, 40], numerator_withheld=[False, False, True]).tolist()
    [True, False, True]
    """
    num = pd.to_numeric(pd.Series(np.asarray(numerator, dtype=object)), errors="coerce")
    den = pd.to_numeric(pd.Series(np.asarray(denominator, dtype=object)), errors="coerce")
    if len(num) != len(den):
        raise SegregationError(
            f"numerator has {len(num)} values but denominator {len(den)}; pass one per cell."
        )
    out = (den.isna() | num.isna() | (den < min_denominator)).to_numpy(copy=True)
    for flags in (numerator_withheld, denominator_withheld):
        if flags is not None:
            out |= np.asarray(flags, dtype=bool)
    return out


def _sorted_contributions(
    cell: np.ndarray | pd.Series, contribution: np.ndarray | pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sort contributions by cell, largest first; return cells, starts, sizes, values."""
    cell = np.asarray(cell)
    x = np.asarray(contribution, dtype=float)
    if cell.shape != x.shape:
        raise SegregationError(
            f"cell has {cell.shape[0]} entries but contribution {x.shape[0]}: "
            "pass one cell label per contribution."
        )
    bad = np.flatnonzero(~np.isfinite(x) | (x < 0))
    if len(bad):
        raise SegregationError(
            f"{len(bad)} contributions are negative or missing, at positions "
            f"{describe_items(bad)}. Magnitude rules need non-negative contributions."
        )
    codes, inverse = np.unique(cell, return_inverse=True)
    order = np.lexsort((-x, inverse))
    starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
    sizes = np.diff(np.r_[starts, len(x)])
    return codes, starts, sizes, x[order]


def _top_sums(xs: np.ndarray, starts: np.ndarray, sizes: np.ndarray, n: int) -> np.ndarray:
    """Sum of the ``n`` largest contributions of each cell (input sorted per cell)."""
    rank = np.arange(len(xs)) - np.repeat(starts, sizes)
    return np.bincount(np.repeat(np.arange(len(starts)), sizes), weights=xs * (rank < n))


def dominance_rule(
    cell: np.ndarray | pd.Series, contribution: np.ndarray | pd.Series, *, n: int = 1, k: float = 85
) -> pd.Series:
    """The (n, k)-dominance rule for magnitude tables.

    A cell is sensitive when its ``n`` largest contributions make up more than ``k`` percent
    of its total: the largest contributors could then estimate each other closely.

    Parameters
    ----------
    cell : array_like
        Cell label of each contribution (e.g. ``"0114A0010/hyresrätt"``).
    contribution : array_like of float
        Non-negative contribution of each unit (person, household, firm) to its cell.
    n : int, default=1
    k : float, default=85
        Percent.

    Returns
    -------
    pandas.Series of bool
        Indexed by cell label, True when sensitive.

    Examples
    --------
    >>> dominance_rule(["a", "a", "a", "b", "b"], [90, 5, 5, 50, 50], n=1, k=85)
    a     True
    b    False
    dtype: bool
    """
    codes, starts, sizes, xs = _sorted_contributions(cell, contribution)
    total = np.add.reduceat(xs, starts)
    top = _top_sums(xs, starts, sizes, n)
    return pd.Series(top > k / 100 * total, index=codes)


def p_percent_rule(
    cell: np.ndarray | pd.Series, contribution: np.ndarray | pd.Series, *, p: float = 10
) -> pd.Series:
    """The p% rule for magnitude tables.

    The second-largest contributor knows its own value and can subtract it from the total;
    the remainder bounds the largest contribution ``x1`` from above. The cell is sensitive
    when that estimate is within ``p`` percent of ``x1``:
    ``total - x1 - x2 < p / 100 * x1``. A cell with a single contributor is always
    sensitive.

    Parameters
    ----------
    cell : array_like
        Cell label of each contribution.
    contribution : array_like of float
        Non-negative contributions.
    p : float, default=10
        Percent.

    Returns
    -------
    pandas.Series of bool
        Indexed by cell label, True when sensitive.

    Examples
    --------
    >>> p_percent_rule(["a", "a", "a", "b", "b", "b"], [100, 40, 5, 100, 40, 30], p=10)
    a     True
    b    False
    dtype: bool
    """
    codes, starts, sizes, xs = _sorted_contributions(cell, contribution)
    total = np.add.reduceat(xs, starts)
    top1 = xs[starts]
    top2 = _top_sums(xs, starts, sizes, 2)
    rest = total - top2
    return pd.Series((rest < p / 100 * top1) | (sizes < 2), index=codes)
