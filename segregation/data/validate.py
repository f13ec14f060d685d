"""Validation of area counts: errors that name the rows and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segregation.errors import InvalidCodeError, SegregationError, describe_items

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
    segregation.data.validate.InvalidCountError: 1 row has born_abroad > population: 0114R002 (60 > 50). ...
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
