"""Sparse queen contiguity for contiguity-constrained clustering.

Two areas are queen neighbours when their boundaries share at least one point (the pairs
come from :func:`segregation.indices.weights.contiguity`; no dense n x n matrix is ever
built). Areas with no
neighbour (islands) and separate groups of areas (archipelagos, Gotland) are joined to their
nearest other component, so that the graph is connected and Ward clustering never has to
complete it arbitrarily.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["queen_contiguity"]


def queen_contiguity(geometry, *, connect_islands: bool = True) -> sp.csr_matrix:
    """Symmetric sparse 0/1 queen contiguity matrix of a geometry array, made connected.

    Parameters
    ----------
    geometry : GeoSeries or array of shapely geometries, length n
        Areas in a projected CRS (EPSG:3006 for SCB areas).
    connect_islands : bool, default=True
        Join each connected component to its nearest other component by one link (the pair
        of areas at the smallest distance), until the graph is connected.

    Returns
    -------
    csr_matrix of shape (n, n)
        1 where two areas touch (or were joined), 0 elsewhere; zero diagonal.

    Notes
    -----
    The touching pairs are :func:`segregation.indices.weights.contiguity` (queen rule);
    this function adds only the links between components.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> w = queen_contiguity([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2), box(9, 9, 10, 10)])
    >>> w.toarray().astype(int)
    array([[0, 1, 0, 0],
           [1, 0, 1, 0],
           [0, 1, 0, 1],
           [0, 0, 1, 0]])
    """
    from segregation.indices.weights import contiguity

    geoms = np.asarray(getattr(geometry, "values", geometry), dtype=object)
    n = len(geoms)
    touching = sp.coo_matrix(contiguity(geoms, rule="queen"))
    pairs = [(touching.row, touching.col)]
    matrix = _symmetric(pairs, n)
    if connect_islands and n > 1:
        n_comp, labels = connected_components(matrix, directed=False)
        while n_comp > 1:
            pairs.append(_nearest_links(geoms, labels))
            matrix = _symmetric(pairs, n)
            n_comp, labels = connected_components(matrix, directed=False)
    return matrix


def _symmetric(pairs: list[tuple[np.ndarray, np.ndarray]], n: int) -> sp.csr_matrix:
    rows = np.concatenate([p[0] for p in pairs] + [p[1] for p in pairs])
    cols = np.concatenate([p[1] for p in pairs] + [p[0] for p in pairs])
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    matrix.data[:] = 1.0
    return matrix


def _nearest_links(geoms: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every component but the largest, one link from it to its nearest outside area."""
    import shapely

    sizes = np.bincount(labels)
    largest = int(np.argmax(sizes))
    rows, cols = [], []
    for component in np.flatnonzero(np.arange(len(sizes)) != largest):
        members = np.flatnonzero(labels == component)
        outside = np.flatnonzero(labels != component)
        # nearest outside area for each member, then the closest such pair
        sub = shapely.STRtree(geoms[outside])
        (src, dst), dist = sub.query_nearest(
            geoms[members], return_distance=True, all_matches=False
        )
        best = int(np.argmin(dist))
        rows.append(members[src[best]])
        cols.append(outside[dst[best]])
    return np.asarray(rows), np.asarray(cols)
