"""Counting own records at every level of the area hierarchy, and publishing them protected.

The public functions are re-exported by :mod:`segregation.data.records`:
:func:`aggregate` (counts per area and category at DeSO, RegSO, kommun, län and riket level,
from a pandas frame or partition by partition from a Dask collection) and :func:`publish`
(counts and rates through :func:`segregation.disclosure.protect`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from segregation.areas.codes import parse_codes
from segregation.errors import InvalidCodeError, UnmatchedError, describe_items, warn

__all__ = ["aggregate", "publish"]

_LEVEL_ORDER = ("deso", "regso", "kommun", "lan", "riket")


def _is_dask(obj: object) -> bool:
    return type(obj).__module__.split(".")[0] in {"dask", "dask_expr", "dask_geopandas"}


# ----------------------------------------------------------------------------- aggregate


def _base_counts(frame: pd.DataFrame, area: str, categories: list[str]) -> pd.DataFrame:
    """Long counts ``[area, *categories, n]`` of one frame (or partition), by bincount."""
    columns = [area, *categories]
    codes, uniques = [], []
    for column in columns:
        c, u = pd.factorize(frame[column], use_na_sentinel=False)
        codes.append(c)
        uniques.append(np.asarray(u, dtype=object))
    shape = tuple(max(len(u), 1) for u in uniques)
    if len(frame) == 0:
        return pd.DataFrame({**{c: pd.Series(dtype=object) for c in columns}, "n": []})
    flat = np.ravel_multi_index(codes, shape)  # one integer per (area, categories) cell
    counts = np.bincount(flat, minlength=int(np.prod(shape)))
    cells = np.flatnonzero(counts)
    parts = np.unravel_index(cells, shape)
    out = {c: uniques[i][parts[i]] for i, c in enumerate(columns)}
    return pd.DataFrame({**out, "n": counts[cells].astype(np.int64)})


def _object_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes as plain Python strings, so ``frame.loc[level]`` reads as an area-code index."""
    index = frame.index
    frame.index = pd.MultiIndex.from_arrays(
        [index.get_level_values(i).astype(object) for i in range(index.nlevels)],
        names=index.names,
    )
    return frame


def _label(value: object) -> str:
    return "(missing)" if pd.isna(value) else str(value)


def _regso_key(key: Any) -> pd.Series | None:
    if key is None:
        return None
    if hasattr(key, "key") and isinstance(key.key, pd.Series):  # a Crosswalk
        key = key.key
    if isinstance(key, pd.DataFrame):  # a DeSO layer with a regsokod column
        if "regsokod" not in key.columns:
            raise InvalidCodeError("key= has no 'regsokod' column to map DeSO to RegSO.")
        key = key["regsokod"]
    return pd.Series(key).astype("string")


