"""The attacker's audit: how closely can a withheld cell be bounded from what is published?

For every suppressed cell the attacker solves two linear programmes (Fischetti and
Salazar's attacker problem, the audit of tau-ARGUS and sdcTable):

    minimise / maximise   x_j . y
    subject to            x_c . y = value_c   for every published cell c
                          y >= 0              (counts are non-negative)

over the unknown inner cells ``y``. Inner cells that are published are known and move to
the right-hand side; what is left falls apart into connected blocks (unknowns linked by
shared published margins), and each block is its own small programme, solved by HiGHS
through :func:`scipy.optimize.linprog` (or :func:`scipy.optimize.milp` when ``integer``).

A sensitive cell passes under

* ``rule="width"`` (default): the interval reaches from 0 to at least ``min_count``:
  the attacker can rule out neither that nobody is there nor that the cell is large
  enough to publish (the width-5 rule at ``min_count=5``);
* ``rule="min_width"``: ``upper - lower >= min_width``;
* ``rule="percent"``: the interval contains ``[v (1 - p/100), v (1 + p/100)]``, the
  symmetric protection levels of tau-ARGUS (``p=100`` asks for ``[0, 2 v]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.sparse import csgraph

from segregation.errors import SegregationError

__all__ = ["RULES", "Requirement", "audit", "cell_intervals", "certify", "requirements"]

RULES = ("width", "min_width", "percent")
TOL = 1e-6


@dataclass(frozen=True)
class Requirement:
    """What a sensitive cell's interval must cover: ``[lower, upper]`` and a width."""

    lower: np.ndarray
    upper: np.ndarray
    width: np.ndarray

    def passes(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return (lo <= self.lower + TOL) & (hi >= self.upper - TOL) & (hi - lo >= self.width - TOL)


def requirements(
    values: np.ndarray,
    *,
    rule: str = "width",
    min_count: int = 5,
    min_width: float | None = None,
    percent: float | None = None,
) -> Requirement:
    """Required interval of each sensitive cell under a protection rule.

    Examples
    --------
    >>> r = requirements(np.array([1, 3]), rule="width", min_count=5)
    >>> r.lower.tolist(), r.upper.tolist()
    ([0.0, 0.0], [5.0, 5.0])
    >>> requirements(np.array([4.0]), rule="percent", percent=50).upper.tolist()
    [6.0]
    """
    v = np.asarray(values, dtype=float)
    zero = np.zeros_like(v)
    if rule == "width":
        return Requirement(zero, np.full_like(v, float(min_count)), zero)
    if rule == "min_width":
        if min_width is None or min_width <= 0:
            raise SegregationError("rule='min_width' needs min_width > 0.")
        return Requirement(v, v, np.full_like(v, float(min_width)))
    if rule == "percent":
        if percent is None or percent <= 0:
            raise SegregationError("rule='percent' needs percent > 0.")
        return Requirement(np.maximum(v * (1 - percent / 100), 0), v * (1 + percent / 100), zero)
    raise SegregationError(f"rule must be one of {RULES}, got {rule!r}.")


def _lp(c, A, b, integer: bool):
    """Minimise c.y subject to A y = b, y >= 0: (value, solution); value -inf when unbounded."""
    if integer:
        res = optimize.milp(
            c,
            constraints=optimize.LinearConstraint(A, b, b),
            integrality=np.ones(len(c)),
            bounds=optimize.Bounds(0, np.inf),
        )
        unbounded = res.status != 0 and "unbounded" in str(res.message).lower()
    else:
        res = optimize.linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        unbounded = res.status == 3
    if unbounded:
        return -np.inf, None
    if res.status != 0:
        raise SegregationError(
            f"The audit's linear programme failed ({res.message}); the published cells are "
            "inconsistent with the inner counts."
        )
    return float(res.fun), np.asarray(res.x)


@dataclass
class _Block:
    """One connected block of unknown inner cells and the published cells linking them."""

    A: np.ndarray | sparse.csr_matrix  # constraints x unknowns
    b: np.ndarray
    targets: np.ndarray  # positions in the caller's target list
    T: np.ndarray  # targets x unknowns (0/1)


def _blocks(X, inner_values, unknown, suppressed, targets, target_values):
    """Known part of each target and the blocks of the attacker's programme.

    ``X`` links (a subset of) inner cells to (a subset of) cells; inner cells outside the
    subset are held at their true values, which is what ``target_values`` and the
    right-hand sides below account for.
    """
    X = sparse.csc_matrix(X, dtype=float)
    a = np.asarray(inner_values, dtype=float)
    XT = X.T.tocsr()
    au = a * unknown
    known = np.asarray(target_values, dtype=float) - np.asarray(XT[targets] @ au).ravel()
    U = np.flatnonzero(unknown)
    if len(U) == 0 or len(targets) == 0:
        return known, []
    pub = np.flatnonzero(~suppressed)
    A = XT[pub][:, U].tocsr()  # published cells x unknown inner cells
    rows = np.flatnonzero(np.diff(A.indptr) > 0)
    A = A[rows]
    b = np.asarray(XT[pub[rows]] @ au).ravel()  # value minus known part
    n_u = len(U)
    graph = sparse.bmat([[None, A.T], [A, None]], format="csr")
    _, label = csgraph.connected_components(graph, directed=False)
    var_comp, con_comp = label[:n_u], label[n_u:]
    # contiguous blocks: permute unknowns and constraints by component
    var_order = np.argsort(var_comp, kind="stable")
    con_order = np.argsort(con_comp, kind="stable")
    A = A[con_order][:, var_order].tocsr()
    b = b[con_order]
    T = XT[targets][:, U[var_order]].tocsr()
    var_comp, con_comp = var_comp[var_order], con_comp[con_order]
    tcoo = T.tocoo()
    pair_comp = var_comp[tcoo.col]
    blocks = []
    for k in np.unique(pair_comp).tolist():
        v0, v1 = np.searchsorted(var_comp, [k, k + 1])
        c0, c1 = np.searchsorted(con_comp, [k, k + 1])
        tk = np.unique(tcoo.row[pair_comp == k])
        Ak = A[c0:c1][:, v0:v1]
        Ak = Ak.toarray() if (c1 - c0) * (v1 - v0) <= 40_000 else Ak.tocsc()
        Tk = T[tk][:, v0:v1].toarray()
        blocks.append(_Block(Ak, b[c0:c1], tk, Tk))
    return known, blocks


def _unknown(inner_cell: np.ndarray, suppressed: np.ndarray) -> np.ndarray:
    own = np.asarray(inner_cell)
    return (own < 0) | np.asarray(suppressed, dtype=bool)[np.where(own < 0, 0, own)]


def cell_intervals(
    X: sparse.spmatrix,
    inner_values: np.ndarray,
    inner_cell: np.ndarray,
    suppressed: np.ndarray,
    targets: np.ndarray,
    *,
    integer: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value an attacker can derive for each target cell.

    Parameters
    ----------
    X : sparse matrix of shape (n_inner, n_cells)
        0/1 link of published cells to inner cells.
    inner_values : ndarray of shape (n_inner,)
    inner_cell : ndarray of shape (n_inner,)
        Column of ``X`` that publishes each inner cell alone (-1 if none).
    suppressed : ndarray of bool, shape (n_cells,)
    targets : ndarray of int
        Cells to bound (normally suppressed ones; a published cell gets its value).
    integer : bool, default=False
        Solve the integer programme (MILP) instead of its LP relaxation: exact for
        counts, slower; meant for small tables.

    Returns
    -------
    lower, upper : ndarray of float, shape (len(targets),)

    Examples
    --------
    Inner cells a=2, b=40, c=30, d=60 with all four margins published and the inner cells
    suppressed: ``a`` can move by ``t`` with ``-min(a, d) <= t <= min(b, c)``.

    >>> X = sparse.csc_matrix(np.array([
    ...     [1, 0, 0, 0, 1, 0, 1, 0],
    ...     [0, 1, 0, 0, 1, 0, 0, 1],
    ...     [0, 0, 1, 0, 0, 1, 1, 0],
    ...     [0, 0, 0, 1, 0, 1, 0, 1]]))
    >>> sup = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    >>> lo, hi = cell_intervals(X, np.array([2, 40, 30, 60]), np.arange(4), sup, np.array([0]))
    >>> lo.tolist(), hi.tolist()
    ([0.0], [32.0])
    """
    targets = np.asarray(targets, dtype=np.int64)
    suppressed = np.asarray(suppressed, dtype=bool)
    X = sparse.csc_matrix(X)
    values = np.asarray(X[:, targets].T @ np.asarray(inner_values, dtype=float)).ravel()
    unknown = _unknown(inner_cell, suppressed)
    known, blocks = _blocks(X, inner_values, unknown, suppressed, targets, values)
    lower, upper = known.copy(), known.copy()
    for blk in blocks:
        if len(blk.b) == 0:
            upper[blk.targets] = np.inf
            continue
        # a solution with this target at 0 proves its minimum exactly (c.y >= 0 for y >= 0)
        sols = np.empty((0, blk.T.shape[1]))
        for row, t in enumerate(blk.targets.tolist()):
            c = blk.T[row]
            if not (len(sols) and (sols @ c).min() <= 1e-9):
                val, y = _lp(c, blk.A, blk.b, integer)
                lower[t] += val
                sols = np.vstack([sols, y])
            val, y = _lp(-c, blk.A, blk.b, integer)
            upper[t] -= val
            if y is not None:
                sols = np.vstack([sols, y])
    return lower, upper


def _certify_blocks(known, blocks, need_lo, need_hi, need_width):
    """Witnessed or exact bounds per target (see :func:`certify`)."""
    lower, upper = known.copy(), known.copy()
    for blk in blocks:
        if len(blk.b) == 0:
            upper[blk.targets] = np.inf
            continue
        sols = np.empty((0, blk.T.shape[1]))
        for row, t in enumerate(blk.targets.tolist()):
            c = blk.T[row]
            seen = sols @ c
            lo_w = seen.min(initial=np.inf)
            if known[t] + lo_w <= need_lo[t] + TOL:
                lower[t] += lo_w
            else:
                val, y = _lp(c, blk.A, blk.b, False)
                lower[t] += val
                sols = np.vstack([sols, y])
            hi_w = seen.max(initial=-np.inf)
            if known[t] + hi_w >= max(need_hi[t], lower[t] + need_width[t]) - TOL:
                upper[t] += hi_w
            else:
                val, y = _lp(-c, blk.A, blk.b, False)
                upper[t] -= val
                if y is not None:
                    sols = np.vstack([sols, y])
    return lower, upper


def certify(
    X: sparse.spmatrix,
    inner_values: np.ndarray,
    inner_cell: np.ndarray,
    suppressed: np.ndarray,
    targets: np.ndarray,
    requirement: Requirement,
    *,
    regions: list[np.ndarray] | None = None,
    local_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check each target's requirement, reusing solutions as certificates.

    Every solution of an attacker's programme is a table the attacker cannot tell from
    the truth. When one already puts another target at or beyond its required bound, that
    target passes in that direction without a programme of its own.

    With ``regions`` (one array of inner cells per target), the programme first lets only
    the unknowns inside the target's region move and holds everything else at the truth:
    a solution is still a table the attacker cannot tell from the truth, so a pass is a
    pass; only targets that fail locally go on to the whole table. Hierarchical margins
    (a riket total per category) otherwise link every withheld cell of a country into one
    block.

    Returns
    -------
    passes : ndarray of bool
    lower, upper : ndarray of float
        For passing directions a witnessed bound at or beyond the requirement, otherwise
        the exact optimum (of the region's programme when it settled the target).
    """
    targets = np.asarray(targets, dtype=np.int64)
    suppressed = np.asarray(suppressed, dtype=bool)
    X = sparse.csc_matrix(X)
    a = np.asarray(inner_values, dtype=float)
    values = np.asarray(X[:, targets].T @ a).ravel()
    unknown = _unknown(inner_cell, suppressed)
    lower = np.full(len(targets), np.nan)
    upper = np.full(len(targets), np.nan)
    todo = np.arange(len(targets))
    if regions is not None:
        Xr = X.tocsr()
        keys: dict[tuple[int, int, int], list[int]] = {}
        for t, S in enumerate(regions):
            keys.setdefault((len(S), int(S[0]), int(S[-1])), []).append(t)
        for group in keys.values():
            S = regions[group[0]]
            XS = Xr[S].tocsc()
            cols = np.flatnonzero(np.diff(XS.indptr) > 0)
            pos = np.searchsorted(cols, targets[group])
            known, blocks = _blocks(
                XS[:, cols], a[S], unknown[S], suppressed[cols], pos, values[group]
            )
            lo, hi = _certify_blocks(
                known,
                blocks,
                requirement.lower[group],
                requirement.upper[group],
                requirement.width[group],
            )
            lower[group], upper[group] = lo, hi
        ok = requirement.passes(lower, upper)
        todo = np.flatnonzero(~ok) if not local_only else np.empty(0, dtype=np.int64)
    if len(todo):
        known, blocks = _blocks(X, a, unknown, suppressed, targets[todo], values[todo])
        lo, hi = _certify_blocks(
            known,
            blocks,
            requirement.lower[todo],
            requirement.upper[todo],
            requirement.width[todo],
        )
        lower[todo], upper[todo] = lo, hi
    return requirement.passes(lower, upper), lower, upper


def audit(
    protected,
    *,
    rule: str | None = None,
    min_count: int | None = None,
    min_width: float | None = None,
    percent: float | None = None,
    integer: bool = False,
    cells: str = "suppressed",
) -> pd.DataFrame:
    """Audit a protected table: the interval an attacker can derive for each withheld cell.

    Parameters
    ----------
    protected : ProtectedTable
        The result of :func:`segregation.disclosure.protect`.
    rule : {"width", "min_width", "percent"}, optional
        Protection rule for sensitive (primary) cells; default the one used to protect.
    min_count, min_width, percent : optional
        Parameters of the rule; default those used to protect.
    integer : bool, default=False
        Bound integer counts exactly (MILP); for small tables.
    cells : {"suppressed", "primary"}, default="suppressed"
        Audit every withheld cell, or only the sensitive ones (faster).

    Returns
    -------
    pandas.DataFrame
        One row per audited cell: ``level, code, category, status, value, lower, upper,
        required_lower, required_upper, required_width, passes`` (``passes`` is True for
        secondary cells, which need no protection of their own).

    Examples
    --------
    >>> import pandas as pd
    >>> from segregation.disclosure import protect
    >>> counts = pd.DataFrame({"a": [2, 40, 35], "b": [60, 50, 45]},
    ...                       index=["0114A0010", "0114A0020", "0114A0030"])
    >>> result = protect(counts, levels=["deso", "kommun"])
    >>> report = audit(result)
    >>> bool(report["passes"].all()), report.loc[report.status == "primary", "lower"].tolist()
    (True, [0.0])
    """
    p = protected.params
    rule = rule or p["rule"]
    min_count = p["min_count"] if min_count is None else min_count
    min_width = p.get("min_width") if min_width is None else min_width
    percent = p.get("percent") if percent is None else percent
    if cells not in ("suppressed", "primary"):
        raise SegregationError(f"cells must be 'suppressed' or 'primary', got {cells!r}.")
    table = protected.table
    status = protected.status
    suppressed = status != "published"
    want = (status == "primary") if cells == "primary" else suppressed
    targets = np.flatnonzero(want)
    lo, hi = cell_intervals(
        table.X, table.inner_values, table.inner_cell, suppressed, targets, integer=integer
    )
    values = table.cells["value"].to_numpy()[targets]
    req = requirements(values, rule=rule, min_count=min_count, min_width=min_width, percent=percent)
    is_primary = status[targets] == "primary"
    out = table.cells.iloc[targets][["level", "code", "category"]].reset_index(drop=True)
    out["status"] = status[targets]
    out["value"] = values
    out["lower"] = lo
    out["upper"] = hi
    out["required_lower"] = np.where(is_primary, req.lower, np.nan)
    out["required_upper"] = np.where(is_primary, req.upper, np.nan)
    out["required_width"] = np.where(is_primary, req.width, np.nan)
    out["passes"] = ~is_primary | req.passes(lo, hi)
    return out
