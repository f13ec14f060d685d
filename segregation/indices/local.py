"""Local measures: one value per area, ready to join to boundaries and map.

* :func:`location_quotients`: each group's share in the area over its share in the
  surrounding region, ``LQ_ik = (x_ik / t_i) / (X_k / T)``.
* :func:`local_diversity`: the mix within each area, Shannon entropy and Simpson's
  diversity.
* :func:`local_mutual_information`: each area's contribution to the mutual information
  index M, ``ls_i = sum_k p_k|i ln(p_k|i / P_k)``, with ``sum_i (t_i / T) ls_i = M``.
* :func:`local_spatial_dissimilarity`: each area's contribution to Morrill's spatial D,
  adding up to the index.

Every function validates the counts like :func:`segregation.indices.compute`, accepts
``by=`` (e.g. ``"kommunkod"``: compare each area with its own kommun rather than the whole
layer) and returns a frame with the input's index and order (a GeoDataFrame when the input
has geometry). Areas with no population get NaN and are counted in ``attrs``. Local
values of small areas can disclose persons: pass them through the disclosure module before
publishing or mapping them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from segregation.indices._blocks import block_sum, expand
from segregation.indices._prepare import Prepared, prepare
from segregation.indices.compute import provenance

__all__ = [
    "local_diversity",
    "local_mutual_information",
    "local_spatial_dissimilarity",
    "location_quotients",
]


def _divide(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b))


def _result(frame: pd.DataFrame, prepared: Prepared, values: dict[str, np.ndarray]):
    """Scatter kernel-order values back to the frame's rows (NaN for empty areas)."""
    data = {}
    for name, column in values.items():
        full = np.full(len(frame), np.nan)
        full[prepared.rows] = column
        data[name] = full
    out = pd.DataFrame(data, index=frame.index)
    try:
        geometry = frame.geometry
    except (AttributeError, ValueError):
        geometry = None
    if geometry is not None:
        import geopandas as gpd

        out = gpd.GeoDataFrame(out, geometry=geometry.values, crs=geometry.crs, index=frame.index)
    out.attrs["segregation"] = {
        "by": prepared.by,
        "n_empty": int(prepared.n_empty.sum()),
        "columns": prepared.columns,
        **provenance(frame),
    }
    return out


def _block_shares(prepared: Prepared) -> np.ndarray:
    """Each column's share of the block population, per row: ``X_k / T``."""
    counts, starts = prepared.counts, prepared.starts
    n = len(counts)
    totals = counts.sum(axis=1) if prepared.kind == "multi" else counts[:, 1]
    big = block_sum(counts.T, starts)  # (columns, blocks)
    big_t = block_sum(totals, starts)
    return expand(_divide(big, big_t), starts, n).T  # (n, columns)


def _multi(frame, group, total, groups, against, by):
    if groups is None and group is not None:
        prepared = prepare(frame, group=group, total=total, against=against, by=by)
        x, t = prepared.counts[:, 0], prepared.counts[:, 1]
        other = "rest" if against is None else against
        prepared.counts = np.column_stack([x, t - x])
        prepared.columns = [group, other]
        prepared.kind = "multi"
        return prepared
    return prepare(frame, groups=groups, by=by)


def location_quotients(
    frame: pd.DataFrame,
    *,
    groups: Sequence[str] | None = None,
    group: str | None = None,
    total: str | None = None,
    against: str | None = None,
    by: Any = None,
) -> pd.DataFrame:
    """Location quotients ``LQ_ik = (x_ik / t_i) / (X_k / T)`` for every area and group.

    1 where the group's share equals its share in the region (the whole layer, or each
    area's group of areas with ``by``), above 1 where it is over-represented.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        One row per area, area codes as the index.
    groups : sequence of str, optional
        Group columns (the total is their sum); or give ``group`` with ``total``/``against``.
    group, total, against : str, optional
        One group against its total or a second group.
    by : str or Series, optional
        Region each area is compared with, e.g. ``"kommunkod"``.

    Returns
    -------
    DataFrame
        One column ``lq_<group>`` per group; a GeoDataFrame if the input has geometry.

    Examples
    --------
    >>> areas = pd.DataFrame({"a": [30, 10, 0], "b": [10, 30, 0]}, index=["x", "y", "z"])
    >>> location_quotients(areas, groups=["a", "b"])
       lq_a  lq_b
    x   1.5   0.5
    y   0.5   1.5
    z   NaN   NaN
    """
    prepared = _multi(frame, group, total, groups, against, by)
    counts = prepared.counts
    share = _divide(counts, counts.sum(axis=1)[:, None])
    lq = _divide(share, _block_shares(prepared))
    values = {f"lq_{name}": lq[:, k] for k, name in enumerate(prepared.columns)}
    if group is not None and groups is None:
        values = {f"lq_{group}": lq[:, 0]}
    return _result(frame, prepared, values)


