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
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segregation.data.matching import MatchResult, join, match_areas
from segregation.data.validate import InvalidCountError, check_counts
from segregation.errors import SegregationError, describe_items

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
        from segregation.data._jsonstat import frame_from_jsonstat

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
