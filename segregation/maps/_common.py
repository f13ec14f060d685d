"""What the interactive and the static map share: input checks and the whitelist.

Both map functions call :func:`prepare` once, which

* finds the area codes and the geometry (a GeoDataFrame, or the embedded boundaries for a
  frame indexed by RegSO, kommun or län codes),
* refuses raw small counts unless the frame is protected (or ``unsafe=True``),
* keeps only the columns the map shows (the whitelist), so nothing else can leak,

and :func:`~segregation.maps._classes.classify` once per column, so the two maps draw the
same classes in the same colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.disclosure._marks import is_protected, protection_info
from segregation.errors import (
    CRSError,
    SegregationError,
    UnmatchedError,
    UnprotectedDataError,
    describe_items,
)
from segregation.maps._classes import (
    AREA_TYPE_COLORS,
    CATEGORY_COLORS,
    MISSING_COLOR,
    SCHEMES,
    Classification,
    area_type_names,
    classify,
    fisher_jenks,
    format_number,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "AREA_TYPE_COLORS",
    "AREA_TYPE_COLUMNS",
    "CATEGORY_COLORS",
    "MISSING_COLOR",
    "SCHEMES",
    "SOURCE",
    "Classification",
    "Prepared",
    "area_type_names",
    "as_frame",
    "classify",
    "fisher_jenks",
    "format_number",
    "prepare",
]

SOURCE = "Källa: SCB"

#: Columns read as area types without being told.
AREA_TYPE_COLUMNS = frozenset({"omradestyp", "områdestyp", "area_type", "areatype"})

_CODE_COLUMNS = ("desokod", "regsokod", "kommunkod", "lanskod")
_NAME_COLUMNS = {"deso": None, "regso": "regsonamn", "kommun": "kommunnamn", "lan": "lansnamn"}
_KINDS = ("numeric", "area_type", "category")


@dataclass
class Prepared:
    """A map-ready frame: EPSG:3006, only whitelisted columns, plus ``_code/_name/_kommun``."""

    frame: gpd.GeoDataFrame
    columns: list[str]
    kinds: dict[str, str]
    level: str
    protected: bool
    suppressed: dict[str, np.ndarray] = field(default_factory=dict)


def _columns_list(column: str | Sequence[str]) -> list[str]:
    columns = [column] if isinstance(column, str) else list(column)
    if not columns:
        raise SegregationError("Give at least one column to map, e.g. column='dissimilarity'.")
    return columns


def as_frame(
    frame: pd.DataFrame | pd.Series, column: str | Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """A frame and the list of columns to map; a named Series maps itself.

    Examples
    --------
    >>> s = pd.Series([0.1, 0.2], index=["0380R001", "0380R002"], name="andel")
    >>> as_frame(s, None)[1]
    ['andel']
    """
    if isinstance(frame, pd.Series):
        name = frame.name if frame.name is not None else "value"
        if column is not None and _columns_list(column) != [name]:
            raise SegregationError(
                f"A Series maps itself: column={column!r} does not match its name {name!r}."
            )
        attrs = dict(frame.attrs)
        frame = frame.to_frame(name)
        frame.attrs.update(attrs)  # keeps the disclosure module's mark
        return frame, [str(name)]
    if column is None:
        raise SegregationError(
            "Give the column to map, e.g. column='andel'; the frame has "
            f"{describe_items(map(repr, frame.columns), 12)}."
        )
    return frame, _columns_list(column)


def _area_codes(frame: pd.DataFrame) -> tuple[pd.Series, str]:
    """The base area codes of ``frame`` (from its index, or a code column) and their level."""
    from segregation.areas.codes import check_single_edition, parse_codes

    candidates: list[pd.Series] = []
    if frame.index.name in _CODE_COLUMNS or pd.api.types.is_string_dtype(frame.index):
        candidates.append(pd.Series(frame.index.astype(str), index=frame.index))
    candidates += [frame[c].astype(str) for c in _CODE_COLUMNS if c in frame.columns]
    last_error: Exception | None = None
    for codes in candidates:
        try:
            parsed = parse_codes(codes.reset_index(drop=True))
        except SegregationError as exc:
            last_error = exc
            continue
        levels = parsed["level"].unique()
        if len(levels) != 1:
            raise SegregationError(
                f"A map shows one level at a time, but the codes mix {sorted(levels)}. "
                "Select one level first, e.g. frame[frame.index.str.len() == 8] for RegSO."
            )
        check_single_edition(parsed)  # never draw two editions as one
        return pd.Series(parsed["base_code"].to_numpy(), index=frame.index), str(levels[0])
    hint = f" ({last_error})" if last_error else ""
    raise SegregationError(
        "No area codes found: index the frame by desokod, regsokod, kommunkod or lanskod, "
        f"or give it one of those columns{hint}."
    )


def _embedded_areas(level: str) -> gpd.GeoDataFrame:
    from segregation.areas import boundaries

    if level == "regso":
        return boundaries.load_regso()
    if level == "kommun":
        return boundaries.load_kommuner()
    if level == "lan":
        return boundaries.load_lan()
    raise SegregationError(
        f"{level} boundaries are not embedded. Pass them as areas=, e.g. "
        "areas=seg.load_deso(source='deso.gpkg') (or seg.load_deso() to fetch them from SCB)."
    )


def _geometry_for(frame: pd.DataFrame, codes: pd.Series, level: str, areas: Any) -> Any:
    """A GeoDataFrame of ``frame`` with geometry: its own, or joined from ``areas``."""
    import geopandas as gpd

    if isinstance(frame, gpd.GeoDataFrame) and areas is None:
        if frame.crs is None:
            raise CRSError(
                "The frame has no CRS. Set it first, e.g. frame.set_crs(3006) for SWEREF 99 TM."
            )
        return frame.to_crs(3006) if frame.crs.to_epsg() != 3006 else frame
    if areas is None:
        areas = _embedded_areas(level)
    if areas.crs is None:
        raise CRSError("areas= has no CRS. Set it first, e.g. areas.set_crs(3006).")
    if areas.index.name in _CODE_COLUMNS:  # the library's loaders: base codes as index
        area_codes = pd.Series(areas.index.astype(str), index=areas.index)
    else:
        area_codes, _ = _area_codes(areas)
    lookup = pd.Series(np.arange(len(areas)), index=area_codes.to_numpy())
    if lookup.index.duplicated().any():
        dup = lookup.index[lookup.index.duplicated()].unique()
        raise SegregationError(
            f"areas= has {len(dup)} duplicated codes: {describe_items(dup)}. Dissolve them first."
        )
    position = lookup.reindex(codes.to_numpy())
    missing = position.isna().to_numpy()
    if missing.any():
        raise UnmatchedError(
            f"{int(missing.sum())} areas of the frame have no boundary: "
            f"{describe_items(codes[missing])}. Check the edition of the codes, or pass "
            "areas= with boundaries that cover them."
        )
    geometry = areas.geometry.to_crs(3006).to_numpy()[position.to_numpy(dtype=int)]
    extra = [c for c in ("regsonamn", "kommunnamn", "lansnamn") if c in areas.columns]
    out = gpd.GeoDataFrame(
        pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore"),
        geometry=geometry,
        crs=3006,
    )
    for column in extra:
        if column not in out.columns:
            out[column] = areas[column].to_numpy()[position.to_numpy(dtype=int)]
    return out


def _kind_of(column: str, values: pd.Series, kind: Mapping[str, str] | None) -> str:
    if kind and column in kind:
        if kind[column] not in _KINDS:
            raise SegregationError(
                f"kind[{column!r}] must be one of {list(_KINDS)}, got {kind[column]!r}."
            )
        return kind[column]
    if column.lower() in AREA_TYPE_COLUMNS:
        return "area_type"
    if isinstance(values.dtype, pd.CategoricalDtype) and set(values.cat.categories) <= set(
        area_type_names().values()
    ) | {1, 2, 3, 4, 5}:
        return "area_type"
    if isinstance(values.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    ):
        return "category"
    return "numeric"


def _small_counts(values: pd.Series, threshold: int) -> np.ndarray:
    """Mask of raw counts in 1..threshold-1 (a column is counts when all values are integers)."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(numbers)
    if not finite.any() or not np.all(numbers[finite] == np.round(numbers[finite])):
        return np.zeros(len(numbers), dtype=bool)
    return finite & (numbers > 0) & (numbers < threshold)


