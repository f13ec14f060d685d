"""Comparing two tables: the change in M, and a difference in any single-group index.

* :func:`difference`: the change in M between two tables (two years) split into the part due
  to the areas' sizes (unit marginal), the groups' sizes (group marginal), the association
  between areas and groups (structural), and areas present in only one table (Elbers 2023;
  Shapley values over counterfactual tables built by iterative proportional fitting, :func:`ipf`).
* :func:`counterfactual`: Rey et al.'s split of the difference in any single-group index into a
  spatial and an attribute component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, warn
from segregation.indices._prepare import prepare
from segregation.indices.decomposition import _m

__all__ = [
    "CounterfactualResult",
    "DifferenceResult",
    "counterfactual",
    "difference",
    "ipf",
]

_ONE = np.array([0])


def ipf(
    seed: np.ndarray,
    row_margins: np.ndarray,
    col_margins: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Iterative proportional fitting: the table with the given margins closest to ``seed``.

    Scales rows and columns alternately until both margins match to ``tol`` (relative). The
    odds ratios of ``seed`` (its association structure) are kept; zero cells stay zero.

    Examples
    --------
    >>> table = ipf(np.array([[1.0, 1.0], [1.0, 3.0]]), np.array([10.0, 10.0]),
    ...             np.array([5.0, 15.0]))
    >>> table.sum(axis=1), table.sum(axis=0)
    (array([10., 10.]), array([ 5., 15.]))
    """
    table = seed * (row_margins.sum() / seed.sum())
    scale = max(row_margins.sum(), 1.0)
    for _ in range(max_iter):
        rows = table.sum(axis=1)
        table *= np.divide(row_margins, rows, out=np.zeros_like(rows), where=rows > 0)[:, None]
        cols = table.sum(axis=0)
        table *= np.divide(col_margins, cols, out=np.zeros_like(cols), where=cols > 0)[None, :]
        if np.abs(table.sum(axis=1) - row_margins).max() <= tol * scale:
            return table
    warn(
        f"Iterative proportional fitting did not converge in {max_iter} iterations: zero cells "
        "in the table make the target margins unreachable. The counterfactual is approximate."
    )
    return table


