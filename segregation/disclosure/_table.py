"""The linked table behind a protection run: every published cell as a sum of inner cells.

An *inner cell* is one area (DeSO or RegSO, the finest level given) times one category.
A *published cell* is one node of one level (DeSO, RegSO, kommun, län, riket) times one
category or the total. Their link is one sparse 0/1 matrix ``X`` of shape
``(n_inner, n_cells)``: ``cell_values = X.T @ inner_values``. Everything downstream
(primary rules, Gauss suppression, the attacker audit) works on that matrix, so several
levels and several tables are protected as one system.

Areas are sorted by (län, kommun, RegSO, area code), which makes every node of every level a
contiguous run of areas; :func:`difference_basis` uses that to make the matrix very sparse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from segregation.areas.codes import LEVELS, check_single_edition, parse_codes
from segregation.errors import InvalidCodeError, SegregationError, describe_items

__all__ = ["CellTable", "build_table", "difference_basis"]

TOTAL = "total"


@dataclass
class CellTable:
    """Inner cells, published cells and the sparse matrix that links them.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per published cell, in column order of ``X``: ``level``, ``code``,
        ``category``, ``value`` (int64) and ``node`` (position of the node within its level).
    X : scipy.sparse.csc_matrix of shape (n_inner, n_cells)
        ``X[i, j] = 1`` when inner cell ``i`` is part of published cell ``j``.
    inner_values : ndarray of shape (n_inner,)
        Counts of the inner cells (area-major: ``i = area * n_categories + category``).
    inner_cell : ndarray of shape (n_inner,)
        For each inner cell, the column of ``X`` that publishes it alone (-1 when its level
        is not published).
    areas : pandas.Index
        The area codes in row order (sorted so that every node is contiguous).
    categories : list of str
        Category names, without ``total``.
    hierarchy : pandas.DataFrame
        One row per area: its node code at each published level.
    """

    cells: pd.DataFrame
    X: sparse.csc_matrix
    inner_values: np.ndarray
    inner_cell: np.ndarray
    areas: pd.Index
    categories: list[str]
    hierarchy: pd.DataFrame

    @property
    def n_inner(self) -> int:
        return int(self.inner_values.shape[0])

    @property
    def n_cells(self) -> int:
        return int(self.X.shape[1])


def _area_level(counts: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    codes = pd.Series(counts.index.astype(str), index=range(len(counts)))
    parsed = parse_codes(codes)
    check_single_edition(parsed)
    levels = parsed["level"].unique().tolist()
    if len(levels) != 1 or levels[0] not in ("deso", "regso"):
        kinds = ", ".join(f"{(parsed['level'] == lv).sum()} {lv}" for lv in levels)
        raise InvalidCodeError(
            f"The index must hold codes of one area level, DeSO or RegSO; got {kinds}. "
            "Aggregate to one level first, or pass the codes as the index "
            "(counts.set_index('desokod'))."
        )
    dup = codes[codes.duplicated(keep=False)]
    if len(dup):
        raise SegregationError(
            f"{dup.nunique()} area codes occur more than once: {describe_items(dup.unique())}. "
            "Sum the rows per area first (counts.groupby(level=0).sum())."
        )
    return levels[0], parsed


def _check_counts(values: pd.DataFrame) -> np.ndarray:
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad_text = numeric.isna() & values.notna()
    if bad_text.any().any():
        rows = values.index[bad_text.any(axis=1)]
        raise SegregationError(
            f"{len(rows)} areas have counts that are not numbers: {describe_items(rows)}. "
            "Replace SCB's '..' markers before protecting: raw counts are needed."
        )
    missing = numeric.isna().any(axis=1)
    if missing.any():
        rows = values.index[missing]
        raise SegregationError(
            f"{len(rows)} areas have missing counts: {describe_items(rows)}. "
            "Fill them (with 0 when nobody lives there) or drop those areas explicitly."
        )
    arr = numeric.to_numpy(dtype=float)
    negative = (arr < 0).any(axis=1)
    if negative.any():
        rows = values.index[negative]
        raise SegregationError(
            f"{len(rows)} areas have negative counts: {describe_items(rows)}. "
            "Counts of persons cannot be negative."
        )
    fractional = (np.abs(arr - np.round(arr)) > 1e-9).any(axis=1)
    if fractional.any():
        rows = values.index[fractional]
        raise SegregationError(
            f"{len(rows)} areas have counts that are not whole numbers: "
            f"{describe_items(rows)}. Protection works on frequency tables of persons."
        )
    return np.round(arr).astype(np.int64)


def _key_file(key: pd.DataFrame) -> pd.Series:
    """DeSO -> RegSO from a key table such as SCB's 'Koppling DeSO och RegSO'."""
    cols = {c.lower(): c for c in key.columns}
    deso = next((cols[c] for c in ("desokod", "deso") if c in cols), None)
    reg = next((cols[c] for c in ("regsokod", "regso") if c in cols), None)
    if deso is None or reg is None:
        raise SegregationError(
            f"The key table needs a DeSO and a RegSO column (desokod, regsokod); it has "
            f"{list(key.columns)}."
        )
    pairs = key[[deso, reg]].astype("string")
    dup = pairs[deso][pairs[deso].duplicated(keep=False)].unique()
    if len(dup):
        raise SegregationError(
            f"{len(dup)} DeSO appear more than once in the key: {describe_items(dup)}. "
            "Use the key of one edition pair."
        )
    return pairs.set_index(deso)[reg]


