"""Byte-stable writers: the same numbers give the same bytes, run after run.

Three things make files differ between identical runs: random element ids in HTML pages
(folium and branca draw a fresh 32-hex-digit id for every element), timestamps in image
metadata, and the order and formatting of numbers. The writers here remove all three, and
write through a temporary file renamed into place, so an interrupted run never leaves a
half-written file that looks finished.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["stable_html", "write_bytes", "write_csv", "write_figure", "write_html"]

# A 32-digit lower-case hex id, not part of a longer run of letters or digits (sha256 sums,
# base64 data and words are left alone).
_ELEMENT_ID = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])")


def stable_html(html: str) -> str:
    """Replace random element ids by ids numbered in order of first appearance.

    Examples
    --------
    >>> page = 'var map_3f2a9c0e8b1d4f6a7c5e2b0d9a8f7e6d = L.map("map_3f2a9c0e8b1d4f6a7c5e2b0d9a8f7e6d");'
    >>> stable_html(page)
    'var map_00000000000000000000000000000001 = L.map("map_00000000000000000000000000000001");'
    """
    ids: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"{len(ids) + 1:032x}")

    return _ELEMENT_ID.sub(renumber, html)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temporary file, then rename it to ``path`` (atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def write_html(path: str | Path, html: str) -> None:
    """Write an HTML page with stable element ids and ``\\n`` line ends, UTF-8."""
    write_bytes(path, stable_html(html).replace("\r\n", "\n").encode("utf-8"))


def write_csv(path: str | Path, frame: pd.DataFrame, **kwargs: Any) -> None:
    """Write a CSV with ``\\n`` line ends and full-precision floats (``repr``, round-trips).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(p, pd.DataFrame({"x": [0.1 + 0.2]}), index=False)
    >>> p.read_text()
    'x\\n0.30000000000000004\\n'
    """
    text = frame.to_csv(lineterminator="\n", **kwargs)
    write_bytes(path, text.encode("utf-8"))


def write_figure(path: str | Path, figure: Figure, *, dpi: int = 150) -> None:
    """Save a matplotlib figure without timestamps or version strings in its metadata.

    The format follows the suffix (``.png``, ``.svg`` or ``.pdf``).
    """
    import io

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    }.get(fmt, {})
    buffer = io.BytesIO()
    extra = {"svg.hashsalt": "segregation"} if fmt == "svg" else {}
    import matplotlib as mpl

    with mpl.rc_context(extra):
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    write_bytes(path, buffer.getvalue())
