"""Files downloaded from SCB's statistical database, read into tidy, validated frames.

:func:`read_scb` reads CSV (comma, semicolon or tab; UTF-8 with or without BOM, or
Latin-1/cp1252), XLSX and json-stat2 into one tidy shape: one row per region, category
combination and year, with columns for the region (as given), each category variable,
``year`` and ``value``. :func:`match_areas` turns region labels such as
``Upplands Väsby (Bollstanäs)`` into area codes, and :func:`join` puts a table onto area
boundaries, reporting (never dropping) what did not match.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from segregation.areas.codes import check_single_edition, parse_codes
from segregation.errors import (
    EditionMismatchError,
    InvalidCodeError,
    SegregationError,
    UnmatchedError,
    describe_items,
    warn,
)

__all__ = [
    "MISSING_MARKERS",
    "InvalidCountError",
    "MatchResult",
    "check_counts",
    "join",
    "match_areas",
    "read_scb",
]

#: SCB's markers for values that are not given, and what they mean.
MISSING_MARKERS: dict[str, str] = {
    "..": "not available or too uncertain to publish",
    ".": "not applicable",
    "…": "not available",
}
# SCB writes a dash for "nothing to report", a true zero.
_ZERO_MARKERS = {"-", "–", "—"}
_YEAR_HEADER = re.compile(r"^(?:(?P<measure>.*?)[\s,]+)?(?P<year>(?:18|19|20|21)\d{2})$")
_YEAR_COLUMNS = {"år", "year", "tid", "ar"}
_CODE_PREFIX = re.compile(r"^(\d{4}(?:[ABC]\d{4}|R\d{3})(?:_(?:DeSO|RegSO)\d{4})?)\s+\S")
_COUNT_MEASURES = ("antal", "number", "count", "persons", "personer")
_KEY_COLUMNS = {"regsokod", "desokod", "region", "regso", "deso", "kod", "code"}


class InvalidCountError(SegregationError):
    """Counts that cannot be counts: negative, not whole, or a part larger than its whole."""


# --------------------------------------------------------------------------- reading
def read_scb(
    path: str | Path,
    *,
    region: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
) -> pd.DataFrame:
    """Read an SCB statistics export (CSV, XLSX or json-stat2) into a tidy frame.

    Parameters
    ----------
    path : str or path
        ``.csv``/``.tsv``/``.txt``, ``.xlsx`` or ``.json`` (json-stat2, as PxWeb gives).
    region : str, optional
        Name of the region column. By default the column called ``region`` (any case), or
        the first column.
    encoding : str, optional
        Text encoding of a CSV. By default UTF-8 (with or without BOM), falling back to
        cp1252/Latin-1, which SCB's older exports use.
    sep : {",", ";", "\\t"}, optional
        Field separator of a CSV. By default the one that splits the first lines into the
        most consistent number of fields. With ``;`` or tab, a decimal comma is understood.
    sheet : str or int, default=0
        Worksheet of an XLSX file.

    Returns
    -------
    pandas.DataFrame
        Columns: the region column as given, one column per category variable (e.g.
        ``födelseregion``, ``kön``), ``year`` (int) and ``value`` (``Int64`` when every
        value is whole, else ``float64``). Wide year columns such as ``Antal 2023`` or
        ``Medelvärde för samtliga, tkr 2023`` become rows; when they carry more than one
        measure, a ``measure`` column says which. ``attrs`` holds ``source``, ``region``
        (the region column), ``measure``, ``unit``, ``kind`` (``"count"`` or ``"other"``)
        and ``report``: rows read, the format, encoding and separator, how many ``..``
        and ``.`` markers became missing values, and how many dashes became zeros.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = '"region","kön","Antal 2022","Antal 2023"\\n"Åre (Järpen)","totalt",..,3120\\n'
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text(text, encoding="utf-8-sig")
    >>> frame = read_scb(path)
    >>> frame
             region     kön  year  value
    0  Åre (Järpen)  totalt  2022   <NA>
    1  Åre (Järpen)  totalt  2023   3120
    >>> frame.attrs["measure"], frame.attrs["report"]["missing"]
    ('Antal', {'..': 1})
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonstat", ".json-stat"):
        from segregation.data.pxweb import frame_from_jsonstat

        data = json.loads(path.read_text(encoding="utf-8-sig"))
        frame = frame_from_jsonstat(data)
        frame.attrs["source"] = path.name
        return frame
    if suffix in (".xlsx", ".xlsm"):
        rows, info = _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows, info = _csv_rows(path.read_bytes(), encoding, sep)
    else:
        raise SegregationError(
            f"Cannot read {path.name!r}: expected .csv, .tsv, .txt, .xlsx or .json (json-stat2). "
            "In SCB's statistical database choose one of those under 'Spara som'."
        )
    frame = _tidy(rows, region, info)
    frame.attrs["source"] = path.name
    return frame


