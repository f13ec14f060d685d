"""One way out: primary rules, Gauss secondary suppression and the audit in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segregation.disclosure._marks import mark_protected
from segregation.disclosure._repair import regions, widen
from segregation.disclosure._table import TOTAL, CellTable, build_table, difference_basis
from segregation.disclosure.audit import RULES, Requirement, certify, requirements
from segregation.disclosure.gauss import default_priority, gauss_suppress
from segregation.disclosure.rules import derived_rule, frequency_rule
from segregation.errors import SegregationError, describe_items

__all__ = ["STATUSES", "ProtectedTable", "protect"]

STATUSES = ("published", "primary", "secondary")
_LEVEL_RANK = {"deso": 0, "regso": 1, "kommun": 2, "lan": 3, "riket": 4}


class DisclosureError(SegregationError):
    """Protection could not reach the required intervals for some cells."""


class ProtectedTable:
    """A table that passed primary rules, secondary suppression and the attacker audit.

    Attributes
    ----------
    long : pandas.DataFrame
        ``level, code, category, value, status``; ``value`` is missing when withheld.
        Marked as protected (see :func:`segregation.disclosure.is_protected`).
    audit_ : pandas.DataFrame
        The audit of every sensitive cell (intervals an attacker can derive). It holds the
        true values of withheld cells: for the data owner only, never marked as protected.
    params : dict
        The parameters used (``min_count``, ``zeros``, ``rule``, ``levels``...).
    """

    def __init__(
        self, table: CellTable, status: np.ndarray, params: dict[str, Any], audit: pd.DataFrame
    ) -> None:
        self.table = table
        self.status = status
        self.params = params
        self.audit_ = audit
        self._long: pd.DataFrame | None = None

    def _info(self) -> dict[str, Any]:
        return {"method": "suppression", **self.params}

    @property
    def long(self) -> pd.DataFrame:
        if self._long is None:
            cells = self.table.cells
            value = pd.array(cells["value"].to_numpy(), dtype="Int64")
            value[self.status != "published"] = pd.NA
            long = pd.DataFrame(
                {
                    "level": cells["level"].to_numpy(),
                    "code": cells["code"].to_numpy(),
                    "category": cells["category"].to_numpy(),
                    "value": value,
                    "status": self.status,
                }
            )
            self._long = long
        return mark_protected(self._long.copy(), **self._info())

    def wide(self, level: str | None = None) -> pd.DataFrame:
        """One row per node of ``level`` (default the finest), one column per category and
        ``total``; withheld values are missing. Marked as protected.

        Examples
        --------
        >>> counts = pd.DataFrame({"a": [2, 40, 35], "b": [60, 50, 45]},
        ...                       index=["0114A0010", "0114A0020", "0114A0030"])
        >>> protect(counts, levels=["deso", "kommun"]).wide("kommun")
        category    a    b  total
        kommun
        0114       77  155    232
        """
        levels = self.params["levels"]
        level = level or levels[0]
        if level not in levels:
            raise SegregationError(f"level {level!r} was not published; choose from {levels}.")
        long = self.long
        part = long[long["level"] == level]
        wide = part.pivot(index="code", columns="category", values="value")
        wide = wide[[*self.table.categories, TOTAL, *self.params["category_groups"]]]
        wide.index.name = level
        return mark_protected(wide, **self._info(), level=level)

    def shares(
        self, level: str | None = None, *, min_denominator: int | None = None
    ) -> pd.DataFrame:
        """Category shares of each node's total, withheld by the derived-statistics rule.

        A share is missing when its count or the total is withheld, or the total is below
        ``min_denominator`` (default ``min_count``). Marked as protected.
        """
        wide = self.wide(level)
        total = wide[TOTAL]
        min_den = self.params["min_count"] if min_denominator is None else min_denominator
        out = {}
        for cat in self.table.categories:
            withheld = derived_rule(wide[cat], total, min_denominator=min_den)
            share = wide[cat].astype("Float64") / total.astype("Float64")
            share[withheld] = pd.NA
            out[cat] = share
        frame = pd.DataFrame(out, index=wide.index)
        return mark_protected(frame, **self._info(), level=wide.index.name, derived="share")

    def estimate(self, level: str | None = None) -> pd.DataFrame:
        """Counts for computing indices: withheld cells filled from what is published.

        In each row the published total minus the published categories is what the
        withheld cells hold together; it is shared among them in proportion to the
        categories' published totals at the coarsest level (riket when published). Rows
        whose total is withheld stay missing. The frame is marked as protected with
        ``estimated=True``, so indices computed from it say that they come from protected,
        partly estimated counts.

        Examples
        --------
        >>> counts = pd.DataFrame({"a": [2, 40, 35], "b": [60, 50, 45]},
        ...                       index=["0114A0010", "0114A0020", "0114A0030"])
        >>> est = protect(counts, levels=["deso", "kommun"]).estimate()
        >>> est.loc["0114A0010"].round(2).tolist()  # 62 shared as 77 : 155
        [20.58, 41.42]
        """
        wide = self.wide(level)
        cats = self.table.categories
        part = wide[cats].astype("Float64")
        long = self.long
        top = long[(long["level"] == self.params["levels"][-1]) & long["category"].isin(cats)]
        weight = top.groupby("category")["value"].sum().astype(float).reindex(cats)
        weight = weight.fillna(weight.mean() if weight.notna().any() else 1.0)
        withheld = part.isna()
        left = wide[TOTAL].astype("Float64") - part.fillna(0).sum(axis=1)
        share = withheld.mul(weight.to_numpy(), axis=1)
        share = share.div(share.sum(axis=1).replace(0, np.nan), axis=0)
        est = part.fillna(share.mul(left, axis=0)).astype(float)
        return mark_protected(
            est, **self._info(), level=wide.index.name, estimated=True, shared_by="top-level totals"
        )

    def summary(self) -> pd.DataFrame:
        """Cells and suppressed persons by level and status."""
        long = self.table.cells.assign(status=self.status)
        return (
            long.groupby(["level", "status"], sort=False)["value"]
            .agg(cells="size", persons="sum")
            .reset_index()
        )

    @property
    def n_primary(self) -> int:
        return int((self.status == "primary").sum())

    @property
    def n_secondary(self) -> int:
        return int((self.status == "secondary").sum())

    @property
    def suppressed_total(self) -> int:
        """Sum of the withheld values (primary and secondary): the information lost."""
        values = self.table.cells["value"].to_numpy()
        return int(values[self.status != "published"].sum())

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`long` as CSV (withheld values empty)."""
        path = Path(path)
        self.long.to_csv(path, index=False)
        return path

    def __repr__(self) -> str:
        return (
            f"<ProtectedTable {len(self.table.areas)} areas x {len(self.table.categories)} "
            f"categories, levels {self.params['levels']}: {self.n_primary} primary, "
            f"{self.n_secondary} secondary, {self.suppressed_total} persons withheld>"
        )