def _combine(
    long: pd.DataFrame,
    area: str,
    categories: list[str],
    universe: list[str] | None,
    levels: tuple[str, ...] | None,
    key: Any,
    on_missing: str,
    labels: str = "named",
) -> pd.DataFrame:
    """Wide counts at every level from long base counts (shared by pandas and Dask paths)."""
    no_area = long[area].isna()
    if no_area.any():
        n = int(long.loc[no_area, "n"].sum())
        message = (
            f"{n:,} records have no {area!r} and are not counted (they are listed in the "
            "assignment report; fix or re-assign them to count them)."
        )
        if on_missing == "raise":
            raise UnmatchedError(message)
        if on_missing == "warn":
            warn(message)
        long = long[~no_area]
    codes = long[area].astype(str).str.strip()
    named = labels == "named"
    labels = [(f"{c}=" if named else "") + long[c].map(_label) for c in categories]
    if not labels:
        column = pd.Series("total", index=long.index)
    else:
        column = labels[0].str.cat(labels[1:], sep=" | ") if len(labels) > 1 else labels[0]
    wide = (
        pd.DataFrame({"code": codes.to_numpy(), "column": column.to_numpy(), "n": long["n"]})
        .groupby(["code", "column"], sort=True)["n"]
        .sum()
        .unstack("column", fill_value=0)
    )
    if len(labels) > 1:  # every combination of observed values, so tables keep one shape
        grid = pd.MultiIndex.from_product([sorted(set(lab)) for lab in labels])
        wide = wide.reindex(columns=[" | ".join(combo) for combo in grid], fill_value=0)
    if universe is not None:
        wide = wide.reindex(pd.Index(sorted(set(universe) | set(wide.index))), fill_value=0)
    if categories:
        wide["total"] = wide.sum(axis=1)
    wide = wide.astype(np.int64)
    wide.columns.name = None
    wide.index.name = "code"
    if wide.empty:
        raise UnmatchedError(f"No record has an area in column {area!r}: nothing to count.")

    parsed = parse_codes(pd.Series(wide.index, dtype=object))
    found = parsed["level"].unique().tolist()
    if len(found) != 1 or found[0] not in ("deso", "regso", "kommun", "lan"):
        raise InvalidCodeError(
            f"Column {area!r} mixes area levels ({', '.join(map(str, found))}); "
            "count each level separately."
        )
    base = found[0]
    wide.index = pd.Index(parsed["base_code"].to_numpy(dtype=object), name="code")
    regso = _regso_key(key)
    above = _LEVEL_ORDER[_LEVEL_ORDER.index(base) :]
    if levels is None:
        wanted = [
            lv
            for lv in above
            if lv != "riket" and (lv != "regso" or base != "deso" or regso is not None)
        ]
    else:
        wanted = [lv for lv in _LEVEL_ORDER if lv in levels]
        unusable = [
            lv
            for lv in wanted
            if lv not in above or (lv == "regso" and base == "deso" and regso is None)
        ]
        if unusable:
            raise ValueError(
                f"Levels {unusable} cannot be built from {base} codes"
                + (" without key= (a DeSO -> RegSO mapping)" if "regso" in unusable else "")
                + f"; available from here: {list(above)}."
            )
    parents = {
        "kommun": wide.index.str[:4],
        "lan": wide.index.str[:2],
        "riket": np.full(len(wide), "00", dtype=object),
    }
    if regso is not None and base == "deso":
        mapped = regso.reindex(wide.index)
        if mapped.isna().any():
            missing = wide.index[mapped.isna().to_numpy()]
            raise UnmatchedError(
                f"{len(missing)} DeSO are not in key=: {describe_items(missing)}. Complete "
                "the DeSO -> RegSO key (SCB's 'Koppling DeSO och RegSO')."
            )
        parents["regso"] = mapped.to_numpy(dtype=object)
    frames = {}
    for level in wanted:
        if level == base:
            table = wide.copy()
        else:
            table = wide.groupby(np.asarray(parents[level], dtype=object)).sum()
            table.index.name = "code"
        if level == "deso" and "regso" in parents:
            table.insert(0, "regsokod", parents["regso"])
        frames[level] = table
    out = _object_codes(pd.concat(frames, names=["level", "code"]))
    if "regsokod" in out.columns:
        out["regsokod"] = out["regsokod"].astype("string")
    return out


def aggregate(
    records: Any,
    area: str,
    categories: str | list[str] | tuple[str, ...] = (),
    *,
    levels: tuple[str, ...] | list[str] | None = None,
    key: Any = None,
    on_missing: Literal["warn", "raise", "ignore"] = "warn",
    labels: Literal["named", "values"] = "named",
) -> pd.DataFrame:
    """Count records per area and category at every level of the hierarchy in one call.

    Parameters
    ----------
    records : pandas.DataFrame or dask.dataframe.DataFrame
        One row per person, e.g. ``assign(...).data``. A Dask collection is counted
        partition by partition and the partial counts summed; the result is identical.
    area : str
        Column of DeSO, RegSO, kommun or län codes (one level).
    categories : str or list of str, optional
        Columns to count by: one count column per value, or per combination of values with
        several categories. Missing values count as ``"(missing)"``.
    levels : sequence of str, optional
        From ``deso, regso, kommun, lan, riket``. Default: the level of ``area`` and every
        level above it except riket (RegSO above DeSO only with ``key=``).
    key : pandas.Series, DataFrame or Crosswalk, optional
        DeSO -> RegSO mapping (a Series indexed by DeSO code, a DeSO layer with a
        ``regsokod`` column, or :func:`~segregation.areas.crosswalk.deso_to_regso`).
    on_missing : {"warn", "raise", "ignore"}, default="warn"
        Records without an area are not counted; by default a warning says how many.
    labels : {"named", "values"}, default="named"
        Names of the count columns: ``"sex=K | benefit=True"`` (each value with its
        column), or ``"K | True"`` (values only).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(level, code)``; ``counts.loc["regso"]`` is one row per RegSO with one
        column per category and ``total`` (the shape :func:`segregation.indices.compute`
        and :func:`segregation.disclosure.protect` take). DeSO rows carry ``regsokod`` when
        a key is given. With a categorical ``area`` column (as :func:`assign` makes), every
        area of the layer appears, with zeros where nobody was counted.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"regso": ["0114R001", "0114R001", "0114R002", "0180R010"],
    ...                        "born_abroad": [True, False, True, True]})
    >>> aggregate(people, "regso", "born_abroad")
                    born_abroad=False  born_abroad=True  total
    level  code
    regso  0114R001                  1                 1      2
           0114R002                  0                 1      1
           0180R010                  0                 1      1
    kommun 0114                      1                 2      3
           0180                      0                 1      1
    lan    01                        1                 3      4
    >>> aggregate(people, "regso", "born_abroad", levels=("lan",), labels="values")
             False  True  total
    level code
    lan   01      1     3      4
    """
    categories = [categories] if isinstance(categories, str) else list(categories)
    missing = [c for c in (area, *categories) if c not in records.columns]
    if missing:
        raise KeyError(
            f"Column(s) {describe_items(missing)} not in the records; they have "
            f"{describe_items(list(records.columns), 10)}."
        )
    if on_missing not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_missing must be 'warn', 'raise' or 'ignore', got {on_missing!r}.")
    if labels not in ("named", "values"):
        raise ValueError(f"labels must be 'named' or 'values', got {labels!r}.")
    if _is_dask(records):
        meta = pd.DataFrame({c: pd.Series(dtype=object) for c in (area, *categories)})
        meta["n"] = pd.Series(dtype=np.int64)
        parts = records[[area, *categories]].map_partitions(
            _base_counts, area, categories, meta=meta
        )
        long = parts.compute()
        dtype = records._meta[area].dtype
        long = long.groupby([area, *categories], dropna=False, sort=False)["n"].sum().reset_index()
    else:
        long = _base_counts(records, area, categories)
        dtype = records[area].dtype
    universe = (
        list(dtype.categories.astype(str)) if isinstance(dtype, pd.CategoricalDtype) else None
    )
    return _combine(long, area, categories, universe, levels, key, on_missing, labels)


