"""Areas: codes, boundaries and crosswalks between editions.

Boundary loaders import geopandas on first use; code parsing needs only pandas.
"""

from __future__ import annotations

from segregation._lazy import lazy_exports
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


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
