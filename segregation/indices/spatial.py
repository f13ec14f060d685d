"""Spatial single-group indices: kernels over counts, weights and area geometry.

Every kernel follows the registry contract ``kernel(counts, starts, ctx, **params)``:
``counts`` has columns ``x_i`` (the group) and ``t_i`` (the total), rows of each block of
areas are contiguous from ``starts``, and one value per block comes back. The geometry they
need (sparse weights restricted to pairs within a block, centroids, areas, perimeters,
shared boundary lengths) lives in the :class:`~segregation.indices._registry.Context` made
by :func:`build_context`, once per call and shared by every index and every block.

Notation: ``y_i = t_i - x_i``; ``X, Y, T, A`` block sums of ``x, y, t`` and land area ``a``;
``p_i = x_i / t_i``; ``D`` the aspatial dissimilarity; ``n`` the areas in the block.

Examples
--------
Four areas in a row, the group living in the two western ones:

>>> import numpy as np
>>> import shapely
>>> from segregation.indices._registry import Context
>>> squares = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
>>> counts = np.array([[10.0, 10.0], [10.0, 10.0], [0.0, 10.0], [0.0, 10.0]])
>>> ctx = build_context(None, np.array([0]), geometry=squares)
>>> spatial_dissimilarity(counts, np.array([0]), ctx)
array([0.66666667])
>>> delta(counts, np.array([0]), ctx)
array([0.5])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from segregation.indices import weights as _weights
from segregation.indices._blocks import block_cumsum_before, block_sum, expand
from segregation.indices._registry import Context, IndexSpec, register
from segregation.indices.aspatial import dissimilarity

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "absolute_centralization",
    "absolute_clustering",
    "absolute_concentration",
    "boundary_spatial_dissimilarity",
    "build_context",
    "clear_cache",
    "delta",
    "distance_decay_exposure",
    "distance_decay_isolation",
    "perimeter_area_dissimilarity",
    "relative_centralization",
    "relative_clustering",
    "relative_concentration",
    "smooth_counts",
    "spatial_dissimilarity",
    "spatial_proximity",
]

from segregation.indices._spatial_context import (
    _boundary,
    _centres,
    _contiguity,
    _need_projected,
    build_context,
    clear_cache,
    smooth_counts,
)

# ---------------------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------------------


def _divide(a, b):
    """a / b, NaN where b == 0 (the index is undefined there)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b))


def _pair_sums(w: sparse.csr_array, values: np.ndarray, blocks: np.ndarray, n_blocks: int):
    """Per block: ``sum_ij w_ij values_ij`` and ``sum_ij w_ij`` over pairs of distinct areas.

    A diagonal (kernel weights put 1 there) is left out: an area is not its own neighbour.
    """
    from scipy import sparse

    coo = sparse.coo_array(w)
    off = coo.row != coo.col
    row, col, data = coo.row[off], coo.col[off], coo.data[off]
    b = blocks[row]
    num = np.bincount(b, weights=data * values(row, col), minlength=n_blocks)
    den = np.bincount(b, weights=data, minlength=n_blocks)
    return num, den


def _share_gap(counts, ctx, starts, w):
    p = counts[:, 0] / counts[:, 1]
    num, den = _pair_sums(w, lambda i, j: np.abs(p[i] - p[j]), ctx.extra["blocks"], len(starts))
    return num, den


def _neighbour_adjusted_d(
    counts: np.ndarray, starts: np.ndarray, ctx: Context, w: Any, standardize: bool
) -> np.ndarray:
    """``D - sum_ij w_ij |p_i - p_j| / sum_ij w_ij``, shared by Morrill's and Wong's D."""
    if standardize:
        w = _weights.row_standardize(w)
    num, den = _share_gap(counts, ctx, starts, w)
    return dissimilarity(counts, starts, ctx) - _divide(num, den)


def spatial_dissimilarity(
    counts: np.ndarray, starts: np.ndarray, ctx: Context, standardize: bool = False
) -> np.ndarray:
    """Morrill's D(adj): ``D - sum_ij c_ij |p_i - p_j| / sum_ij c_ij``.

    ``c_ij`` are the neighbourhood weights (queen contiguity by default), row-standardised
    when ``standardize=True``. D(adj) is D reduced by how different neighbours are.

    References: Morrill (1991), Geography Research Forum 11:25-36.

    Examples
    --------
    >>> import shapely
    >>> ctx = build_context(None, np.array([0]),
    ...                     geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)])
    >>> spatial_dissimilarity(np.array([[10.0, 10.0], [0.0, 10.0], [10.0, 10.0]]),
    ...                       np.array([0]), ctx)
    array([0.])
    """
    return _neighbour_adjusted_d(counts, starts, ctx, _contiguity(ctx), standardize)


