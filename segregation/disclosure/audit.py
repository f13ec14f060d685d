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

__all__ = ["RULES", "Requirement", "audit", "cell_intervals", "requirements"]

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


def _solve(c, A, b, integer: bool) -> float:
    """Minimum of c.y subject to A y = b, y >= 0 (inf when unbounded)."""
    if integer:
        res = optimize.milp(
            c,
            constraints=optimize.LinearConstraint(A, b, b),
            integrality=np.ones(len(c)),
            bounds=optimize.Bounds(0, np.inf),
        )
    else:
        res = optimize.linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    if res.status == 3 or (
        integer and res.status not in (0,) and "unbounded" in res.message.lower()
    ):
        return -np.inf
    if res.status != 0:
        raise SegregationError(
            f"The audit's linear programme failed ({res.message}); the published cells are "
            "inconsistent with the inner counts."
        )
    return float(res.fun)


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
    X = sparse.csc_matrix(X, dtype=float)
    a = np.asarray(inner_values, dtype=float)
    suppressed = np.asarray(suppressed, dtype=bool)
    targets = np.asarray(targets, dtype=np.int64)
    own = np.asarray(inner_cell)
    unknown = (own < 0) | suppressed[np.where(own < 0, 0, own)]
    U = np.flatnonzero(unknown)
    lower = np.asarray(X[:, targets].T @ a, dtype=float)
    upper = lower.copy()
    if len(U) == 0 or len(targets) == 0:
        return lower, upper

    XT = X.T.tocsr()
    pub = np.flatnonzero(~suppressed)
    A_all = XT[pub][:, U].tocsr()  # published cells x unknown inner cells
    touches = np.diff(A_all.indptr) > 0
    A = A_all[touches]
    rhs = np.asarray(XT[pub[touches]] @ (a * ~unknown)).ravel()
    b = np.asarray(XT[pub[touches]] @ a).ravel() - rhs  # = value - known part

    n_u = len(U)
    graph = sparse.bmat([[None, A.T], [A, None]], format="csr")
    _, label = csgraph.connected_components(graph, directed=False)
    var_comp, con_comp = label[:n_u], label[n_u:]

    T = XT[targets][:, U].tocsr()  # targets x unknowns
    known_part = np.asarray(XT[targets] @ (a * ~unknown)).ravel()
    lower[:] = known_part
    upper[:] = known_part

    var_order = np.argsort(var_comp, kind="stable")
    con_order = np.argsort(con_comp, kind="stable")
    comps = np.unique(var_comp[np.unique(T.indices)]) if T.nnz else np.array([], dtype=int)
    for k in comps.tolist():
        vs = var_order[
            np.searchsorted(var_comp[var_order], k, "left") : np.searchsorted(
                var_comp[var_order], k, "right"
            )
        ]
        cs = con_order[
            np.searchsorted(con_comp[con_order], k, "left") : np.searchsorted(
                con_comp[con_order], k, "right"
            )
        ]
        Tk = T[:, vs]
        hit = np.flatnonzero(np.diff(Tk.tocsr().indptr) > 0)
        Ak = A[cs][:, vs]
        bk = b[cs]
        if len(cs) == 0:
            upper[hit] = np.inf
            continue
        Ak = Ak.toarray() if len(vs) * len(cs) < 40_000 else Ak.tocsc()
        Tk = Tk.tocsr()
        for t in hit.tolist():
            c = Tk[t].toarray().ravel()
            lower[t] += _solve(c, Ak, bk, integer)
            upper[t] -= _solve(-c, Ak, bk, integer)
    return lower, upper


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
