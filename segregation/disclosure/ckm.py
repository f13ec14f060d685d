"""The cell key method (CKM): seeded, consistent perturbation of counts.

Every person (record) carries a random *record key*, uniform on [0, 1). A cell's *cell key*
is the fractional part of the sum of its records' keys, so the same group of persons gets
the same key in every table that contains it, and the same noise. A *perturbation table*
maps (original count, cell key) to a small integer added to the count.

This is how SCB has protected population statistics since reference year 2025: every
count above zero, totals included, is changed by a small integer or left unchanged. SCB
does not publish its parameters; the defaults here are an illustration, not SCB's.

**Not additive.** Each cell is perturbed on its own key: the parts of a perturbed table do
not add up to its perturbed totals, and a perturbed kommun is not the sum of its perturbed
DeSO. Sum original counts, never perturbed ones, and perturb the result.

Without person-level records, record keys are not needed: the fractional part of a sum of
``n >= 1`` independent uniform keys is itself uniform, so one uniform draw per non-empty
inner cell has exactly the distribution of its record-key sum; margins take the fractional
part of the sum of their inner cells' key sums, exactly as they would from records.

The perturbation table
----------------------
For an original count ``i`` the noise ``v = j - i`` takes values in ``[-D, D]`` with
probabilities that

* have mean 0 (unbiased counts),
* have variance ``V`` where the support allows it (for small ``i`` the support is cut by
  ``j >= 0`` and by the ban on small values, and the variance nearest to ``V`` that keeps
  the mean at 0 is used; the table says which variance each row reaches),
* never give ``j`` in ``1 .. js`` (no small positive values are published),
* have the largest entropy given the above (as spread out as the constraints allow).

Zeros stay zero. Counts ``i >= js + D + 1`` all share the unrestricted row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from segregation.disclosure._marks import mark_protected
from segregation.disclosure._table import TOTAL, build_table
from segregation.errors import SegregationError

__all__ = ["PerturbedTable", "cell_keys", "perturb", "perturbation_table"]


def _row(i: int, D: int, V: float, js: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Support, probabilities and reached variance of the noise for original count ``i``."""
    j = np.arange(max(0, i - D), i + D + 1)
    j = j[(j == 0) | (j > js)]
    v = (j - i).astype(float)
    if len(v) == 1:
        return v, np.ones(1), 0.0
    A_eq = np.vstack([np.ones_like(v), v])
    b_eq = np.array([1.0, 0.0])
    span = []
    for sign in (1, -1):
        res = optimize.linprog(sign * v**2, A_eq=A_eq, b_eq=b_eq, bounds=(0, 1), method="highs")
        if res.status != 0:
            raise SegregationError(
                f"No unbiased noise exists for count {i} with D={D}, js={js}: widen D."
            )
        span.append(sign * res.fun)
    target = float(np.clip(V, span[0], span[1]))
    cons = [
        {"type": "eq", "fun": lambda p: p.sum() - 1, "jac": lambda p: np.ones_like(p)},
        {"type": "eq", "fun": lambda p: p @ v, "jac": lambda p: v},
        {"type": "eq", "fun": lambda p: p @ v**2 - target, "jac": lambda p: v**2},
    ]

    def neg_entropy(p):
        q = np.clip(p, 1e-300, None)
        return float(q @ np.log(q)), np.log(q) + 1

    start = np.exp(-(v**2) / (2 * max(target, 0.5)))
    res = optimize.minimize(
        neg_entropy,
        start / start.sum(),
        jac=True,
        method="SLSQP",
        bounds=[(0, 1)] * len(v),
        constraints=cons,
        options={"ftol": 1e-12, "maxiter": 500},
    )
    p = np.clip(res.x, 0, None)
    p /= p.sum()
    # polish: exact mean zero on the two extreme points (keeps the table unbiased)
    mean = p @ v
    if abs(mean) > 1e-12:
        k = int(np.argmax(v)) if mean < 0 else int(np.argmin(v))
        p[k] += -mean / v[k] if p[k] - mean / v[k] >= 0 else 0
        p /= p.sum()
    return v, p, float(p @ v**2)


