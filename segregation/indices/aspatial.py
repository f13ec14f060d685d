"""Single-group aspatial indices: one group against its total (or against a second group).

Every kernel takes ``counts`` of shape ``(n_units, 2)`` (or ``(n_draws, n_units, 2)``),
columns ``x_i`` (the group) and ``t_i`` (the total), rows sorted so that each block of areas
is contiguous from ``starts``, and returns one value per block. Notation: ``X`` and ``T`` are
the block sums, ``P = X / T``, ``p_i = x_i / t_i``.

Examples
--------
Three areas; the group is 10 of 20 persons, 0 of 20 and 10 of 10:

>>> import numpy as np
>>> counts = np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]])
>>> starts = np.array([0])
>>> dissimilarity(counts, starts, None)
array([0.66666667])
>>> isolation(counts, starts, None)
array([0.75])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from segregation.indices._blocks import block_cumsum_before, block_ids, block_sum, expand, xlogy
from segregation.indices._random import allocation_draws, bootstrap_draws, chunks
from segregation.indices._registry import Context, IndexSpec, register

__all__ = [
    "atkinson",
    "bias_corrected_dissimilarity",
    "concentration_profile",
    "correlation_ratio",
    "dissimilarity",
    "entropy",
    "exposure",
    "gini",
    "isolation",
    "modified_dissimilarity",
    "modified_gini",
]


class _Parts(NamedTuple):
    x: np.ndarray  # (..., n) group counts
    t: np.ndarray  # (..., n) totals
    n: int  # units
    big_x: np.ndarray  # (..., n_blocks) group in block
    big_t: np.ndarray  # (..., n_blocks) total in block
    share: np.ndarray  # (..., n_blocks) P = X / T


def _parts(counts: np.ndarray, starts: np.ndarray) -> _Parts:
    x = counts[..., 0]
    t = counts[..., 1]
    big_x = block_sum(x, starts)
    big_t = block_sum(t, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = big_x / big_t
    return _Parts(x, t, x.shape[-1], big_x, big_t, share)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, with 0 where b == 0 (empty simulated units contribute nothing)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with NaN (not a warning) where the index is undefined (b == 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return a / b


def dissimilarity(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Duncan & Duncan's index of dissimilarity, ``D = sum t_i |p_i - P| / (2 T P (1 - P))``.

    The share of the group (equivalently, of the rest) that would have to move for every area
    to have the block's composition. Range 0 (even) to 1 (complete separation).

    Examples
    --------
    >>> dissimilarity(np.array([[5.0, 10.0], [5.0, 10.0], [0.0, 7.0]]), np.array([0]), None)
    array([0.41176471])
    """
    c = _parts(counts, starts)
    x, t, n, big_t, share = c.x, c.t, c.n, c.big_t, c.share
    # t_i |p_i - P| = |x_i - t_i P|
    gap = block_sum(np.abs(x - t * expand(share, starts, n)), starts)
    return _divide(gap, 2 * big_t * share * (1 - share))


def gini(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Gini index, ``G = sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1 - P))``.

    Computed in ``O(n log n)`` by sorting each block by ``p_i``: for sorted areas,
    ``sum_{i<j} t_i t_j (p_j - p_i) = sum_j (x_j W_j - t_j S_j)`` with ``W_j`` and ``S_j`` the
    population and group count of the areas before ``j``. Range 0 to 1.

    Examples
    --------
    >>> gini(np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]]), np.array([0]), None)
    array([0.8])
    """
    c = _parts(counts, starts)
    x, t, n, big_t, share = c.x, c.t, c.n, c.big_t, c.share
    p = _ratio(x, t)
    key = block_ids(starts, n) * 2.0 + p  # sorts by block, then by p within the block
    order = np.argsort(key, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ts = np.take_along_axis(t, order, axis=-1)
    pairs = xs * block_cumsum_before(ts, starts) - ts * block_cumsum_before(xs, starts)
    return _divide(block_sum(pairs, starts), big_t**2 * share * (1 - share))


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    return -(xlogy(p, p) + xlogy(1 - p, 1 - p))


def entropy(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Theil's information theory index for two groups, ``H = sum t_i (E - E_i) / (E T)``.

    ``E = -(P ln P + (1-P) ln(1-P))`` is the block's entropy and ``E_i`` the area's. Range 0
    to 1; the base of the logarithm cancels.

    Examples
    --------
    >>> entropy(np.array([[10.0, 10.0], [0.0, 10.0]]), np.array([0]), None)
    array([1.])
    """
    c = _parts(counts, starts)
    x, t, n, big_t, share = c.x, c.t, c.n, c.big_t, c.share
    e_block = _binary_entropy(share)
    e_unit = _binary_entropy(_ratio(x, t))
    loss = block_sum(t * (expand(e_block, starts, n) - e_unit), starts)
    return _divide(loss, e_block * big_t)


