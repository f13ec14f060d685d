"""Decomposition of M and H into between and within parts.

:func:`decompose`: ``M_total = M_between + sum_j w_j M_j`` (Theil 1971; Mora & Ruiz-Castillo
2011) for one level (areas within kommuner) or a chain of nested levels (DeSO in RegSO in
kommun in län), with each within-unit's weight, own M and contribution, and each area's local
segregation ``ls_i`` (``sum_i p_i ls_i = M``). H follows by dividing by the entropy ``E`` of
the overall group shares. Comparisons of two tables are in :mod:`.comparison`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items
from segregation.indices._prepare import prepare, resolve_by
from segregation.indices.multigroup import local_mutual_information, mutual_information

__all__ = ["Decomposition", "HDecomposition", "decompose"]

_ONE = np.array([0])


def _m(counts: np.ndarray, base: float) -> float:
    """M of one whole table (rows: units, columns: groups)."""
    return float(mutual_information(counts, _ONE, None, base=base)[0])


def _entropy(counts: np.ndarray, base: float) -> float:
    shares = counts.sum(axis=0) / counts.sum()
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum() / np.log(base))


def _aggregate(counts: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Sum rows of ``counts`` by integer ``codes``: ``(n, K)``."""
    return np.stack([np.bincount(codes, weights=c, minlength=n) for c in counts.T], axis=1)


@dataclass
class HDecomposition:
    """Theil's H split as M is: every part divided by the entropy of the overall shares."""

    total: float
    between: float
    within: float


@dataclass
class Decomposition:
    """Result of :func:`decompose` (M in the chosen log base; H under ``.h``).

    Attributes
    ----------
    total, between, within : float
        ``M`` of all areas, between the within-units (e.g. kommuner), and the weighted sum
        of M inside them; ``between + within == total``.
    h : HDecomposition
        The same for Theil's H.
    contributions : pandas.DataFrame
        One row per within-unit (of the first level): ``weight`` (population share),
        ``m`` (its own M), ``contribution`` (``weight * m``), ``entropy``, ``h``,
        ``h_contribution`` (``weight * entropy * h / E``), ``n_areas``, ``n_persons``.
    local : pandas.DataFrame
        One row per area: ``p`` (population share), ``ls`` (local segregation against the
        overall shares), ``contribution`` (``p * ls``; they sum to ``total``) and
        ``ls_within`` (against the shares of the area's within-unit).
    levels : pandas.DataFrame
        One row per component of a nested decomposition (``between lanskod``,
        ``kommunkod within lanskod``, ..., ``areas within <finest>``), columns ``m``, ``h``
        and ``share`` of the total; the components sum to ``total``.
    """

    total: float
    between: float
    within: float
    h: HDecomposition
    contributions: pd.DataFrame
    local: pd.DataFrame
    levels: pd.DataFrame
    entropy: float
    base: float
    n_empty: int = 0

    def __repr__(self) -> str:
        return (
            f"Decomposition(total={self.total:.6g}, between={self.between:.6g}, "
            f"within={self.within:.6g}; H: total={self.h.total:.6g}, "
            f"between={self.h.between:.6g}, within={self.h.within:.6g})"
        )


def _level_codes(frame: pd.DataFrame, levels: Sequence[Any], rows: np.ndarray) -> list[pd.Series]:
    out = []
    for level in levels:
        values = resolve_by(frame, level)
        out.append(values.iloc[rows].reset_index(drop=True))
    return out


def _check_nesting(fine: pd.Series, coarse: pd.Series, fine_name: str, coarse_name: str) -> None:
    parents = pd.DataFrame({"f": fine, "c": coarse}).groupby("f", sort=True)["c"].nunique()
    split = parents.index[parents.to_numpy() > 1]
    if len(split):
        raise SegregationError(
            f"{len(split)} values of {fine_name!r} lie in more than one {coarse_name!r}: "
            f"{describe_items(split)}. Nested levels must be listed from coarsest to finest, "
            "and each finer unit must lie inside one coarser unit."
        )