def boundary_spatial_dissimilarity(
    counts: np.ndarray, starts: np.ndarray, ctx: Context, standardize: bool = True
) -> np.ndarray:
    """Wong's D(w): D(adj) with shared boundary lengths as weights.

    ``D - sum_ij w_ij |p_i - p_j| / sum_ij w_ij`` with ``w_ij = b_ij / sum_k b_ik`` (the share
    of area i's shared boundary that it shares with j) when ``standardize=True`` (default,
    as Wong 1993), or the raw lengths ``b_ij`` otherwise.

    References: Wong (1993), Urban Studies 30(3):559-572.

    Examples
    --------
    >>> import shapely
    >>> ctx = build_context(None, np.array([0]),
    ...                     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> boundary_spatial_dissimilarity(np.array([[10.0, 10.0], [0.0, 10.0]]),
    ...                                np.array([0]), ctx)
    array([0.])
    """
    return _neighbour_adjusted_d(counts, starts, ctx, _boundary(ctx), standardize)


def perimeter_area_dissimilarity(
    counts: np.ndarray, starts: np.ndarray, ctx: Context
) -> np.ndarray:
    """Wong's D(s): D(w) with each pair further weighted by the areas' perimeter/area ratios.

    ``D - sum_ij w_ij |p_i - p_j| ((P/A)_i + (P/A)_j) / (2 max(P/A))`` with
    ``w_ij = b_ij / sum_kl b_kl`` the shared boundary lengths scaled to sum to 1 over the
    block and ``max(P/A)`` the block's largest ratio. Compact (low ratio) areas reduce the
    adjustment.

    References: Wong (1993), Urban Studies 30(3):559-572.
    """
    w = _boundary(ctx)
    blocks = ctx.extra["blocks"]
    perimeter = _need_projected(ctx, "perimeter_area_dissimilarity", "perimeter")
    ratio = perimeter / _need_projected(ctx, "perimeter_area_dissimilarity", "area")
    max_ratio = np.maximum.reduceat(ratio, starts)
    p = counts[:, 0] / counts[:, 1]
    num, den = _pair_sums(
        w, lambda i, j: np.abs(p[i] - p[j]) * (ratio[i] + ratio[j]), blocks, len(starts)
    )
    return dissimilarity(counts, starts, ctx) - _divide(num, den * 2.0 * max_ratio)


# -- Massey & Denton's clustering family, c_ij = exp(-d_ij) ------------------------------


def _decay(ctx: Context, distance_unit: float, truncate: float) -> sparse.csr_array:
    """``c_ij = exp(-d_ij / unit)`` within blocks, ``c_ii = exp(-sqrt(0.6 a_i) / unit)``."""
    from scipy import sparse

    key = ("decay", float(distance_unit), float(truncate))
    if key not in ctx.extra:
        xy = _need_projected(ctx, "Distance-decay indices", "centroids")
        off = _weights.kernel(
            xy,
            distance_unit,
            function="exponential",
            include_self=False,
            truncate=truncate,
            blocks=ctx.extra["blocks"],
        )
        area = _need_projected(ctx, "Distance-decay indices", "area")
        diag = np.exp(-np.sqrt(0.6 * area) / distance_unit)
        ctx.extra[key] = sparse.csr_array(off + sparse.diags_array(diag))
    return ctx.extra[key]


def _quadratic(c, u, v, starts):
    """Per block: ``sum_ij u_i c_ij v_j``."""
    return block_sum(u * (c @ v), starts)


def _proximities(counts, starts, ctx, distance_unit, truncate):
    c = _decay(ctx, distance_unit, truncate)
    x, t = counts[:, 0], counts[:, 1]
    y = t - x
    big_x, big_y, big_t = block_sum(x, starts), block_sum(y, starts), block_sum(t, starts)
    pxx = _divide(_quadratic(c, x, x, starts), big_x**2)
    pyy = _divide(_quadratic(c, y, y, starts), big_y**2)
    ptt = _divide(_quadratic(c, t, t, starts), big_t**2)
    return c, x, y, t, big_x, big_y, big_t, pxx, pyy, ptt


