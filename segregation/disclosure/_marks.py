"""How a frame says it came out of the disclosure module.

Maps, exported tables and batch runs accept only frames marked here (or an explicit
``unsafe=True``). The mark lives in ``frame.attrs`` so it travels with copies.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["PROTECTED_ATTR", "is_protected", "mark_protected", "protection_info"]

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