def perturbation_table(D: int = 2, V: float = 1.0, js: int = 2) -> pd.DataFrame:
    """The perturbation table: noise distribution for each original count.

    Parameters
    ----------
    D : int, default=2
        Largest absolute noise.
    V : float, default=1.0
        Noise variance, reached where the support allows it.
    js : int, default=2
        No perturbed count is in ``1 .. js`` (set 0 to allow every value).

    Returns
    -------
    pandas.DataFrame
        One row per (``i``, ``j``): original count ``i`` (the last row stands for all
        larger counts), perturbed count ``j``, noise ``v = j - i``, probability ``p``, the
        cell-key interval ``[p_lower, p_upper)`` that selects it, and ``variance`` reached
        by row ``i``.

    Examples
    --------
    >>> t = perturbation_table(D=2, V=1, js=2)
    >>> t.groupby("i")["p"].sum().round(12).eq(1).all()
    np.True_
    >>> t[t.i == 1][["j", "v"]].to_numpy().tolist()  # 1 goes to 0 or 3, never 1 or 2
    [[0, -1], [3, 2]]
    >>> big = t[t.i == t.i.max()]
    >>> round(float((big.p * big.v).sum()), 9), round(float((big.p * big.v**2).sum()), 6)
    (0.0, 1.0)
    """
    for name, val in (("D", D), ("js", js)):
        if int(val) != val or val < 0:
            raise SegregationError(f"{name} must be a whole number >= 0, got {val!r}.")
    if V < 0:
        raise SegregationError(f"V must be >= 0, got {V!r}.")
    if D < 1:
        raise SegregationError("D must be >= 1: with D=0 nothing is perturbed.")
    frames = [pd.DataFrame({"i": [0], "j": [0], "v": [0], "p": [1.0], "variance": [0.0]})]
    for i in range(1, js + D + 2):
        v, p, var = _row(i, int(D), float(V), int(js))
        keep = p > 1e-12
        frames.append(
            pd.DataFrame(
                {
                    "i": i,
                    "j": (i + v[keep]).astype(int),
                    "v": v[keep].astype(int),
                    "p": p[keep] / p[keep].sum(),
                    "variance": var,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    upper = table.groupby("i")["p"].cumsum().clip(upper=1.0)
    table["p_lower"] = upper - table["p"]
    table["p_upper"] = upper
    last = table.groupby("i")["p_upper"].transform("max") == table["p_upper"]
    table.loc[last, "p_upper"] = 1.0
    return table[["i", "j", "v", "p", "p_lower", "p_upper", "variance"]]


def cell_keys(
    X, inner_values: np.ndarray, *, seed: int | np.random.Generator | None = None
) -> np.ndarray:
    """Cell keys of every published cell, consistent across levels and tables.

    Parameters
    ----------
    X : sparse matrix of shape (n_inner, n_cells)
        Links published cells to inner cells.
    inner_values : ndarray of shape (n_inner,)
    seed : int or numpy.random.Generator, optional
        The same seed gives the same keys, hence the same perturbation.

    Returns
    -------
    ndarray of float in [0, 1), shape (n_cells,)

    Examples
    --------
    >>> from scipy import sparse
    >>> X = sparse.csc_matrix(np.array([[1, 0, 1], [0, 1, 1]]))  # a, b, a + b
    >>> k = cell_keys(X, np.array([3, 4]), seed=1)
    >>> bool(np.isclose(k[2], (k[0] + k[1]) % 1))
    True
    """
    rng = np.random.default_rng(seed)
    inner = np.asarray(inner_values)
    key_sum = np.where(inner > 0, rng.random(inner.shape[0]), 0.0)
    return np.asarray(X.T @ key_sum).ravel() % 1.0


def _apply(values: np.ndarray, keys: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """Perturbed counts: look each (count, key) up in the table, vectorised."""
    i_max = int(table["i"].max())
    row = np.minimum(values, i_max)
    # global position: row offset + number of interval ends at or below the key
    starts = table.groupby("i").cumcount().eq(0).to_numpy().nonzero()[0]
    ends = table["p_upper"].to_numpy()
    offs = starts[row]
    sizes = np.diff(np.r_[starts, len(table)])[row]
    # keys fall in [p_lower, p_upper): count ends <= key within the row
    pos = np.zeros(len(values), dtype=np.int64)
    for step in range(int(sizes.max())):
        within = step < sizes - 1
        pos += within & (keys >= ends[np.minimum(offs + step, len(ends) - 1)])
    return values + table["v"].to_numpy()[offs + pos]


class PerturbedTable:
    """Counts perturbed by the cell key method, at every level. Not additive.

    Attributes
    ----------
    long : pandas.DataFrame
        ``level, code, category, value, status`` with status ``perturbed``. Marked as
        protected with method ``cell_key``.
    params : dict
    """

    def __init__(self, long: pd.DataFrame, categories: list[str], params: dict[str, Any]):
        self._long = long
        self.categories = categories
        self.params = params

    def _info(self) -> dict[str, Any]:
        return {"method": "cell_key", "additive": False, **self.params}

    @property
    def long(self) -> pd.DataFrame:
        return mark_protected(self._long.copy(), **self._info())

    def wide(self, level: str | None = None) -> pd.DataFrame:
        """One row per node of ``level`` (default the finest). Marked as protected."""
        level = level or self.params["levels"][0]
        part = self._long[self._long["level"] == level]
        if part.empty:
            raise SegregationError(
                f"level {level!r} was not perturbed; choose from {self.params['levels']}."
            )
        wide = part.pivot(index="code", columns="category", values="value")[
            [*self.categories, TOTAL]
        ]
        wide.index.name = level
        return mark_protected(wide, **self._info(), level=level)

    def __repr__(self) -> str:
        return f"<PerturbedTable {len(self._long)} cells, levels {self.params['levels']}>"


def perturb(
    counts: pd.DataFrame,
    *,
    D: int = 3,
    V: float = 1.5,
    js: int = 2,
    seed: int | np.random.Generator | None = None,
    levels: Sequence[str] | None = None,
    regso: str | Mapping[str, str] | pd.Series | None = None,
) -> PerturbedTable:
    """Perturb area counts at every level with the cell key method.

    Parameters
    ----------
    counts : pandas.DataFrame
        Indexed by DeSO or RegSO codes, one column per category.
    D, V, js : see :func:`perturbation_table`
    seed : int or numpy.random.Generator, optional
        Seed of the record keys; pass an int for reproducible output.
    levels, regso : see :func:`segregation.disclosure.protect`

    Returns
    -------
    PerturbedTable

    Examples
    --------
    >>> counts = pd.DataFrame({"a": [1, 40], "b": [60, 0]}, index=["0114A0010", "0114A0020"])
    >>> out = perturb(counts, seed=0, levels=["deso", "kommun"])
    >>> w = out.wide()
    >>> int(w.loc["0114A0020", "b"])  # zeros stay zero
    0
    >>> int(w.loc["0114A0010", "a"]) in (0, 3, 4)  # 1 is never published
    True
    """
    table = build_table(counts, regso=regso, levels=levels)
    ptable = perturbation_table(D, V, js)
    values = table.cells["value"].to_numpy()
    keys = cell_keys(table.X, table.inner_values, seed=seed)
    perturbed = _apply(values, keys, ptable)
    long = table.cells[["level", "code", "category"]].copy()
    long["value"] = perturbed.astype(np.int64)
    long["status"] = "perturbed"
    params = {
        "D": int(D),
        "V": float(V),
        "js": int(js),
        "seed": seed if isinstance(seed, int | None) else "generator",
        "levels": list(dict.fromkeys(table.cells["level"])),
    }
    return PerturbedTable(long.reset_index(drop=True), list(table.categories), params)
