"""The contiguity engine: neighbour pairs from shared vertices, shared edges or an STRtree.

Queen pairs come from sorting the coordinates of every polygon at once (areas that share
a vertex are neighbours); rook pairs from sorting their edges (areas that share an edge,
with the shared length summed). Both are exact for coverages, whose neighbours share their
boundary vertices. :func:`strtree_pairs` tests candidate pairs with shapely's exact
predicates instead, for layers that are not coverages. The public builders are
:func:`segregation.indices.weights.contiguity` and
:func:`segregation.indices.weights.shared_boundary`.

Examples
--------
>>> import shapely
>>> i, j, shared = vertex_pairs(
...     np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]), "rook")
>>> i, j, shared
(array([0]), array([1]), array([1.]))
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["strtree_pairs", "vertex_pairs"]


def _sorted_groups(x: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sort order and group-start flags of equal values (of ``x``, or of the pairs (x, y)).

    For pairs, sorts a 64-bit mix of the two values' bits (one integer sort instead of a
    two-column lexicographic one) and checks every run of equal hashes for equal values;
    on a hash collision it falls back to the lexicographic sort.
    """
    if y is None:
        order = np.argsort(x)
        xs = x[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = xs[1:] != xs[:-1]
        return order, new
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    with np.errstate(over="ignore"):
        mixed = x.view(np.int64) * np.int64(-7046029254386353131) + y.view(np.int64)
    order = np.argsort(mixed)
    xs, ys = x[order], y[order]
    differs = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    sorted_mixed = mixed[order]
    if np.any(differs & (sorted_mixed[1:] == sorted_mixed[:-1])):  # a hash collision
        order = np.lexsort((y, x))
        xs, ys = x[order], y[order]
        differs = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    new = np.ones(len(order), dtype=bool)
    new[1:] = differs
    return order, new


def _pairs_in_groups(
    order: np.ndarray, new: np.ndarray, owner: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of distinct owners found together in at least one group.

    ``order``/``new`` come from :func:`_sorted_groups`. ``weight`` is one number per entry
    (e.g. an edge length); a pair's weight is summed over the groups the two share.
    """
    owner = owner[order]
    weight = np.ones(len(owner)) if weight is None else weight[order]
    group = np.cumsum(new) - 1
    a_parts, b_parts, w_parts = [], [], []
    offset = 1
    candidates = np.flatnonzero(~new[1:])  # entries followed by one of the same group
    while candidates.size:
        partner = candidates + offset
        ok = partner < len(owner)
        candidates, partner = candidates[ok], partner[ok]
        ok = group[partner] == group[candidates]
        candidates, partner = candidates[ok], partner[ok]
        distinct = owner[candidates] != owner[partner]
        a_parts.append(owner[candidates[distinct]])
        b_parts.append(owner[partner[distinct]])
        w_parts.append(weight[candidates[distinct]])
        offset += 1
    if not a_parts or not sum(len(a) for a in a_parts):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    a = np.concatenate(a_parts).astype(np.int64)
    b = np.concatenate(b_parts).astype(np.int64)
    w = np.concatenate(w_parts)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    # one entry per pair, summing the weight of every group the two owners share
    # (scipy's COO -> CSR conversion sums duplicates without a global sort)
    n = int(hi.max()) + 1
    total = sparse.csr_array((w, (lo, hi)), shape=(n, n))
    total.sum_duplicates()
    coo = total.tocoo()
    return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data


def vertex_pairs(geoms: np.ndarray, rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbour pairs (i < j) from shared vertices (queen) or shared edges (rook).

    The third array is the number of shared vertices (queen) or the shared length (rook).
    """
    import shapely

    if rule == "queen":
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        order, new = _sorted_groups(coords[:, 0], coords[:, 1])
        return _pairs_in_groups(order, new, owner)
    parts, part_owner = shapely.get_parts(geoms, return_index=True)  # multipolygons
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_owner = part_owner[ring_part]
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    order, new = _sorted_groups(coords[:, 0], coords[:, 1])
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = np.cumsum(new) - 1
    same_ring = ring_of[1:] == ring_of[:-1]
    u = ids[:-1][same_ring]
    v = ids[1:][same_ring]
    length = np.hypot(*(coords[1:][same_ring] - coords[:-1][same_ring]).T)
    owner = ring_owner[ring_of[:-1][same_ring]]
    keep = u != v
    u, v, length, owner = u[keep], v[keep], length[keep], owner[keep]
    edge = np.minimum(u, v) * (int(ids.max()) + 1) + np.maximum(u, v)
    order, new = _sorted_groups(edge)
    return _pairs_in_groups(order, new, owner, length)


def strtree_pairs(geoms: np.ndarray, rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import shapely

    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j]))
    length = shapely.length(shared)
    if rule == "rook":
        keep = length > 0
        return i[keep], j[keep], length[keep]
    return i, j, length