def local_diversity(
    frame: pd.DataFrame,
    *,
    groups: Sequence[str],
) -> pd.DataFrame:
    """The mix of groups within each area: Shannon entropy and Simpson's diversity.

    ``entropy_i = -sum_k p_ik ln p_ik`` (natural log), ``entropy_normalized_i =
    entropy_i / ln K`` (0: one group only; 1: all K groups equally present) and
    ``simpson_i = 1 - sum_k p_ik^2`` (the chance that two persons drawn from the area belong
    to different groups).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        One row per area, area codes as the index.
    groups : sequence of str
        Group columns (at least two); the total is their sum.

    Returns
    -------
    DataFrame
        Columns ``entropy``, ``entropy_normalized`` and ``simpson``.

    Examples
    --------
    >>> areas = pd.DataFrame({"a": [50, 100], "b": [50, 0]}, index=["x", "y"])
    >>> local_diversity(areas, groups=["a", "b"])
        entropy  entropy_normalized  simpson
    x  0.693147                 1.0      0.5
    y  0.000000                 0.0      0.0
    """
    prepared = prepare(frame, groups=groups)
    counts = prepared.counts
    p = counts / counts.sum(axis=1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=1)
    values = {
        "entropy": entropy,
        "entropy_normalized": entropy / np.log(counts.shape[1]),
        "simpson": 1.0 - (p**2).sum(axis=1),
    }
    return _result(frame, prepared, values)


def local_mutual_information(
    frame: pd.DataFrame,
    *,
    groups: Sequence[str] | None = None,
    group: str | None = None,
    total: str | None = None,
    against: str | None = None,
    by: Any = None,
    base: float = np.e,
) -> pd.DataFrame:
    """Each area's local segregation ``ls_i`` and weight ``p_i`` in the mutual information M.

    ``ls_i = sum_k p_k|i log(p_k|i / P_k)`` is the Kullback-Leibler divergence of the area's
    composition from its region's, and ``p_i = t_i / T`` its population share, so that
    ``sum_i p_i ls_i = M`` for the whole layer (or for each region with ``by``).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        One row per area, area codes as the index.
    groups, group, total, against
        The counts, as for :func:`location_quotients`.
    by : str or Series, optional
        Regions, e.g. ``"kommunkod"``: M and ``ls`` within each.
    base : float, default=e
        Base of the logarithm (e: nats, 2: bits).

    Returns
    -------
    DataFrame
        Columns ``ls`` and ``p``.

    References: Theil (1971); Mora & Ruiz-Castillo (2011), Sociological Methodology
    41:159-194; Elbers (2023), Sociological Methods & Research 52(1):30-60.

    Examples
    --------
    >>> areas = pd.DataFrame({"a": [40, 20, 5, 1], "b": [20, 40, 60, 80]})
    >>> local = local_mutual_information(areas, groups=["a", "b"])
    >>> round(float((local["ls"] * local["p"]).sum()), 6)  # M of the R package's toy table
    0.186587
    """
    prepared = _multi(frame, group, total, groups, against, by)
    counts = prepared.counts
    t = counts.sum(axis=1)
    share = counts / t[:, None]
    ratio = _divide(share, _block_shares(prepared))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(share > 0, share * np.log(np.where(share > 0, ratio, 1.0)), 0.0)
    ls = terms.sum(axis=1) / np.log(base)
    p = t / expand(block_sum(t, prepared.starts), prepared.starts, len(t))
    return _result(frame, prepared, {"ls": ls, "p": p})