def _check(table, suppressed, targets, req, chains, *, full=True):
    """Certify every target, region by region (kommun first), then (``full``) on the
    whole table."""
    n = len(targets)
    ok = np.zeros(n, dtype=bool)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    todo = np.arange(n)
    for step in range(len(_LEVEL_RANK)):
        if not len(todo):
            break
        regs, idx = [], []
        for t in todo.tolist():
            chain = [S for lv, S in chains[t] if _LEVEL_RANK[lv] >= _LEVEL_RANK["kommun"]]
            if step < len(chain) - 1:  # the last region is handled by the full table
                regs.append(chain[step])
                idx.append(t)
        if not idx:
            break
        idx = np.array(idx)
        part = Requirement(req.lower[idx], req.upper[idx], req.width[idx])
        ok_i, lo_i, hi_i = certify(
            table.X,
            table.inner_values,
            table.inner_cell,
            suppressed,
            targets[idx],
            part,
            regions=regs,
            local_only=True,
        )
        ok[idx], lo[idx], hi[idx] = ok_i, lo_i, hi_i
        todo = np.flatnonzero(~ok)
    if not full:  # only what no region can hold goes to the whole table
        todo = todo[np.isnan(lo[todo])]
    if len(todo):
        part = Requirement(req.lower[todo], req.upper[todo], req.width[todo])
        ok_t, lo_t, hi_t = certify(
            table.X, table.inner_values, table.inner_cell, suppressed, targets[todo], part
        )
        ok[todo], lo[todo], hi[todo] = ok_t, lo_t, hi_t
    return ok, lo, hi


