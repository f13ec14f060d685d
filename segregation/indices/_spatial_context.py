"""The context of the spatial kernels: geometry, weights and measurements, built once per call.

:func:`build_context` turns a frame sorted in kernel order (blocks of areas contiguous,
``starts`` the first row of each) into a :class:`~segregation.indices._registry.Context`.
Everything in it is measured on first use and then kept: centroids, areas and perimeters
(only in a projected CRS), the neighbourhood weights and the shared boundary lengths, all
restricted to pairs within a block. Contiguity and boundary weights are also kept across
calls on the same layer, keyed by a digest of its coordinates and blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.errors import CRSError, SegregationError, describe_items
from segregation.indices import weights as _weights
from segregation.indices._blocks import block_ids, block_sum
from segregation.indices._registry import Context

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["build_context", "clear_cache", "smooth_counts"]

_WEIGHT_NAMES = ("queen", "rook", "boundary", "knn", "distance_band", "kernel")


# ---------------------------------------------------------------------------------------
# the context
# ---------------------------------------------------------------------------------------


def _resolve_geometry(frame: Any, geometry: Any) -> tuple[np.ndarray | None, Any]:
    """Geometries in kernel order and their CRS, or (None, None) when there are none."""
    if geometry is None:
        if frame is None:
            return None, None
        try:
            series = frame.geometry
        except (AttributeError, ValueError):
            return None, None
        return np.asarray(series.values, dtype=object), series.crs
    if isinstance(geometry, str):
        if frame is None or geometry not in frame.columns:
            raise SegregationError(f"geometry={geometry!r} is not a column of the frame.")
        series = frame[geometry]
        return np.asarray(series.values, dtype=object), getattr(series, "crs", None)
    if isinstance(geometry, pd.Series) and frame is not None:
        missing = frame.index.difference(geometry.index)
        if len(missing):
            raise SegregationError(
                f"{len(missing)} areas have no geometry in geometry= ({describe_items(missing)})."
                " Give a GeoSeries indexed by the same area codes as the frame."
            )
        series = geometry.reindex(frame.index)
        return np.asarray(series.values, dtype=object), getattr(geometry, "crs", None)
    values = np.asarray(getattr(geometry, "values", geometry), dtype=object)
    if frame is not None and len(values) != len(frame):
        raise SegregationError(
            f"geometry= has {len(values)} rows but the frame has {len(frame)}. Give a "
            "GeoSeries indexed by area code, or set the geometry on the frame itself."
        )
    return values, getattr(geometry, "crs", None)


def _labelled_weights(weights: Any, codes: pd.Index) -> sparse.csr_array:
    """A labelled weights object (libpysal Graph/W or an adjacency Series) in kernel order."""
    from scipy import sparse

    if hasattr(weights, "adjacency"):  # libpysal.graph.Graph
        adjacency = weights.adjacency
    elif hasattr(weights, "to_adjlist"):  # libpysal.weights.W
        adj = weights.to_adjlist(drop_islands=True)
        adjacency = adj.set_index(["focal", "neighbor"])["weight"]
    elif isinstance(weights, pd.Series) and weights.index.nlevels == 2:
        adjacency = weights
    else:
        raise SegregationError(
            f"weights= must be one of {', '.join(map(repr, _WEIGHT_NAMES))}, a libpysal Graph "
            "or W, or a Series indexed by (focal, neighbor) area codes (see "
            f"seg.indices.weights.adjacency); got {type(weights).__name__}."
        )
    focal = adjacency.index.get_level_values(0)
    neighbor = adjacency.index.get_level_values(1)
    position = pd.Series(np.arange(len(codes)), index=codes)
    missing = codes.difference(pd.Index(focal).union(pd.Index(neighbor)))
    i = position.reindex(focal).to_numpy()
    j = position.reindex(neighbor).to_numpy()
    keep = ~(np.isnan(i) | np.isnan(j))
    if len(missing) == len(codes):
        raise SegregationError(
            "None of the areas appears in weights=: its labels must be the area codes of the "
            f"frame's index (e.g. {describe_items(codes[:3])})."
        )
    n = len(codes)
    values = adjacency.to_numpy(dtype=float)[keep]
    out = sparse.csr_array((values, (i[keep].astype(int), j[keep].astype(int))), shape=(n, n))
    out.sum_duplicates()
    return out


def build_context(
    frame: Any,
    starts: np.ndarray,
    *,
    weights: Any = None,
    kernel: str | None = None,
    bandwidth: float | None = None,
    geometry: Any = None,
    **params: Any,
) -> Context:
    """Geometry for the spatial kernels, for areas already sorted in kernel order.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame or None
        The areas in kernel order (blocks contiguous, empty areas removed), indexed by area
        code; its active geometry is used unless ``geometry`` is given.
    starts : ndarray of shape (n_blocks,)
        First row of each block. Every weight between areas of different blocks is zero.
    weights : str, libpysal Graph/W, or Series indexed by (focal, neighbor), optional
        The weights of ``spatial_dissimilarity`` and the neighbourhood for smoothing:
        ``"queen"`` (default), ``"rook"``, ``"boundary"``, ``"knn"`` (with ``k=``),
        ``"distance_band"`` (with ``threshold=``) or ``"kernel"``; or labelled weights.
    kernel : {"triangular", "gaussian", "exponential", "boxcar"}, optional
        With ``bandwidth``: kernel weights (diagonal 1) for local environments; implies
        ``weights="kernel"``.
    bandwidth : float, optional
        Kernel bandwidth in metres.
    geometry : GeoSeries, column name or array of polygons, optional
        The areas' polygons, if not the frame's geometry.
    **params
        ``k`` and ``threshold`` for the named weights; others are ignored here.

    Returns
    -------
    Context
        ``centroids``, ``area``, ``perimeter`` (when the CRS is projected or unset),
        ``weights`` and ``shared_boundary`` are measured on first use and then kept;
        contiguity and boundary weights are also kept across calls on the same layer
        (see :func:`clear_cache`).

    Examples
    --------
    >>> import shapely
    >>> ctx = build_context(None, np.array([0, 2]),
    ...                     geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)])
    >>> _contiguity(ctx).toarray().astype(int)  # no weight across the two blocks
    array([[0, 1, 0, 0],
           [1, 0, 0, 0],
           [0, 0, 0, 1],
           [0, 0, 1, 0]])
    """

    from segregation.indices._registry import INDICES

    known = {name for spec in INDICES.values() for name in spec.params} | {"k", "threshold"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise SegregationError(
            f"Unknown parameter(s) {describe_items(unknown)}. Index parameters: "
            f"{describe_items(sorted(known), limit=30)}. See seg.indices.available()."
        )
    geoms, crs = _resolve_geometry(frame, geometry)
    n = len(geoms) if geoms is not None else (len(frame) if frame is not None else 0)
    blocks = block_ids(np.asarray(starts), n)
    ctx = Context()
    ctx.extra.update(
        geometry=geoms,
        crs=crs,
        blocks=blocks,
        codes=None if frame is None else frame.index,
        weights_spec=weights,
        kernel=kernel,
        bandwidth=bandwidth,
        weights_params={k: params[k] for k in ("k", "threshold") if k in params},
    )
    if kernel is not None or bandwidth is not None:
        if kernel is None or bandwidth is None:
            raise SegregationError(
                "Give kernel= and bandwidth= together, e.g. kernel='triangular', bandwidth=2000."
            )
        if weights not in (None, "kernel"):
            raise SegregationError("Give either weights= or kernel=/bandwidth=, not both.")
        ctx.extra["weights_spec"] = "kernel"
    if geoms is not None:
        projected = True
        if crs is not None:
            from pyproj import CRS

            projected = not CRS.from_user_input(crs).is_geographic
        ctx.extra["projected"] = projected
    if weights is not None and not isinstance(weights, str):
        if frame is None:
            raise SegregationError("Labelled weights need the frame's area codes.")
        w = _labelled_weights(weights, frame.index)
        ctx.weights = _within_blocks(w, blocks)
    return ctx


def _within_blocks(w: sparse.csr_array, blocks: np.ndarray) -> sparse.csr_array:
    from scipy import sparse

    coo = sparse.coo_array(w)
    keep = blocks[coo.row] == blocks[coo.col]
    return sparse.csr_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=w.shape)


def _need_geometry(ctx: Context, what: str) -> np.ndarray:
    geoms = ctx.extra.get("geometry")
    if geoms is None:
        raise SegregationError(
            f"{what} needs the areas' polygons: pass a GeoDataFrame or geometry=."
        )
    return geoms


_MEASURES = {
    "centroids": lambda geoms: _shapely().get_coordinates(_shapely().centroid(geoms)),
    "area": lambda geoms: _shapely().area(geoms),
    "perimeter": lambda geoms: _shapely().length(geoms),
}


def _shapely():
    import shapely

    return shapely


def _need_projected(ctx: Context, what: str, field: str) -> np.ndarray:
    """``ctx.<field>`` (centroids, area or perimeter), measured on first use."""
    value = getattr(ctx, field)
    if value is None and ctx.extra.get("projected"):
        value = _MEASURES[field](ctx.extra["geometry"])
        setattr(ctx, field, value)
    if value is None:
        _need_geometry(ctx, what)
        raise CRSError(
            f"{what} needs areas and distances in metres, but the geometry is in the "
            f"geographic CRS {ctx.extra['crs']}. Reproject first, e.g. frame.to_crs(3006)."
        )
    return value


_CACHE: dict[tuple, sparse.csr_array] = {}
_CACHE_SIZE = 8


def _cached(kind: str, geoms: np.ndarray, blocks: np.ndarray, build) -> sparse.csr_array:
    """Weights from geometry, kept for reuse across calls on the same layer and blocks.

    The key is a digest of every coordinate, the vertex count of every area and the block
    of every area, so a changed layer, order or grouping never reuses stale weights.
    """
    import hashlib

    import shapely

    digest = hashlib.sha1(usedforsecurity=False)  # a cache key, hardware-accelerated
    digest.update(shapely.get_coordinates(geoms).tobytes())
    digest.update(shapely.get_num_coordinates(geoms).astype(np.int64).tobytes())
    digest.update(np.asarray(blocks, dtype=np.int64).tobytes())
    key = (kind, digest.hexdigest())
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = build()
    return _CACHE[key].copy()


def clear_cache() -> None:
    """Forget the contiguity and boundary weights kept from earlier calls.

    Examples
    --------
    >>> clear_cache()
    """
    _CACHE.clear()


def _contiguity(ctx: Context) -> sparse.csr_array:
    """The neighbourhood weights (queen contiguity unless other weights were given)."""
    if ctx.weights is None:
        spec = ctx.extra.get("weights_spec") or "queen"
        blocks = ctx.extra["blocks"]
        p = ctx.extra.get("weights_params", {})
        if spec in ("queen", "rook"):
            geoms = _need_geometry(ctx, f"{spec} contiguity")
            ctx.weights = _cached(
                spec, geoms, blocks, lambda: _weights.contiguity(geoms, rule=spec, blocks=blocks)
            )
        elif spec == "boundary":
            ctx.weights = _boundary(ctx)
        elif spec == "knn":
            xy = _need_projected(ctx, "k nearest neighbours", "centroids")
            ctx.weights = _weights.knn(xy, p.get("k", 6), blocks=blocks)
        elif spec == "distance_band":
            if "threshold" not in p:
                raise SegregationError("weights='distance_band' needs threshold= (metres).")
            xy = _need_projected(ctx, "distance bands", "centroids")
            ctx.weights = _weights.distance_band(xy, p["threshold"], blocks=blocks)
        elif spec == "kernel":
            if ctx.extra.get("kernel") is None:
                raise SegregationError(
                    "weights='kernel' needs kernel= and bandwidth= (metres), e.g. "
                    "kernel='triangular', bandwidth=2000."
                )
            xy = _need_projected(ctx, "kernel weights", "centroids")
            ctx.weights = _weights.kernel(
                xy, ctx.extra["bandwidth"], function=ctx.extra["kernel"], blocks=blocks
            )
        else:
            raise SegregationError(
                f"Unknown weights {spec!r}. Known: {', '.join(map(repr, _WEIGHT_NAMES))}."
            )
    return ctx.weights


def _boundary(ctx: Context) -> sparse.csr_array:
    """Shared boundary lengths within blocks (built once per context)."""
    if ctx.shared_boundary is None:
        geoms = _need_geometry(ctx, "Shared boundary lengths")
        _need_projected(ctx, "Shared boundary lengths", "perimeter")
        blocks = ctx.extra["blocks"]
        ctx.shared_boundary = _cached(
            "boundary", geoms, blocks, lambda: _weights.shared_boundary(geoms, blocks=blocks)
        )
    return ctx.shared_boundary


def smooth_counts(counts: np.ndarray, ctx: Context) -> np.ndarray:
    """Kernel-smoothed counts ``W @ counts``: each area's local environment (not rounded).

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [500.0, 0.0], [5000.0, 0.0]])
    >>> ctx = Context(weights=_weights.kernel(xy, 1000))
    >>> smooth_counts(np.array([[10.0, 20.0], [0.0, 20.0], [5.0, 5.0]]), ctx)
    array([[10., 30.],
           [ 5., 30.],
           [ 5.,  5.]])
    """
    return np.asarray(_contiguity(ctx) @ counts)


# ---------------------------------------------------------------------------------------
# centres for the centralization indices
# ---------------------------------------------------------------------------------------


def _centres(counts, starts, ctx, center) -> np.ndarray:
    """One centre per block, shape (n_blocks, 2)."""
    xy = _need_projected(ctx, "Centralization indices", "centroids")
    n = len(xy)
    t = counts[:, 1]
    if isinstance(center, str):
        if center == "mean":
            size = np.diff(np.append(starts, n))[:, None]
            return np.add.reduceat(xy, starts, axis=0) / size
        if center == "population_weighted":
            return np.add.reduceat(xy * t[:, None], starts, axis=0) / block_sum(t, starts)[:, None]
        if center == "centralort":
            return _centralort(counts, starts, ctx, xy)
        raise SegregationError(
            f"center must be 'mean', 'population_weighted', 'centralort' or a point (x, y) "
            f"in metres, got {center!r} instead."
        )
    point = np.asarray(center, dtype=float)
    if point.shape != (2,):
        raise SegregationError(f"center as a point must be (x, y) in metres, got {center!r}.")
    return np.broadcast_to(point, (len(starts), 2))


def _centralort(counts, starts, ctx, xy) -> np.ndarray:
    """Population-weighted centre of each block's DeSO in the centralort (category C)."""
    codes = ctx.extra.get("codes")
    if codes is None:
        raise SegregationError("center='centralort' needs DeSO codes as the frame's index.")
    codes = pd.Index(codes).astype(str).str.slice(0, 9)
    is_deso = np.asarray(codes.str.fullmatch(r"\d{4}[ABC]\d{4}"), dtype=bool)
    if not is_deso.all():
        raise SegregationError(
            "center='centralort' needs DeSO codes (e.g. 0180C1010): the category letter C "
            f"marks the kommun's centralort. Not DeSO codes: {describe_items(codes[~is_deso])}."
        )
    in_centre = np.asarray(codes.str[4] == "C") & (counts[:, 1] > 0)
    # one kommun's centralort per block: the centre of several towns is nowhere in particular
    kommun = np.where(in_centre, codes.str[:4].astype(int), -1)
    first = np.maximum.reduceat(kommun, starts)
    other = np.where(in_centre, kommun, first[ctx.extra["blocks"]])
    mixed = np.flatnonzero(np.minimum.reduceat(other, starts) != first)
    if mixed.size:
        raise SegregationError(
            f"center='centralort' is one kommun's main town, but {mixed.size} groups of areas "
            f"hold DeSO of category C in several kommuner (the groups starting at "
            f"{describe_items(codes[starts[mixed]])}). Use by='kommunkod'."
        )
    t = counts[:, 1] * in_centre
    weight = block_sum(t, starts)
    no_centre = np.flatnonzero(weight == 0)
    if no_centre.size:
        raise SegregationError(
            f"{no_centre.size} groups of areas have no populated DeSO of category C "
            f"(centralort): the groups starting at {describe_items(codes[starts[no_centre]])}. Keep "
            "whole kommuner (an extract may cut off a neighbouring kommun's town), or give "
            "center='population_weighted' or a point (x, y)."
        )
    return np.add.reduceat(xy * t[:, None], starts, axis=0) / weight[:, None]
