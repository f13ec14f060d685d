"""Writing tables out of the library: only protected frames, unless said otherwise."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segregation.disclosure._marks import protection_info, require_protected
from segregation.errors import SegregationError

__all__ = ["export_table"]

_WRITERS = {".csv": "csv", ".xlsx": "excel", ".parquet": "parquet"}


def export_table(frame: pd.DataFrame, path: str | Path, *, unsafe: bool = False) -> Path:
    """Write a protected table to CSV, Excel or Parquet.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame from :func:`~segregation.disclosure.protect` or
        :func:`~segregation.disclosure.perturb` (``.long``, ``.wide()``, ``.shares()``,
        ``.estimate()``) or anything marked by :func:`~segregation.disclosure.mark_protected`.
    path : str or Path
        Ends in ``.csv``, ``.xlsx`` or ``.parquet``.
    unsafe : bool, default=False
        Write unprotected numbers anyway. The caller takes responsibility.

    Returns
    -------
    Path

    Raises
    ------
    UnprotectedDataError
        When ``frame`` is not protected and ``unsafe`` is False.

    Examples
    --------
    >>> import tempfile, os
    >>> raw = pd.DataFrame({"a": [3]}, index=["0114A0010"])
    >>> export_table(raw, os.path.join(tempfile.mkdtemp(), "t.csv"))
    Traceback (most recent call last):
    ...
    segregation.errors.UnprotectedDataError: Raw counts cannot go into an exported table: ...
    """
    require_protected(frame, unsafe=unsafe, what="an exported table")
    path = Path(path)
    kind = _WRITERS.get(path.suffix.lower())
    if kind is None:
        raise SegregationError(
            f"Cannot write {path.name!r}: the name must end in one of {sorted(_WRITERS)}."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    index = frame.index.name is not None
    if kind == "csv":
        frame.to_csv(path, index=index)
    elif kind == "excel":
        frame.to_excel(path, index=index)
    else:
        out = frame.copy()
        out.attrs = {}
        out.attrs["protection"] = str(protection_info(frame))
        out.to_parquet(path, index=index)
    return path
