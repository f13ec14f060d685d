"""Area boundaries: the embedded default, SCB's WFS, and the user's own files.

Every loader returns a GeoDataFrame in EPSG:3006 (SWEREF 99 TM), indexed by the area
code, with ``kommunkod``, ``kommunnamn``, ``lanskod`` and ``lansnamn`` columns.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from segregation.areas.codes import check_single_edition, parse_codes
from segregation.areas.codes import kommuner as _kommun_table
from segregation.errors import CRSError, EmptySelectionError, InvalidCodeError, describe_items, warn

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CODE_COLUMNS",
    "boundaries_manifest",
    "embedded_path",
    "load_deso",
    "load_kommuner",
    "load_lan",
    "load_regso",
    "read_areas",
]

#: Column names under which SCB and others publish area codes, by level.
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "deso": ("desokod", "deso", "deso_kod", "deso_code", "DeSO", "Deso", "DESO", "DESOKOD"),
    "regso": (
        "regsokod",
        "regso",
        "regso_kod",
        "regso_code",
        "RegSO",
        "Regso",
        "REGSO",
        "REGSOKOD",
    ),
}
# attributes of SCB's layers that restate what the standard columns already hold
_DROPPED_ATTRIBUTES = {
    "kommun",
    "lan",
    "kommunnamn",
    "lannamn",
    "lansnamn",
    "kommunkod",
    "lanskod",
    "regsonamn",
    "regso_namn",
}
_EXTENSIONS = {".gpkg", ".shp", ".geojson", ".json", ".parquet", ".geoparquet", ".fgb", ".zip"}


def embedded_path(name: str) -> Path:
    """Path of an embedded boundary file, from the installed wheel or the source tree."""
    packaged = resources.files("segregation").joinpath("_boundaries", name)
    if packaged.is_file():
        return Path(str(packaged))
    source_tree = Path(__file__).resolve().parents[2] / "boundaries" / name
    if source_tree.is_file():
        return source_tree
    raise FileNotFoundError(
        f"The embedded boundary file {name!r} is missing from this installation. "
        "Reinstall deso-segregation, or rebuild it with boundaries/build_boundaries.py."
    )


def boundaries_manifest() -> dict:
    """The provenance of the embedded boundaries (source, licence, checksums, tolerance)."""
    return json.loads(embedded_path("MANIFEST.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _read_embedded(name: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.read_parquet(embedded_path(name))


def _add_names(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    names = _kommun_table()
    frame["kommunnamn"] = frame["kommunkod"].map(names["kommunnamn"])
    lan_names = names.drop_duplicates("lanskod").set_index("lanskod")["lansnamn"]
    frame["lansnamn"] = frame["lanskod"].map(lan_names)
    return frame


def _filter(
    frame: gpd.GeoDataFrame, kommun: str | list[str] | None, lan: str | list[str] | None
) -> gpd.GeoDataFrame:
    said = []
    for column, wanted in (("kommunkod", kommun), ("lanskod", lan)):
        if wanted is None:
            continue
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        parse_codes(wanted)  # malformed or unknown codes raise here, with positions
        frame = frame[frame[column].isin(wanted)]
        said.append(f"{column} in ({describe_items(wanted)})")
    if said and frame.empty:
        raise EmptySelectionError(
            f"The filter {' and '.join(said)} selected no areas. A kommun lies in the län of its "
            "first two digits; check the codes against segregation.areas.kommuner()."
        )
    return frame


def load_regso(
    edition: int = 2025,
    detail: Literal["simplified", "full"] = "simplified",
    source: str | Path | None = None,
    *,
    kommun: str | list[str] | None = None,
    lan: str | list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Load RegSO boundaries.

    Parameters
    ----------
    edition : {2025, 2020}, default=2025
        The RegSO edition. The embedded default is edition 2025.
    detail : {"simplified", "full"}, default="simplified"
        ``"simplified"`` is the embedded, offline default (topology kept, about 60 m
        tolerance). ``"full"`` reads SCB's original geometry from ``source`` or SCB's WFS.
    source : str or path, optional
        A file of RegSO polygons (GeoPackage, Shapefile, GeoJSON, GeoParquet). Overrides
        ``detail``.
    kommun, lan : str or list of str, optional
        Keep only these kommuner or län.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``regsokod``, in EPSG:3006, with ``regsonamn``, ``kommunkod``,
        ``kommunnamn``, ``lanskod``, ``lansnamn`` and geometry.

    Examples
    --------
    >>> g = load_regso()
    >>> len(g), g.crs.to_epsg(), g["kommunkod"].nunique(), g["lanskod"].nunique()
    (3363, 3006, 290, 21)
    >>> load_regso(kommun="0380").index[:2].tolist()
    ['0380R001', '0380R002']
    """
    if edition not in (2020, 2025):
        raise InvalidCodeError(f"RegSO editions are 2020 and 2025, got edition={edition!r}.")
    if source is not None:
        frame = read_areas(source, level="regso")
    elif detail == "simplified" and edition == 2025:
        frame = _read_embedded("regso_2025.parquet").copy()
        frame = _add_names(frame).set_index("regsokod")
    elif detail in ("simplified", "full"):
        from segregation.areas import wfs

        frame = read_areas(
            wfs.download_layer(f"RegSO_{edition}", kommun=kommun, lan=lan), level="regso"
        )
    else:
        raise ValueError(f"detail must be 'simplified' or 'full', got {detail!r}.")
    return _filter(frame, kommun, lan)