def _decode(raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        return raw.decode(encoding), encoding
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _split(text: str, sep: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text), delimiter=sep)]


def _csv_rows(raw: bytes, encoding: str | None, sep: str | None) -> tuple[list[list], dict]:
    text, used = _decode(raw, encoding)
    if sep is None:
        sample = "\n".join(text.splitlines()[:40])
        best = (-1, -1, ",")
        for candidate in (",", ";", "\t"):
            widths = [len(r) for r in _split(sample, candidate) if len(r) > 1]
            if not widths:
                continue
            modal = max(set(widths), key=widths.count)
            score = (widths.count(modal), modal, candidate)
            best = max(best, score, key=lambda s: (s[0], s[1]))
        sep = best[2]
    rows = _split(text, sep)
    decimal = "." if sep == "," else ","
    return rows, {"format": "csv", "encoding": used, "sep": sep, "decimal": decimal}


def _xlsx_rows(path: Path, sheet: str | int) -> tuple[list[list], dict]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
        rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    return rows, {"format": "xlsx", "decimal": ",", "fill_down": True}


def _header_index(rows: list[list]) -> tuple[int, int]:
    """Index of the header row and the table width: the modal width of non-empty rows."""
    widths = [sum(1 for c in r if str(c).strip() != "") for r in rows]
    data_widths = [w for w in widths if w > 1]
    if not data_widths:
        raise SegregationError("The file holds no table: no line has more than one field.")
    width = max(set(data_widths), key=data_widths.count)
    wide = [i for i, w in enumerate(widths) if w >= width]  # at least as wide as most rows
    for i in wide:  # a title with commas can be as wide: prefer a row that names years
        cells = [str(c).strip() for c in rows[i]]
        if any(_YEAR_HEADER.match(c) or c.casefold() in _YEAR_COLUMNS for c in cells):
            return i, width
    return wide[0], width