# ----------------------------------------------------------------------------- publish


def publish(
    records: Any,
    *,
    area: str,
    outcome: str | None = None,
    positive: object = True,
    categories: str | list[str] | tuple[str, ...] = (),
    levels: tuple[str, ...] | list[str] | None = None,
    key: Any = None,
    stats: pd.DataFrame | None = None,
    min_count: int = 5,
    min_denominator: int | None = None,
    on_missing: Literal["warn", "raise", "ignore"] = "warn",
    labels: Literal["named", "values"] = "named",
    **protect_options: Any,
) -> pd.DataFrame:
    """From records to a protected, publishable table of counts and rates at every level.

    Counts records per area and category (:func:`aggregate`), protects every level as one
    linked table (:func:`segregation.disclosure.protect`: primary and secondary suppression
    and an attacker audit), and adds the rate of ``outcome`` per area with the
    derived-statistics rule: a rate is withheld when its numerator or denominator is
    withheld or the denominator is below ``min_denominator``.

    Parameters
    ----------
    records : pandas.DataFrame or dask.dataframe.DataFrame
        One row per person with an area column (e.g. ``assign(...).data``).
    area : str
        Column of DeSO or RegSO codes.
    outcome : str, optional
        Column of the agency's outcome (e.g. a benefit); counted as a category, and its rate
        ``{outcome}_rate`` = persons with ``outcome == positive`` / all persons is added,
        plus the rate within each group of ``categories``, e.g.
        ``"benefit_rate | born_abroad=True"``.
    positive : object, default=True
        The value of ``outcome`` that counts for the rate.
    categories : str or list of str, optional
        Further columns to count by (cross-classified with ``outcome``).
    levels, key
        As for :func:`aggregate` (``key`` maps DeSO to RegSO).
    stats : pandas.DataFrame, optional
        SCB's published area statistics indexed by area code (e.g. share born abroad, area
        type), joined side by side to the rows of their level.
    min_count : int, default=5
        Smallest publishable count (passed to ``protect``).
    min_denominator : int, optional
        Smallest denominator of a published rate; default ``min_count``.
    labels : {"named", "values"}, default="named"
        Names of the count columns, as for :func:`aggregate`.
    **protect_options
        Passed to :func:`segregation.disclosure.protect` (``zeros``, ``rule``...).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(level, code)``; withheld values are missing. Marked as protected, so
        ``table.loc["regso"]`` goes straight into :func:`segregation.maps.explore` and
        :func:`segregation.maps.plot`. (The batch run protects its own input: give it the
        raw counts of :func:`aggregate`.) ``attrs`` also record the primary and secondary
        cells.

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> people = pd.DataFrame({
    ...     "regso": ["0114R001"] * 40 + ["0114R002"] * 30 + ["0114R003"] * 3,
    ...     "benefit": [True] * 10 + [False] * 30 + [True] * 6 + [False] * 24 + [True] * 3,
    ... })
    >>> table = publish(people, area="regso", outcome="benefit", levels=("regso", "kommun"))
    >>> table[["benefit=False", "benefit=True", "total", "benefit_rate"]]
                     benefit=False  benefit=True  total  benefit_rate
    level  code
    regso  0114R001             30            10     40          0.25
           0114R002             24          <NA>   <NA>          <NA>
           0114R003              0          <NA>   <NA>          <NA>
    kommun 0114                 54            19     73      0.260274
    >>> seg.disclosure.is_protected(table.loc["regso"])
    True
    """
    from segregation.disclosure import protect
    from segregation.disclosure._marks import mark_protected, protection_info

    categories = [categories] if isinstance(categories, str) else list(categories)
    wanted = [*categories, outcome] if outcome is not None else categories
    if not wanted:
        raise ValueError("Give outcome= or categories=: a table needs at least one category.")
    counts = aggregate(
        records, area, wanted, levels=levels, key=key, on_missing=on_missing, labels=labels
    )
    prefix = f"{outcome}=" if labels == "named" else ""
    if outcome is not None:
        values = [c for c in counts.columns if c not in ("total", "regsokod")]
        seen = sorted({str(c).split(" | ")[-1].removeprefix(prefix) for c in values})
        if str(positive) not in seen:
            raise ValueError(
                f"No record has {outcome} == {positive!r}; values seen: {describe_items(seen)}. "
                "Pass positive= the value that counts for the rate."
            )
    published = list(dict.fromkeys(counts.index.get_level_values("level")))
    finest = counts.loc[published[0]]
    regso = finest.pop("regsokod") if "regsokod" in finest.columns else None
    result = protect(
        finest.drop(columns="total"),
        min_count,
        levels=published,
        regso=regso,
        **protect_options,
    )
    table = pd.concat({lv: result.wide(lv) for lv in published}, names=["level", "code"])
    table = _object_codes(table)
    table.columns.name = None
    if outcome is not None:
        cells = [c for c in table.columns if c != "total"]
        min_den = min_count if min_denominator is None else min_denominator
        hit = prefix + str(positive)
        table[f"{outcome}_rate"] = _rate(table, cells, ["total"], hit, min_den)
        # rate within each group of the other categories: the group's cells are summed
        groups = sorted({c.rsplit(" | ", 1)[0] for c in cells}) if categories else []
        for group in groups:
            members = [c for c in cells if c.rsplit(" | ", 1)[0] == group]
            if labels == "named":
                named = group
            else:
                values = group.split(" | ")
                named = " | ".join(f"{k}={v}" for k, v in zip(categories, values, strict=True))
            rate = _rate(table, members, members, hit, min_den)
            table[f"{outcome}_rate | {named}"] = rate
    if stats is not None:
        table = _join_stats(table, stats)
    info = protection_info(result.wide(published[0]))
    info.pop("level", None)
    info.update(
        derived="rate",
        n_primary=result.n_primary,
        n_secondary=result.n_secondary,
        suppressed_total=result.suppressed_total,
    )
    return mark_protected(table, **info)


