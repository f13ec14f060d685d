"""Indices for ordered categories, such as income quintile or quartile groups.

Counts have one column per category, ordered from lowest to highest (``groups=[q1, ..., qK]``).

* ``rank_order_h``: Reardon's rank-order information theory index ``H^R``. Each of the
  ``K - 1`` cut points between categories splits the population in two (at or below the cut,
  above it); ``H(p_k)`` is the two-group Theil index of that split and ``p_k`` the block's
  cumulative population share at the cut. ``H^R = 2 ln 2 int_0^1 E(p) H(p) dp`` (``E`` the
  binary entropy in bits) weighs the splits near the median most. By default ``H(p)`` is
  interpolated linearly between the cut points (flat beyond the outermost) and the integral
  taken exactly; ``method="polynomial"`` fits Reardon's (2011) polynomial
  ``H(p) = sum_m b_m p^m`` weighted by ``E(p_k)^2``, integrated with the closed form
  ``d_m = 2/(m+2)^2 + 2 sum_{n=0}^{m} (-1)^n C(m, n) / (n+2)^2``. Either way ``H^R`` does
  not depend on where the categories happen to cut, which makes kommuner with different
  income distributions comparable.
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


def _entropy_moments(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Antiderivatives ``int_0^p E(s) ds`` and ``int_0^p s E(s) ds`` (``E`` in bits)."""
    q = 1 - p
    with np.errstate(invalid="ignore", divide="ignore"):
        lp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
        lq = np.where(q > 0, np.log(np.where(q > 0, q, 1.0)), 0.0)
    # d/dp g0 = -p ln p - q ln q and d/dp g1 = p (-p ln p - q ln q), in nats
    # the constants make both vanish at p = 0 (where q = 1)
    g0 = -(p**2 / 2 * lp - p**2 / 4) + (q**2 / 2 * lq - q**2 / 4) + 1 / 4
    g1 = -(p**3 / 3 * lp - p**3 / 9) + (q**2 / 2 * lq - q**2 / 4) - (q**3 / 3 * lq - q**3 / 9)
    g1 = g1 + 1 / 4 - 1 / 9
    return g0 / np.log(2), g1 / np.log(2)


def _fill_undefined(h: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Replace H at cut points that split nobody off (share 0 or 1) by the nearest defined one.

    Such cut points sit only at the ends (shares are non-decreasing), so leading ones take the
    first defined value and trailing ones the last.
    """
    k = h.shape[-1]
    pos = np.arange(k)
    last = np.maximum.accumulate(np.where(valid, pos, -1), axis=-1)
    nxt = np.flip(np.minimum.accumulate(np.flip(np.where(valid, pos, k), -1), axis=-1), -1)
    take = np.where(last >= 0, last, np.minimum(nxt, k - 1))
    return np.take_along_axis(h, take, axis=-1)


def rank_order_h(
    counts: np.ndarray,
    starts: np.ndarray,
    ctx: Context | None,
    method: str = "linear",
    degree: int | None = None,
) -> np.ndarray:
    """Reardon's rank-order information theory index ``H^R`` for ordered categories.

    ``H^R = 2 ln 2 int_0^1 E(p) H(p) dp``, where ``H(p)`` is the two-group Theil index of the
    split at population percentile ``p`` and ``E`` the binary entropy in bits. ``H(p)`` is
    known at the ``K - 1`` cut points between categories and estimated in between.

    Parameters
    ----------
    counts : ndarray of shape (n_units, K) or (n_draws, n_units, K)
        Ordered categories from lowest to highest.
    method : {"linear", "polynomial"}, default="linear"
        ``"linear"``: ``H(p)`` interpolated linearly between cut points and held flat beyond
        the outermost ones; the integral is exact, and ``H^R`` is a weighted average of the
        cut points' ``H``, so it stays within their range (and within 0-1).
        ``"polynomial"``: Reardon's (2011) fit of a polynomial of degree ``degree`` by least
        squares weighted by ``E(p_k)^2``; with few categories the polynomial can overshoot
        beyond the outermost cut points, and ``H^R`` can leave 0-1.
    degree : int, optional
        For ``method="polynomial"``: default ``min(K - 2, 4)``.

    Examples
    --------
    When every cut point gives the same two-group ``H``, ``H^R`` is that ``H``:

    >>> counts = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    >>> rank_order_h(counts, np.array([0]), None)
    array([1.])
    >>> rank_order_h(counts, np.array([0]), None, method="polynomial")
    array([1.])
    """
    if method not in ("linear", "polynomial"):
        raise ValueError(f"rank_order_h: method must be 'linear' or 'polynomial', got {method!r}.")
    n_cats = counts.shape[-1]
    # below the k-th cut (k = 1..K-1): persons in categories 1..k
    below_t = np.moveaxis(np.cumsum(counts, axis=-1)[..., :-1], -1, -2)  # (..., K-1, n)
    total = counts.sum(axis=-1)
    pairs = np.stack([below_t, np.broadcast_to(total[..., None, :], below_t.shape)], axis=-1)
    h_cut = np.moveaxis(entropy(pairs, starts, None), -2, -1)  # (..., n_blocks, K-1)
    share = np.moveaxis(block_sum(below_t, starts) / block_sum(total, starts)[..., None, :], -2, -1)
    valid = (share > 0) & (share < 1)
    defined = valid.any(axis=-1)
    if method == "linear":
        h = _fill_undefined(np.where(valid, h_cut, 0.0), valid)
        g0, g1 = _entropy_moments(share)
        g0_end, _ = _entropy_moments(np.ones(1))
        # flat below the first cut and above the last one
        value = h[..., 0] * g0[..., 0] + h[..., -1] * (g0_end[0] - g0[..., -1])
        # linear between cut points a < b: H(p) = h_a + slope (p - a)
        width = np.diff(share, axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.where(width > 0, np.diff(h, axis=-1) / width, 0.0)
        intercept = h[..., :-1] - slope * share[..., :-1]
        value = value + (intercept * np.diff(g0, axis=-1) + slope * np.diff(g1, axis=-1)).sum(-1)
        return np.where(defined, 2 * np.log(2) * value, np.nan)
    m = min(n_cats - 2, 4) if degree is None else int(degree)
    if m < 0 or m > n_cats - 2:
        raise ValueError(
            f"rank_order_h: degree must be between 0 and K-2 = {n_cats - 2} for {n_cats} "
            f"ordered categories, got {m}."
        )
    # weighted least squares per block: minimise sum_k w_k (h_k - sum_m b_m p_k^m)^2,
    # solved on sqrt(W) V by SVD (better conditioned than the normal equations)
    root = np.where(valid, _bits_entropy(share), 0.0)
    design = share[..., None] ** np.arange(m + 1)  # (..., n_blocks, K-1, m+1)
    rhs = (root * np.where(valid, h_cut, 0.0))[..., None]
    coef = (np.linalg.pinv(design * root[..., None]) @ rhs)[..., 0]
    return np.where(defined, coef @ rank_order_weights(m), np.nan)


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
        "2 ln 2 int_0^1 E(p) H(p) dp, H(p) through the K-1 cut points",
        params={"method": "linear", "degree": None}, batched=True,
    ),
    IndexSpec(
        "income_inequality", "evenness", "ordered", income_inequality, (0.0, 100.0),
        "Segregationsbarometern (Boverket/Delmos), ojämlikhetsindex; Duncan & Duncan (1955)",
        "100 * 1/2 sum_i |l_i / L - h_i / H|", params={"low": 1, "high": 1}, batched=True,
    ),
]:  # fmt: skip
    register(_spec)
