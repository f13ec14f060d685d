"""Maps: interactive (folium, offline) and static (matplotlib) choropleths.

Both draw the same classes in the same colours, write or draw only the columns asked for,
and refuse raw small counts unless the frame came out of :mod:`segregation.disclosure`.
Heavy libraries load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it, imported on first use
_EXPORTS: dict[str, str] = {
    "explore": "segregation.maps.interactive",
    "display_geometry": "segregation.maps.interactive",
    "plot": "segregation.maps.static",
    "save": "segregation.maps.static",
    "classify": "segregation.maps._classes",
    "area_type_names": "segregation.maps._classes",
    "AREA_TYPE_COLORS": "segregation.maps._classes",
    "CATEGORY_COLORS": "segregation.maps._classes",
    "SCHEMES": "segregation.maps._classes",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'segregation.maps' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