def decompose(
    frame: pd.DataFrame,
    groups: Sequence[str],
    within: str | Sequence[str] = "kommunkod",
    *,
    base: float = np.e,
) -> Decomposition:
    """Split mutual information M (and Theil's H) into between and within parts.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per area (DeSO, RegSO), area codes as the index, one column per group.
    groups : sequence of str
        Columns of the groups (at least two).
    within : str or sequence of str, default="kommunkod"
        The units areas are grouped into: a column, or ``"kommunkod"``/``"lanskod"`` read
        from the area codes. A list gives nested levels from coarsest to finest, e.g.
        ``["lanskod", "kommunkod", "regsokod"]`` for DeSO.
    base : float, default=e
        Base of the logarithm for M (H does not depend on it).

    Returns
    -------
    Decomposition
        ``total``, ``between``, ``within``, ``h``, ``contributions``, ``local``, ``levels``.

    Notes
    -----
    ``M(areas; groups) = M(units; groups) + sum_j (T_j / T) M_j(areas in j; groups)``: the
    chain rule of mutual information. It holds exactly, so the parts add up to rounding error.

    References
    ----------
    Theil (1971), Principles of Econometrics. Mora & Ruiz-Castillo (2011), Sociol. Methodol.
    41:159-194. Elbers (2023), Sociol. Methods Res. 52(1).

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> areas = pd.DataFrame(
    ...     {"a": [10, 0, 5, 5], "b": [0, 10, 5, 5]},
    ...     index=["0114R001", "0114R002", "0180R001", "0180R002"],
    ... )
    >>> d = seg.indices.decompose(areas, ["a", "b"], within="kommunkod")
    >>> round(d.total, 6), round(d.between, 6), round(d.within, 6)
    (0.346574, 0.0, 0.346574)
    >>> d.contributions[["weight", "m", "contribution"]].round(6)
               weight         m  contribution
    kommunkod
    0114          0.5  0.693147      0.346574
    0180          0.5  0.000000      0.000000
    """
    levels = [within] if isinstance(within, str | pd.Series) else list(within)
    if not levels:
        raise SegregationError("within= needs at least one level, e.g. 'kommunkod'.")
    names = [lv if isinstance(lv, str) else (lv.name or f"level{i}") for i, lv in enumerate(levels)]
    prepared = prepare(frame, groups=groups, by=levels[0])
    counts = prepared.counts
    big_t = counts.sum()
    codes = _level_codes(frame, levels, prepared.rows)
    for i in range(1, len(levels)):
        _check_nesting(codes[i], codes[i - 1], names[i], names[i - 1])

    total = _m(counts, base)
    entropy = _entropy(counts, base)
    # chain rule: M(areas) = M(L1) + [M(L2) - M(L1)] + ... + [M(areas) - M(Lr)]
    level_m = []
    for c in codes:
        ids, uniques = pd.factorize(c)
        level_m.append(_m(_aggregate(counts, ids, len(uniques)), base))
    parts = [level_m[0]]
    parts += [level_m[i] - level_m[i - 1] for i in range(1, len(levels))]
    parts.append(total - level_m[-1])
    labels = [f"between {names[0]}"]
    labels += [f"{names[i]} within {names[i - 1]}" for i in range(1, len(levels))]
    labels.append(f"areas within {names[-1]}")
    with np.errstate(invalid="ignore", divide="ignore"):
        level_table = pd.DataFrame(
            {
                "m": parts,
                "h": np.array(parts) / entropy,
                "share": np.array(parts) / total,
            },
            index=pd.Index(labels, name="component"),
        )

    # first level: each unit's own M, weight and contribution (block kernels, one pass)
    starts = prepared.starts
    kept = prepared.kept_blocks
    own_m = mutual_information(counts, starts, None, base=base)
    t_block = np.add.reduceat(counts.sum(axis=1), starts)
    weight = t_block / big_t
    shares = np.add.reduceat(counts, starts, axis=0) / t_block[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        own_e = -np.where(shares > 0, shares * np.log(shares), 0.0).sum(axis=1) / np.log(base)
        own_h = np.where(own_e > 0, own_m / own_e, 0.0)
    contributions = pd.DataFrame(
        {
            "weight": weight,
            "m": own_m,
            "contribution": weight * own_m,
            "entropy": own_e,
            "h": own_h,
            "h_contribution": weight * own_e * own_h / entropy if entropy > 0 else np.nan,
            "n_areas": prepared.n_areas[kept],
            "n_persons": prepared.n_persons[kept],
        },
        index=prepared.labels[kept],
    )
    within_m = float(contributions["contribution"].sum())
    between_m = level_m[0]

    # local segregation of every area, against all areas and against its own unit
    ls = local_mutual_information(counts, _ONE) / np.log(base)
    ls_within = local_mutual_information(counts, starts) / np.log(base)
    p = counts.sum(axis=1) / big_t
    local = pd.DataFrame(
        {"p": p, "ls": ls, "contribution": p * ls, "ls_within": ls_within},
        index=frame.index[prepared.rows],
    )
    h = (
        HDecomposition(total / entropy, between_m / entropy, within_m / entropy)
        if entropy > 0
        else HDecomposition(np.nan, np.nan, np.nan)
    )
    return Decomposition(
        total=total,
        between=between_m,
        within=within_m,
        h=h,
        contributions=contributions,
        local=local,
        levels=level_table,
        entropy=entropy,
        base=base,
        n_empty=int(prepared.n_empty.sum()),
    )
