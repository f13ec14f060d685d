"""deso-segregation: residential segregation over Sweden's DeSO and RegSO areas.

The import name ``segregation`` is also used by PySAL's ``segregation`` package: the two
cannot be installed in one environment.

Everything public is re-exported here and imported lazily on first use, so that
``import segregation`` stays fast and heavy dependencies (geopandas, folium, scikit-learn)
load only when a function that needs them is called.

Examples
--------
>>> import segregation as seg
>>> seg.parse_codes(["0180R012"])["kommunnamn"].tolist()
['Stockholm']
"""

from __future__ import annotations

from segregation._lazy import lazy_exports
from segregation._version import __version__
from segregation.errors import (
    CRSError,
    EditionMismatchError,
    EmptySelectionError,
    InvalidCodeError,
    SegregationError,
    SegregationWarning,
    UnmatchedError,
    UnprotectedDataError,
)

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # areas
    "parse_codes": "segregation.areas.codes",
    "kommuner": "segregation.areas.codes",
    "lan": "segregation.areas.codes",
    "load_regso": "segregation.areas.boundaries",
    "load_deso": "segregation.areas.boundaries",
    "load_kommuner": "segregation.areas.boundaries",
    "load_lan": "segregation.areas.boundaries",
    "read_areas": "segregation.areas.boundaries",
    "deso_to_regso": "segregation.areas.crosswalk",
    # data
    "read_scb": "segregation.data.scb_files",
    "match_areas": "segregation.data.matching",
    "join": "segregation.data.matching",
    "fetch": "segregation.data.pxweb",
    "PxWebClient": "segregation.data.pxweb",
    "synthetic": "segregation.data.synthetic",
    "check_counts": "segregation.data.validate",
    "synthetic_register": "segregation.data.register",
    "assign": "segregation.data.records",
    "aggregate": "segregation.data.records",
    "publish": "segregation.data.records",
    # typology
    "AREA_TYPES": "segregation.typology.socioeconomic",
    "socioeconomic_index": "segregation.typology.socioeconomic",
    "socioeconomic_index_deso": "segregation.typology.socioeconomic",
    "area_types": "segregation.typology.socioeconomic",
    "GeodemographicTypology": "segregation.typology.cluster",
    # spatial and local indices
    "multiscalar": "segregation.indices.multiscalar",
    "local_environment": "segregation.indices.multiscalar",
    "location_quotients": "segregation.indices.local",
    "local_diversity": "segregation.indices.local",
    "local_mutual_information": "segregation.indices.local",
    "local_spatial_dissimilarity": "segregation.indices.local",
}
_SUBPACKAGES = ("areas", "data", "indices", "typology", "disclosure", "maps", "pipeline", "cli")

__all__ = [
    "CRSError",
    "EditionMismatchError",
    "EmptySelectionError",
    "InvalidCodeError",
    "SegregationError",
    "SegregationWarning",
    "UnmatchedError",
    "UnprotectedDataError",
    "__version__",
    *_EXPORTS,
    *_SUBPACKAGES,
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBPACKAGES)