def _check_rule(rule: str, min_width: float | None, percent: float | None) -> None:
    if rule not in RULES:
        raise SegregationError(f"rule must be one of {RULES}, got {rule!r}.")
    requirements(np.array([1.0]), rule=rule, min_count=5, min_width=min_width, percent=percent)


def protect(
    counts: pd.DataFrame,
    min_count: int = 5,
    *,
    levels: Sequence[str] | None = None,
    regso: str | Mapping[str, str] | pd.Series | None = None,
    zeros: str = "published",
    rule: str = "width",
    min_width: float | None = None,
    percent: float | None = None,
    category_groups: Mapping[str, Sequence[str]] | None = None,
    max_rounds: int = 5,
) -> ProtectedTable:
    """Protect area counts: primary and secondary suppression over the whole hierarchy.

    Every cell of every level (DeSO, RegSO, kommun, län, riket) and every category plus
    the total is one cell of one linked table. Cells from 1 to ``min_count - 1`` are
    withheld (primary); the Gauss method withholds the fewest and smallest further cells
    (secondary) so that no primary cell can be computed from what is published; an attacker
    audit by linear programming then checks each primary cell's interval, and cells that
    fail are widened by extra suppression until all pass.

    Parameters
    ----------
    counts : pandas.DataFrame
        Indexed by DeSO or RegSO codes (one edition), one column per category, whole
        non-negative counts.
    min_count : int, default=5
        Smallest publishable count.
    levels : sequence of str, optional
        Levels to publish, from ``deso, regso, kommun, lan, riket``; default all that the
        data allow (RegSO only with ``regso=``).
    regso : str, mapping or Series, optional
        DeSO -> RegSO: a column of ``counts`` or a mapping keyed by DeSO code. DeSO codes
        do not contain their RegSO; without a mapping DeSO go straight to kommun.
    zeros : {"published", "sensitive"}, default="published"
        Whether empty cells are published (and known to be exactly 0) or withheld.
    rule : {"width", "min_width", "percent"}, default="width"
        Protection required of each primary cell (see :mod:`segregation.disclosure.audit`);
        the default asks that an attacker's interval reach from 0 to ``min_count``.
    min_width, percent : float, optional
        Parameters of the ``min_width`` and ``percent`` rules.
    category_groups : mapping of str to list of str, optional
        Further published categories that sum given ones (a second table from the same
        data), protected in the same system, e.g. ``{"c4_c5": ["cat4", "cat5"]}``.
    max_rounds : int, default=5
        Rounds of audit and widening before giving up.

    Returns
    -------
    ProtectedTable

    Raises
    ------
    SegregationError
        On bad input (the message names the rows), or when some primary cell cannot be
        protected (it lists them).

    Examples
    --------
    >>> counts = pd.DataFrame({"a": [2, 40, 35], "b": [60, 50, 45]},
    ...                       index=["0114A0010", "0114A0020", "0114A0030"])
    >>> result = protect(counts, levels=["deso", "kommun"])
    >>> result.long.head(6)
      level       code category  value     status
    0  deso  0114A0010        a   <NA>    primary
    1  deso  0114A0010        b   <NA>  secondary
    2  deso  0114A0010    total     62  published
    3  deso  0114A0020        a     40  published
    4  deso  0114A0020        b     50  published
    5  deso  0114A0020    total     90  published
    """
    _check_rule(rule, min_width, percent)
    if int(max_rounds) != max_rounds or max_rounds < 1:
        raise SegregationError(f"max_rounds must be a whole number >= 1, got {max_rounds!r}.")
    table = build_table(counts, regso=regso, levels=levels, category_groups=category_groups)
    values = table.cells["value"].to_numpy()
    primary = frequency_rule(values, min_count, zeros=zeros)
    forced = (values == 0) & ~primary
    level_rank = table.cells["level"].map(_LEVEL_RANK).to_numpy()

    n_area, n_cat = len(table.areas), len(table.categories)
    Xd = difference_basis(n_area, n_cat) @ table.X
    prio = default_priority(values, level_rank)
    prio = prio[~primary[prio] & ~forced[prio]]
    secondary = gauss_suppress(Xd, primary, prio, forced=forced)

    targets = np.flatnonzero(primary)
    req = requirements(
        values[targets], rule=rule, min_count=min_count, min_width=min_width, percent=percent
    )
    chains = [regions(table, j) for j in targets]
    ok = np.zeros(len(targets), dtype=bool)
    lo = np.full(len(targets), np.nan)
    hi = np.full(len(targets), np.nan)
    for _ in range(max_rounds):
        # more suppression never narrows an interval: only what failed is checked again
        todo = np.flatnonzero(~ok)
        part = Requirement(req.lower[todo], req.upper[todo], req.width[todo])
        ok[todo], lo[todo], hi[todo] = _check(
            table, primary | secondary, targets[todo], part, [chains[t] for t in todo], full=False
        )
        if ok.all():
            break
        # a region holds everything outside it at the truth, so a cell may fail there and
        # pass on the whole table. Cells bounded on both sides would need two widenings:
        # confirm those on the whole table first (cheap: they are few; one-sided failures
        # are widened at once, which keeps the national run fast)
        fail = np.flatnonzero(~ok)
        down = lo[fail] > req.lower[fail] + 1e-6
        up = hi[fail] < np.maximum(req.upper[fail], lo[fail] + req.width[fail]) - 1e-6
        both = fail[down & up]
        if len(both):
            part = Requirement(req.lower[both], req.upper[both], req.width[both])
            ok[both], lo[both], hi[both] = certify(
                table.X,
                table.inner_values,
                table.inner_cell,
                primary | secondary,
                targets[both],
                part,
            )
        for t in np.flatnonzero(~ok).tolist():
            j = targets[t]
            need_down = lo[t] > req.lower[t] + 1e-6
            need_up = hi[t] < max(req.upper[t], lo[t] + req.width[t]) - 1e-6
            add = widen(
                table,
                primary | secondary,
                forced,
                j,
                below=float(req.lower[t]) if need_down else None,
                above=float(max(req.upper[t], lo[t] + req.width[t])) if need_up else None,
            )
            secondary[add] = True
    if not ok.all():  # what no region settled, the whole table may still settle
        todo = np.flatnonzero(~ok)
        part = Requirement(req.lower[todo], req.upper[todo], req.width[todo])
        ok[todo], lo[todo], hi[todo] = _check(
            table, primary | secondary, targets[todo], part, [chains[t] for t in todo]
        )
    if not ok.all():
        bad = table.cells.iloc[targets[~ok]]
        shown = [f"{r.level} {r.code} {r.category}" for r in bad.itertuples()]
        raise DisclosureError(
            f"{len(bad)} sensitive cells could not be protected to the {rule!r} rule: "
            f"{describe_items(shown)}. Publish fewer levels, merge small areas, or choose a "
            "weaker rule."
        )
    status = np.full(len(values), "published", dtype=object)
    status[secondary] = "secondary"
    status[primary] = "primary"
    audit = table.cells.iloc[targets][["level", "code", "category", "value"]].reset_index(drop=True)
    audit["lower"], audit["upper"] = lo, hi
    audit["passes"] = ok
    params = {
        "min_count": int(min_count),
        "zeros": zeros,
        "rule": rule,
        "min_width": min_width,
        "percent": percent,
        "levels": list(dict.fromkeys(table.cells["level"])),
        "categories": list(table.categories),
        "category_groups": {k: list(v) for k, v in (category_groups or {}).items()},
    }
    return ProtectedTable(table, status, params, audit)