def _regso_of(
    counts: pd.DataFrame, regso: str | Mapping[str, str] | pd.Series | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    if regso is None:
        return counts, None
    if isinstance(regso, str):
        if regso not in counts.columns:
            raise SegregationError(
                f"regso={regso!r} is not a column of the counts; columns are "
                f"{list(counts.columns)}. Pass the name of the DeSO -> RegSO column, or a "
                "mapping (dict or Series indexed by DeSO code)."
            )
        mapping = counts[regso].astype("string")
        counts = counts.drop(columns=[regso])
    else:
        if isinstance(regso, pd.DataFrame):
            regso = _key_file(regso)
        mapping = pd.Series(regso).astype("string").reindex(counts.index.astype(str))
        mapping.index = counts.index
    absent = mapping.isna()
    if absent.any():
        rows = counts.index[absent.to_numpy()]
        raise SegregationError(
            f"{len(rows)} DeSO have no RegSO in the mapping: {describe_items(rows)}. "
            "Complete the DeSO -> RegSO key (SCB's 'Koppling DeSO och RegSO')."
        )
    parsed = parse_codes(mapping.reset_index(drop=True))
    not_regso = parsed["level"] != "regso"
    if not_regso.any():
        rows = counts.index[not_regso.to_numpy()]
        raise InvalidCodeError(
            f"{int(not_regso.sum())} RegSO mapping values are not RegSO codes, for "
            f"{describe_items(rows)}. Expected codes such as '0114R001'."
        )
    kommun_of_deso = pd.Series(counts.index.astype(str).str[:4], index=counts.index)
    wrong = parsed["kommunkod"].to_numpy() != kommun_of_deso.to_numpy()
    if wrong.any():
        rows = counts.index[wrong]
        raise SegregationError(
            f"{int(wrong.sum())} DeSO are mapped to a RegSO of another kommun: "
            f"{describe_items(rows)}. DeSO nest in RegSO within one kommun; check the key."
        )
    return counts, pd.Series(parsed["base_code"].to_numpy(), index=counts.index)


def _check_groups(
    category_groups: Mapping[str, Sequence[str]] | None, categories: list[str]
) -> dict[str, list[int]]:
    """Category groups as positions of their members, checked."""
    if not category_groups:
        return {}
    out = {}
    for name, members in category_groups.items():
        name = str(name)
        if name in categories or name == TOTAL:
            raise SegregationError(
                f"Category group {name!r} has the name of a category or of the total; rename it."
            )
        unknown = [m for m in members if str(m) not in categories]
        if unknown or len(members) < 2:
            raise SegregationError(
                f"Category group {name!r} must list at least two of the categories "
                f"{categories}; unknown: {unknown}."
            )
        out[name] = sorted(categories.index(str(m)) for m in members)
    return out


def resolve_levels(area_level: str, has_regso: bool, levels: Sequence[str] | None) -> list[str]:
    """The published levels, finest first, checked against what the data can give."""
    start = LEVELS.index(area_level)
    available = [lv for lv in LEVELS[start:] if lv != "regso" or area_level == "regso" or has_regso]
    if levels is None:
        return available
    levels = list(dict.fromkeys(levels))
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise SegregationError(f"Unknown levels {unknown}; choose from {list(LEVELS)}.")
    unusable = [lv for lv in levels if lv not in available]
    if unusable:
        why = (
            "RegSO needs a DeSO -> RegSO mapping (regso=...)"
            if "regso" in unusable and area_level == "deso"
            else f"the counts are at {area_level} level"
        )
        raise SegregationError(
            f"Levels {unusable} cannot be built from these counts: {why}. Available: {available}."
        )
    if area_level not in levels:
        raise SegregationError(
            f"levels must include the level of the counts ({area_level!r}): the inner cells "
            "are published too, or a margin could be derived from them."
        )
    return sorted(levels, key=LEVELS.index)


def build_table(
    counts: pd.DataFrame,
    *,
    regso: str | Mapping[str, str] | pd.Series | None = None,
    levels: Sequence[str] | None = None,
    category_groups: Mapping[str, Sequence[str]] | None = None,
) -> CellTable:
    """Validate area counts and build the linked table of every level and the totals.

    Parameters
    ----------
    counts : pandas.DataFrame
        Indexed by DeSO or RegSO codes, one column per category, whole non-negative counts.
    regso : str, mapping, pandas.Series or pandas.DataFrame, optional
        DeSO -> RegSO: the name of a column of ``counts``, a mapping keyed by DeSO code, or
        a key table with columns ``desokod`` and ``regsokod`` (SCB's 'Koppling DeSO och
        RegSO'). Without it, DeSO go straight to kommun.
    levels : sequence of str, optional
        Levels to publish, from ``deso, regso, kommun, lan, riket``; default all that the
        data allow.
    category_groups : mapping of str to list of str, optional
        Further published categories that sum several of the given ones (a second table
        from the same data, e.g. ``{"foreign_background": ["born_abroad", "parents_abroad"]}``),
        at every level, linked to the same inner cells.

    Returns
    -------
    CellTable

    Examples
    --------
    >>> counts = pd.DataFrame(
    ...     {"a": [3, 7], "b": [10, 12]}, index=["0114A0010", "0114A0020"]
    ... )
    >>> t = build_table(counts, levels=["deso", "kommun"])
    >>> t.cells[["level", "code", "category", "value"]].to_string(index=False)
    ' level      code category  value\\n  deso 0114A0010        a      3\\n  deso 0114A0010        b     10\\n  deso 0114A0010    total     13\\n  deso 0114A0020        a      7\\n  deso 0114A0020        b     12\\n  deso 0114A0020    total     19\\nkommun      0114        a     10\\nkommun      0114        b     22\\nkommun      0114    total     32'
    """
    if not isinstance(counts, pd.DataFrame):
        raise SegregationError(
            f"counts must be a pandas DataFrame indexed by area code, got {type(counts).__name__}."
        )
    if counts.empty:
        raise SegregationError("counts is empty: there is nothing to protect.")
    counts, regso_map = _regso_of(counts, regso)
    if counts.shape[1] == 0:
        raise SegregationError("counts has no category columns.")
    categories = [str(c) for c in counts.columns]
    if TOTAL in categories:
        raise SegregationError(
            "A category is named 'total'; the totals are built here. Drop that column "
            "(or rename it) and pass only the categories."
        )
    area_level, parsed = _area_level(counts)
    values = _check_counts(counts)
    levels = resolve_levels(area_level, regso_map is not None, levels)

    base = parsed["base_code"].to_numpy(dtype=object)
    hier = pd.DataFrame(
        {
            "lan": parsed["lanskod"].to_numpy(dtype=object),
            "kommun": parsed["kommunkod"].to_numpy(dtype=object),
            "riket": "00",
        }
    )
    if area_level == "regso":
        hier["regso"] = base
    else:
        hier["deso"] = base
        if regso_map is not None:
            hier["regso"] = regso_map.to_numpy(dtype=object)
    sort_keys = [c for c in ("lan", "kommun", "regso", "deso") if c in hier.columns]
    order = np.lexsort([hier[c].to_numpy(dtype=str) for c in reversed(sort_keys)])
    hier = hier.iloc[order].reset_index(drop=True)
    values = values[order]
    areas = pd.Index(np.asarray(counts.index.astype(str))[order], name=area_level)
    hier.index = areas

    groups = _check_groups(category_groups, categories)
    n_area, n_cat = values.shape
    width = n_cat + 1 + len(groups)
    inner = np.arange(n_area * n_cat)
    inner_area = inner // n_cat
    inner_cat = inner % n_cat

    rows, cols, frames = [], [], []
    inner_cell = np.full(n_area * n_cat, -1, dtype=np.int64)
    offset = 0
    for level in levels:
        node_codes = hier[level].to_numpy(dtype=str)
        # areas are sorted, so nodes appear in runs: number them in order of appearance
        new_node = np.r_[True, node_codes[1:] != node_codes[:-1]]
        node_of_area = np.cumsum(new_node) - 1
        uniq = node_codes[new_node]
        if len(uniq) != len(set(uniq)):
            raise SegregationError(
                f"The {level} nodes do not nest in the levels above: check the RegSO mapping."
            )
        node = node_of_area[inner_area]
        cat_cols = offset + node * width + inner_cat
        tot_cols = offset + node * width + n_cat
        rows += [inner, inner]
        cols += [cat_cols, tot_cols]
        for g, members in enumerate(groups.values()):
            pick = np.isin(inner_cat, members)
            rows.append(inner[pick])
            cols.append(offset + node[pick] * width + n_cat + 1 + g)
        if level == area_level:
            inner_cell = cat_cols.copy()
        frames.append(
            pd.DataFrame(
                {
                    "level": level,
                    "code": np.repeat(uniq, width),
                    "category": np.tile([*categories, TOTAL, *groups], len(uniq)),
                    "node": np.repeat(np.arange(len(uniq)), width),
                }
            )
        )
        offset += len(uniq) * width

    r = np.concatenate(rows)
    c = np.concatenate(cols)
    X = sparse.csc_matrix((np.ones(len(r), dtype=np.int64), (r, c)), shape=(n_area * n_cat, offset))
    inner_values = values.reshape(-1)
    cells = pd.concat(frames, ignore_index=True)
    cells.insert(3, "value", np.asarray(X.T @ inner_values, dtype=np.int64))
    return CellTable(
        cells=cells,
        X=X,
        inner_values=inner_values,
        inner_cell=inner_cell,
        areas=areas,
        categories=categories,
        hierarchy=hier,
    )


def difference_basis(n_area: int, n_cat: int) -> sparse.csr_matrix:
    """Injective map that turns every (area run x category run) cell into 4 non-zeros.

    With inner cells ordered area-major, the indicator of a block of contiguous areas times
    contiguous categories maps, under the two-dimensional first difference
    ``D_area kron D_cat``, to +-1 at the block's four corners. The map is injective, so
    linear (in)dependence, and with it every decision of the Gauss method, is unchanged;
    only the vectors become short. Shape ``((n_area + 1) * (n_cat + 1), n_area * n_cat)``.

    Examples
    --------
    >>> T = difference_basis(2, 1)
    >>> (T @ np.ones(2)).tolist()  # the total of both areas: two corners left, two cancel
    [1.0, -1.0, 0.0, 0.0, -1.0, 1.0]
    """

    def first_difference(n: int) -> sparse.csr_matrix:
        # (D u)_k = u_k - u_{k-1}, k = 0..n (u_{-1} = u_n = 0)
        eye = sparse.eye(n + 1, n, format="csr", dtype=np.int64)
        shifted = sparse.eye(n + 1, n, k=-1, format="csr", dtype=np.int64)
        return (eye - shifted).tocsr()

    return sparse.kron(first_difference(n_area), first_difference(n_cat), format="csr")
