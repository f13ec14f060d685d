"""Secondary suppression by Gaussian elimination (the Gauss method of Statistics Norway).

Written here from the method's description (Langsrud 2024). Every published cell is a
column of one sparse matrix ``X`` that links it to the inner cells (all levels, all
categories and totals, several tables at once). A primary cell is *revealed* when its
column lies in the span of the published columns: then a linear combination of published
cells equals it exactly.

Candidates are visited in priority order, most worth publishing first (by default the
largest count first, so that the cells left to suppress are small and the information
lost is small). Each candidate column is reduced against the columns published so far:

* reduced to zero: it adds no information, publish it;
* otherwise it would add one new direction. If some primary column, reduced the same
  way, is a multiple of that direction, publishing the candidate would reveal the primary:
  the candidate is suppressed (secondary). Else it is published and the primary columns
  are reduced by the new pivot.

Linear independence is necessary but not enough once counts are known to be non-negative
(a primary protected only by suppressed zeros or by another small cell can still be
bounded tightly); :mod:`segregation.disclosure.audit` checks intervals by linear
programming and :func:`segregation.disclosure.protect` widens what fails.

The arithmetic is exact (Python integers, fraction-free elimination with gcd
normalisation), so there is no tolerance to tune. The loop over candidates is inherent to
the greedy method; each step touches only a handful of sparse entries because the columns
are first mapped to the difference basis, where every (area run x category run) cell has
four non-zeros (:func:`segregation.disclosure._table.difference_basis`).

References
----------
Langsrud, Ø. (2024). Secondary cell suppression by Gaussian elimination: an algorithm
suitable for handling issues with zeros and singletons. In *Privacy in Statistical
Databases*, LNCS 14915, 83-98. doi:10.1007/978-3-031-69651-0_6
"""

from __future__ import annotations

import heapq
from math import gcd

import numpy as np
from scipy import sparse

from segregation.errors import SegregationError

__all__ = ["default_priority", "gauss_suppress"]

Vec = dict[int, int]


def default_priority(values: np.ndarray, level_rank: np.ndarray | None = None) -> np.ndarray:
    """Candidate order: largest count first; ties broken by coarser level, then position.

    Parameters
    ----------
    values : ndarray of shape (n_cells,)
    level_rank : ndarray of shape (n_cells,), optional
        Larger for coarser levels (riket before län before kommun ...).

    Returns
    -------
    ndarray of int
        Cell positions, most worth publishing first.

    Examples
    --------
    >>> default_priority(np.array([3, 50, 50, 7]), np.array([0, 0, 1, 0])).tolist()
    [2, 1, 3, 0]
    """
    values = np.asarray(values)
    rank = np.zeros(len(values)) if level_rank is None else np.asarray(level_rank)
    return np.lexsort((np.arange(len(values)), -rank, -values))


def _normalise(v: Vec) -> Vec:
    g = 0
    for x in v.values():
        g = gcd(g, x)
        if g == 1:
            break
    if g > 1:
        for k in v:
            v[k] //= g
    # a fixed sign makes proportional vectors comparable
    if v and v[min(v)] < 0:
        for k in v:
            v[k] = -v[k]
    return v


def _combine(v: Vec, b: Vec, r: int) -> Vec:
    """Return ``b[r] * v - v[r] * b``, which is zero at row ``r`` (fraction-free)."""
    fv, fb = b[r], v[r]
    out = {k: fv * x for k, x in v.items()}
    for k, x in b.items():
        y = out.get(k, 0) - fb * x
        if y:
            out[k] = y
        else:
            out.pop(k, None)
    return out


def _columns(X: sparse.csc_matrix) -> list[Vec]:
    X = sparse.csc_matrix(X)
    X.eliminate_zeros()
    ind, ptr, dat = X.indices, X.indptr, X.data.astype(np.int64)
    return [
        _normalise(
            dict(
                zip(
                    ind[ptr[j] : ptr[j + 1]].tolist(),
                    dat[ptr[j] : ptr[j + 1]].tolist(),
                    strict=True,
                )
            )
        )
        for j in range(X.shape[1])
    ]


def _proportional(u: Vec, b: Vec) -> bool:
    return len(u) == len(b) and u.keys() == b.keys() and all(u[k] == b[k] for k in b)


