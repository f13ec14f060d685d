"""Maps: interactive (folium, offline) and static (matplotlib) choropleths.

Both draw the same classes in the same colours, write or draw only the columns asked for,
and refuse raw small counts unless the frame came out of :mod:`segregation.disclosure`.
Heavy libraries load on first use.
"""

from __future__ import annotations

from segregation._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