def load_deso(
    edition: int = 2025,
    source: str | Path | None = None,
    *,
    kommun: str | list[str] | None = None,
    lan: str | list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Load DeSO boundaries from a file or from SCB's WFS (downloaded once, then cached).

    Parameters
    ----------
    edition : {2025, 2018}, default=2025
    source : str or path, optional
        A file of DeSO polygons. Without it the layer is downloaded from SCB's WFS.
    kommun, lan : str or list of str, optional
        Keep only these kommuner or län.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``desokod``, in EPSG:3006, with ``regsokod`` where the source has it,
        ``deso_category``, ``kommunkod``, ``kommunnamn``, ``lanskod``, ``lansnamn``.
    """
    if edition not in (2018, 2025):
        raise InvalidCodeError(f"DeSO editions are 2018 and 2025, got edition={edition!r}.")
    if source is None:
        from segregation.areas import wfs

        source = wfs.download_layer(f"DeSO_{edition}", kommun=kommun, lan=lan)
    return _filter(read_areas(source, level="deso"), kommun, lan)


def load_kommuner() -> gpd.GeoDataFrame:
    """The 290 kommuner, dissolved from the embedded RegSO, indexed by ``kommunkod``.

    Examples
    --------
    >>> k = load_kommuner()
    >>> len(k), k.loc["0180", "kommunnamn"]
    (290, 'Stockholm')
    """
    frame = _add_names(_read_embedded("kommuner.parquet").copy())
    return frame.set_index("kommunkod")


def load_lan() -> gpd.GeoDataFrame:
    """The 21 län, dissolved from the embedded RegSO, indexed by ``lanskod``.

    Examples
    --------
    >>> load_lan().loc["03", "lansnamn"]
    'Uppsala län'
    """
    frame = _read_embedded("lan.parquet").copy()
    names = _kommun_table().drop_duplicates("lanskod").set_index("lanskod")["lansnamn"]
    frame["lansnamn"] = frame["lanskod"].map(names)
    return frame.set_index("lanskod")


def _find_code_column(frame: pd.DataFrame, level: str | None) -> tuple[str, str]:
    levels = [level] if level else ["deso", "regso"]
    for lvl in levels:
        for name in CODE_COLUMNS[lvl]:
            if name in frame.columns:
                return lvl, name
    wanted = [n for lvl in levels for n in CODE_COLUMNS[lvl]]
    raise InvalidCodeError(
        f"No area code column found. Looked for {describe_items(wanted, 8)}; the file has "
        f"columns {describe_items(list(frame.columns), 12)}. Rename the code column to "
        f"{'desokod' if levels[0] == 'deso' else 'regsokod'}."
    )


def read_areas(
    path: str | Path,
    level: Literal["deso", "regso"] | None = None,
    *,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a user's file of DeSO or RegSO polygons into the library's standard shape.

    The code column may be under any of SCB's usual names (``desokod``, ``deso``,
    ``regsokod``, ``regso`` ...); codes are validated, geometries repaired (and reported),
    and the layer reprojected to EPSG:3006.

    Raises
    ------
    CRSError
        When the file has no CRS.
    InvalidCodeError
        When no code column is found, or codes are malformed or duplicated.
    """
    import geopandas as gpd
    import shapely

    path = Path(path)
    if path.suffix.lower() not in _EXTENSIONS:
        raise ValueError(
            f"Cannot read {path.name!r}: expected one of {sorted(_EXTENSIONS)} "
            "(GeoPackage, Shapefile, GeoJSON, GeoParquet, FlatGeobuf)."
        )
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        frame = gpd.read_parquet(path)
    else:
        frame = gpd.read_file(path, layer=layer)
    if frame.crs is None:
        raise CRSError(
            f"{path.name} has no CRS. Set it before loading, e.g. "
            "gdf.set_crs(3006) for SWEREF 99 TM coordinates, then save the file again."
        )
    if frame.crs.to_epsg() != 3006:
        frame = frame.to_crs(3006)

    level, column = _find_code_column(frame, level)
    key = f"{level}kod"
    codes = frame[column].astype(str).str.strip()
    parsed = parse_codes(codes.reset_index(drop=True))
    check_single_edition(parsed)
    wrong_level = parsed["level"] != level
    if wrong_level.any():
        bad = codes[wrong_level.to_numpy()]
        raise InvalidCodeError(
            f"{int(wrong_level.sum())} values in column {column!r} are not {level} codes: "
            f"{describe_items(bad.tolist())}."
        )
    duplicated = codes[codes.duplicated(keep=False)].unique()
    if len(duplicated):
        raise InvalidCodeError(
            f"{len(duplicated)} codes occur more than once in {path.name}: "
            f"{describe_items(duplicated)}. Dissolve the parts first (gdf.dissolve(by={column!r}))."
        )

    invalid = ~shapely.is_valid(frame.geometry.values)
    if invalid.any():
        frame.loc[invalid, frame.geometry.name] = shapely.make_valid(
            frame.geometry.values[invalid], method="structure", keep_collapsed=False
        )
        warn(
            f"Repaired {int(invalid.sum())} invalid geometries in {path.name}: "
            f"{describe_items(codes[invalid].tolist())}."
        )

    out = gpd.GeoDataFrame(
        {key: parsed["base_code"].to_numpy()},
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    if level == "deso":
        out["deso_category"] = parsed["deso_category"].to_numpy()
        for name in CODE_COLUMNS["regso"]:
            if name in frame.columns:
                out["regsokod"] = frame[name].astype(str).to_numpy()
                break
    if level == "regso":
        for name in ("regsonamn", "regso_namn", "namn", "name"):
            if name in frame.columns:
                out["regsonamn"] = frame[name].astype(str).to_numpy()
                break
    out["kommunkod"] = parsed["kommunkod"].to_numpy()
    out["lanskod"] = parsed["lanskod"].to_numpy()
    out = _add_names(out)
    # keep the user's own attributes (population counts and the like) beside ours
    skip = {column, frame.geometry.name, *out.columns, *_DROPPED_ATTRIBUTES}
    for name in frame.columns:
        if name not in skip and name not in CODE_COLUMNS["deso"] + CODE_COLUMNS["regso"]:
            out[name] = frame[name].to_numpy()
    return out.set_index(key)
