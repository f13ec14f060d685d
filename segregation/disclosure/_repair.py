"""Widening intervals that the Gauss pattern leaves too narrow.

Linear independence hides a primary cell's exact value, but with non-negative counts the
attacker may still bound it tightly (two suppressed ones in a column bound each other; a
suppressed zero cannot go down). For a cell whose interval misses its requirement in one
direction, this module finds cheap extra suppressions by one small linear programme:

    find y >= 0 over the inner cells of the smallest enclosing region (RegSO, kommun, län,
    riket), equal to the true counts elsewhere, with x_j . y beyond the requirement,
    minimising  sum_c  w_c |x_c . (y - a)|  over published cells c

When the cheapest way inside a region has to move the region's own margins, the next
larger region is tried as well and the cheaper solution is kept.

Suppressed cells carry no cost, cells that must stay published (known zeros) get no
deviation, and ``w_c`` is the cell's count plus one, so the cheapest way to let the cell
move is along cells that are already withheld and then along small ones. Every published
cell that would have to move is suppressed. The attacker's own programme then reaches the
requirement (``y`` is a table it cannot tell from the truth), and more suppression never
narrows another cell's interval, so repairs do not undo each other.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, sparse

from segregation.disclosure._table import CellTable

__all__ = ["regions", "widen"]


def _runs(table: CellTable, level: str) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last area of each area's node (nodes are contiguous runs)."""
    cache = table.__dict__.setdefault("_runs", {})
    if level not in cache:
        codes = table.hierarchy[level].to_numpy(dtype=str)
        new = np.r_[True, codes[1:] != codes[:-1]]
        starts = np.flatnonzero(new)
        run = np.cumsum(new) - 1
        ends = np.r_[starts[1:], len(codes)]
        cache[level] = (starts[run], ends[run])
    return cache[level]


def _rows(table: CellTable):
    if "_csr" not in table.__dict__:
        table.__dict__["_csr"] = table.X.tocsr()
    return table.__dict__["_csr"]


_RANK = {"deso": 0, "regso": 1, "kommun": 2, "lan": 3, "riket": 4}


def _level_rank(table: CellTable) -> np.ndarray:
    """Rank of each cell's level (0 = DeSO ... 4 = riket), computed once per table."""
    if "_level_rank" not in table.__dict__:
        levels = table.cells["level"].to_numpy(dtype=object)
        table.__dict__["_level_rank"] = np.array([_RANK[lv] for lv in levels], dtype=np.int64)
    return table.__dict__["_level_rank"]


def regions(table: CellTable, cell: int) -> list[tuple[str, np.ndarray]]:
    """Inner-cell sets to try for ``cell``: ``(level, inner cells)`` of its enclosing
    nodes, smallest first (levels whose node adds no area to the cell are skipped)."""
    hier = table.hierarchy
    n_cat = len(table.categories)
    level = ("deso", "regso", "kommun", "lan", "riket")[_level_rank(table)[cell]]
    X = table.X
    areas_of_cell = np.unique(X.indices[X.indptr[cell] : X.indptr[cell + 1]] // n_cat)
    levels = [lv for lv in _RANK if lv in hier.columns]
    out = []
    for lv in levels[levels.index(level) + 1 :] if level in levels else levels:
        start, end = _runs(table, lv)
        areas = np.arange(start[areas_of_cell[0]], end[areas_of_cell[0]])
        if len(areas) > len(areas_of_cell) or lv == "riket":
            inner = (areas[:, None] * n_cat + np.arange(n_cat)).ravel()
            if not out or len(inner) > len(out[-1][1]):
                out.append((lv, inner))
    return out


def widen(
    table: CellTable,
    suppressed: np.ndarray,
    forced: np.ndarray,
    cell: int,
    *,
    below: float | None = None,
    above: float | None = None,
) -> np.ndarray:
    """Cells to suppress so that ``cell`` can go down to ``below`` and up to ``above``.

    The two directions are two tables the attacker must not tell from the truth, so each
    gets its own programme; cells added for the first are free for the second.

    Returns the positions of published cells to add (empty when none are needed or when no
    region allows it; the caller's audit then reports the failure).
    """
    suppressed = np.asarray(suppressed, dtype=bool).copy()
    added = []
    for bound, up in ((below, False), (above, True)):
        if bound is None:
            continue
        add = _widen_one(table, suppressed, forced, cell, float(bound), up=up)
        suppressed[add] = True
        added.append(add)
    return np.unique(np.concatenate(added)) if added else np.array([], dtype=np.int64)


def _widen_one(
    table: CellTable,
    suppressed: np.ndarray,
    forced: np.ndarray,
    cell: int,
    bound: float,
    *,
    up: bool,
) -> np.ndarray:
    """Cells to suppress so that ``cell`` can reach ``bound`` (from below when ``up``)."""
    X = table.X
    a = table.inner_values.astype(float)
    w_all = table.cells["value"].to_numpy(dtype=float) + 1.0
    rank = _RANK
    level_rank = _level_rank(table)
    best: tuple[float, np.ndarray] | None = None
    for lv, S in regions(table, cell):
        if lv == "riket" and best is not None:
            break
        XS = _rows(table)[S].tocsc()  # inner cells of the region x all cells
        touch = np.flatnonzero(np.diff(XS.indptr) > 0)
        touch = touch[touch != cell]
        free = touch[~suppressed[touch] & ~forced[touch]]
        fixed = touch[~suppressed[touch] & forced[touch]]
        aS = a[S]
        n_y, m = len(S), len(free)
        Af = XS[:, free].T.tocsr()  # free cells x region inner cells
        Ax = XS[:, fixed].T.tocsr()
        # x_c . y - s+ + s- = x_c . a  (free);  x_c . y = x_c . a  (fixed)
        A_eq = sparse.vstack(
            [
                sparse.hstack([Af, -sparse.eye(m), sparse.eye(m)]),
                sparse.hstack([Ax, sparse.csr_matrix((len(fixed), 2 * m))]),
            ]
        ).tocsr()
        b_eq = np.r_[Af @ aS, Ax @ aS]
        xj = np.asarray(XS[:, cell].todense()).ravel()
        outside = float((X[:, cell].T @ a).item()) - float(xj @ aS)
        # x_j . y <= bound (down) or x_j . y >= bound (up)
        sign = -1.0 if up else 1.0
        rows = [sign * np.r_[xj, np.zeros(2 * m)]]
        rhs = [sign * (bound - outside)]
        cost = np.r_[np.zeros(n_y), w_all[free], w_all[free]]
        res = optimize.linprog(
            cost,
            A_ub=np.array(rows),
            b_ub=np.array(rhs),
            A_eq=A_eq,
            b_eq=b_eq,
            bounds=(0, None),
            method="highs",
        )
        if res.status == 0:
            dev = res.x[n_y : n_y + m] + res.x[n_y + m :]
            add = free[dev > 1e-7]
            if best is None or res.fun < best[0]:
                best = (float(res.fun), add)
            # margins of the region itself (or above) had to move: a larger region may
            # find a cheaper way round
            if not (level_rank[add] >= rank[lv]).any():
                break
    return best[1] if best is not None else np.array([], dtype=np.int64)