def isolation(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Isolation, ``xPx = sum (x_i / X)(x_i / t_i)``: the group's average own-group share.

    Range ``P`` (even) to 1. It depends on the group's overall share ``P``.

    Examples
    --------
    >>> isolation(np.array([[5.0, 10.0], [5.0, 10.0]]), np.array([0]), None)
    array([0.5])
    """
    c = _parts(counts, starts)
    x, t, big_x = c.x, c.t, c.big_x
    return _divide(block_sum(x * _ratio(x, t), starts), big_x)


def exposure(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Exposure (interaction), ``xPy = sum (x_i / X)(y_i / t_i)`` with ``y_i = t_i - x_i``.

    The group's average share of the others in its area; ``isolation + exposure = 1``.

    Examples
    --------
    >>> exposure(np.array([[5.0, 10.0], [5.0, 10.0]]), np.array([0]), None)
    array([0.5])
    """
    c = _parts(counts, starts)
    x, t, big_x = c.x, c.t, c.big_x
    return _divide(block_sum(x * _ratio(t - x, t), starts), big_x)


def atkinson(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, b: float = 0.5
) -> np.ndarray:
    """Atkinson index with shape parameter ``b`` (Massey & Denton 1988).

    ``A = 1 - P/(1-P) |sum (1-p_i)^(1-b) p_i^b t_i / (P T)|^(1/(1-b))``. ``b`` between 0 and
    1 weighs areas where the group is under-represented (``b < 0.5``) or over-represented
    (``b > 0.5``). Range 0 to 1.

    Examples
    --------
    >>> counts = np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]])
    >>> atkinson(counts, np.array([0]), None, b=0.5)
    array([0.83333333])
    """
    b = float(b)
    if not 0 < b < 1:
        raise ValueError(f"atkinson: b must be strictly between 0 and 1, got b={b}.")
    c = _parts(counts, starts)
    x, t, big_t, share = c.x, c.t, c.big_t, c.share
    p = _ratio(x, t)
    total = block_sum((1 - p) ** (1 - b) * p**b * t, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - share / (1 - share) * np.abs(total / (share * big_t)) ** (1 / (1 - b))


def correlation_ratio(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Correlation ratio (eta squared), ``V = (xPx - P) / (1 - P)``: isolation net of ``P``.

    Range 0 to 1.

    Examples
    --------
    >>> correlation_ratio(np.array([[10.0, 10.0], [0.0, 30.0]]), np.array([0]), None)
    array([1.])
    """
    share = _parts(counts, starts)[-1]
    return _divide(isolation(counts, starts, ctx) - share, 1 - share)


def concentration_profile(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, thresholds: int | None = None
) -> np.ndarray:
    """Hong & Sadahiro's (2014) concentration profile summary ``R``.

    ``v(s)`` is the share of the group living in areas where its share is at least ``s``;
    ``R = (P - int_0^P v(s) ds + int_P^1 v(s) ds) / (1 - P)``. Range 0 to 1. By default the
    integrals are exact (``v`` is a step function: ``int_0^P v = sum x_i min(p_i, P) / X``);
    ``thresholds=m`` instead sums ``v`` over a grid of ``m`` thresholds and divides by ``m``,
    as PySAL's ``ConProf`` does (with ``m = 1000``).

    Examples
    --------
    >>> counts = np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]])
    >>> concentration_profile(counts, np.array([0]), None)
    array([0.58333333])
    """
    c = _parts(counts, starts)
    x, t, n, big_x, share = c.x, c.t, c.n, c.big_x, c.share
    p = _ratio(x, t)
    share_row = expand(share, starts, n)
    if thresholds is None:
        below = block_sum(x * np.minimum(p, share_row), starts)
        above = block_sum(x * np.maximum(p - share_row, 0.0), starts)
        below, above = _divide(below, big_x), _divide(above, big_x)
    else:
        m = int(thresholds)
        if m < 2:
            raise ValueError(f"concentration_profile: thresholds must be at least 2, got {m}.")
        grid = np.linspace(0, 1, m)
        reached = np.searchsorted(grid, p, side="right")  # thresholds s <= p_i
        under = np.searchsorted(grid, share_row, side="left")  # thresholds s < P
        below = block_sum(x * np.minimum(reached, under), starts)
        above = block_sum(x * np.maximum(reached - under, 0), starts)
        below, above = _divide(below, big_x * m), _divide(above, big_x * m)
    return _divide(share - below + above, 1 - share)


def _simulated_mean(kernel, counts, starts, ctx, draw, size: int) -> np.ndarray:
    """Mean of ``kernel`` over ``size`` simulated count matrices (NaN draws ignored).

    When ``ctx.extra["draws"]`` is a dict (``compute`` with an integer seed sets one), the
    draws are kept there: every random index starts from the same ``default_rng(seed)``, so
    modified dissimilarity and modified Gini would draw the very same matrices anyway.
    """
    cache = ctx.extra.get("draws") if ctx is not None else None
    key = (draw.__name__, size, counts.shape)
    stored = cache.get(key) if cache is not None else None
    if stored is None:
        rng = _rng(ctx)
        stored = [draw(rng, counts, starts, "single", c) for c in chunks(size, counts.size)]
        if cache is not None:
            cache[key] = stored
    total = np.zeros(len(starts))
    valid = np.zeros(len(starts))
    for sim in stored:
        values = kernel(sim, starts, None)
        ok = np.isfinite(values)
        total += np.where(ok, values, 0.0).sum(axis=0)
        valid += ok.sum(axis=0)
    return _divide(total, valid)


def _rng(ctx: Context | None) -> np.random.Generator:
    if ctx is not None and ctx.rng is not None:
        return ctx.rng
    return np.random.default_rng()


def carrington_troske(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Carrington & Troske's (1997) rescaling of an index by its value under random allocation.

    ``(I - E) / (1 - E)`` when ``I >= E``, else ``(I - E) / E``: 0 means as even as random
    allocation of persons would leave it, 1 complete separation, negative values more even
    than random.

    Examples
    --------
    >>> carrington_troske(np.array([0.5, 0.05]), np.array([0.1, 0.1]))
    array([ 0.44444444, -0.5       ])
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            observed >= expected,
            (observed - expected) / (1 - expected),
            (observed - expected) / expected,
        )


def modified_dissimilarity(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, n_sim: int = 500
) -> np.ndarray:
    """Carrington & Troske's modified dissimilarity: ``D`` net of its random-allocation value.

    ``E = mean D`` over ``n_sim`` draws of ``x_i ~ Binomial(t_i, P)``; the result is
    :func:`carrington_troske` of ``D`` and ``E``. Seeded by ``ctx.rng``.

    Examples
    --------
    >>> ctx = Context(rng=np.random.default_rng(0))
    >>> counts = np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]])
    >>> modified_dissimilarity(counts, np.array([0]), ctx, n_sim=200).round(2)
    array([0.6])
    """
    expected = _simulated_mean(dissimilarity, counts, starts, ctx, allocation_draws, n_sim)
    return carrington_troske(dissimilarity(counts, starts, ctx), expected)


def modified_gini(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, n_sim: int = 500
) -> np.ndarray:
    """Carrington & Troske's modified Gini: the Gini index net of its random-allocation value.

    Examples
    --------
    >>> ctx = Context(rng=np.random.default_rng(0))
    >>> counts = np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]])
    >>> modified_gini(counts, np.array([0]), ctx, n_sim=200).round(2)
    array([0.79])
    """
    expected = _simulated_mean(gini, counts, starts, ctx, allocation_draws, n_sim)
    return carrington_troske(gini(counts, starts, ctx), expected)


def bias_corrected_dissimilarity(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, n_boot: int = 500
) -> np.ndarray:
    """Allen et al.'s (2015) bootstrap bias-corrected dissimilarity, ``2 D - mean(D*)``.

    Each bootstrap draw redistributes the group's ``X`` members over the block's areas with
    probabilities ``x_i / X``, and the others' ``T - X`` with ``(t_i - x_i) / (T - X)``
    (two multinomials). Seeded by ``ctx.rng``.

    Examples
    --------
    >>> ctx = Context(rng=np.random.default_rng(0))
    >>> counts = np.array([[10.0, 20.0], [0.0, 20.0], [10.0, 10.0]])
    >>> bias_corrected_dissimilarity(counts, np.array([0]), ctx, n_boot=200).round(2)
    array([0.67])
    """
    boot = _simulated_mean(dissimilarity, counts, starts, ctx, bootstrap_draws, n_boot)
    return 2 * dissimilarity(counts, starts, ctx) - boot


_DD = "Duncan & Duncan (1955), Am. Sociol. Rev. 20(2):210-217"
_MD = "Massey & Denton (1988), Social Forces 67(2):281-315"
_CT = "Carrington & Troske (1997), J. Bus. Econ. Stat. 15(4):402-409"

for _spec in [
    IndexSpec(
        "dissimilarity", "evenness", "single", dissimilarity, (0.0, 1.0), _DD,
        "sum t_i |p_i - P| / (2 T P (1-P))", batched=True,
    ),
    IndexSpec(
        "gini", "evenness", "single", gini, (0.0, 1.0), _MD,
        "sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1-P))", batched=True,
    ),
    IndexSpec(
        "entropy", "evenness", "single", entropy, (0.0, 1.0),
        "Theil & Finizza (1971), J. Math. Sociol. 1(2):187-193; " + _MD,
        "sum t_i (E - E_i) / (E T)", batched=True,
    ),
    IndexSpec(
        "isolation", "exposure", "single", isolation, (0.0, 1.0), _MD,
        "sum (x_i / X)(x_i / t_i)", batched=True,
    ),
    IndexSpec(
        "exposure", "exposure", "single", exposure, (0.0, 1.0), _MD,
        "sum (x_i / X)((t_i - x_i) / t_i)", batched=True,
    ),
    IndexSpec(
        "atkinson", "evenness", "single", atkinson, (0.0, 1.0),
        "Atkinson (1970), J. Econ. Theory 2(3):244-263; " + _MD,
        "1 - P/(1-P) |sum (1-p_i)^(1-b) p_i^b t_i / (P T)|^(1/(1-b))",
        params={"b": 0.5}, batched=True,
    ),
    IndexSpec(
        "correlation_ratio", "exposure", "single", correlation_ratio, (0.0, 1.0),
        "Bell (1954), Social Forces 32(4):357-364; " + _MD,
        "(xPx - P) / (1 - P)", batched=True,
    ),
    IndexSpec(
        "concentration_profile", "evenness", "single", concentration_profile, (0.0, 1.0),
        "Hong & Sadahiro (2014), Urban Geography 35(6):888-906",
        "(P - int_0^P v(s) ds + int_P^1 v(s) ds) / (1 - P)",
        params={"thresholds": None}, batched=True,
    ),
    IndexSpec(
        "modified_dissimilarity", "evenness", "single", modified_dissimilarity, (-1.0, 1.0), _CT,
        "(D - E[D]) / (1 - E[D]), E under random allocation", params={"n_sim": 500}, random=True,
    ),
    IndexSpec(
        "modified_gini", "evenness", "single", modified_gini, (-1.0, 1.0), _CT,
        "(G - E[G]) / (1 - E[G]), E under random allocation", params={"n_sim": 500}, random=True,
    ),
    IndexSpec(
        "bias_corrected_dissimilarity", "evenness", "single", bias_corrected_dissimilarity,
        (-1.0, 1.0), "Allen, Burgess, Davidson & Windmeijer (2015), Econom. J. 18(1):40-66",
        "2 D - mean(D*), D* over bootstrap draws", params={"n_boot": 500}, random=True,
    ),
]:  # fmt: skip
    register(_spec)
