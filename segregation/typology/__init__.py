"""Typology: SCB's socioeconomic area types and data-driven geodemographic types.

``socioeconomic`` (SCB's index and five area types) is light and imported here;
``cluster`` (scikit-learn) loads on first use.
"""

from __future__ import annotations

from segregation._lazy import lazy_exports
from segregation.typology.socioeconomic import (
    AREA_TYPES,
    DEFAULT_CUTOFFS,
    DESO_PROXIES,
    AreaType,
    area_type_labels,
    area_types,
    socioeconomic_index,
    socioeconomic_index_deso,
)

# public name -> module, imported on first use (scikit-learn is heavy)
_LAZY: dict[str, str] = {
    "GeodemographicTypology": "segregation.typology.cluster",
    "challenge_counts": "segregation.typology.challenges",
    "crosstab_types": "segregation.typology.compare",
    "explore_types": "segregation.typology.mapping",
    "plot_types": "segregation.typology.mapping",
    "types_frame": "segregation.typology.mapping",
    "match_labels": "segregation.typology.compare",
    "queen_contiguity": "segregation.typology._contiguity",
    "transition_matrix": "segregation.typology.compare",
}

__all__ = [
    "AREA_TYPES",
    "DEFAULT_CUTOFFS",
    "DESO_PROXIES",
    "AreaType",
    "area_type_labels",
    "area_types",
    "socioeconomic_index",
    "socioeconomic_index_deso",
    *_LAZY,
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
