"""Named exceptions and the warning helper used across the library.

Every error raised on bad input is a :class:`SegregationError` (a :class:`ValueError`),
so ``except ValueError`` keeps working, and names the offending rows and the fix.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable

__all__ = [
    "CRSError",
    "EditionMismatchError",
    "EmptySelectionError",
    "InvalidCodeError",
    "SegregationError",
    "SegregationWarning",
    "UnmatchedError",
    "UnprotectedDataError",
    "describe_items",
    "warn",
]


class SegregationError(ValueError):
    """Base class for errors raised on bad input."""


class InvalidCodeError(SegregationError):
    """An area, kommun or län code is malformed or unknown."""


class EditionMismatchError(SegregationError):
    """Codes of different editions (DeSO 2018 and 2025, RegSO 2020 and 2025) were mixed."""


class CRSError(SegregationError):
    """A geometry layer has no CRS, or a CRS that does not suit the operation."""


class EmptySelectionError(SegregationError):
    """A filter (kommun, län, code list) selected nothing."""


class UnmatchedError(SegregationError):
    """Labels or codes could not be matched, and the caller asked for strict matching."""


class UnprotectedDataError(SegregationError):
    """Raw counts that could disclose a person were about to leave the library."""


class SegregationWarning(UserWarning):
    """Something was repaired, reported or assumed; the message says what."""


def describe_items(items: Iterable[object], limit: int = 5) -> str:
    """Return ``"a, b, c and 4 more"`` for the first ``limit`` items of a collection.

    Examples
    --------
    >>> describe_items(["0114A0010", "0114A0020"])
    '0114A0010, 0114A0020'
    >>> describe_items(range(8), limit=3)
    '0, 1, 2 and 5 more'
    """
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def _user_stacklevel() -> int:
    """Stack level of the first frame outside this package, so warnings point at user code."""
    import inspect

    package_dir = os.path.dirname(os.path.abspath(__file__))
    level = 0
    frame = inspect.currentframe()
    while frame is not None:
        if not os.path.abspath(frame.f_code.co_filename).startswith(package_dir):
            break
        level += 1
        frame = frame.f_back
    return level


def warn(message: str, category: type[Warning] = SegregationWarning) -> None:
    """Emit a warning that points at the caller's line, not at library internals."""
    warnings.warn(message, category, stacklevel=_user_stacklevel())