def local_spatial_dissimilarity(
    frame: pd.DataFrame,
    *,
    group: str,
    total: str | None = None,
    against: str | None = None,
    by: Any = None,
    weights: Any = None,
    geometry: Any = None,
    standardize: bool = False,
    kernel: str | None = None,
    bandwidth: float | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Each area's contribution to Morrill's spatial dissimilarity D(adj).

    ``d_i = t_i |p_i - P| / (2 T P (1 - P))`` is the area's part of D and
    ``adj_i = sum_j c_ij |p_i - p_j| / sum_kl c_kl`` its part of the neighbour adjustment
    (sums over pairs of distinct areas, as in the index), so ``sum_i (d_i - adj_i) = D(adj)``
    for any weights. A large ``adj_i`` marks an area unlike its
    neighbours: a sharp boundary in the map.

    Parameters
    ----------
    frame : GeoDataFrame
        One row per area with polygons (for contiguity) or labelled ``weights``.
    group, total, against : str
        The counts, as for :func:`segregation.indices.compute`.
    by : str or Series, optional
        Regions, e.g. ``"kommunkod"``: D(adj) within each, with no weights across borders.
    weights : str or labelled weights, optional
        As for :func:`segregation.indices.compute`; default queen contiguity.
    geometry : GeoSeries, optional
        Polygons, if not the frame's geometry.
    standardize : bool, default=False
        Row-standardise the weights.
    kernel, bandwidth : optional
        Kernel weights instead of contiguity, e.g. ``kernel="triangular", bandwidth=2000``.
    **params
        ``k`` for ``weights="knn"``, ``threshold`` for ``weights="distance_band"``.

    Returns
    -------
    DataFrame
        Columns ``dissimilarity`` (``d_i``), ``adjustment`` (``adj_i``) and
        ``spatial_dissimilarity`` (``d_i - adj_i``).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> areas = gpd.GeoDataFrame(
    ...     {"x": [10, 10, 0, 0], "t": [10, 10, 10, 10]},
    ...     geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)])
    >>> local_spatial_dissimilarity(areas, group="x", total="t")[
    ...     ["dissimilarity", "adjustment", "spatial_dissimilarity"]]
       dissimilarity  adjustment  spatial_dissimilarity
    0           0.25    0.000000               0.250000
    1           0.25    0.166667               0.083333
    2           0.25    0.166667               0.083333
    3           0.25    0.000000               0.250000
    """
    from scipy import sparse

    from segregation.indices import weights as _weights
    from segregation.indices._spatial_context import _contiguity, build_context

    prepared = prepare(frame, group=group, total=total, against=against, by=by)
    counts, starts = prepared.counts, prepared.starts
    kernel_frame = frame.iloc[prepared.rows]
    if isinstance(geometry, pd.Series):
        geometry = geometry.reindex(kernel_frame.index)
    ctx = build_context(
        kernel_frame, starts, weights=weights, kernel=kernel, bandwidth=bandwidth,
        geometry=geometry, **params,
    )  # fmt: skip
    w = _contiguity(ctx)
    if standardize:
        w = _weights.row_standardize(w)
    x, t = counts[:, 0], counts[:, 1]
    n = len(x)
    big_p = expand(_divide(block_sum(x, starts), block_sum(t, starts)), starts, n)
    big_t = expand(block_sum(t, starts), starts, n)
    part = _divide(np.abs(x - t * big_p), 2 * big_t * big_p * (1 - big_p))
    p = x / t
    coo = sparse.coo_array(w)
    off = coo.row != coo.col  # an area is not its own neighbour (kernel weights have a diagonal)
    row, col, data = coo.row[off], coo.col[off], coo.data[off]
    row_gap = np.bincount(row, weights=data * np.abs(p[row] - p[col]), minlength=n)
    weight_sum = expand(block_sum(np.bincount(row, weights=data, minlength=n), starts), starts, n)
    adjustment = _divide(row_gap, weight_sum)
    values = {
        "dissimilarity": part,
        "adjustment": adjustment,
        "spatial_dissimilarity": part - adjustment,
    }
    return _result(frame, prepared, values)