_DECAY_PARAMS = {"distance_unit": 1000.0, "truncate": 20.0}


def spatial_proximity(
    counts: np.ndarray,
    starts: np.ndarray,
    ctx: Context,
    distance_unit: float = 1000.0,
    truncate: float = 20.0,
) -> np.ndarray:
    """Massey & Denton's spatial proximity ``SP = (X Pxx + Y Pyy) / (T Ptt)``.

    ``Pxx = sum_ij x_i x_j c_ij / X^2`` is the average proximity between members of the
    group (``Pyy``, ``Ptt`` likewise for the rest and for everyone), with
    ``c_ij = exp(-d_ij)`` for centroid distance ``d_ij`` in units of ``distance_unit``
    metres (default 1 km) and ``c_ii = exp(-sqrt(0.6 a_i))``. Pairs further apart than
    ``truncate`` units (``exp(-20)``, about 2e-9) are left out. 1 when groups are equally
    clustered; above 1 when members of each group live closer to each other.

    References: Massey & Denton (1988), Social Forces 67(2):281-315; White (1983).

    Examples
    --------
    >>> ctx = Context(centroids=np.array([[0.0, 0.0], [1000.0, 0.0]]), area=np.zeros(2),
    ...               extra={"blocks": np.zeros(2, dtype=int)})
    >>> spatial_proximity(np.array([[10.0, 20.0], [10.0, 20.0]]), np.array([0]), ctx)
    array([1.])
    """
    *_, big_x, big_y, big_t, pxx, pyy, ptt = _proximities(
        counts, starts, ctx, distance_unit, truncate
    )
    return _divide(big_x * pxx + big_y * pyy, big_t * ptt)


def relative_clustering(
    counts: np.ndarray,
    starts: np.ndarray,
    ctx: Context,
    distance_unit: float = 1000.0,
    truncate: float = 20.0,
) -> np.ndarray:
    """Massey & Denton's relative clustering ``RCL = Pxx / Pyy - 1`` (c_ij as for proximity).

    0 when the group is as clustered as the rest, positive when more.

    References: Massey & Denton (1988), Social Forces 67(2):281-315.
    """
    *_, pxx, pyy, _ = _proximities(counts, starts, ctx, distance_unit, truncate)
    return _divide(pxx, pyy) - 1.0


def absolute_clustering(
    counts: np.ndarray,
    starts: np.ndarray,
    ctx: Context,
    distance_unit: float = 1000.0,
    truncate: float = 20.0,
) -> np.ndarray:
    """Massey & Denton's absolute clustering.

    ``ACL = [sum_i (x_i/X) sum_j c_ij x_j - (X/n^2) sum_ij c_ij] /
    [sum_i (x_i/X) sum_j c_ij t_j - (X/n^2) sum_ij c_ij]``: the group's average proximity
    to itself beyond what an even spread would give, relative to its maximum.

    References: Massey & Denton (1988), Social Forces 67(2):281-315.
    """
    c, x, _, t, big_x, *_ = _proximities(counts, starts, ctx, distance_unit, truncate)
    n = np.diff(np.append(starts, len(x)))
    all_pairs = _quadratic(c, np.ones(len(x)), np.ones(len(x)), starts)
    even = big_x / n**2 * all_pairs
    top = _divide(_quadratic(c, x, x, starts), big_x) - even
    bottom = _divide(_quadratic(c, x, t, starts), big_x) - even
    return _divide(top, bottom)


def _decay_exposure(counts, starts, ctx, distance_unit, truncate, column):
    c = _decay(ctx, distance_unit, truncate)
    x, t = counts[:, 0], counts[:, 1]
    other = x if column == "x" else t - x
    # sum_i (x_i/X) sum_j k_ij other_j / t_j with k_ij = c_ij t_j / sum_k c_ik t_k
    local = _divide(c @ other, c @ t)
    return _divide(block_sum(x * local, starts), block_sum(x, starts))