@dataclass
class DifferenceResult:
    """Result of :func:`difference`: ``m2 - m1 = sum of the five parts``."""

    m1: float
    m2: float
    difference: float
    unit_marginal: float
    group_marginal: float
    structural: float
    additions: float
    removals: float
    counterfactuals: dict[str, float] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The parts as a one-column table (``est``), in the order they add up."""
        stats = [
            "m1", "m2", "difference", "unit_marginal", "group_marginal", "structural",
            "additions", "removals",
        ]  # fmt: skip
        return pd.DataFrame({"est": [getattr(self, s) for s in stats]}, index=stats)


def _table(frame: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    prepared = prepare(frame, groups=groups)
    return pd.DataFrame(prepared.counts, index=frame.index[prepared.rows], columns=list(groups))


def difference(
    frame1: pd.DataFrame,
    frame2: pd.DataFrame,
    groups: Sequence[str],
    *,
    base: float = np.e,
    tol: float = 1e-10,
    fill: float = 1e-10,
) -> DifferenceResult:
    """Decompose the change in M between two tables (e.g. two years) into its sources.

    Parameters
    ----------
    frame1, frame2 : pandas.DataFrame
        Areas by groups, the first and the second table, indexed by area code.
    groups : sequence of str
        Group columns, the same in both.
    base : float, default=e
        Base of the logarithm.
    tol : float, default=1e-10
        Convergence tolerance of the iterative proportional fitting.
    fill : float, default=1e-10
        Count given to a cell that is empty in one table but not in the other, before the
        fitting, so that every counterfactual table can reach its margins (as R's
        ``segregation`` does; at most a thousandth of the smallest count).

    Returns
    -------
    DifferenceResult
        ``m1``, ``m2``, ``difference`` and the parts ``unit_marginal`` (the areas' population
        shares), ``group_marginal`` (the groups' overall shares), ``structural`` (the
        association between areas and groups, margin-free), ``additions`` (areas and groups
        only in the second table: ``M2 - M2`` of the shared ones) and ``removals`` (only in
        the first: ``M1`` of the shared ones ``- M1``). They add up to ``difference``.

    Notes
    -----
    On the areas and groups present in both tables, ``M`` is a function of the area margin
    ``r``, the group margin ``c`` and the structure ``s``; ``M(r_a, c_b, s_c)`` is the M of
    table ``c``'s structure fitted to margins ``r_a`` and ``c_b`` by iterative proportional
    fitting (Elbers 2023, as R's ``segregation::mutual_difference(method = "shapley")``).
    The structure and the margins (together) are two factors of a Shapley decomposition:

    * ``structural = 1/2 [M(1,1,2) - M(1,1,1)] + 1/2 [M(2,2,2) - M(2,2,1)]``;
    * the marginal part ``1/2 [M(2,2,1) - M(1,1,1)] + 1/2 [M(2,2,2) - M(1,1,2)]`` splits into
      ``unit_marginal`` and ``group_marginal``, each the average effect of changing its own
      margin over the four states of the other margin and the structure.

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> y1 = pd.DataFrame({"a": [30, 10, 10], "b": [10, 30, 10]}, index=["x", "y", "z"])
    >>> y2 = pd.DataFrame({"a": [40, 10, 5], "b": [10, 40, 10]}, index=["x", "y", "z"])
    >>> r = seg.indices.difference(y1, y2, ["a", "b"])
    >>> parts = r.unit_marginal + r.group_marginal + r.structural + r.additions + r.removals
    >>> bool(abs(parts - r.difference) < 1e-12)
    True
    """
    t1, t2 = _table(frame1, groups), _table(frame2, groups)
    m1, m2 = _m(t1.to_numpy(), base), _m(t2.to_numpy(), base)
    common = t1.index.intersection(t2.index, sort=False)
    if len(common) == 0:
        raise SegregationError(
            "The two tables share no area codes: nothing to compare. Check that both use the "
            "same edition of codes (e.g. RegSO 2025)."
        )
    a1 = t1.loc[common].to_numpy()
    a2 = t2.loc[common].to_numpy()
    # groups with members in both tables (on the shared areas); the rest are additions or
    # removals, like areas present in one table only
    shared = (a1.sum(axis=0) > 0) & (a2.sum(axis=0) > 0)
    if shared.sum() < 2:
        raise SegregationError(
            f"Fewer than two groups have members in both tables (shared: "
            f"{[g for g, k in zip(groups, shared, strict=True) if k]}): M needs two."
        )
    a1, a2 = a1[:, shared], a2[:, shared]
    m1o, m2o = _m(a1, base), _m(a2, base)
    # a cell empty in one table only gets a small count, so that each structure can be
    # fitted to the other table's margins (cells empty in both stay empty)
    fill = min(fill, min(a1[a1 > 0].min(), a2[a2 > 0].min()) / 1000)
    seeds = {
        1: np.where((a1 == 0) & (a2 > 0), fill, a1),
        2: np.where((a2 == 0) & (a1 > 0), fill, a2),
    }
    rows = {1: a1.sum(axis=1), 2: a2.sum(axis=1)}
    cols = {1: a1.sum(axis=0), 2: a2.sum(axis=0)}
    for k in (1, 2):  # margins as shares: only the composition matters
        rows[k] = rows[k] / rows[k].sum()
        cols[k] = cols[k] / cols[k].sum()
    m: dict[tuple[int, int, int], float] = {(1, 1, 1): m1o, (2, 2, 2): m2o}
    for r, c, s in product((1, 2), repeat=3):
        if (r, c, s) not in m:
            m[(r, c, s)] = _m(ipf(seeds[s], rows[r], cols[c], tol=tol), base)

    structural = 0.5 * (m[1, 1, 2] - m[1, 1, 1]) + 0.5 * (m[2, 2, 2] - m[2, 2, 1])
    unit_marginal = 0.25 * (
        m[2, 1, 1] - m[1, 1, 1] + m[2, 2, 1] - m[1, 2, 1]
        + m[2, 2, 2] - m[1, 2, 2] + m[2, 1, 2] - m[1, 1, 2]
    )  # fmt: skip
    group_marginal = 0.25 * (
        m[1, 2, 1] - m[1, 1, 1] + m[2, 2, 1] - m[2, 1, 1]
        + m[2, 2, 2] - m[2, 1, 2] + m[1, 2, 2] - m[1, 1, 2]
    )  # fmt: skip
    return DifferenceResult(
        m1=m1,
        m2=m2,
        difference=m2 - m1,
        unit_marginal=unit_marginal,
        group_marginal=group_marginal,
        structural=structural,
        additions=m2 - m2o,
        removals=m1o - m1,
        counterfactuals={f"r{r}c{c}s{s}": v for (r, c, s), v in sorted(m.items())},
    )


@dataclass
class CounterfactualResult:
    """Result of :func:`counterfactual`: ``index1 - index2 = spatial + attribute``."""

    index: str
    approach: str
    index1: float
    index2: float
    spatial: float
    attribute: float
    counterfactual1: pd.DataFrame
    counterfactual2: pd.DataFrame

    @property
    def difference(self) -> float:
        """``index1 - index2``."""
        return self.index1 - self.index2


def _pct_rank(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(values, method="average") / len(values)


def _swap(own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Give each area the value of ``other`` at the same percentile rank as its ``own``."""
    return np.quantile(other, _pct_rank(own))


def _counterfactual_counts(x1, t1, x2, t2, approach):
    if approach == "composition":
        c1, c2 = x1 / t1, x2 / t2
        return (_swap(c1, c2) * t1, t1), (_swap(c2, c1) * t2, t2)
    if approach == "dual_composition":
        c1, c2 = x1 / t1, x2 / t2
        g1, g2 = _swap(c1, c2) * t1, _swap(c2, c1) * t2
        o1, o2 = _swap(1 - c1, 1 - c2) * t1, _swap(1 - c2, 1 - c1) * t2
        return (g1, g1 + o1), (g2, g2 + o2)
    if approach == "share":
        y1, y2 = t1 - x1, t2 - x2

        def moved(a, b):  # a's share ranks, b's share values, rescaled to a's total
            s = _swap(a / a.sum(), b / b.sum())
            return s / s.sum() * a.sum()

        g1, g2 = moved(x1, x2), moved(x2, x1)
        o1, o2 = moved(y1, y2), moved(y2, y1)
        return (g1, g1 + o1), (g2, g2 + o2)
    raise SegregationError(
        f"approach={approach!r} is not known; use 'composition', 'share' or 'dual_composition'."
    )


def counterfactual(
    frame1: pd.DataFrame,
    frame2: pd.DataFrame | None = None,
    *,
    group: str,
    total: str,
    group2: str | None = None,
    total2: str | None = None,
    index: str = "dissimilarity",
    approach: str = "composition",
    **params: Any,
) -> CounterfactualResult:
    """Split the difference in a single-group index into spatial and attribute components.

    Each context's group is moved into the other context's areas: an area keeps its own rank
    (percentile of its composition) but takes the other context's composition at that rank.
    With ``I(S_a, A_b)`` the index for the spatial structure of context ``a`` and the
    attribute distribution of ``b``, the Shapley components are
    ``spatial = 1/2 [I(S1,A1) - I(S2,A1) + I(S1,A2) - I(S2,A2)]`` and
    ``attribute = 1/2 [I(S1,A1) - I(S1,A2) + I(S2,A1) - I(S2,A2)]``, summing to
    ``I(S1,A1) - I(S2,A2)`` (Rey et al.).

    Parameters
    ----------
    frame1, frame2 : pandas.DataFrame
        The two contexts (two regions, two years). ``frame2`` defaults to ``frame1`` (two
        groups in the same areas).
    group, total : str
        Columns of the group and its total in ``frame1``.
    group2, total2 : str, optional
        The same in ``frame2`` (default: ``group`` and ``total``).
    index : str, default="dissimilarity"
        Any single-group aspatial index from :func:`~segregation.indices.available`.
    approach : {"composition", "share", "dual_composition"}, default="composition"
        How counterfactual counts are built: by the group's share of each area's population
        (``composition``), by each area's share of the group and of the rest (``share``),
        or by composition for both the group and the rest (``dual_composition``).
    **params
        Parameters of ``index``.

    Returns
    -------
    CounterfactualResult
        ``index1``, ``index2``, ``spatial``, ``attribute`` and the counterfactual counts.

    References
    ----------
    Rey, Cortes & Knaap (2021), Comparative spatial segregation analytics, Spatial Demography
    9:31-64.

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> areas = pd.DataFrame({"a": [10, 0, 5], "b": [2, 4, 6], "t": [20, 20, 20]})
    >>> r = seg.indices.counterfactual(areas, group="a", total="t", group2="b")
    >>> round(r.spatial + r.attribute, 12) == round(r.index1 - r.index2, 12)
    True
    """
    from segregation.indices import _registry

    spec = _registry.get(index)
    if spec.kind != "single" or spec.needs:
        raise SegregationError(
            f"counterfactual works with single-group aspatial indices; {index!r} is not one."
        )
    frame2 = frame1 if frame2 is None else frame2
    g2, tot2 = group2 or group, total2 or total
    p1 = prepare(frame1, group=group, total=total)
    p2 = prepare(frame2, group=g2, total=tot2)
    x1, t1 = p1.counts[:, 0], p1.counts[:, 1]
    x2, t2 = p2.counts[:, 0], p2.counts[:, 1]
    (cx1, ct1), (cx2, ct2) = _counterfactual_counts(x1, t1, x2, t2, approach)
    kwargs = {k: v for k, v in params.items() if k in spec.params}

    def value(x: np.ndarray, t: np.ndarray) -> float:
        keep = t > 0
        return float(spec.kernel(np.column_stack([x[keep], t[keep]]), _ONE, None, **kwargs)[0])

    s1a1, s2a2 = value(x1, t1), value(x2, t2)
    s1a2, s2a1 = value(cx1, ct1), value(cx2, ct2)
    return CounterfactualResult(
        index=index,
        approach=approach,
        index1=s1a1,
        index2=s2a2,
        spatial=0.5 * (s1a1 - s2a1 + s1a2 - s2a2),
        attribute=0.5 * (s1a1 - s1a2 + s2a1 - s2a2),
        counterfactual1=pd.DataFrame({"group": cx1, "total": ct1}, index=frame1.index[p1.rows]),
        counterfactual2=pd.DataFrame({"group": cx2, "total": ct2}, index=frame2.index[p2.rows]),
    )
