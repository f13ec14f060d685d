"""What the interactive and the static map share: input checks, classification, palettes.

Both map functions call :func:`prepare` once, which

* finds the area codes and the geometry (a GeoDataFrame, or the embedded boundaries for a
  frame indexed by RegSO, kommun or län codes),
* refuses raw small counts unless the frame is protected (or ``unsafe=True``),
* keeps only the columns the map shows (the whitelist), so nothing else can leak,

and :func:`classify` once per column, so the two maps draw the same classes in the same
colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.disclosure._marks import is_protected
from segregation.errors import (
    CRSError,
    SegregationError,
    UnmatchedError,
    UnprotectedDataError,
    describe_items,
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
    "prepare",
]

SOURCE = "Källa: SCB"

#: Classification schemes (name -> mapclassify class). ``natural_breaks`` is Fisher-Jenks,
#: the exact (deterministic) optimum, not mapclassify's k-means ``NaturalBreaks``.
SCHEMES: dict[str, str] = {
    "quantiles": "Quantiles",
    "natural_breaks": "FisherJenks",
    "equal_interval": "EqualInterval",
    "user": "UserDefined",
}

#: Area types 1-5, ColorBrewer RdYlBu with 5 classes (rated colour-blind safe by ColorBrewer):
#: red for large socioeconomic challenges, blue for very good conditions.
AREA_TYPE_COLORS: dict[int, str] = {
    1: "#d7191c",
    2: "#fdae61",
    3: "#ffffbf",
    4: "#abd9e9",
    5: "#2c7bb6",
}

#: Other categories: the Okabe-Ito palette (distinguishable with every common colour-vision
#: deficiency), then repeated.
CATEGORY_COLORS: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

#: Fill of areas without a value (missing or suppressed); suppressed ones are also hatched.
MISSING_COLOR = "#d9d9d9"

#: Columns read as area types without being told.
AREA_TYPE_COLUMNS = frozenset({"omradestyp", "områdestyp", "area_type", "areatype"})

# SCB's names, used until (or if) segregation.typology does not provide them.
_AREA_TYPE_NAMES = {
    1: "Områden med stora socioekonomiska utmaningar",
    2: "Områden med socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade områden",
    4: "Områden med goda socioekonomiska förutsättningar",
    5: "Områden med mycket goda socioekonomiska förutsättningar",
}
_CODE_COLUMNS = ("desokod", "regsokod", "kommunkod", "lanskod")
_NAME_COLUMNS = {"deso": None, "regso": "regsonamn", "kommun": "kommunnamn", "lan": "lansnamn"}
_KINDS = ("numeric", "area_type", "category")


def area_type_names() -> dict[int, str]:
    """The official Swedish names of the five area types, by type number.

    Examples
    --------
    >>> area_type_names()[3]
    'Socioekonomiskt blandade områden'
    """
    try:
        from segregation.typology import AREA_TYPES
    except ImportError:  # pragma: no cover - the typology module ships with the package
        return dict(_AREA_TYPE_NAMES)
    return {int(code): str(getattr(t, "sv", t)) for code, t in AREA_TYPES.items()}


@dataclass
class Prepared:
    """A map-ready frame: EPSG:3006, only whitelisted columns, plus ``_code/_name/_kommun``."""

    frame: gpd.GeoDataFrame
    columns: list[str]
    kinds: dict[str, str]
    level: str
    protected: bool
    suppressed: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Classification:
    """Classes of one column: a colour and a legend label per class, a class per area.

    ``classes`` holds -1 for areas without a value.
    """

    column: str
    kind: str
    classes: np.ndarray
    colors: list[str]
    labels: list[str]
    bins: np.ndarray | None = None
    scheme: str | None = None
    decimals: int = 0
    texts: list[str] = field(default_factory=list)


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
    from segregation.areas.codes import parse_codes

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
    extra = [c for c in ("regsonamn", "kommunnamn") if c in areas.columns]
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


def _check_protected(
    frame: pd.DataFrame, columns: list[str], kinds: dict[str, str], threshold: int
) -> None:
    """Raise :class:`UnprotectedDataError` when numeric columns hold small raw counts."""
    offending: dict[str, pd.Index] = {}
    for column in columns:
        if kinds[column] != "numeric":
            continue
        mask = _small_counts(frame[column], threshold)
        if mask.any():
            offending[column] = frame.index[mask]
    if not offending:
        return
    details = "; ".join(
        f"{col!r} in {len(idx)} areas ({describe_items(idx.astype(str))})"
        for col, idx in offending.items()
    )
    raise UnprotectedDataError(
        f"Columns {describe_items(map(repr, offending))} hold raw counts below {threshold}: "
        f"{details}. A map writes its values into the page. Protect the frame first with "
        "segregation.disclosure (suppression or cell key), map shares or indices instead, "
        "or pass unsafe=True if the values are not counts of persons."
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

    geo = _geometry_for(frame, codes, level, areas)
    from segregation.areas.codes import parse_codes

    parsed = parse_codes(codes.reset_index(drop=True))
    name_column = _NAME_COLUMNS[level]
    if name_column and name_column in geo.columns:
        names = geo[name_column].astype("string").fillna("").to_numpy()
    else:
        names = np.full(len(geo), "", dtype=object)
    kommun = (
        geo["kommunnamn"].astype("string").to_numpy()
        if "kommunnamn" in geo.columns
        else parsed["kommunnamn"].to_numpy()
    )
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


def _decimals(values: np.ndarray) -> int:
    """Decimals for legend labels: two significant digits over the range of the values."""
    finite = values[np.isfinite(values)]
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    if spread <= 0:
        spread = abs(float(finite[0])) if finite.size and finite[0] != 0 else 1.0
    return int(np.clip(1 - np.floor(np.log10(spread)), 0, 4))


def format_number(value: float, decimals: int) -> str:
    """Swedish number format: decimal comma, a space between thousands, a real minus sign.

    Examples
    --------
    >>> format_number(12345.678, 1)
    '12 345,7'
    >>> format_number(-0.25, 2)
    '−0,25'
    """
    if not np.isfinite(value):
        return "–"
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{abs(rounded):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return ("−" if rounded < 0 else "") + text


def fisher_jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the ``k`` classes that minimise the within-class sum of squares.

    The exact Fisher (1958) / Jenks optimum by dynamic programming over the sorted values,
    O(k n^2) arithmetic in blocks of whole-array steps (mapclassify's ``FisherJenks`` gives
    the same bounds but needs numba to be fast).

    Examples
    --------
    >>> fisher_jenks(np.array([1.0, 2.0, 3.0, 10.0, 11.0, 30.0]), 3).tolist()
    [3.0, 11.0, 30.0]
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    k = int(min(k, len(np.unique(x))))
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    cost = np.full((k, n), np.inf)
    start_of = np.zeros((k, n), dtype=int)
    cost[0] = s2[1:] - s1[1:] ** 2 / np.arange(1, n + 1)
    starts = np.arange(n)[:, None]
    for j in range(1, k):
        for lo in range(0, n, 512):  # blocks of class ends keep the matrix small
            ends = np.arange(lo, min(lo + 512, n))[None, :]
            count = ends - starts + 1
            total = s1[ends + 1] - s1[starts]
            with np.errstate(divide="ignore", invalid="ignore"):
                # within-class sum of squares of x[m..i]: S2 - S1^2 / count
                within = (s2[ends + 1] - s2[starts]) - total * total / count
            previous = np.where(starts >= 1, cost[j - 1][np.maximum(starts - 1, 0)], np.inf)
            candidate = np.where((starts >= j) & (count >= 1), previous + within, np.inf)
            best = np.argmin(candidate, axis=0)
            cost[j, ends[0]] = candidate[best, np.arange(ends.shape[1])]
            start_of[j, ends[0]] = best
    ends, end = [], n - 1
    for j in range(k - 1, -1, -1):
        ends.append(end)
        end = start_of[j, end] - 1
    return x[np.array(ends[::-1])]


def _sequential(cmap: str, n: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    colormap = colormaps[cmap]
    if n == 1:
        return [to_hex(colormap(0.6))]
    return [to_hex(colormap(x)) for x in np.linspace(0.12, 0.95, n)]


def classify(
    values: pd.Series | np.ndarray,
    *,
    kind: str = "numeric",
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlGnBu",
    column: str = "",
    decimals: int | None = None,
) -> Classification:
    """Put the areas of one column into classes with colours and legend labels.

    Parameters
    ----------
    values : Series or ndarray of shape (n_areas,)
    kind : {"numeric", "area_type", "category"}, default="numeric"
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}, default="quantiles"
        How numeric values are cut (mapclassify). ``bins`` implies ``"user"``.
    k : int, default=5
        Number of classes (numeric schemes other than ``"user"``).
    bins : sequence of float, optional
        Upper bounds of the classes; the last class also takes larger values.
    cmap : str, default="YlGnBu"
        A matplotlib colormap for numeric values (ColorBrewer YlGnBu is colour-blind safe).
    decimals : int, optional
        Decimals in legend labels and value texts; by default two significant digits of
        the range in the legend and one more in the texts (tooltips), none for whole
        numbers.

    Examples
    --------
    >>> c = classify(np.array([1.5, 2.0, 3.5, 4.0, np.nan]), scheme="user", bins=[2, 4])
    >>> c.classes.tolist(), c.labels, c.texts[:2]
    ([0, 0, 1, 1, -1], ['1,5 – 2,0', '2,0 – 4,0'], ['1,50', '2,00'])
    >>> classify(np.array([0, 3, 12, 40]), scheme="user", bins=[5, 40]).labels  # counts
    ['0 – 5', '5 – 40']
    >>> classify(np.array([1, 3, 5]), kind="area_type").labels[0]
    'Områden med stora socioekonomiska utmaningar'
    """
    series = pd.Series(values).reset_index(drop=True)
    if kind == "area_type":
        return _classify_area_types(series, column)
    if kind == "category":
        present = series.dropna()
        order = (
            list(series.cat.categories)
            if isinstance(series.dtype, pd.CategoricalDtype)
            else sorted(present.unique(), key=str)
        )
        lookup = {v: i for i, v in enumerate(order)}
        classes = series.map(lookup).fillna(-1).to_numpy(dtype=int)
        colors = [CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i in range(len(order))]
        texts = ["" if pd.isna(v) else str(v) for v in series]
        return Classification(column, kind, classes, colors, [str(v) for v in order], texts=texts)

    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(numbers)
    if not finite.any():  # everything missing or suppressed: no classes, only the gaps
        empty = np.full(len(numbers), -1, dtype=int)
        return Classification(column, kind, empty, [], [], texts=["–"] * len(numbers))
    # tooltips carry one decimal more than the legend, unless decimals are given;
    # whole numbers (counts) are printed without decimals
    whole = bool(np.all(numbers[finite] == np.round(numbers[finite])))
    auto = 0 if whole else _decimals(numbers)
    text_decimals = (auto + (not whole)) if decimals is None else decimals
    decimals = auto if decimals is None else decimals
    if bins is not None:
        scheme = "user"
    if scheme not in SCHEMES:
        raise SegregationError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}.")
    if scheme == "user" and bins is None:
        raise SegregationError("scheme='user' needs bins=, e.g. bins=[10, 20, 40].")
    import mapclassify

    data = numbers[finite]
    if scheme == "user":
        upper = np.asarray(sorted(bins), dtype=float)
        if upper[-1] < data.max():
            upper = np.append(upper, data.max())
    elif np.unique(data).size <= 1:
        upper = np.array([data.max()])
    else:
        n = int(min(k, np.unique(data).size))
        import warnings

        if scheme == "natural_breaks":
            upper = fisher_jenks(data, n)
        else:
            with warnings.catch_warnings():  # quantiles with ties: fewer classes
                warnings.simplefilter("ignore")
                upper = np.asarray(getattr(mapclassify, SCHEMES[scheme])(data, k=n).bins, float)
        upper = np.unique(upper)
    classes = np.full(len(numbers), -1, dtype=int)
    # class j holds bins[j-1] < x <= bins[j]; the first class starts at the minimum
    classes[finite] = np.minimum(np.searchsorted(upper, data, side="left"), len(upper) - 1)
    lower = np.concatenate([[min(data.min(), upper[0])], upper[:-1]])
    labels = [
        f"{format_number(lo, decimals)} – {format_number(hi, decimals)}"
        for lo, hi in zip(lower, upper, strict=True)
    ]
    texts = [format_number(v, text_decimals) for v in numbers]
    return Classification(
        column,
        kind,
        classes,
        _sequential(cmap, len(upper)),
        labels,
        bins=upper,
        scheme=scheme,
        decimals=decimals,
        texts=texts,
    )


def _classify_area_types(series: pd.Series, column: str) -> Classification:
    names = area_type_names()
    by_name = {v: k for k, v in names.items()}
    series = series.astype(object)
    numbers = pd.to_numeric(series, errors="coerce")
    as_text = series.astype("string").map(by_name)
    types = numbers.where(numbers.notna(), as_text.astype("Float64"))
    known = types.isna() | types.isin(list(names))
    bad = series.notna() & ~(known & types.notna())
    if bad.any() or not known.all():
        bad_values = series[bad | ~known].unique()
        raise SegregationError(
            f"Column {column!r} holds values that are not area types 1-5: "
            f"{describe_items(bad_values)}. Give the type number or its Swedish name."
        )
    classes = (types.fillna(0).to_numpy(dtype=int) - 1).astype(int)
    texts = ["" if c < 0 else names[c + 1] for c in classes]
    return Classification(
        column,
        "area_type",
        classes,
        [AREA_TYPE_COLORS[t] for t in range(1, 6)],
        [names[t] for t in range(1, 6)],
        texts=texts,
    )