def distance_decay_isolation(
    counts: np.ndarray,
    starts: np.ndarray,
    ctx: Context,
    distance_unit: float = 1000.0,
    truncate: float = 20.0,
) -> np.ndarray:
    """Distance-decay isolation ``DPxx = sum_i (x_i/X) sum_j k_ij x_j / t_j``.

    ``k_ij = c_ij t_j / sum_k c_ik t_k``: the group's share in a member's surroundings, with
    the population of nearer areas counting more (``c_ij`` as for spatial proximity).

    References: Morgan (1983), Urban Studies 20(3):335-349; Massey & Denton (1988).
    """
    return _decay_exposure(counts, starts, ctx, distance_unit, truncate, "x")


def distance_decay_exposure(
    counts: np.ndarray,
    starts: np.ndarray,
    ctx: Context,
    distance_unit: float = 1000.0,
    truncate: float = 20.0,
) -> np.ndarray:
    """Distance-decay exposure ``DPxy = sum_i (x_i/X) sum_j k_ij y_j / t_j``.

    The share of the rest of the population in a member's surroundings;
    ``DPxx + DPxy = 1``.

    References: Morgan (1983), Urban Studies 20(3):335-349; Massey & Denton (1988).
    """
    return _decay_exposure(counts, starts, ctx, distance_unit, truncate, "y")


# -- concentration -----------------------------------------------------------------------


def delta(counts: np.ndarray, starts: np.ndarray, ctx: Context) -> np.ndarray:
    """Hoover's delta ``DEL = 1/2 sum_i |x_i / X - a_i / A|``.

    The share of the group that would have to move for its density to be the same
    everywhere. Areas in CRS units (m²); the index does not depend on the unit.

    References: Hoover (1941); Massey & Denton (1988), Social Forces 67(2):281-315.
    """
    a = _need_projected(ctx, "delta", "area")
    x = counts[:, 0]
    n = len(x)
    share_x = x / expand(block_sum(x, starts), starts, n)
    share_a = a / expand(block_sum(a, starts), starts, n)
    return 0.5 * block_sum(np.abs(share_x - share_a), starts)