def _tidy(rows: list[list], region: str | None, info: dict) -> pd.DataFrame:
    head, width = _header_index(rows)
    header = [str(c).strip() for c in rows[head]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [list(r[:width]) + [""] * (width - len(r)) for r in rows[head + 1 :]]
    filled_cells = [sum(1 for c in r if str(c).strip() != "") for r in body]
    last = max((i for i, k in enumerate(filled_cells) if k > 1), default=-1)
    # footnotes follow the table; blank lines are dropped, rows with empty values are kept
    notes = [" ".join(str(c).strip() for c in r if str(c).strip()) for r in body[last + 1 :]]
    notes = [n for n in notes if n]
    body = [r for r, k in zip(body[: last + 1], filled_cells, strict=False) if k > 0]
    table = pd.DataFrame(body, columns=header, dtype=object)

    year_cols = {c: _YEAR_HEADER.match(c) for c in header}
    year_cols = {c: m for c, m in year_cols.items() if m}
    filled = 0
    if year_cols:
        dims = [c for c in header if c not in year_cols]
    else:
        year_name = next((c for c in header if c.casefold() in _YEAR_COLUMNS), None)
        if year_name is None:
            raise SegregationError(
                f"No year found: no column is a year (such as 'Antal 2023' or '2023') and no "
                f"column is called 'år'. Columns: {describe_items(header, 12)}."
            )
        dims = header[: header.index(year_name) + 1]
    if info.get("fill_down"):  # merged cells in SCB's Excel exports are blank below the first
        blank = table[dims].astype(str).apply(lambda column: column.str.strip() == "")
        filled = int(blank.to_numpy().sum())
        table[dims] = table[dims].mask(blank).ffill()
    if year_cols:
        long = table.melt(id_vars=dims, var_name="_header", value_name="value")
        parsed = {c: (m["measure"] or "", int(m["year"])) for c, m in year_cols.items()}
        long["year"] = long["_header"].map({c: y for c, (_, y) in parsed.items()})
        long["measure"] = long["_header"].map({c: m for c, (m, _) in parsed.items()})
        long = long.drop(columns="_header")
    else:
        values = header[header.index(year_name) + 1 :]
        long = table.melt(id_vars=dims, value_vars=values, var_name="measure", value_name="value")
        long = long.rename(columns={year_name: "year"})
        dims = [d for d in dims if d != year_name]
        bad_year = ~long["year"].astype(str).str.fullmatch(r"\s*\d{4}\s*")
        if bad_year.any():
            raise SegregationError(
                f"{int(bad_year.sum())} values in column {year_name!r} are not years: "
                f"{describe_items(long.loc[bad_year, 'year'].unique())}."
            )
        long["year"] = long["year"].astype(int)
    for column in dims:
        long[column] = long[column].astype(str).str.strip()
    value, report = _parse_values(long["value"], info.get("decimal", "."))
    long["value"] = value

    measures = long["measure"].unique().tolist()
    columns = [*dims, "measure", "year", "value"] if len(measures) > 1 else [*dims, "year", "value"]
    frame = long[columns].reset_index(drop=True)
    if len(measures) == 1:
        frame.attrs.update(_measure(measures[0]))
    else:
        frame.attrs.update({"measure": None, "unit": None, "kind": "other"})
    region_column = region or next((c for c in dims if c.casefold() == "region"), dims[0])
    if region_column not in frame.columns:
        raise SegregationError(
            f"region={region!r} is not a column; the table has {describe_items(dims, 12)}."
        )
    frame.attrs["region"] = region_column
    report.update(
        {k: info[k] for k in ("format", "encoding", "sep") if k in info},
        rows=len(frame),
        filled_down=filled,
        notes=notes,
    )
    report["missing_examples"] = _examples(frame, value.isna(), region_column)
    frame.attrs["report"] = report
    return frame


def _measure(text: str) -> dict[str, Any]:
    measure, _, unit = text.rpartition(", ") if ", " in text else (text, "", "")
    measure = measure.strip() or None
    unit = unit.strip() or None
    kind = "count" if measure and measure.casefold().startswith(_COUNT_MEASURES) else "other"
    return {"measure": measure, "unit": unit, "kind": kind}


def _parse_values(values: pd.Series, decimal: str) -> tuple[pd.Series, dict[str, Any]]:
    # numbers from XLSX cells print with a decimal point; text cells may use a comma
    text = values.astype(str).str.strip()
    markers = text.isin(list(MISSING_MARKERS)) | (text == "")
    zeros = text.isin(list(_ZERO_MARKERS))
    cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    if decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    out = pd.to_numeric(cleaned.where(~markers & ~zeros), errors="coerce")
    out[zeros.to_numpy()] = 0.0
    unreadable = out.isna() & ~markers
    if unreadable.any():
        raise SegregationError(
            f"{int(unreadable.sum())} values are neither numbers nor SCB's markers "
            f"('..', '.', '-'): {describe_items(text[unreadable].unique())}. Check the "
            "separator (sep=) and the decimal mark."
        )
    counts = text[markers & (text != "")].value_counts()
    report = {
        "missing": {str(k): int(v) for k, v in counts.items()},
        "empty": int((text == "").sum()),
        "dash_zero": int(zeros.sum()),
    }
    whole = out.dropna()
    if len(whole) and np.all(np.mod(whole.to_numpy(dtype=float), 1) == 0):
        out = out.astype("Int64")
    else:
        out = out.astype(float)
    return out, report


def _examples(frame: pd.DataFrame, mask: pd.Series, region: str) -> list[str]:
    rows = frame.loc[mask.to_numpy(), [region, "year"]].head(5)
    return [f"{r} {y}" for r, y in zip(rows[region], rows["year"], strict=True)]


# --------------------------------------------------------------------------- validating
def check_counts(
    frame: pd.DataFrame,
    columns: list[str] | None = None,
    *,
    totals: dict[str, str] | None = None,
) -> None:
    """Check that ``columns`` hold counts and that each part is at most its total.

    Parameters
    ----------
    frame : pandas.DataFrame
        Indexed by area code.
    columns : list of str, optional
        Count columns to check (default: every numeric column). Missing values are allowed.
    totals : dict, optional
        ``{part: total}`` pairs, e.g. ``{"born_abroad": "population"}``.

    Raises
    ------
    InvalidCodeError
        When the index holds a code more than once.
    InvalidCountError
        On negative or non-whole counts, or a part larger than its total; the message names
        the first rows and how many there are.

    Examples
    --------
    >>> frame = pd.DataFrame({"population": [100, 50], "born_abroad": [20, 60]},
    ...                      index=pd.Index(["0114R001", "0114R002"], name="regsokod"))
    >>> check_counts(frame, totals={"born_abroad": "population"})
    Traceback (most recent call last):
    ...
    segregation.data.scb_files.InvalidCountError: 1 row has born_abroad > population: 0114R002 (60 > 50). ...
    """
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        raise InvalidCodeError(
            f"{len(duplicated)} codes occur on more than one row: {describe_items(duplicated)}. "
            "Aggregate them first (frame.groupby(level=0).sum()) or drop the repeats."
        )
    if columns is None:
        columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        for mask, what, fix in (
            (values < 0, "a negative count", "Counts cannot be negative"),
            (
                np.mod(values.fillna(0), 1) != 0,
                "a non-whole count",
                "Counts must be whole numbers: is this a share or a mean?",
            ),
        ):
            if mask.any():
                _raise_rows(frame, mask, f"{what} in {column!r}", fix, values)
    for part, total in (totals or {}).items():
        over = (frame[part].astype(float) > frame[total].astype(float)).fillna(False)
        if over.any():
            pairs = [
                f"{code} ({frame.at[code, part]} > {frame.at[code, total]})"
                for code in frame.index[over.to_numpy()][:5]
            ]
            rest = int(over.sum()) - len(pairs)
            noun = "row has" if over.sum() == 1 else "rows have"
            raise InvalidCountError(
                f"{int(over.sum())} {noun} {part} > {total}: {', '.join(pairs)}"
                + (f" and {rest} more" if rest > 0 else "")
                + f". Check that {part!r} is a part of {total!r} and that they are not swapped."
            )


def _raise_rows(frame: pd.DataFrame, mask: pd.Series, what: str, fix: str, values) -> None:
    codes = frame.index[mask.to_numpy()]
    shown = [f"{c} ({v:g})" for c, v in zip(codes[:5], values[mask.to_numpy()][:5], strict=True)]
    rest = len(codes) - len(shown)
    noun = "row has" if len(codes) == 1 else "rows have"
    raise InvalidCountError(
        f"{len(codes)} {noun} {what}: {', '.join(shown)}"
        + (f" and {rest} more" if rest > 0 else "")
        + f". {fix}."
    )


# --------------------------------------------------------------------------- matching
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
    unique = pd.Series(pd.unique(pd.Series(list(labels), dtype=object).astype(str)))
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
    rows = _suggest(unique[code.isna()], areas, names, set(code.dropna()))
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
    summary["unmatched"] = int(code.isna().sum())
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
    if match is None:
        match = match_areas(keys.tolist(), areas)
    codes = keys.map(match.mapping).astype(object)
    for row in match.report.itertuples():
        reasons[keys == row.label] = row.reason
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
