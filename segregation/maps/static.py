"""Static choropleth maps (matplotlib) for reports: PNG, SVG or PDF.

The same classes and colours as :func:`segregation.maps.explore`, drawn in SWEREF 99 TM
(EPSG:3006, metres, so the scale bar is exact), with a legend, a scale bar, a north arrow,
a title, a source line, kommun and län borders, insets for Stockholm, Göteborg and Malmö
when the map is large and their areas small, and suppressed areas hatched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items
from segregation.maps._common import (
    MISSING_COLOR,
    SOURCE,
    Classification,
    as_frame,
    classify,
    prepare,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["INSET_KOMMUNER", "plot", "save"]

#: Kommuner that get an inset on large maps: kommunkod -> name.
INSET_KOMMUNER: dict[str, str] = {"0180": "Stockholm", "1480": "Göteborg", "1280": "Malmö"}

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".html": "html", ".htm": "html"}
# an inset is drawn when the kommun is this many times smaller than the map (largest side)
_INSET_RATIO = 6.0
_SUPPRESSED_TEXT = "Undertryckt (röjandeskydd)"
# width of the right-hand column that holds the legend and the insets
_COLUMN_INCHES = 3.9
_MISSING_TEXT = "Uppgift saknas"


def _nice_length(target: float) -> float:
    """The largest of 1, 2 or 5 times a power of ten not above ``target``.

    Examples
    --------
    >>> _nice_length(37_000), _nice_length(180), _nice_length(5_000)
    (20000.0, 100.0, 5000.0)
    """
    power = 10.0 ** np.floor(np.log10(target))
    return float(max(m * power for m in (1.0, 2.0, 5.0) if m * power <= target))


def _scale_bar(ax: Axes, *, compact: bool = False) -> None:
    """A two-segment black and white bar of a round length, about a fifth of the width.

    Ticks read ``0``, half and the whole length with its unit; a ``compact`` bar (in a
    small inset) has one label, the length, beside its right end.
    """
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) / 5.0)
    height = (y1 - y0) * 0.008
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.035
    for i, color in enumerate(("black", "white")):
        ax.add_artist(
            Rectangle(
                (left + i * length / 2, bottom),
                length / 2,
                height,
                facecolor=color,
                edgecolor="black",
                linewidth=0.6,
                zorder=6,
            )
        )
    # ticks under both ends and the middle, the unit on the last: 0, 5, 10 km
    unit, scale = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    if compact:
        ax.text(
            left + length + (x1 - x0) * 0.015,
            bottom + height / 2,
            f"{length / scale:g} {unit}".replace(".", ","),
            ha="left",
            va="center",
            fontsize=7,
            zorder=6,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
        )
        return
    for fraction in (0.0, 0.5, 1.0):
        value = f"{length * fraction / scale:g}".replace(".", ",")
        ax.text(
            left + length * fraction,
            bottom - height * 0.8,
            f"{value} {unit}" if fraction == 1.0 else value,
            ha="center",
            va="top",
            fontsize=7,
            zorder=6,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.5},
        )


def _north_arrow(ax: Axes) -> None:
    """An arrow with N; grid north of SWEREF 99 TM (within 3 degrees of true north)."""
    ax.annotate(
        "N",
        xy=(0.95, 0.97),
        xytext=(0.95, 0.88),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        arrowprops={"facecolor": "black", "edgecolor": "black", "width": 3, "headwidth": 9},
        zorder=6,
    )


def _draw(
    ax: Axes,
    geo: gpd.GeoDataFrame,
    c: Classification,
    suppressed: np.ndarray,
    borders: list[tuple[gpd.GeoSeries, str, float]],
    linewidth: float,
) -> None:
    """Polygons coloured by class, missing ones grey, suppressed ones hatched, then borders."""
    from matplotlib.patches import PathPatch

    colors = [*c.colors, MISSING_COLOR]
    keys = np.where(c.classes < 0, len(c.colors), c.classes)
    for key, path in _compound_paths(geo.geometry.to_numpy(), keys).items():
        ax.add_artist(
            PathPatch(path, facecolor=colors[key], edgecolor="white", linewidth=linewidth, zorder=2)
        )
    hatched = suppressed & (c.classes < 0)
    if hatched.any():
        path = _compound_paths(geo.geometry.to_numpy()[hatched], np.zeros(hatched.sum(), int))[0]
        ax.add_artist(
            PathPatch(
                path,
                facecolor=MISSING_COLOR,
                edgecolor="#666666",
                linewidth=0.0,
                hatch="/////",
                zorder=2,
            )
        )
    for series, color, width in borders:
        for path in _compound_paths(
            series.boundary.to_numpy(), np.zeros(len(series), int)
        ).values():
            ax.add_artist(PathPatch(path, fill=False, edgecolor=color, linewidth=width, zorder=3))


def _compound_paths(geometry: np.ndarray, keys: np.ndarray) -> dict[int, Any]:
    """One matplotlib Path per key, holding every ring (or line) of the areas with that key.

    Rings are oriented (exteriors counter-clockwise, holes clockwise), so the non-zero fill
    rule leaves holes empty. Built from coordinate arrays in one pass, no loop per area.
    """
    import shapely
    from matplotlib.path import Path as MplPath

    parts, part_of = shapely.get_parts(geometry, return_index=True)
    if shapely.get_type_id(parts).max(initial=0) >= 3:  # polygons: their rings
        parts = shapely.orient_polygons(parts)
        parts, ring_of = shapely.get_rings(parts, return_index=True)
        part_of = part_of[ring_of]
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    first = np.r_[True, line_of[1:] != line_of[:-1]]
    last = np.r_[line_of[1:] != line_of[:-1], True]
    closed = shapely.is_closed(parts)[line_of]
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    codes[first] = MplPath.MOVETO
    codes[last & closed] = MplPath.CLOSEPOLY
    point_key = keys[part_of][line_of]
    return {
        int(key): MplPath(coords[point_key == key], codes[point_key == key])
        for key in np.unique(point_key)
    }


def _inset_codes(
    geo: gpd.GeoDataFrame, level: str, insets: str | Sequence[str] | None, extent: float
) -> list[str]:
    if insets is None or insets is False:
        return []
    from segregation.areas.boundaries import load_kommuner

    kommuner = load_kommuner()
    present = set(geo["_code"].str[:4]) if level in ("deso", "regso") else set()
    if isinstance(insets, str) and insets == "auto":
        chosen = []
        for code in INSET_KOMMUNER:
            if code not in present:
                continue
            x0, y0, x1, y1 = _inset_extent(geo, code)
            if max(x1 - x0, y1 - y0) * _INSET_RATIO < extent:
                chosen.append(code)
        return chosen
    codes = [insets] if isinstance(insets, str) else list(insets)
    unknown = [c for c in codes if c not in kommuner.index]
    if unknown:
        raise SegregationError(
            f"insets must be kommun codes, 'auto' or None; unknown: {describe_items(unknown)}."
        )
    absent = [c for c in codes if c not in present]
    if absent:
        raise SegregationError(
            f"insets {describe_items(absent)} have no DeSO or RegSO in the frame; give kommuner "
            "whose areas are mapped, or insets=None."
        )
    return codes


def _inset_extent(geo: gpd.GeoDataFrame, code: str) -> tuple[float, float, float, float]:
    """Where a kommun's areas are small: the bounds of its areas up to the median size.

    Outer RegSO of coastal cities reach far into the sea; leaving the larger half out
    keeps the inset on the city.
    """
    mine = geo.geometry[(geo["_code"].str[:4] == code).to_numpy()]
    small = mine[mine.area <= mine.area.median()]
    x0, y0, x1, y1 = small.total_bounds
    pad = 0.08 * max(x1 - x0, y1 - y0)
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _borders(geo: gpd.GeoDataFrame, level: str) -> list[tuple[gpd.GeoSeries, str, float]]:
    import shapely

    from segregation.areas.boundaries import load_kommuner, load_lan

    box = shapely.box(*geo.total_bounds)
    out = []
    for frame, lvl, color, width in (
        (load_kommuner(), "kommun", "#555555", 0.5),
        (load_lan(), "lan", "#222222", 0.9),
    ):
        if level == lvl:
            continue
        near = frame.geometry[frame.geometry.intersects(box)]
        out.append((near, color, width))
    return out


def _legend(
    ax: Axes, c: Classification, title: str, missing: str | None, anchor: Any = None
) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=color, edgecolor="#888888", linewidth=0.5, label=label)
        for color, label in zip(c.colors, c.labels, strict=True)
    ]
    if missing:
        handles.append(
            Patch(
                facecolor=MISSING_COLOR,
                edgecolor="#666666",
                linewidth=0.5,
                hatch="/////" if missing == _SUPPRESSED_TEXT else None,
                label=missing,
            )
        )
    legend = ax.legend(
        handles=handles,
        title=title,
        loc="upper left",
        bbox_to_anchor=anchor,
        bbox_transform=None if anchor is None else ax.figure.transFigure,
        fontsize=7,
        title_fontsize=8,
        frameon=True,
        framealpha=0.92,
        edgecolor="#bbbbbb",
    )
    legend._legend_box.align = "left"
    legend.set_zorder(7)


def _set_extent(ax: Axes, bounds: Sequence[float], margin: float = 0.03) -> None:
    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    ax.set_xlim(x0 - dx, x1 + dx)
    ax.set_ylim(y0 - dy, y1 + dy)
    ax.set_aspect("equal")
    ax.set_axis_off()


def plot(
    frame: pd.DataFrame | pd.Series,
    column: str | None = None,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlGnBu",
    label: str | None = None,
    units: str | None = None,
    title: str | None = None,
    source: str | None = None,
    insets: str | Sequence[str] | None = "auto",
    outlines: bool = True,
    areas: gpd.GeoDataFrame | None = None,
    kind: Mapping[str, str] | None = None,
    decimals: int | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
    unsafe: bool = False,
    threshold: int = 5,
) -> Figure:
    """A static choropleth map of one column, ready for a report.

    Parameters
    ----------
    frame, areas, kind, unsafe, threshold
        As in :func:`segregation.maps.explore`: a GeoDataFrame, or a frame indexed by
        RegSO, kommun or län codes; raw counts below ``threshold`` raise
        :class:`~segregation.UnprotectedDataError` unless the frame is protected.
    column : str
        The column to map (not needed for a named Series).
    scheme, k, bins, cmap, decimals
        The classification, the same as the interactive map's (default: 5 quantiles,
        ColorBrewer YlGnBu). Area types use the fixed palette with SCB's names.
    label : str, optional
        Legend title (default: the column name); ``units`` are added in brackets.
    units : str, optional
        Unit of the values, e.g. ``"%"``.
    title : str, optional
        Title above the map.
    source : str, optional
        Source line under the map; default ``"Källa: SCB"``, which is always kept.
    insets : "auto", list of kommun codes or None, default="auto"
        Zoomed insets. ``"auto"`` adds Stockholm (0180), Göteborg (1480) and Malmö (1280)
        when the map holds their DeSO or RegSO and is at least 6 times larger than the
        kommun.
    outlines : bool, default=True
        Draw kommun and län borders.
    figsize : (float, float), optional
        Figure size in inches; by default fitted to the map's shape.
    ax : matplotlib Axes, optional
        Draw into these axes (no insets, no source line).

    Returns
    -------
    matplotlib.figure.Figure
        Write it with :func:`save` (PNG, SVG or PDF).

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> regso = seg.load_regso(kommun="0380")
    >>> frame = pd.DataFrame({"andel": range(len(regso))}, index=regso.index) / 100
    >>> fig = seg.maps.plot(frame, "andel", title="Uppsala")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2]
    ['0,00 – 0,12', '0,12 – 0,24']
    >>> len(fig.axes)  # a kommun of its own needs no inset
    1
    """
    import matplotlib.pyplot as plt

    frame, columns = as_frame(frame, column)
    if len(columns) != 1:
        raise SegregationError(
            f"A static map shows one column, got {columns}; call plot once per column."
        )
    column = columns[0]
    prepared = prepare(frame, column, areas=areas, kind=kind, unsafe=unsafe, threshold=threshold)
    geo = prepared.frame
    c = classify(
        geo[column],
        kind=prepared.kinds[column],
        scheme=scheme,
        k=k,
        bins=bins,
        cmap=cmap,
        column=column,
        decimals=decimals,
    )
    suppressed = prepared.suppressed[column]
    missing = None
    if (c.classes < 0).any():
        missing = _SUPPRESSED_TEXT if suppressed.any() else _MISSING_TEXT
    bounds = geo.total_bounds
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    inset_codes = [] if ax is not None else _inset_codes(geo, prepared.level, insets, extent)
    borders = _borders(geo, prepared.level) if outlines else []
    linewidth = 0.15 if len(geo) > 1000 else 0.4

    if ax is None:
        # the map on the left; legend and insets in a column on the right (inches)
        aspect = (bounds[3] - bounds[1]) / max(bounds[2] - bounds[0], 1.0)
        map_height = float(np.clip(7.0 * aspect, 4.5, 9.5))
        map_width = min(map_height / aspect, 7.5)
        width, height = figsize or (map_width + _COLUMN_INCHES + 0.35, map_height / 0.87)
        fig = plt.figure(figsize=(width, height))
        map_share = 1.0 - (_COLUMN_INCHES + 0.25) / width
        ax = fig.add_axes((0.1 / width, 0.05, map_share - 0.1 / width, 0.87))
        column_x, column_width = map_share + 0.1 / width, (_COLUMN_INCHES - 0.1) / width
        own_figure = True
    else:
        fig = ax.figure
        own_figure = False
        column_x = column_width = 0.0

    _draw(ax, geo, c, suppressed, borders, linewidth)
    _set_extent(ax, bounds)
    heading = label or ("Områdestyp" if c.kind == "area_type" else column)
    if units:
        heading = f"{heading} ({units})"
    slot = 0.87 / (len(inset_codes) + 1)
    # the legend goes under the insets in the right-hand column
    anchor = (column_x, 0.92 - len(inset_codes) * slot - 0.01) if own_figure else None
    _legend(ax, c, heading, missing, anchor)
    _scale_bar(ax)
    _north_arrow(ax)
    if title:
        (fig.suptitle if own_figure else ax.set_title)(title, fontsize=13, fontweight="bold")

    if inset_codes:
        from segregation.areas.boundaries import load_kommuner

        kommuner = load_kommuner()
        for i, code in enumerate(inset_codes):
            box = _inset_extent(geo, code)
            inset = fig.add_axes(
                (column_x, 0.92 - (i + 1) * slot + 0.02, column_width, slot - 0.04)
            )
            _draw(inset, geo, c, suppressed, borders, 0.3)
            _set_extent(inset, box, margin=0.05)
            inset.set_axis_on()
            inset.set_xticks([])
            inset.set_yticks([])
            for spine in inset.spines.values():
                spine.set_edgecolor("#444444")
            name = INSET_KOMMUNER.get(code, kommuner.loc[code, "kommunnamn"])
            inset.set_title(name, fontsize=9, loc="left")
            _scale_bar(inset, compact=True)
            x0, y0, x1, y1 = box
            ax.add_artist(
                plt.Rectangle(
                    (x0, y0),
                    x1 - x0,
                    y1 - y0,
                    fill=False,
                    edgecolor="#222222",
                    linewidth=0.8,
                    zorder=5,
                )
            )
            ax.text(x1, y1, f" {name}", fontsize=7, va="bottom", ha="left", zorder=5)
    if own_figure:
        line = source or SOURCE
        if SOURCE not in line:
            line = f"{SOURCE}. {line}"
        fig.text(0.01, 0.012, line, fontsize=7, color="#333333", ha="left", va="bottom")
    return fig


def save(figure: Any, path: str | Path, *, dpi: int = 200) -> Path:
    """Write a map to ``path``: a figure as PNG, SVG or PDF, a folium map as HTML.

    The output does not depend on when it was written: dates are left out of PDF and SVG
    metadata and SVG ids are salted with a fixed string, so one input gives one file.

    Parameters
    ----------
    figure : matplotlib Figure or folium.Map
    path : str or Path
        Its extension picks the format: ``.png``, ``.svg``, ``.pdf`` (figures) or
        ``.html`` (folium maps).
    dpi : int, default=200
        Resolution of PNG files.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, hashlib
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> folder = Path(tempfile.mkdtemp())
    >>> a = save(fig, folder / "a.svg").read_bytes()
    >>> b = save(fig, folder / "b.svg").read_bytes()
    >>> a == b
    True
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SegregationError(
            f"Cannot save {path.name!r}: use one of {sorted(_FORMATS)} as the extension."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    is_html_map = hasattr(figure, "get_root") and not hasattr(figure, "savefig")
    if fmt == "html" or is_html_map:
        if not (fmt == "html" and is_html_map):
            raise SegregationError(
                f"A {type(figure).__name__} cannot be saved as {path.suffix!r}: save folium "
                "maps as .html and figures as .png, .svg or .pdf."
            )
        path.write_text(figure.get_root().render(), encoding="utf-8")
        return path
    import matplotlib

    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    with matplotlib.rc_context({"svg.hashsalt": "segregation", "pdf.compression": 6}):
        figure.savefig(path, format=fmt, dpi=dpi, metadata=metadata[fmt], facecolor="white")
    return path
