"""How a frame says it came out of the disclosure module.

Maps, exported tables and batch runs accept only frames marked here (or an explicit
``unsafe=True``). The mark lives in ``frame.attrs`` so it travels with copies.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "PROTECTED_ATTR",
    "is_protected",
    "mark_protected",
    "protection_info",
    "require_protected",
]

PROTECTED_ATTR = "segregation_protection"


def mark_protected(frame: pd.DataFrame, **info: Any) -> pd.DataFrame:
    """Mark ``frame`` (in place, and return it) as protected, recording how."""
    frame.attrs[PROTECTED_ATTR] = {"protected": True, **info}
    return frame


def is_protected(frame: pd.DataFrame) -> bool:
    """True when ``frame`` came out of the disclosure module (suppression or cell key)."""
    return bool(frame.attrs.get(PROTECTED_ATTR, {}).get("protected", False))


def protection_info(frame: pd.DataFrame) -> dict[str, Any]:
    """The method and parameters recorded by :func:`mark_protected` (empty when raw)."""
    return dict(frame.attrs.get(PROTECTED_ATTR, {}))


def require_protected(
    frame: pd.DataFrame, *, unsafe: bool = False, what: str = "this output"
) -> None:
    """Raise unless ``frame`` is protected or the caller said ``unsafe=True``.

    Maps, exported tables and reports call this before anything leaves the library.

    Examples
    --------
    >>> raw = pd.DataFrame({"a": [3]}, index=["0114A0010"])
    >>> require_protected(raw, what="a map")
    Traceback (most recent call last):
    ...
    segregation.errors.UnprotectedDataError: Raw counts cannot go into a map: ...
    >>> require_protected(raw, unsafe=True)  # the caller takes responsibility
    >>> require_protected(mark_protected(raw.copy(), method="suppression"))
    """
    if unsafe or is_protected(frame):
        return
    from segregation.errors import UnprotectedDataError

    raise UnprotectedDataError(
        f"Raw counts cannot go into {what}: the frame did not come out of "
        "segregation.disclosure (protect() or perturb()). Protect it first, e.g. "
        "seg.disclosure.protect(counts).wide(), or pass unsafe=True to take responsibility "
        "for publishing unprotected numbers."
    )