def _rate(
    table: pd.DataFrame, cells: list[str], denominator: list[str], positive: str, min_den: int
) -> pd.Series:
    """Share of persons with the outcome among ``denominator`` cells, by the derived rule.

    The numerator is the sum of ``cells`` whose outcome (the last part of the name) is
    ``positive`` (a label such as ``"benefit=True"``); it is withheld when any cell of the numerator or the denominator is.
    """
    from segregation.disclosure.rules import derived_rule

    hits = [c for c in cells if c.split(" | ")[-1] == positive]
    numerator = table[hits].sum(axis=1).astype("Float64")
    total = table[denominator].sum(axis=1).astype("Float64")
    withheld = derived_rule(
        numerator,
        total,
        min_denominator=min_den,
        numerator_withheld=table[hits].isna().any(axis=1).to_numpy(),
        denominator_withheld=table[denominator].isna().any(axis=1).to_numpy(),
    )
    rate = numerator / total.where(total > 0)
    rate[withheld] = pd.NA
    return rate


def _join_stats(table: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Join published area statistics to the rows of their level, by area code."""
    codes = pd.Series(stats.index.astype(str), dtype=object)
    parsed = parse_codes(codes)
    found = parsed["level"].unique().tolist()
    if len(found) != 1:
        raise InvalidCodeError(f"stats= mixes area levels {found}; give one level.")
    level = found[0]
    if level not in table.index.get_level_values("level"):
        raise ValueError(f"stats= is at {level} level, which is not in the table.")
    clash = [c for c in stats.columns if c in table.columns]
    if clash:
        raise ValueError(f"stats= columns {clash} clash with the table's; rename them.")
    right = stats.set_axis(parsed["base_code"].to_numpy(), axis=0)
    rows = table.index.get_level_values("level") == level
    codes_here = table.index.get_level_values("code")[rows]
    joined = right.reindex(codes_here)
    unmatched = codes_here[joined.isna().all(axis=1).to_numpy()]
    if len(unmatched):
        warn(
            f"{len(unmatched)} {level} areas of the table have no row in stats=: "
            f"{describe_items(unmatched)}."
        )
    joined.index = table.index[rows]
    for column in stats.columns:
        table[column] = joined[column].reindex(table.index)
    return table