def _count_columns(
    frame: pd.DataFrame, columns: list[str], kinds: dict[str, str], threshold: float
) -> dict[str, pd.Index]:
    """Numeric columns of whole-number counts, each with the areas of counts below threshold."""
    found: dict[str, pd.Index] = {}
    for column in columns:
        if kinds[column] != "numeric":
            continue
        if _small_counts(frame[column], np.inf).any():  # whole numbers, some positive
            found[column] = frame.index[_small_counts(frame[column], threshold)]
    return found


def _describe_small(small: dict[str, pd.Index], threshold: int | None = None) -> str:
    below = f" below {threshold}" if threshold is not None else ""
    return "; ".join(
        f"{col!r}{below} in {len(idx)} areas ({describe_items(idx.astype(str))})"
        for col, idx in small.items()
    )


def _check_protected(
    frame: pd.DataFrame, columns: list[str], kinds: dict[str, str], threshold: int
) -> None:
    """Raise :class:`UnprotectedDataError` when numeric columns hold raw counts.

    A column is taken as counts when all its values are whole numbers. Counts below
    ``threshold`` are named area by area; a column of larger counts is refused too, since
    only the disclosure module can say that its pattern protects every small cell.
    """
    found = _count_columns(frame, columns, kinds, threshold)
    if not found:
        return
    small = {col: idx for col, idx in found.items() if len(idx)}
    large = [col for col, idx in found.items() if not len(idx)]
    parts = [_describe_small(small, threshold)] if small else []
    if large:
        parts.append(f"{describe_items(map(repr, large))} whole counts")
    details = "; ".join(parts)
    raise UnprotectedDataError(
        f"Columns {describe_items(map(repr, found))} hold raw counts that were not protected: "
        f"{details}. A map writes its values into the page. Protect the frame first with "
        "segregation.disclosure (suppression or cell key), map shares or indices instead, or "
        "pass unsafe=True if the values are not counts of persons."
    )


