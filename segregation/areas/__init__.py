"""Areas: codes, boundaries and crosswalks between editions.

Boundary loaders import geopandas on first use; code parsing needs only pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

from segregation.areas.codes import (
    add_edition_suffix,
    check_single_edition,
    kommuner,
    lan,
    parse_codes,
    strip_edition,
)

_EXPORTS = {
    "load_regso": "segregation.areas.boundaries",
    "load_deso": "segregation.areas.boundaries",
    "load_kommuner": "segregation.areas.boundaries",
    "load_lan": "segregation.areas.boundaries",
    "read_areas": "segregation.areas.boundaries",
    "deso_to_regso": "segregation.areas.crosswalk",
    "read_deso_regso_key": "segregation.areas.crosswalk",
}

__all__ = [
    "add_edition_suffix",
    "check_single_edition",
    "kommuner",
    "lan",
    "parse_codes",
    "strip_edition",
    *_EXPORTS,
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'segregation.areas' has no attribute {name!r}")
