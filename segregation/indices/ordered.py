"""Indices for ordered categories, such as income quintile or quartile groups.

Counts have one column per category, ordered from lowest to highest (``groups=[q1, ..., qK]``).

* ``rank_order_h``: Reardon's rank-order information theory index ``H^R``. Each of the
  ``K - 1`` cut points between categories splits the population in two (at or below the cut,
  above it); ``H(p_k)`` is the two-group Theil index of that split and ``p_k`` the block's
  cumulative population share at the cut. A polynomial ``H(p) = sum_m b_m p^m`` is fitted
  through the points, weighted by ``E(p_k)^2`` (``E`` the binary entropy in bits), and
  ``H^R = 2 ln 2 int_0^1 E(p) H(p) dp = sum_m b_m d_m`` with the closed form
  ``d_m = 2/(m+2)^2 + 2 sum_{n=0}^{m} (-1)^n C(m, n) / (n+2)^2`` (Reardon 2011). The weights
  ``E(p)`` emphasise the middle of the distribution; ``H^R`` does not depend on where the
  categories happen to cut, which makes kommuner with different income distributions comparable.
* ``income_inequality``: in the spirit of Segregationsbarometern's *ojämlikhetsindex*: the
  dissimilarity between the lowest and the highest income category, on a 0-100 scale,
  ``100 * 1/2 sum_i |x_i,low / X_low - x_i,high / X_high|``. ``low``/``high`` pool several
  categories at each end (e.g. ``low=2`` for the two lowest quintile groups).

Examples
--------
Three areas and three ordered categories (low, middle, high):

>>> import numpy as np
>>> counts = np.array([[10.0, 5.0, 0.0], [5.0, 10.0, 5.0], [0.0, 5.0, 10.0]])
>>> income_inequality(counts, np.array([0]), None)
array([66.66666667])
"""

from __future__ import annotations

from functools import lru_cache
from math import comb

import numpy as np

from segregation.indices._blocks import block_sum, expand
from segregation.indices._registry import Context, IndexSpec, register
from segregation.indices.aspatial import entropy

__all__ = ["income_inequality", "rank_order_h", "rank_order_weights"]


@lru_cache(maxsize=16)
def rank_order_weights(degree: int) -> np.ndarray:
    """``d_m = 2 ln 2 int_0^1 E(p) p^m dp`` for ``m = 0..degree`` (``E`` in bits).

    Examples
    --------
    >>> rank_order_weights(2)
    array([1.        , 0.5       , 0.30555556])
    """
    return np.array(
        [
            2 / (m + 2) ** 2 + 2 * sum((-1) ** n * comb(m, n) / (n + 2) ** 2 for n in range(m + 1))
            for m in range(degree + 1)
        ]
    )


def _bits_entropy(p: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        e = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.where((p > 0) & (p < 1), e, 0.0)


def rank_order_h(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, degree: int | None = None
) -> np.ndarray:
    """Reardon's rank-order information theory index ``H^R`` for ordered categories.

    Parameters
    ----------
    counts : ndarray of shape (n_units, K) or (n_draws, n_units, K)
        Ordered categories from lowest to highest.
    degree : int, optional
        Degree of the polynomial fitted to ``H(p)``; default ``min(K - 2, 4)`` (with ``K - 1``
        cut points this interpolates them exactly up to five categories). Cut points where
        the block has nobody at or below, or nobody above, carry no weight.

    Examples
    --------
    When every cut point gives the same two-group ``H``, ``H^R`` is that ``H``:

    >>> counts = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    >>> rank_order_h(counts, np.array([0]), None)
    array([1.])
    """
    n_cats = counts.shape[-1]
    m = min(n_cats - 2, 4) if degree is None else int(degree)
    if m < 0 or m > n_cats - 2:
        raise ValueError(
            f"rank_order_h: degree must be between 0 and K-2 = {n_cats - 2} for {n_cats} "
            f"ordered categories, got {m}."
        )
    # below the k-th cut (k = 1..K-1): persons in categories 1..k
    below = np.cumsum(counts, axis=-1)[..., :-1]  # (..., n, K-1)
    total = counts.sum(axis=-1)
    below_t = np.moveaxis(below, -1, -2)  # (..., K-1, n)
    pairs = np.stack([below_t, np.broadcast_to(total[..., None, :], below_t.shape)], axis=-1)
    # (..., K-1, n, 2) -> (..., K-1, n_blocks)
    h_cut = entropy(pairs, starts, None)
    share = block_sum(below_t, starts) / block_sum(total, starts)[..., None, :]
    weight = _bits_entropy(share) ** 2
    h_cut = np.where(weight > 0, h_cut, 0.0)
    # weighted least squares per block: minimise sum_k w_k (h_k - sum_m b_m p_k^m)^2
    share_b = np.moveaxis(share, -2, -1)  # (..., n_blocks, K-1)
    h_b = np.moveaxis(h_cut, -2, -1)
    w_b = np.moveaxis(weight, -2, -1)
    design = share_b[..., None] ** np.arange(m + 1)  # (..., n_blocks, K-1, m+1)
    root = np.sqrt(w_b)
    # least squares on sqrt(W) V (SVD), better conditioned than the normal equations
    coef = (np.linalg.pinv(design * root[..., None]) @ (root * h_b)[..., None])[..., 0]
    value = coef @ rank_order_weights(m)
    return np.where(w_b.sum(axis=-1) > 0, value, np.nan)


def income_inequality(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, low: int = 1, high: int = 1
) -> np.ndarray:
    """Dissimilarity between the lowest and highest income categories, on a 0-100 scale.

    ``100 * 1/2 sum_i |l_i / L - h_i / H|`` with ``l_i`` the persons in the ``low`` lowest
    categories and ``h_i`` in the ``high`` highest (in the spirit of Segregationsbarometern's
    ojämlikhetsindex). 0: the two groups live in the same proportions everywhere; 100: they
    never share an area.

    Examples
    --------
    >>> counts = np.array([[10.0, 5.0, 0.0], [0.0, 5.0, 10.0]])
    >>> income_inequality(counts, np.array([0]), None)
    array([100.])
    """
    n_cats = counts.shape[-1]
    low, high = int(low), int(high)
    if low < 1 or high < 1 or low + high > n_cats:
        raise ValueError(
            f"income_inequality: low={low} and high={high} must be at least 1 and together "
            f"at most the {n_cats} categories."
        )
    poor = counts[..., :low].sum(axis=-1)
    rich = counts[..., n_cats - high :].sum(axis=-1)
    n = poor.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.abs(
            poor / expand(block_sum(poor, starts), starts, n)
            - rich / expand(block_sum(rich, starts), starts, n)
        )
    return 50.0 * block_sum(gap, starts)


_R2011 = (
    "Reardon (2011), Measures of Income Segregation, CEPA Working Paper; Reardon & Bischoff "
    "(2011), Am. J. Sociol. 116(4):1092-1153"
)

for _spec in [
    IndexSpec(
        "rank_order_h", "evenness", "ordered", rank_order_h, (0.0, 1.0), _R2011,
        "2 ln 2 int_0^1 E(p) H(p) dp, H(p) fitted through the K-1 cut points",
        params={"degree": None}, batched=True,
    ),
    IndexSpec(
        "income_inequality", "evenness", "ordered", income_inequality, (0.0, 100.0),
        "Segregationsbarometern (Boverket/Delmos), ojämlikhetsindex; Duncan & Duncan (1955)",
        "100 * 1/2 sum_i |l_i / L - h_i / H|", params={"low": 1, "high": 1}, batched=True,
    ),
]:  # fmt: skip
    register(_spec)