def gauss_suppress(
    X: sparse.spmatrix,
    primary: np.ndarray,
    priority: np.ndarray,
    *,
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """Secondary suppression pattern by the Gauss method.

    Parameters
    ----------
    X : sparse matrix of shape (n_rows, n_cells)
        Links every published cell (column) to the inner cells (rows), exactly or in any
        injective linear re-expression of the inner cells (such as the difference basis).
        Integer entries.
    primary : ndarray of bool, shape (n_cells,)
        Cells that must not be derivable.
    priority : ndarray of int
        Non-primary cells in the order they should be published (most worth publishing
        first). Cells not listed are suppressed.
    forced : ndarray of bool, shape (n_cells,), optional
        Cells to publish before all others (e.g. known zeros). One that would reveal a
        primary is still withheld.

    Returns
    -------
    ndarray of bool, shape (n_cells,)
        True for secondary (complementary) suppressions.

    Examples
    --------
    A 2 x 2 table with row and column totals: one primary cell (position 0) needs three
    others suppressed, the smallest ones, to hide it.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> # inner cells a b / c d; published: a b c d, a+b, c+d, a+c, b+d, a+b+c+d
    >>> X = sparse.csc_matrix(np.array([
    ...     [1, 0, 0, 0, 1, 0, 1, 0, 1],
    ...     [0, 1, 0, 0, 1, 0, 0, 1, 1],
    ...     [0, 0, 1, 0, 0, 1, 1, 0, 1],
    ...     [0, 0, 0, 1, 0, 1, 0, 1, 1]]))
    >>> values = np.array([2, 40, 30, 60, 42, 90, 32, 100, 132])
    >>> primary = values < 5
    >>> prio = default_priority(np.where(primary, -1, values))
    >>> gauss_suppress(X, primary, prio[~primary[prio]]).nonzero()[0].tolist()
    [1, 2, 3]
    """
    X = sparse.csc_matrix(X)
    n_cells = X.shape[1]
    primary = np.asarray(primary, dtype=bool)
    forced = np.zeros(n_cells, dtype=bool) if forced is None else np.asarray(forced, dtype=bool)
    priority = np.asarray(priority, dtype=np.int64)
    if primary[priority].any():
        raise SegregationError("priority lists primary cells; list only candidates.")
    cols = _columns(X)

    # Primary columns that coincide with each other share one reduced vector.
    prim_vec: dict[int, Vec] = {}
    prim_rows: dict[int, set[int]] = {}
    for p in np.flatnonzero(primary).tolist():
        u = dict(cols[p])
        if not u:
            continue  # an empty cell: nothing to hide
        prim_vec[p] = u
        for r in u:
            prim_rows.setdefault(r, set()).add(p)

    basis: dict[int, Vec] = {}  # pivot row -> reduced published column
    pivot_rank: dict[int, int] = {}  # pivot row -> order in which it was added

    def reduce(v: Vec) -> Vec:
        heap = [pivot_rank[r] for r in v if r in pivot_rank]
        heapq.heapify(heap)
        seen = set(heap)
        while heap and v:
            t = heapq.heappop(heap)
            r = order_rows[t]
            if not v.get(r):
                continue
            b = basis[r]
            v = _combine(v, b, r)
            for k in b:
                s = pivot_rank.get(k)
                if s is not None and s > t and s not in seen:
                    seen.add(s)
                    heapq.heappush(heap, s)
        return _normalise(v) if v else v

    order_rows: list[int] = []
    secondary = np.zeros(n_cells, dtype=bool)
    forced_first = np.r_[np.flatnonzero(forced & ~primary), priority[~forced[priority]]].astype(
        np.int64
    )
    for c in forced_first.tolist():
        v = cols[c]
        if not v:
            continue
        b = reduce(dict(v))
        if not b:
            continue  # already known from what is published
        # pivot: the row shared with the fewest primaries keeps the check cheap
        r = min(b, key=lambda k: len(prim_rows.get(k, ())))
        hit = prim_rows.get(r, ())
        if any(_proportional(prim_vec[p], b) for p in hit):
            # a forced cell (e.g. a known zero) that would reveal a primary is withheld too
            secondary[c] = True
            continue
        basis[r] = b
        pivot_rank[r] = len(order_rows)
        order_rows.append(r)
        for p in list(hit):
            u = prim_vec[p]
            new = _normalise(_combine(u, b, r))
            for k in u.keys() - new.keys():
                prim_rows[k].discard(p)
            for k in new.keys() - u.keys():
                prim_rows.setdefault(k, set()).add(p)
            prim_vec[p] = new
    listed = np.zeros(n_cells, dtype=bool)
    listed[forced_first] = True
    secondary |= ~listed & ~primary
    return secondary
