"""Validation of area counts: errors that name the rows and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segregation.errors import (
    InvalidCodeError,
    SegregationError,
    describe_items,
)

__all__ = ["InvalidCountError", "check_counts"]


class InvalidCountError(SegregationError):
    """Counts that cannot be counts: negative, not whole, or a part larger than its whole."""


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
        When the index holds a code more than once, or DeSO and RegSO codes together.
    EditionMismatchError
        When the index holds DeSO or RegSO codes of two editions (suffixed and unsuffixed,
        or two suffixes).
    InvalidCountError
        On values that are not numbers, negative or non-whole counts, or a part larger than
        its total; the message names the first rows and how many there are.
    SegregationError
        When a column named in ``columns`` or ``totals`` is not in the frame.

    Examples
    --------
    >>> frame = pd.DataFrame({"population": [100, 50], "born_abroad": [20, 60]},
    ...                      index=pd.Index(["0114R001", "0114R002"], name="regsokod"))
    >>> check_counts(frame, totals={"born_abroad": "population"})
    Traceback (most recent call last):
    ...
    segregation.data.validate.InvalidCountError: 1 row has born_abroad > population: 0114R002 (60 > 50). ...
    """
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        noun = "code occurs" if len(duplicated) == 1 else "codes occur"
        raise InvalidCodeError(
            f"{len(duplicated)} {noun} on more than one row: {describe_items(duplicated)}. "
            "Aggregate them first (frame.groupby(level=0).sum()) or drop the repeats."
        )
    _check_codes(frame.index)
    totals = dict(totals or {})
    if columns is None:
        columns = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    columns = list(dict.fromkeys([*columns, *totals, *totals.values()]))
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise SegregationError(
            f"No column {describe_items(absent)} to check; the frame has "
            f"{describe_items([str(c) for c in frame.columns], 12)}."
        )
    numbers: dict[str, pd.Series] = {}
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        text = frame[column].isna().to_numpy() | values.notna().to_numpy()
        if not text.all():
            _raise_rows(
                frame,
                pd.Series(~text, index=frame.index),
                f"a value that is not a number in {column!r}",
                "Counts must be numbers; read the file with segregation.read_scb, which turns "
                "SCB's '..' and '.' into missing values",
                frame[column],
            )
        for mask, what, fix in (
            (values < 0, "a negative count", "Counts cannot be negative"),
            (
                np.mod(values.fillna(0), 1) != 0,
                "a non-whole count",
                "Counts must be whole numbers (is this a share or a mean?)",
            ),
        ):
            if mask.any():
                _raise_rows(frame, mask, f"{what} in {column!r}", fix, values)
        numbers[column] = values
    for part, total in totals.items():
        over = (numbers[part] > numbers[total]).fillna(False)
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


def _check_codes(index: pd.Index) -> None:
    """DeSO and RegSO codes of one level and one edition (other indexes are left alone)."""
    from segregation.areas.codes import check_single_edition, parse_codes

    if len(index) == 0 or not (
        pd.api.types.is_string_dtype(index) or pd.api.types.is_object_dtype(index)
    ):
        return
    try:
        parsed = parse_codes(pd.Series(index, dtype=object))
    except (InvalidCodeError, TypeError, ValueError):
        return  # not area codes: the callers' own checks name them
    areas = parsed[parsed["level"].isin(["deso", "regso"])]
    levels = areas["level"].unique()
    if len(levels) > 1:
        deso = areas.loc[areas["level"] == "deso", "code"]
        regso = areas.loc[areas["level"] == "regso", "code"]
        raise InvalidCodeError(
            f"DeSO and RegSO codes are mixed: {len(deso)} DeSO (e.g. {describe_items(deso, 3)}) "
            f"and {len(regso)} RegSO (e.g. {describe_items(regso, 3)}). A table of counts holds "
            "one level: split it, or aggregate DeSO to RegSO first."
        )
    check_single_edition(parsed)


def _raise_rows(frame: pd.DataFrame, mask: pd.Series, what: str, fix: str, values) -> None:
    codes = frame.index[mask.to_numpy()]
    shown = [
        f"{c} ({v:g})" if isinstance(v, float | int | np.number) else f"{c} ({v!r})"
        for c, v in zip(codes[:5], values[mask.to_numpy()][:5], strict=True)
    ]
    rest = len(codes) - len(shown)
    noun = "row has" if len(codes) == 1 else "rows have"
    raise InvalidCountError(
        f"{len(codes)} {noun} {what}: {', '.join(shown)}"
        + (f" and {rest} more" if rest > 0 else "")
        + f". {fix}."
    )
