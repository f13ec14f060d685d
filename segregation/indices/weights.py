"""Sparse spatial weights: contiguity, shared boundaries, neighbours, distance bands, kernels.

Every builder returns a :class:`scipy.sparse.csr_array` of shape ``(n, n)`` in the row
order of its input, never a dense ``n x n`` matrix. Polygons come as a GeoSeries, a
GeoDataFrame or an array of shapely geometries; points as an ``(n, 2)`` array or as
polygons (their centroids are used). Distances are in the units of the CRS, which must
be projected (metres in EPSG:3006): a geographic CRS is an error for anything that
measures distance.

``blocks`` (optional, one label per row, e.g. the kommun code) restricts every matrix to
pairs within the same block, so one layer-wide build serves a per-kommun computation.

Contiguity uses shared vertices (queen) or shared edges (rook), found by sorting the
coordinates of all polygons at once. That is exact for coverages, layers whose neighbours
share their boundary vertices, as SCB's DeSO and RegSO layers and census tract files do.
For layers where neighbours do not share vertices, ``method="strtree"`` uses shapely's
spatial index and exact geometric predicates instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from segregation.errors import CRSError, SegregationError, describe_items

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "KERNELS",
    "adjacency",
    "centroids",
    "contiguity",
    "distance_band",
    "kernel",
    "knn",
    "row_standardize",
    "shared_boundary",
]


def _triangular(z: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - z, 0.0, None)


def _gaussian(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z**2)


def _exponential(z: np.ndarray) -> np.ndarray:
    return np.exp(-z)


def _boxcar(z: np.ndarray) -> np.ndarray:
    return (z <= 1.0).astype(float)


#: Kernel functions of the scaled distance ``z = d / bandwidth``, each 1 at ``z = 0``,
#: with the default support (in bandwidths) beyond which weights are set to zero.
KERNELS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], float]] = {
    "triangular": (_triangular, 1.0),
    "boxcar": (_boxcar, 1.0),
    "gaussian": (_gaussian, 4.0),
    "exponential": (_exponential, 8.0),
}


# ---------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------


def _geometries(geometry: Any) -> tuple[np.ndarray, Any]:
    """Return (array of shapely geometries, crs or None) from a GeoSeries/GeoDataFrame/array."""
    crs = getattr(geometry, "crs", None)
    if hasattr(geometry, "geometry") and not hasattr(geometry, "values"):
        geometry = geometry.geometry
    if hasattr(geometry, "geometry") and hasattr(geometry, "columns"):  # GeoDataFrame
        geometry = geometry.geometry
    values = np.asarray(getattr(geometry, "values", geometry), dtype=object)
    return values, crs


def _check_projected(crs: Any, what: str) -> None:
    """Raise :class:`CRSError` when ``crs`` is geographic (degrees are not distances)."""
    if crs is None:
        return
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        raise CRSError(
            f"{what} needs distances in metres, but the geometry is in the geographic CRS "
            f"{crs.to_string()} (degrees). Reproject first, e.g. frame.to_crs(3006) for Sweden."
        )


def _check_valid_polygons(geoms: np.ndarray) -> None:
    import shapely

    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if missing.size:
        raise SegregationError(
            f"{missing.size} rows have no geometry (rows {describe_items(missing)}). "
            "Drop or repair them before building weights."
        )


def centroids(geometry: Any, *, check_crs: bool = True) -> np.ndarray:
    """Centroids of polygons (or the points themselves) as an ``(n, 2)`` float array.

    Parameters
    ----------
    geometry : GeoSeries, GeoDataFrame, array of shapely geometries or ndarray of shape (n, 2)
        Polygons or points. A GeoSeries/GeoDataFrame in a geographic CRS is an error.
    check_crs : bool, default=True
        Raise :class:`~segregation.errors.CRSError` for a geographic CRS.

    Returns
    -------
    ndarray of shape (n, 2)

    Examples
    --------
    >>> import shapely
    >>> centroids([shapely.box(0, 0, 2, 2), shapely.box(2, 0, 4, 2)])
    array([[1., 1.],
           [3., 1.]])
    """
    arr = np.asarray(getattr(geometry, "values", geometry))
    if arr.dtype != object and arr.ndim == 2 and arr.shape[1] == 2:
        return arr.astype(float)
    import shapely

    geoms, crs = _geometries(geometry)
    if check_crs:
        _check_projected(crs, "Centroid distances")
    _check_valid_polygons(geoms)
    return shapely.get_coordinates(shapely.centroid(geoms))


def _blocks_codes(blocks: Any, n: int) -> np.ndarray | None:
    if blocks is None:
        return None
    codes = np.asarray(blocks)
    if codes.shape != (n,):
        raise SegregationError(
            f"blocks has shape {codes.shape}, expected ({n},): one label per area."
        )
    _, inverse = np.unique(codes, return_inverse=True)
    return inverse.astype(np.int64)


def _symmetric_csr(i: np.ndarray, j: np.ndarray, w: np.ndarray, n: int) -> sparse.csr_array:
    """CSR with entries (i, j, w) and (j, i, w); duplicates are summed."""
    from scipy import sparse

    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    data = np.concatenate([w, w]).astype(float)
    out = sparse.csr_array((data, (rows, cols)), shape=(n, n))
    out.sum_duplicates()
    out.sort_indices()
    return out


def _keep_within(i, j, block_codes, *arrays):
    if block_codes is None:
        return (i, j, *arrays)
    keep = block_codes[i] == block_codes[j]
    return (i[keep], j[keep], *(a[keep] for a in arrays))


# ---------------------------------------------------------------------------------------
# contiguity
# ---------------------------------------------------------------------------------------


def _contiguity_pairs(geometry, rule, method):
    geoms, _ = _geometries(geometry)
    _check_valid_polygons(geoms)
    if rule not in ("queen", "rook"):
        raise SegregationError(f"rule must be 'queen' or 'rook', got {rule!r} instead.")
    from segregation.indices._weights_contiguity import strtree_pairs, vertex_pairs

    builders = {"vertex": vertex_pairs, "strtree": strtree_pairs}
    if method not in builders:
        raise SegregationError(f"method must be one of {sorted(builders)}, got {method!r} instead.")
    i, j, length = builders[method](geoms, rule)
    return geoms, i, j, length


def contiguity(
    geometry: Any,
    *,
    rule: Literal["queen", "rook"] = "queen",
    blocks: Any = None,
    method: Literal["vertex", "strtree"] = "vertex",
) -> sparse.csr_array:
    """Binary contiguity weights: 1 where two polygons touch, 0 elsewhere and on the diagonal.

    Parameters
    ----------
    geometry : GeoSeries, GeoDataFrame or array of shapely polygons
        The areas, in any CRS (contiguity does not measure distance).
    rule : {"queen", "rook"}, default="queen"
        Queen: neighbours share at least one boundary point. Rook: they share an edge.
    blocks : array-like of shape (n,), optional
        Keep only pairs with the same label (e.g. the kommun code).
    method : {"vertex", "strtree"}, default="vertex"
        ``"vertex"`` sorts all vertices (or edges) at once: exact for coverages such as
        SCB's layers. ``"strtree"`` tests candidate pairs with exact predicates: slower, for
        layers whose neighbours do not share vertices.

    Returns
    -------
    scipy.sparse.csr_array of shape (n, n), symmetric

    Examples
    --------
    Three squares in a row and one touching the middle one at a corner only:

    >>> import shapely
    >>> squares = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
    ...            shapely.box(2, 0, 3, 1), shapely.box(2, 1, 3, 2)]
    >>> contiguity(squares).toarray().astype(int)
    array([[0, 1, 0, 0],
           [1, 0, 1, 1],
           [0, 1, 0, 1],
           [0, 1, 1, 0]])
    >>> contiguity(squares, rule="rook").sum(axis=1).astype(int)
    array([1, 2, 2, 1])
    """
    geoms, i, j, _ = _contiguity_pairs(geometry, rule, method)
    n = len(geoms)
    i, j = _keep_within(i, j, _blocks_codes(blocks, n))
    out = _symmetric_csr(i, j, np.ones(len(i)), n)
    out.data[:] = 1.0
    return out


def shared_boundary(
    geometry: Any,
    *,
    blocks: Any = None,
    method: Literal["vertex", "strtree"] = "vertex",
) -> sparse.csr_array:
    """Length of the boundary each pair of polygons shares (Wong's boundary weights).

    Parameters
    ----------
    geometry : GeoSeries, GeoDataFrame or array of shapely polygons
        The areas; lengths are in CRS units (metres in EPSG:3006). A geographic CRS is
        an error.
    blocks : array-like of shape (n,), optional
        Keep only pairs with the same label.
    method : {"vertex", "strtree"}, default="vertex"
        As for :func:`contiguity`.

    Returns
    -------
    scipy.sparse.csr_array of shape (n, n), symmetric, zero diagonal

    Examples
    --------
    A coverage of three rectangles (the top one has a vertex at (2, 1), as a coverage
    must, where the other two meet):

    >>> import shapely
    >>> top = shapely.Polygon([(0, 1), (2, 1), (3, 1), (3, 2), (0, 2)])
    >>> shared_boundary([shapely.box(0, 0, 2, 1), shapely.box(2, 0, 3, 1), top]).toarray()
    array([[0., 1., 2.],
           [1., 0., 1.],
           [2., 1., 0.]])
    """
    _, crs = _geometries(geometry)
    _check_projected(crs, "Shared boundary lengths")
    geoms, i, j, length = _contiguity_pairs(geometry, "rook", method)
    n = len(geoms)
    i, j, length = _keep_within(i, j, _blocks_codes(blocks, n), length)
    return _symmetric_csr(i, j, length, n)


# ---------------------------------------------------------------------------------------
# distance based
# ---------------------------------------------------------------------------------------


def _points(points: Any) -> np.ndarray:
    xy = centroids(points)
    bad = np.flatnonzero(~np.all(np.isfinite(xy), axis=1))
    if bad.size:
        raise SegregationError(
            f"{bad.size} points have missing or infinite coordinates (rows "
            f"{describe_items(bad)}). Repair or drop those geometries first."
        )
    return xy


def _separated(xy: np.ndarray, block_codes: np.ndarray | None, gap: float) -> np.ndarray:
    """Shift each block far along x so that no search radius reaches another block."""
    if block_codes is None:
        return xy
    span = float(np.ptp(xy[:, 0])) if len(xy) else 0.0
    step = span + 2.0 * gap + 1.0
    out = xy.copy()
    out[:, 0] = xy[:, 0] - xy[:, 0].min() + block_codes * step
    return out


def _pairs_within(xy: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    tree = cKDTree(xy)
    pairs = tree.query_pairs(radius, output_type="ndarray")
    i, j = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    d = np.hypot(*(xy[i] - xy[j]).T)
    return i, j, d


def knn(points: Any, k: int, *, blocks: Any = None) -> sparse.csr_array:
    """The ``k`` nearest neighbours of each area (binary, not symmetric).

    Parameters
    ----------
    points : ndarray of shape (n, 2), or polygons (centroids are used)
        Coordinates in a projected CRS.
    k : int
        Number of neighbours, excluding the area itself.
    blocks : array-like of shape (n,), optional
        Look for neighbours only within the same block; an area in a block of ``m <= k``
        areas gets ``m - 1`` neighbours.

    Returns
    -------
    scipy.sparse.csr_array of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> knn(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), 1).toarray().astype(int)
    array([[0, 1, 0],
           [1, 0, 0],
           [0, 1, 0]])
    """
    if int(k) != k or k < 1:
        raise SegregationError(f"k must be a positive integer, got {k!r} instead.")
    from scipy import sparse
    from scipy.spatial import cKDTree

    xy = _points(points)
    n = len(xy)
    codes = _blocks_codes(blocks, n)
    k_eff = min(int(k), n - 1)
    if k_eff < 1:
        return sparse.csr_array((n, n))
    span = float(np.ptp(xy, axis=0).max()) if n else 0.0
    shifted = _separated(xy, codes, 2.0 * span + 1.0)
    _, idx = cKDTree(shifted).query(shifted, k=k_eff + 1)
    i = np.repeat(np.arange(n), k_eff + 1)
    j = idx.ravel()
    keep = j != i
    i, j = i[keep], j[keep]
    i, j = _keep_within(i, j, codes)
    out = sparse.csr_array((np.ones(len(i)), (i, j)), shape=(n, n))
    out.sum_duplicates()
    # rows that kept k+1 entries (the point itself was not among its own matches): trim
    counts = np.diff(out.indptr)
    if np.any(counts > k_eff):
        out = _trim_rows(out, xy, k_eff)
    out.data[:] = 1.0
    return out


def _trim_rows(w: sparse.csr_array, xy: np.ndarray, k: int) -> sparse.csr_array:
    """Keep the k closest entries of each row."""
    from scipy import sparse

    coo = w.tocoo()
    d = np.hypot(*(xy[coo.row] - xy[coo.col]).T)
    order = np.lexsort((d, coo.row))
    row = coo.row[order]
    starts = np.searchsorted(row, np.arange(w.shape[0]))
    rank = np.arange(len(row)) - starts[row]
    keep = order[rank < k]
    return sparse.csr_array((np.ones(keep.size), (coo.row[keep], coo.col[keep])), shape=w.shape)


def distance_band(
    points: Any, threshold: float, *, binary: bool = True, blocks: Any = None
) -> sparse.csr_array:
    """Neighbours within ``threshold`` (CRS units) of each other, symmetric, zero diagonal.

    Parameters
    ----------
    points : ndarray of shape (n, 2), or polygons (centroids are used)
        Coordinates in a projected CRS.
    threshold : float
        Largest distance between neighbours, inclusive.
    binary : bool, default=True
        Weights 1; otherwise the weight is the distance itself.
    blocks : array-like of shape (n,), optional
        Keep only pairs within the same block.

    Returns
    -------
    scipy.sparse.csr_array of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0.0, 0.0], [300.0, 400.0], [2000.0, 0.0]])
    >>> distance_band(xy, 500).toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    >>> distance_band(xy, 500, binary=False).data
    array([500., 500.])
    """
    if not np.isfinite(threshold) or threshold <= 0:
        raise SegregationError(f"threshold must be a positive distance, got {threshold!r}.")
    xy = _points(points)
    n = len(xy)
    codes = _blocks_codes(blocks, n)
    i, j, d = _pairs_within(_separated(xy, codes, threshold), threshold)
    i, j, d = _keep_within(i, j, codes, d)
    return _symmetric_csr(i, j, np.ones(len(i)) if binary else d, n)


def kernel(
    points: Any,
    bandwidth: float,
    *,
    function: str = "triangular",
    include_self: bool = True,
    truncate: float | None = None,
    blocks: Any = None,
) -> sparse.csr_array:
    """Kernel weights ``k(d_ij / bandwidth)`` between area centroids (symmetric).

    Parameters
    ----------
    points : ndarray of shape (n, 2), or polygons (centroids are used)
        Coordinates in a projected CRS.
    bandwidth : float
        The kernel's scale in CRS units (metres in EPSG:3006): the radius of the
        triangular and boxcar kernels, the standard deviation of the Gaussian one and
        the e-folding distance of the exponential one.
    function : {"triangular", "gaussian", "exponential", "boxcar"}, default="triangular"
        ``1 - z`` for ``z < 1``; ``exp(-z^2 / 2)``; ``exp(-z)``; ``1`` for ``z <= 1``.
        All equal 1 at ``z = 0``.
    include_self : bool, default=True
        Put ``k(0) = 1`` on the diagonal (an area is part of its own local environment).
    truncate : float, optional
        Set weights beyond ``truncate * bandwidth`` to zero. Defaults to 1 for triangular
        and boxcar, 4 for Gaussian (``exp(-8)``) and 8 for exponential (``exp(-8)``).
    blocks : array-like of shape (n,), optional
        Keep only pairs within the same block.

    Returns
    -------
    scipy.sparse.csr_array of shape (n, n)

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0.0, 0.0], [500.0, 0.0], [2000.0, 0.0]])
    >>> kernel(xy, 1000).toarray()
    array([[1. , 0.5, 0. ],
           [0.5, 1. , 0. ],
           [0. , 0. , 1. ]])
    """
    if function not in KERNELS:
        raise SegregationError(
            f"Unknown kernel {function!r}. Known kernels: {', '.join(sorted(KERNELS))}."
        )
    if not np.isfinite(bandwidth) or bandwidth <= 0:
        raise SegregationError(f"bandwidth must be a positive distance, got {bandwidth!r}.")
    func, support = KERNELS[function]
    from scipy import sparse

    radius = bandwidth * (support if truncate is None else float(truncate))
    xy = _points(points)
    n = len(xy)
    codes = _blocks_codes(blocks, n)
    i, j, d = _pairs_within(_separated(xy, codes, radius), radius)
    i, j, d = _keep_within(i, j, codes, d)
    w = func(d / bandwidth)
    keep = w > 0
    out = _symmetric_csr(i[keep], j[keep], w[keep], n)
    if include_self:
        out = (out + sparse.eye_array(n, format="csr")).tocsr()
    return out


def row_standardize(weights: Any) -> sparse.csr_array:
    """Divide each row by its sum (rows that sum to zero stay zero).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> row_standardize(sparse.csr_array(np.array([[0.0, 2.0], [0.0, 0.0]]))).toarray()
    array([[0., 1.],
           [0., 0.]])
    """
    from scipy import sparse

    w = sparse.csr_array(weights, dtype=float)
    sums = np.asarray(w.sum(axis=1)).ravel()
    scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums != 0)
    out = sparse.diags_array(scale) @ w
    return sparse.csr_array(out)


def adjacency(weights: Any, labels: Any) -> Any:
    """Weights as a labelled adjacency list: a Series indexed by (focal, neighbor) codes.

    Labelled weights survive the sorting and filtering that ``compute`` does (areas are
    matched by code), so weights built once for a layer can be reused for any subset.

    Parameters
    ----------
    weights : sparse matrix of shape (n, n)
        Weights in the row order of ``labels``.
    labels : sequence of str of length n
        The area codes of the rows.

    Returns
    -------
    pandas.Series
        Weight per (focal, neighbor) pair, for the stored (non-zero) entries.

    Examples
    --------
    >>> import shapely
    >>> w = contiguity([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> adjacency(w, ["0114R001", "0114R002"])
    focal     neighbor
    0114R001  0114R002    1.0
    0114R002  0114R001    1.0
    Name: weight, dtype: float64
    """
    import pandas as pd
    from scipy import sparse

    coo = sparse.coo_array(weights)
    labels = pd.Index(labels)
    if coo.shape != (len(labels), len(labels)):
        raise SegregationError(
            f"weights has shape {coo.shape} but {len(labels)} labels were given: one per row."
        )
    order = np.lexsort((coo.col, coo.row))
    index = pd.MultiIndex.from_arrays(
        [labels[coo.row[order]], labels[coo.col[order]]], names=["focal", "neighbor"]
    )
    return pd.Series(coo.data[order].astype(float), index=index, name="weight")
