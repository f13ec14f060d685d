"""Region labels to area codes, and tables onto areas, reporting what did not match.

:func:`match_areas` turns region labels such as ``Upplands Väsby (Bollstanäs)`` into area
codes (exact, then normalised, then ranked suggestions); :func:`join` puts a table onto
area boundaries and reports, never drops, rows on either side that did not match.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from segregation.areas.codes import check_single_edition, parse_codes
from segregation.data.validate import check_counts
from segregation.errors import (
    EditionMismatchError,
    InvalidCodeError,
    SegregationError,
    UnmatchedError,
    describe_items,
    warn,
)

__all__ = ["MatchResult", "join", "match_areas"]

_CODE_PREFIX = re.compile(r"^(\d{4}(?:[ABC]\d{4}|R\d{3})(?:_(?:DeSO|RegSO)\d{4})?)\s+\S")
_KEY_COLUMNS = {"regsokod", "desokod", "region", "regso", "deso", "kod", "code"}


@dataclass(frozen=True)
class MatchResult:
    """Labels matched to area codes.

    Attributes
    ----------
    mapping : pandas.Series
        Label -> area code, for every label matched automatically (or accepted).
    report : pandas.DataFrame
        One row per label not matched automatically: ``label``, ``kommunkod``, ``reason``
        (``"spelling"`` when one label and one area are left in its kommun and look alike,
        ``"edition change"`` when the numbers of leftover labels and areas in its kommun
        differ, so there is no one-to-one counterpart, ``"unknown kommun"`` otherwise),
        ``suggestion`` (best code), ``suggestion_label``, ``score`` (0-1) and
        ``suggestions`` (ranked codes).
    summary : dict
        How many labels matched by code, exactly, after normalising, or not at all.
    """

    mapping: pd.Series
    report: pd.DataFrame
    summary: dict[str, int] = field(default_factory=dict)


def _normalise(labels: pd.Series) -> pd.Series:
    """NFC, case folded, one kind of dash, single spaces, no spaces inside brackets."""
    text = labels.astype(str).str.normalize("NFC").str.casefold()
    text = text.str.replace(r"[\u2010-\u2015\u2212]", "-", regex=True)
    text = text.str.replace(r"\s*-\s*", "-", regex=True).str.replace(r"\s+", " ", regex=True)
    text = text.str.replace(r"\(\s+", "(", regex=True).str.replace(r"\s+\)", ")", regex=True)
    return text.str.strip()


def match_areas(
    labels: pd.Series | list[str] | pd.Index,
    areas: pd.DataFrame,
    *,
    strict: bool = False,
    accept_spelling: bool = False,
    overrides: dict[str, str] | None = None,
) -> MatchResult:
    """Map region labels such as ``Upplands Väsby (Bollstanäs)`` to RegSO codes.

    Labels are matched to ``"{kommunnamn} ({regsonamn})"`` of ``areas``: first exactly, then
    after normalising (Unicode NFC, case, dash variants, spaces), and the rest are reported
    with ranked suggestions from the same kommun (difflib similarity of the names), never
    guessed.

    Parameters
    ----------
    labels : sequence of str
        Region labels (duplicates are matched once).
    areas : GeoDataFrame or DataFrame
        Indexed by ``regsokod`` with ``regsonamn`` and ``kommunnamn`` columns, such as
        :func:`segregation.load_regso` returns.
    strict : bool, default=False
        Raise :class:`UnmatchedError` listing the labels (with suggestions) instead of
        reporting them.
    accept_spelling : bool, default=False
        Accept the suggestion for labels whose reason is ``"spelling"``.
    overrides : dict, optional
        ``{label: code}`` decided by the user; these win over everything else.

    Returns
    -------
    MatchResult

    Examples
    --------
    >>> import segregation as seg
    >>> areas = seg.load_regso(kommun="0160")
    >>> result = seg.match_areas(["Täby (Ella Gård)", "täby (ella  park)", "Täby (Näsby Park)"], areas)
    >>> result.mapping.to_dict()
    {'Täby (Ella Gård)': '0160R003', 'täby (ella  park)': '0160R004'}
    >>> result.report[["label", "reason", "suggestion_label"]].to_dict("records")
    [{'label': 'Täby (Näsby Park)', 'reason': 'spelling', 'suggestion_label': 'Täby (Näsbypark)'}]
    """
    missing = [c for c in ("regsonamn", "kommunnamn") if c not in areas.columns]
    if missing:
        raise SegregationError(
            f"match_areas needs area names, but areas lack {describe_items(missing)}. DeSO "
            "have no names: tables of DeSO must hold codes, which join() uses directly."
        )
    given = pd.Series(list(labels), dtype=object)
    blank = given.isna().to_numpy() | (given.astype(str).str.strip() == "").to_numpy()
    unique = pd.Series(pd.unique(given[~blank].astype(str)), dtype=object)
    names = areas["kommunnamn"].astype(str) + " (" + areas["regsonamn"].astype(str) + ")"
    by_label = pd.Series(areas.index, index=names.to_numpy())
    by_norm = pd.Series(areas.index, index=_normalise(names).to_numpy())
    by_norm = by_norm[~by_norm.index.duplicated(keep=False)]

    exact = unique.map(by_label[~by_label.index.duplicated(keep=False)])
    normal = _normalise(unique).map(by_norm).where(exact.isna())
    code = exact.fillna(normal)
    for label, value in (overrides or {}).items():
        code[unique == label] = value
    summary = {
        "labels": len(unique),
        "exact": int(exact.notna().sum()),
        "normalised": int(normal.notna().sum()),
        "overridden": len(overrides or {}),
    }
    totals = _totals(unique, areas)
    rows = _suggest(unique[code.isna() & totals.isna()], areas, names, set(code.dropna()))
    rows += [
        {
            "label": label,
            "kommunkod": None,
            "reason": reason,
            "suggestion": None,
            "suggestion_label": None,
            "score": 0.0,
            "suggestions": [],
        }
        for label, reason in zip(
            unique[code.isna() & totals.notna()], totals[code.isna() & totals.notna()], strict=True
        )
    ]
    if blank.any():
        rows.append(
            {
                "label": "",
                "kommunkod": None,
                "reason": "blank label",
                "suggestion": None,
                "suggestion_label": None,
                "score": 0.0,
                "suggestions": [],
            }
        )
    report = pd.DataFrame(
        rows,
        columns=[
            "label",
            "kommunkod",
            "reason",
            "suggestion",
            "suggestion_label",
            "score",
            "suggestions",
        ],
    )
    if accept_spelling and len(report):
        accepted = report[report["reason"] == "spelling"]
        for label, value in zip(accepted["label"], accepted["suggestion"], strict=True):
            code[unique == label] = value
        report.loc[report["reason"] == "spelling", "reason"] = "spelling (accepted)"
    summary["unmatched"] = int(code.isna().sum()) + int(blank.any())
    mapping = pd.Series(code.to_numpy(dtype=object), index=unique.to_numpy()).dropna()
    mapping.index.name, mapping.name = "label", "code"
    if strict and summary["unmatched"]:
        open_rows = report[~report["reason"].str.endswith("(accepted)")]
        shown = [
            f"{r.label!r} ({r.reason}; try {r.suggestion} {r.suggestion_label!r})"
            for r in open_rows.itertuples()
        ]
        raise UnmatchedError(
            f"{len(open_rows)} labels match no area: {describe_items(shown)}. Pass "
            "overrides={label: code} for them, or accept_spelling=True for spelling ones."
        )
    return MatchResult(mapping=mapping, report=report.reset_index(drop=True), summary=summary)


def _totals(labels: pd.Series, areas: pd.DataFrame) -> pd.Series:
    """``"kommun total"``, ``"län total"`` or ``"national total"`` for labels that name a
    kommun, a län or the country rather than an area (SCB's exports may include them);
    missing for the rest. Such rows are reported, never matched to an area."""
    text = _normalise(labels)
    out = pd.Series(None, index=labels.index, dtype=object)
    out[text.isin(["riket", "hela riket", "sverige", "sweden", "totalt", "00 riket"])] = (
        "national total"
    )
    for column, reason in (("lansnamn", "län total"), ("kommunnamn", "kommun total")):
        if column in areas.columns:
            known = set(_normalise(pd.Series(areas[column].astype(str).unique())))
            # also "0114 Upplands Väsby" and "01 Stockholms län" (code before the name)
            bare = text.str.replace(r"^\d{2,4}\s+", "", regex=True)
            out[out.isna() & bare.isin(known)] = reason
    return out


def _suggest(
    unmatched: pd.Series, areas: pd.DataFrame, names: pd.Series, used: set[str]
) -> list[dict[str, Any]]:
    """Ranked suggestions for each unmatched label (a handful, so a plain loop is fine).

    A label is a ``spelling`` difference when its best-scoring area without a label (in
    its kommun) is close (score >= 0.6) and no other unmatched label has the same best
    area; otherwise an ``edition change``: the area was split, merged or renamed beyond
    recognition, and guessing would misplace its people.
    """
    kommun_of_name = dict(
        zip(_normalise(areas["kommunnamn"]), areas["kommunkod"].astype(str), strict=True)
    )
    area_kommun = areas["kommunkod"].astype(str).to_numpy()
    area_names = _normalise(areas["regsonamn"]).to_numpy()
    free = ~areas.index.isin(list(used))
    heads = _normalise(unmatched.str.replace(r"\s*\(.*$", "", regex=True))
    tails = _normalise(unmatched.str.extract(r"\((.*)\)\s*$", expand=False).fillna(unmatched))
    rows = []
    for label, tail, kod in zip(unmatched, tails, heads.map(kommun_of_name), strict=True):
        known = isinstance(kod, str)
        pool = area_kommun == kod if known else np.ones(len(areas), dtype=bool)
        target = tail if known else _normalise(pd.Series([label]))[0]
        others = area_names[pool] if known else _normalise(names).to_numpy()[pool]
        ratio = np.array([difflib.SequenceMatcher(None, target, o).ratio() for o in others])
        scores = ratio + 1.0 * free[pool]  # areas that no label claimed come first
        order = np.argsort(-scores, kind="stable")[:5]
        candidates = areas.index[pool]
        best_free = (
            candidates[free[pool]][np.argmax(ratio[free[pool]])] if free[pool].any() else None
        )
        rows.append(
            {
                "label": label,
                "kommunkod": kod if known else None,
                "reason": "unknown kommun" if not known else "",
                "suggestion": candidates[order[0]],
                "suggestion_label": names[candidates[order[0]]],
                "score": round(float(ratio[order[0]]), 3),
                "suggestions": [str(c) for c in candidates[order]],
                "_best_free": best_free,
                "_free_score": float(ratio[free[pool]].max()) if free[pool].any() else 0.0,
            }
        )
    claims = pd.Series([r["_best_free"] for r in rows], dtype=object).value_counts()
    for row in rows:
        best, score = row.pop("_best_free"), row.pop("_free_score")
        if row["reason"]:
            continue
        alone = best is not None and claims.get(best, 0) == 1
        row["reason"] = "spelling" if alone and score >= 0.6 else "edition change"
    return rows


# --------------------------------------------------------------------------- joining
def join(
    areas: pd.DataFrame,
    table: pd.DataFrame,
    *,
    year: int | None = None,
    columns: dict[str, str] | list[str] | None = None,
    match: MatchResult | None = None,
    totals: dict[str, str] | None = None,
    edition: int | None = None,
    on_unmatched: Literal["raise", "warn", "ignore"] = "warn",
) -> pd.DataFrame:
    """Join a table of statistics onto areas by code, reporting what did not match.

    Parameters
    ----------
    areas : GeoDataFrame or DataFrame
        Indexed by ``regsokod`` or ``desokod`` (as :func:`segregation.load_regso` returns).
    table : pandas.DataFrame
        A tidy frame from :func:`read_scb` (or the PxWeb client), or a wide frame indexed
        by region code or label. Region labels are matched with :func:`match_areas`.
    year : int, optional
        The year to take from a tidy table; required when it holds several.
    columns : dict or list, optional
        The categories to keep as columns, e.g. ``{"Sverige": "born_in_sweden",
        "totalt": "population"}``: keys are the values of the category variable (or
        ``" / "``-joined values when several vary), values the new column names.
    match : MatchResult, optional
        The result of :func:`match_areas`, e.g. after reviewing its report. By default
        labels are matched automatically.
    totals : dict, optional
        ``{part: total}`` column pairs checked with :func:`check_counts`.
    edition : int, optional
        For tables that span two editions (suffixed and unsuffixed codes): the edition to
        join, e.g. 2025. By default the one edition that has values in the chosen year;
        rows of the other edition are reported with reason ``"other edition"``.
    on_unmatched : {"warn", "raise", "ignore"}, default="warn"
        What to do when areas have no data or data rows have no area.

    Returns
    -------
    GeoDataFrame or DataFrame
        Every area of ``areas`` with the table's columns (missing where an area had no
        data). ``attrs["report"]`` lists ``areas_without_data`` (codes) and
        ``data_without_areas`` (one dict per data row that matched no area: its region,
        code, reason and values), so that joined rows plus reported rows add up to the
        table's totals.

    Raises
    ------
    InvalidCodeError
        When two data rows map to one area.
    EditionMismatchError
        When the table mixes codes of two editions.
    UnmatchedError
        With ``on_unmatched="raise"`` when anything did not match.
    """
    if on_unmatched not in ("raise", "warn", "ignore"):
        raise SegregationError(
            f"on_unmatched must be 'raise', 'warn' or 'ignore', got {on_unmatched!r}."
        )
    wide = _wide(table, year, columns)
    keys = pd.Series(wide.index.astype(str), index=wide.index)
    reasons = pd.Series("", index=wide.index, dtype=object)
    codes = _codes_of(keys, areas, match, reasons, wide, edition)

    known = codes.notna() & codes.isin(areas.index)
    reasons[codes.notna() & ~known] = "code not among the areas"
    mapped = wide[known.to_numpy()].copy()
    mapped.index = pd.Index(codes[known].to_numpy(), name=areas.index.name)
    twice = mapped.index[mapped.index.duplicated()].unique()
    if len(twice):
        sources = keys[known & codes.isin(twice)].tolist()
        raise InvalidCodeError(
            f"{len(twice)} areas get data from more than one row: {describe_items(twice)} "
            f"(rows {describe_items(sources)}). Fix the label matching (match=) or aggregate "
            "the rows first."
        )
    if table.attrs.get("kind") == "count" or totals:
        check_counts(mapped, totals=totals)

    result = areas.join(mapped, how="left")
    for column in mapped.columns:
        if pd.api.types.is_integer_dtype(mapped[column]):
            result[column] = result[column].astype("Int64")
    leftover = wide[~known.to_numpy()]
    report = {
        "matched": len(mapped),
        "areas_without_data": [str(c) for c in areas.index.difference(mapped.index)],
        "data_without_areas": [
            {
                "region": str(key),
                "code": None if pd.isna(codes[key]) else str(codes[key]),
                "reason": reasons[key] or "no area with this label",
                **{str(c): _plain(v) for c, v in row.items()},
            }
            for key, row in leftover.iterrows()
        ],
    }
    # the areas' metadata, then the table's (source, measure, citation, synthetic mark)
    result.attrs = {
        k: v
        for k, v in {**areas.attrs, **table.attrs}.items()
        if k not in ("report", "labels") and _jsonable(v)
    }
    result.attrs["report"] = report
    n_areas, n_rows = len(report["areas_without_data"]), len(report["data_without_areas"])
    if n_areas or n_rows:
        message = (
            f"{n_areas} areas have no data ({describe_items(report['areas_without_data'])}) "
            f"and {n_rows} data rows match no area "
            f"({describe_items(r['region'] for r in report['data_without_areas'])}). "
            "See frame.attrs['report']; pass match= to fix labels."
        )
        if on_unmatched == "raise":
            raise UnmatchedError(message)
        if on_unmatched == "warn":
            warn(message)
    return result


def _wide(
    table: pd.DataFrame, year: int | None, columns: dict[str, str] | list[str] | None
) -> pd.DataFrame:
    if "value" not in table.columns or "year" not in table.columns:
        wide = table.copy()
        if isinstance(wide.index, pd.RangeIndex):
            key = next((c for c in wide.columns if str(c).casefold() in _KEY_COLUMNS), None)
            if key is None:
                raise SegregationError(
                    "The table is not indexed by area: set its index to the column of area "
                    "codes or labels (table.set_index('regsokod')), or pass a tidy frame "
                    "from read_scb."
                )
            wide = wide.set_index(key)
    else:
        region = table.attrs.get("region") or table.columns[0]
        years = sorted(table["year"].unique())
        if year is None and len(years) > 1:
            raise SegregationError(
                f"The table holds the years {describe_items(years)}: pass year= to choose one."
            )
        if year is not None and year not in years:
            raise SegregationError(
                f"year={year} is not in the table; it has {describe_items(years)}."
            )
        rows = table[table["year"] == (year if year is not None else years[0])]
        categories = [c for c in rows.columns if c not in (region, "year", "value")]
        varying = [c for c in categories if rows[c].nunique() > 1]
        if varying:
            text = [rows[c].astype(str) for c in varying]
            label = text[0].str.cat(text[1:], sep=" / ") if len(text) > 1 else text[0]
        else:
            label = pd.Series(table.attrs.get("measure") or "value", index=rows.index)
        keyed = pd.DataFrame(
            {"region": rows[region].astype(str), "column": label, "value": rows["value"]}
        )
        repeated = keyed.duplicated(["region", "column"], keep=False)
        if repeated.any():
            raise InvalidCodeError(
                f"{int(repeated.sum())} rows repeat a region and category: "
                f"{describe_items((keyed.loc[repeated, 'region'] + ' ' + keyed.loc[repeated, 'column']).unique())}. "
                "A region must appear once per category and year."
            )
        wide = keyed.pivot(index="region", columns="column", values="value")
        wide = wide.reindex(pd.unique(keyed["region"]))
        wide.columns.name = None
    if columns is not None:
        wanted = list(columns)
        absent = [c for c in wanted if c not in wide.columns]
        if absent:
            raise SegregationError(
                f"columns= names {describe_items(absent)}, which the table does not have; it "
                f"has {describe_items(list(wide.columns), 12)}."
            )
        wide = wide[wanted]
        if isinstance(columns, dict):
            wide = wide.rename(columns=columns)
    return wide


def _codes_of(
    keys: pd.Series,
    areas: pd.DataFrame,
    match: MatchResult | None,
    reasons: pd.Series,
    wide: pd.DataFrame,
    edition: int | None,
) -> pd.Series:
    """Area code for each region key (label or code), missing where there is none."""
    prefixed = keys.str.extract(_CODE_PREFIX, expand=False)
    looks_like_code = keys.str.fullmatch(r"\d{4}(?:[ABC]\d{4}|R\d{3})(?:_(?:DeSO|RegSO)\d{4})?")
    codes_given = looks_like_code | prefixed.notna()
    if codes_given.all():
        raw = keys.where(looks_like_code, prefixed)
        parsed = parse_codes(raw.reset_index(drop=True))
        codes = pd.Series(parsed["base_code"].to_numpy(dtype=object), index=keys.index)
        said = parsed["edition"].fillna(0).to_numpy(dtype=np.int64)  # 0: no suffix
        suffixed = said > 0
        if suffixed.any() and not suffixed.all():
            # a table spanning two editions: unsuffixed codes are the older edition
            chosen = edition if edition is not None else _edition_with_values(wide, suffixed, said)
            if chosen is None:
                check_single_edition(parsed)  # raises, naming both editions
            keep = said == chosen if chosen in set(said[suffixed]) else ~suffixed
            other = ~keep
            reasons[other] = "other edition"
            codes[other] = None
            return codes
        if edition is not None and suffixed.any() and (said != edition).any():
            raise EditionMismatchError(
                f"edition={edition} was asked for, but the table's codes are of edition "
                f"{describe_items(sorted(set(said[suffixed])))}."
            )
        return codes
    blank = keys.isna() | (keys.fillna("").str.strip() == "") | keys.isin(["nan", "None"])
    if match is None:
        match = match_areas(keys[~blank & ~codes_given].tolist(), areas)
    codes = keys.map(match.mapping).astype(object)
    for row in match.report.itertuples():
        reasons[keys == row.label] = row.reason
    if codes_given.any():  # a few rows hold codes among labels: take the codes as they are
        raw = keys.where(looks_like_code, prefixed)[codes_given]
        parsed = parse_codes(raw.reset_index(drop=True))
        check_single_edition(parsed)
        codes[codes_given] = parsed["base_code"].to_numpy(dtype=object)
    reasons[blank] = "blank label"
    codes[blank] = None
    return codes.where(codes.notna(), None)


def _edition_with_values(wide: pd.DataFrame, suffixed: np.ndarray, said: np.ndarray):
    """The edition whose rows hold values, when the other edition's rows are all missing."""
    has_values = wide.notna().any(axis=1).to_numpy()
    newer, older = has_values[suffixed].any(), has_values[~suffixed].any()
    if newer and not older:
        return sorted(set(said[suffixed]))[-1]
    if older and not newer:
        return "unsuffixed"
    return None


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