def _sorted_within_blocks(key: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    return np.lexsort((key, blocks))


def _concentration_parts(counts, starts, ctx):
    a = _need_projected(ctx, "Concentration indices", "area")
    blocks = ctx.extra["blocks"]
    order = _sorted_within_blocks(a, blocks)  # by increasing land area
    x, t, a = counts[order, 0], counts[order, 1], a[order]
    y = t - x
    n_units = len(x)
    size = np.diff(np.append(starts, n_units))
    rank = np.arange(n_units) - expand(starts, starts, n_units)
    big_x = block_sum(x, starts)
    x_row = expand(big_x, starts, n_units)
    before = block_cumsum_before(t, starts)
    # n1: the fewest smallest areas that hold X persons; n2: the fewest largest ones
    n1 = block_sum((before + t < x_row).astype(float), starts) + 1
    after = expand(block_sum(t, starts), starts, n_units) - before  # t of this area onwards
    n_large = block_sum((after < x_row).astype(float), starts) + 1
    small = rank < expand(n1, starts, n_units)
    large = rank >= expand(size - n_large, starts, n_units)
    ta = t * a
    t1, t2 = block_sum(t * small, starts), block_sum(t * large, starts)
    small_density = _divide(block_sum(ta * small, starts), t1)
    large_density = _divide(block_sum(ta * large, starts), t2)
    x_area = _divide(block_sum(x * a, starts), big_x)
    y_area = _divide(block_sum(y * a, starts), block_sum(y, starts))
    return x_area, y_area, small_density, large_density


def absolute_concentration(counts: np.ndarray, starts: np.ndarray, ctx: Context) -> np.ndarray:
    """Massey & Denton's absolute concentration.

    ``ACO = 1 - [sum x_i a_i / X - sum_{i<=n1} t_i a_i / T1] /
    [sum_{i>=n2} t_i a_i / T2 - sum_{i<=n1} t_i a_i / T1]``, areas sorted by increasing
    land area; ``n1`` is the number of smallest areas whose population reaches ``X``
    (``T1`` their population), ``n2`` the first of the largest areas that do (``T2``).
    1 when the group lives in the least land possible. The bounds are made of whole
    areas, so a group spread unevenly over them can give values slightly outside 0-1.

    References: Massey & Denton (1988), Social Forces 67(2):281-315.
    """
    x_area, _, small, large = _concentration_parts(counts, starts, ctx)
    return 1.0 - _divide(x_area - small, large - small)


def relative_concentration(counts: np.ndarray, starts: np.ndarray, ctx: Context) -> np.ndarray:
    """Massey & Denton's relative concentration.

    ``RCO = [(sum x_i a_i / X) / (sum y_i a_i / Y) - 1] /
    [(sum_{i<=n1} t_i a_i / T1) / (sum_{i>=n2} t_i a_i / T2) - 1]``: the land the group
    occupies relative to the rest, scaled to lie in -1 to 1 (up to the whole-area bounds,
    as for :func:`absolute_concentration`).

    References: Massey & Denton (1988), Social Forces 67(2):281-315.
    """
    x_area, y_area, small, large = _concentration_parts(counts, starts, ctx)
    return _divide(_divide(x_area, y_area) - 1.0, _divide(small, large) - 1.0)


# -- centralization ----------------------------------------------------------------------


def _centralization(counts, starts, ctx, center, against):
    xy = _need_projected(ctx, "Centralization indices", "centroids")
    centres = _centres(counts, starts, ctx, center)
    n = len(counts)
    blocks = ctx.extra["blocks"]
    dist = np.hypot(*(xy - centres[blocks]).T)
    order = _sorted_within_blocks(dist, blocks)  # nearest the centre first
    x = counts[order, 0]
    other = against[order]
    share_x = x / expand(block_sum(x, starts), starts, n)
    share_o = other / expand(block_sum(other, starts), starts, n)
    cum_x, cum_o = np.cumsum(share_x), np.cumsum(share_o)
    # restart cumulative shares in each block
    cum_x -= expand(cum_x[starts] - share_x[starts], starts, n)
    cum_o -= expand(cum_o[starts] - share_o[starts], starts, n)
    prev_x, prev_o = cum_x - share_x, cum_o - share_o
    # sum_i X_{i-1} O_i - sum_i X_i O_{i-1}
    return block_sum(prev_x * cum_o - cum_x * prev_o, starts)


def absolute_centralization(
    counts: np.ndarray, starts: np.ndarray, ctx: Context, center: Any = "mean"
) -> np.ndarray:
    """Massey & Denton's absolute centralization ``ACE = sum X_{i-1} A_i - sum X_i A_{i-1}``.

    Areas sorted by increasing distance from the centre; ``X_i`` and ``A_i`` cumulative
    shares of the group and of the land area. Positive when the group lives nearer the
    centre than the land; range -1 to 1.

    ``center``: ``"mean"`` (mean of the centroids, default), ``"population_weighted"``,
    ``"centralort"`` (population-weighted centre of the block's DeSO of category C, the
    kommun's main town; use with ``by="kommunkod"``) or a point ``(x, y)`` in metres.

    References: Duncan (1959); Massey & Denton (1988), Social Forces 67(2):281-315.
    """
    a = _need_projected(ctx, "absolute_centralization", "area")
    return _centralization(counts, starts, ctx, center, a)


def relative_centralization(
    counts: np.ndarray, starts: np.ndarray, ctx: Context, center: Any = "mean"
) -> np.ndarray:
    """Massey & Denton's relative centralization ``RCE = sum X_{i-1} Y_i - sum X_i Y_{i-1}``.

    As absolute centralization with the rest of the population (``y``) in place of land:
    positive when the group lives nearer the centre than the rest.

    References: Duncan & Duncan (1955); Massey & Denton (1988).
    """
    return _centralization(counts, starts, ctx, center, counts[:, 1] - counts[:, 0])


# ---------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------

_MD = "Massey & Denton (1988), Social Forces 67(2):281-315"
_W93 = "Wong (1993), Urban Studies 30(3):559-572"
_CENTRE = {"center": "mean"}

for _spec in [
    IndexSpec(
        "spatial_dissimilarity", "evenness", "single", spatial_dissimilarity, (-1.0, 1.0),
        "Morrill (1991), Geography Research Forum 11:25-36",
        "D - sum_ij c_ij |p_i - p_j| / sum_ij c_ij", params={"standardize": False},
        needs=frozenset({"weights"}),
    ),
    IndexSpec(
        "boundary_spatial_dissimilarity", "evenness", "single",
        boundary_spatial_dissimilarity, (-1.0, 1.0), _W93,
        "D - sum_ij w_ij |p_i - p_j| / sum_ij w_ij, w_ij = b_ij / sum_k b_ik",
        params={"standardize": True}, needs=frozenset({"shared_boundary"}),
    ),
    IndexSpec(
        "perimeter_area_dissimilarity", "evenness", "single", perimeter_area_dissimilarity,
        (-1.0, 1.0), _W93,
        "D - sum_ij w_ij |p_i - p_j| ((P/A)_i + (P/A)_j) / (2 max(P/A)), sum w_ij = 1",
        needs=frozenset({"shared_boundary", "perimeter", "area"}),
    ),
    IndexSpec(
        "spatial_proximity", "clustering", "single", spatial_proximity, (0.0, np.inf),
        "White (1983), Am. J. Sociol. 88(5):1008-1018; " + _MD,
        "(X Pxx + Y Pyy) / (T Ptt), Pxx = sum x_i x_j c_ij / X^2, c_ij = exp(-d_ij)",
        params=_DECAY_PARAMS, needs=frozenset({"centroids", "area"}),
    ),
    IndexSpec(
        "absolute_clustering", "clustering", "single", absolute_clustering, (-np.inf, 1.0), _MD,
        "[sum (x_i/X) sum c_ij x_j - X/n^2 sum c_ij] / [sum (x_i/X) sum c_ij t_j - "
        "X/n^2 sum c_ij]", params=_DECAY_PARAMS, needs=frozenset({"centroids", "area"}),
    ),
    IndexSpec(
        "relative_clustering", "clustering", "single", relative_clustering, (-1.0, np.inf),
        _MD, "Pxx / Pyy - 1, c_ij = exp(-d_ij)", params=_DECAY_PARAMS,
        needs=frozenset({"centroids", "area"}),
    ),
    IndexSpec(
        "distance_decay_isolation", "exposure", "single", distance_decay_isolation,
        (0.0, 1.0), "Morgan (1983), Urban Studies 20(3):335-349; " + _MD,
        "sum (x_i/X) sum_j k_ij x_j / t_j, k_ij = c_ij t_j / sum_k c_ik t_k",
        params=_DECAY_PARAMS, needs=frozenset({"centroids", "area"}),
    ),
    IndexSpec(
        "distance_decay_exposure", "exposure", "single", distance_decay_exposure,
        (0.0, 1.0), "Morgan (1983), Urban Studies 20(3):335-349; " + _MD,
        "sum (x_i/X) sum_j k_ij y_j / t_j, k_ij = c_ij t_j / sum_k c_ik t_k",
        params=_DECAY_PARAMS, needs=frozenset({"centroids", "area"}),
    ),
    IndexSpec(
        "delta", "concentration", "single", delta, (0.0, 1.0),
        "Hoover (1941), J. Econ. Hist. 1(2):223-225; " + _MD,
        "1/2 sum |x_i / X - a_i / A|", needs=frozenset({"area"}),
    ),
    IndexSpec(
        "absolute_concentration", "concentration", "single", absolute_concentration,
        (0.0, 1.0), _MD,
        "1 - [sum x_i a_i/X - sum_1^n1 t_i a_i/T1] / [sum_n2^n t_i a_i/T2 - sum_1^n1 t_i a_i/T1]",
        needs=frozenset({"area"}),
    ),
    IndexSpec(
        "relative_concentration", "concentration", "single", relative_concentration,
        (-1.0, 1.0), _MD,
        "[(sum x_i a_i/X)/(sum y_i a_i/Y) - 1] / [(sum_1^n1 t_i a_i/T1)/(sum_n2^n t_i a_i/T2) - 1]",
        needs=frozenset({"area"}),
    ),
    IndexSpec(
        "absolute_centralization", "centralization", "single", absolute_centralization,
        (-1.0, 1.0), "Duncan (1959); " + _MD, "sum X_{i-1} A_i - sum X_i A_{i-1}",
        params=_CENTRE, needs=frozenset({"centroids", "area"}),
    ),
    IndexSpec(
        "relative_centralization", "centralization", "single", relative_centralization,
        (-1.0, 1.0), "Duncan & Duncan (1955); " + _MD, "sum X_{i-1} Y_i - sum X_i Y_{i-1}",
        params=_CENTRE, needs=frozenset({"centroids"}),
    ),
]:  # fmt: skip
    register(_spec)
