"""Reardon & O'Sullivan's spatial indices and multiscalar segregation profiles.

A spatial index at scale ``h`` is an aspatial index computed on *local environments*: each
area's counts replaced by the kernel-weighted sum of the counts around it,
``x~_ik = sum_j k(d_ij / h) x_jk`` (``k(0) = 1``, so an area belongs to its own
environment). The smoothed counts are used as they are, without rounding to whole persons.
A profile repeats this over a range of bandwidths: how fast segregation falls as the scale
grows tells micro-segregation (block by block) from macro-segregation (whole districts).

Any index in the registry that does not itself need geometry can be made spatial this way
(dissimilarity, multigroup D, Theil's H, isolation, ...). The kernel weights for each
distance are built once for the whole layer, restricted to pairs within each group of areas
(``by``), so every kommun's profile comes out of one sparse product per distance.

References: Reardon & O'Sullivan (2004), Sociological Methodology 34:121-162; Reardon et al.
(2008), Demography 45(3):489-514; Lee et al. (2008), Am. Sociol. Rev. 73(5):766-791.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items
from segregation.indices import weights as _weights
from segregation.indices._blocks import block_ids
from segregation.indices._prepare import prepare
from segregation.indices._registry import Context, get
from segregation.indices.compute import provenance

__all__ = ["local_environment", "multiscalar"]


def _centroids(frame: pd.DataFrame, geometry: Any) -> np.ndarray:
    from segregation.indices._spatial_context import _resolve_geometry

    geoms, crs = _resolve_geometry(frame, geometry)
    if geoms is None:
        raise SegregationError(
            "Local environments need the areas' locations: pass a GeoDataFrame (EPSG:3006) "
            "or geometry=."
        )
    _weights._check_projected(crs, "Kernel smoothing")
    return _weights.centroids(geoms, check_crs=False)


def local_environment(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    bandwidth: float,
    kernel: str = "triangular",
    by: Any = None,
    geometry: Any = None,
    truncate: float | None = None,
) -> pd.DataFrame:
    """Kernel-smoothed counts: each area's local environment at one scale.

    Parameters
    ----------
    frame : GeoDataFrame
        One row per area, area codes as the index, in a projected CRS (EPSG:3006).
    columns : sequence of str
        Count columns to smooth.
    bandwidth : float
        Kernel bandwidth in metres (see :func:`segregation.indices.weights.kernel`).
    kernel : {"triangular", "gaussian", "exponential", "boxcar"}, default="triangular"
        Kernel shape; ``k(0) = 1``.
    by : str or Series, optional
        Smooth only within groups of areas (e.g. ``"kommunkod"``): a kommun's environment
        stops at its border. Default: across the whole layer.
    geometry : GeoSeries or array of polygons, optional
        Polygons, if not the frame's geometry.
    truncate : float, optional
        Support in bandwidths (see :func:`segregation.indices.weights.kernel`): by default
        1 for triangular and boxcar, 4 for Gaussian and 8 for exponential.

    Returns
    -------
    DataFrame
        The same index and columns, smoothed (floats, not rounded).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> areas = gpd.GeoDataFrame(
    ...     {"a": [10, 0, 4]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(500, 0), shapely.Point(5000, 0)],
    ...     index=["x", "y", "z"], crs=3006)
    >>> local_environment(areas, ["a"], bandwidth=1000)
          a
    x  10.0
    y   5.0
    z   4.0
    """
    from segregation.indices._prepare import resolve_by

    xy = _centroids(frame, geometry)
    block = resolve_by(frame, by)
    blocks = None if block is None else block.to_numpy()
    w = _weights.kernel(xy, bandwidth, function=kernel, truncate=truncate, blocks=blocks)
    values = frame[list(columns)].to_numpy(dtype=float)
    return pd.DataFrame(np.asarray(w @ values), index=frame.index, columns=list(columns))


def multiscalar(
    frame: pd.DataFrame,
    index: str | Sequence[str],
    *,
    distances: Sequence[float],
    group: str | None = None,
    total: str | None = None,
    groups: Sequence[str] | None = None,
    against: str | None = None,
    by: Any = None,
    kernel: str = "triangular",
    geometry: Any = None,
    truncate: float | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Segregation profiles: aspatial indices on local environments over a range of scales.

    Parameters
    ----------
    frame : GeoDataFrame
        One row per area, area codes as the index, count columns, in a projected CRS.
    index : str or sequence of str
        Registered aspatial indices, e.g. ``"dissimilarity"``, ``"multi_dissimilarity"``,
        ``"theil_h"``, ``"isolation"``.
    distances : sequence of float
        Bandwidths in metres. ``0`` gives the aspatial value (no smoothing).
    group, total, groups, against
        The counts, as for :func:`segregation.indices.compute`.
    by : str or Series, optional
        Groups of areas (e.g. ``"kommunkod"``): one profile per group, smoothing only within
        each group. Default: all areas together.
    kernel : {"triangular", "gaussian", "exponential", "boxcar"}, default="triangular"
        Kernel shape (triangular is Reardon & O'Sullivan's and the peer's default).
    geometry : GeoSeries or array of polygons, optional
        Polygons, if not the frame's geometry.
    truncate : float, optional
        Support in bandwidths (see :func:`segregation.indices.weights.kernel`): by default
        1 for triangular and boxcar, 4 for Gaussian and 8 for exponential.
    **params
        Index parameters (e.g. ``b=0.5`` for Atkinson).

    Returns
    -------
    DataFrame
        Indexed by (``by`` label, ``distance``), one column per index: a tidy profile that
        ``unstack("distance")`` turns into one row per group of areas.

    Examples
    --------
    Four areas 400 m apart, the group in every other one: completely segregated area by
    area, hardly at all once the environment spans 1 km (triangular weights 0.6 at 400 m
    and 0.2 at 800 m give local shares 60/90, 60/120, 60/120 and 30/90):

    >>> import geopandas as gpd, shapely
    >>> pts = [shapely.Point(x, 0) for x in (0, 400, 800, 1200)]
    >>> areas = gpd.GeoDataFrame({"a": [50, 0, 50, 0], "t": [50, 50, 50, 50]},
    ...                          geometry=pts, crs=3006)
    >>> multiscalar(areas, "dissimilarity", distances=[0, 1000], group="a", total="t")
                dissimilarity
      distance
    0 0.0            1.000000
      1000.0         0.142857
    """
    names = [index] if isinstance(index, str) else list(index)
    specs = [get(name) for name in names]
    spatial = [s.name for s in specs if s.needs]
    if spatial:
        raise SegregationError(
            f"{describe_items(spatial)} already use geometry; multiscalar profiles smooth the "
            "counts for aspatial indices (e.g. dissimilarity, multi_dissimilarity, theil_h)."
        )
    random = [s.name for s in specs if s.random]
    if random:
        raise SegregationError(
            f"{describe_items(random)} draw whole persons and cannot run on kernel-smoothed "
            "counts. Profile the index without its small-unit correction (e.g. dissimilarity)."
        )
    from segregation.indices.compute import _check_params

    _check_params(specs, params, spatial=False)
    distances = [float(d) for d in distances]
    if not distances or any(not np.isfinite(d) or d < 0 for d in distances):
        raise SegregationError(
            f"distances must be non-negative numbers of metres, got {distances!r}."
        )
    prepared = prepare(frame, group=group, total=total, against=against, groups=groups, by=by)
    kind = prepared.kind
    wrong = [
        s.name for s in specs if s.kind != kind and not (kind == "multi" and s.kind == "ordered")
    ]
    if wrong:
        raise SegregationError(
            f"{describe_items(wrong)} need {'group=' if kind == 'multi' else 'groups=[...]'} "
            "counts; compute them in a separate call."
        )
    counts, starts = prepared.counts, prepared.starts
    kernel_frame = frame.iloc[prepared.rows]
    if geometry is not None and isinstance(geometry, pd.Series):
        geometry = geometry.reindex(kernel_frame.index)
    elif geometry is not None and not isinstance(geometry, str):
        geometry = np.asarray(getattr(geometry, "values", geometry), dtype=object)[prepared.rows]
    xy = _centroids(kernel_frame, geometry) if any(d > 0 for d in distances) else None
    blocks = block_ids(starts, len(counts))
    ctx = Context()
    n_blocks = len(prepared.labels)
    rows = []
    for distance in distances:  # a handful of scales; each is one sparse product
        if distance == 0:
            smoothed = counts
        else:
            w = _weights.kernel(xy, distance, function=kernel, truncate=truncate, blocks=blocks)
            smoothed = np.asarray(w @ counts)
        block = {}
        for spec in specs:
            kwargs = {k: params[k] for k in spec.params if k in params}
            values = np.full(n_blocks, np.nan)
            if len(starts):
                values[prepared.kept_blocks] = spec.kernel(smoothed, starts, ctx, **kwargs)
            block[spec.name] = values
        rows.append(pd.DataFrame(block, index=prepared.labels).assign(distance=distance))
    out = pd.concat(rows)
    label = prepared.labels.name if prepared.labels.name is not None else None
    out.index.name = label
    out = out.set_index("distance", append=True).sort_index(level=0, sort_remaining=False)
    out.attrs["segregation"] = {
        "kernel": kernel,
        "distances": distances,
        "group": group,
        "groups": list(groups) if groups is not None else None,
        "by": prepared.by,
        **provenance(frame),
    }
    return out