def _check_suppressed(frame: pd.DataFrame, columns: list[str], kinds: dict[str, str]) -> None:
    """A frame marked as suppressed publishes no count below its ``min_count``.

    The mark travels with the frame, so a column of raw counts added after protection
    would pass as protected. Suppression never publishes counts from 1 to
    ``min_count - 1``, so such counts in a column of a suppressed frame were added later.
    Frames of perturbed counts (cell key method) and of derived rates or shares publish
    small values by design and are not checked.
    """
    info = protection_info(frame)
    min_count = info.get("min_count")
    if info.get("method") != "suppression" or "derived" in info or not min_count:
        return
    found = _count_columns(frame, columns, kinds, int(min_count))
    small = {col: idx for col, idx in found.items() if len(idx)}
    if small:
        raise UnprotectedDataError(
            f"The frame is marked as protected by suppression (no count below {min_count} "
            f"is published), yet {_describe_small(small)} hold counts below {min_count}: "
            "columns added after protection are not protected. Protect them with "
            "segregation.disclosure, or pass unsafe=True if they are not counts of persons."
        )


def prepare(
    frame: pd.DataFrame,
    column: str | Sequence[str],
    *,
    tooltip: Sequence[str] | None = None,
    areas: Any = None,
    kind: Mapping[str, str] | None = None,
    unsafe: bool = False,
    threshold: int = 5,
) -> Prepared:
    """Check ``frame`` and reduce it to what a map may show.

    Examples
    --------
    >>> import segregation as seg
    >>> regso = seg.load_regso(kommun="0380")
    >>> values = pd.DataFrame({"andel": 0.5, "hemlig": 7.0}, index=regso.index)
    >>> p = prepare(values, "andel")
    >>> sorted(p.frame.columns), p.level, len(p.frame)
    (['_code', '_kommun', '_name', 'andel', 'geometry'], 'regso', 61)
    """
    columns = _columns_list(column)
    shown = list(dict.fromkeys(columns + list(tooltip or [])))
    missing = [c for c in shown if c not in frame.columns]
    if missing:
        raise SegregationError(
            f"Columns {describe_items(map(repr, missing))} are not in the frame; it has "
            f"{describe_items(list(frame.columns), 12)}."
        )
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()
        raise SegregationError(
            f"The frame has {len(dup)} duplicated area codes: {describe_items(dup)}. "
            "Aggregate them first (frame.groupby(level=0).sum())."
        )
    if len(frame) == 0:
        raise SegregationError("The frame is empty: there is nothing to map.")
    codes, level = _area_codes(frame)
    kinds = {c: _kind_of(c, frame[c], kind) for c in shown}
    protected = is_protected(frame)
    if not (protected or unsafe):
        _check_protected(frame, shown, kinds, threshold)
    elif protected and not unsafe:
        _check_suppressed(frame, shown, kinds)

    geo = _geometry_for(frame, codes, level, areas)
    from segregation.areas.codes import parse_codes

    parsed = parse_codes(codes.reset_index(drop=True))
    name_column = _NAME_COLUMNS[level]
    if name_column and name_column in geo.columns:
        names = geo[name_column].astype("string").fillna("").to_numpy()
    else:
        names = np.full(len(geo), "", dtype=object)
    # the tooltip's second line: the kommun of an area, the län of a kommun
    above = {"kommun": "lansnamn", "lan": None}.get(level, "kommunnamn")
    if above is None:
        kommun = np.full(len(geo), "", dtype=object)
    elif above in geo.columns:
        kommun = geo[above].astype("string").to_numpy()
    else:
        kommun = parsed[above].to_numpy()
    import geopandas as gpd

    out = gpd.GeoDataFrame(
        {
            "_code": codes.to_numpy(),
            "_name": names,
            "_kommun": pd.Series(kommun).fillna("").to_numpy(),
            **{c: geo[c].to_numpy() for c in shown},
        },
        geometry=geo.geometry.to_numpy(),
        crs=3006,
    )
    empty = out.geometry.isna().to_numpy() | out.geometry.is_empty.to_numpy()
    if empty.any():
        raise SegregationError(
            f"{int(empty.sum())} areas have no geometry: {describe_items(out['_code'][empty])}. "
            "Drop them or pass areas= with their boundaries."
        )
    suppressed = {c: (pd.isna(out[c]).to_numpy() & protected) for c in shown}
    return Prepared(out, columns, kinds, level, protected, suppressed)
