"""Interactive choropleth maps (folium / Leaflet) that work offline and leak nothing.

The page holds, once, the simplified geometry of the mapped areas (no properties), the
code, name and kommun of each area, and per mapped column its classes and formatted
values: nothing else from the frame. Leaflet is embedded from an installed package, no
CDN is linked, and no background tiles are drawn unless asked for.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError
from segregation.maps._assets import leaflet_css, leaflet_js
from segregation.maps._common import (
    MISSING_COLOR,
    SOURCE,
    Classification,
    Prepared,
    as_frame,
    classify,
    prepare,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["display_geometry", "explore"]

_HATCH_ID = "segregation-hatch"
_MISSING_TEXT = {True: "Undertryckt (röjandeskydd)", False: "Uppgift saknas"}


def _folium() -> Any:
    try:
        import folium
    except ImportError as exc:  # pragma: no cover - folium is a dependency
        raise ImportError(
            'Interactive maps need folium: pip install "folium>=0.17" (a dependency of '
            "deso-segregation)."
        ) from exc
    return folium


def _auto_tolerance(bounds: np.ndarray) -> float:
    """Display tolerance in metres: 1/4000 of the larger side of the map, at least 10 m."""
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    return float(max(extent / 4000.0, 10.0))


def display_geometry(
    geometry: gpd.GeoSeries, simplify: float | str | None = "auto"
) -> tuple[np.ndarray, int]:
    """Simplify polygons for display, keeping shared edges shared, and move them to WGS 84.

    Parameters
    ----------
    geometry : GeoSeries in EPSG:3006
        A coverage (areas that meet without overlapping), such as DeSO, RegSO or kommuner.
    simplify : float, "auto" or None, default="auto"
        Tolerance in metres for :func:`shapely.coverage_simplify`, which moves shared
        edges together, so no gaps or overlaps open between neighbours. ``"auto"`` takes
        1/4000 of the larger side of the map (about 390 m for all of Sweden, 20 m for
        Uppsala kommun); ``None`` keeps the geometry as it is.

    Returns
    -------
    geometries : ndarray of shapely geometries in EPSG:4326, coordinates rounded
    decimals : int
        Decimals kept in longitude and latitude (about a quarter of the tolerance). Shared
        vertices round alike, so neighbours still meet; a sliver may touch itself after
        rounding, which browsers draw as is.

    Examples
    --------
    >>> import segregation as seg
    >>> import shapely
    >>> regso = seg.load_regso(kommun="0380")
    >>> geoms, decimals = display_geometry(regso.geometry)
    >>> decimals, len(geoms) == len(regso), int(shapely.get_num_coordinates(geoms).sum()) < 9_000
    (5, True, True)
    """
    import shapely

    values = geometry.to_numpy()
    bounds = np.asarray(geometry.total_bounds, dtype=float)
    tolerance = _auto_tolerance(bounds) if simplify == "auto" else simplify
    if tolerance is not None and (not isinstance(tolerance, int | float) or tolerance < 0):
        raise SegregationError(
            f"simplify must be a number of metres >= 0, 'auto' or None; got {simplify!r}."
        )
    if tolerance:
        values = shapely.coverage_simplify(values, float(tolerance))
    import geopandas as gpd

    wgs84 = gpd.GeoSeries(values, crs=geometry.crs).to_crs(4326).to_numpy()
    # a degree of latitude is about 111 km; keep a quarter of the tolerance
    step = (tolerance or 1.0) / 4.0
    decimals = int(np.clip(np.ceil(np.log10(111_000.0 / step)), 4, 6))
    rounded = shapely.transform(wgs84, lambda xy: np.round(xy, decimals))
    return rounded, decimals


def _feature_collection(geoms: np.ndarray) -> str:
    """A GeoJSON FeatureCollection with ids 0..n-1 and no properties."""
    import shapely

    parts = shapely.to_geojson(geoms)
    features = ",".join(
        f'{{"type":"Feature","id":{i},"properties":{{}},"geometry":{g}}}'
        for i, g in enumerate(parts)
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'


def _js(value: Any) -> str:
    """JSON safe to place inside an inline ``<script>``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _template(source: str) -> Any:
    from jinja2 import Template

    return Template(source)


def _elements() -> dict[str, type]:
    """The folium element classes, defined on first use so folium loads lazily."""
    folium = _folium()
    from branca.element import Element, MacroElement

    class GeoData(MacroElement):
        """The areas' geometry and identity, written once and shared by every layer."""

        _template = _template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = {{ this.geojson }};\n"
            "var {{ this.get_name() }}_info = {{ this.info }};\n"
            "{% endmacro %}"
        )

        def __init__(self, geojson: str, info: str) -> None:
            super().__init__()
            self._name = "SegregationData"
            self.geojson = geojson
            self.info = info

    class Choropleth(folium.map.Layer):
        """One mapped column: a Leaflet GeoJSON layer styled by class, with tooltips."""

        _template = _template(
            """{% macro script(this, kwargs) %}
var {{ this.get_name() }}_v = {{ this.payload }};
var {{ this.get_name() }} = L.geoJson({{ this.data.get_name() }}, {
  attribution: {{ this.attribution }},
  style: function (feature) {
    var c = {{ this.get_name() }}_v.cls[feature.id];
    return {
      fillColor: c >= 0 ? {{ this.get_name() }}_v.colors[c] : {{ this.get_name() }}_v.missing,
      fillOpacity: {{ this.opacity }}, color: "#ffffff", weight: 0.6, opacity: 0.9
    };
  },
  onEachFeature: function (feature, layer) {
    var info = {{ this.data.get_name() }}_info, i = feature.id;
    var head = info.name[i] ? "<b>" + info.name[i] + "</b> (" + info.code[i] + ")"
                            : "<b>" + info.code[i] + "</b>";
    var kommun = info.kommun[i] ? "<br>" + info.kommun[i] : "";
    layer.bindTooltip(
      "<div class='segregation-tooltip'>" + head + kommun + "<br>"
      + {{ this.get_name() }}_v.title + ": <b>" + {{ this.get_name() }}_v.text[i] + "</b></div>",
      {sticky: true});
    layer.on("mouseover", function () { layer.setStyle({weight: 2.5, color: "#222222"}); });
    layer.on("mouseout", function () { {{ this.get_name() }}.resetStyle(layer); });
  }
});
{% endmacro %}"""
        )

        def __init__(self, data: GeoData, payload: dict, name: str, show: bool) -> None:
            super().__init__(name=name, overlay=False, control=True, show=show)
            self._name = "SegregationLayer"
            self.data = data
            self.payload = _js(payload)
            self.attribution = _js(SOURCE)
            self.opacity = 0.85

    class Outline(folium.map.Layer):
        """Kommun or län borders: lines only, not interactive, a light reference layer."""

        _template = _template(
            """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJson({{ this.geojson }}, {
  interactive: false, attribution: {{ this.attribution }},
  style: {fill: false, color: {{ this.color }}, weight: {{ this.weight }}, opacity: 0.9}
});
{% endmacro %}"""
        )

        def __init__(self, geojson: str, name: str, color: str, weight: float) -> None:
            super().__init__(name=name, overlay=True, control=True, show=True)
            self._name = "SegregationOutline"
            self.geojson = geojson
            self.color = _js(color)
            self.weight = weight
            self.attribution = _js(SOURCE)

    class Legend(MacroElement):
        """A legend control whose content follows the column shown."""

        _template = _template(
            """{% macro header(this, kwargs) %}
<style>
.segregation-legend {background: rgba(255,255,255,0.92); padding: 6px 9px; font: 12px/1.35
  Arial, Helvetica, sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
  max-width: 400px;}
.segregation-legend .title {font-weight: bold; margin-bottom: 4px;}
.segregation-legend .row {display: flex; align-items: center; gap: 6px; margin: 2px 0;}
.segregation-legend .swatch {flex: 0 0 18px; height: 12px; border: 1px solid #888;
  opacity: 0.85;}
.segregation-title {background: rgba(255,255,255,0.92); padding: 4px 10px; font: bold 15px
  Arial, Helvetica, sans-serif; border-radius: 4px;}
.leaflet-container {background: #f2f4f5;}
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="{{ this.hatch }}" patternUnits="userSpaceOnUse" width="6" height="6"
 patternTransform="rotate(45)"><rect width="6" height="6" fill="{{ this.missing }}"/>
<line x1="0" y1="0" x2="0" y2="6" stroke="#666666" stroke-width="1.6"/></pattern>
</defs></svg>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }}_html = {{ this.legends }};
var {{ this.get_name() }} = L.control({position: "bottomright"});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create("div", "segregation-legend");
  div.innerHTML = {{ this.get_name() }}_html[{{ this.first }}];
  L.DomEvent.disableClickPropagation(div);
  return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{{ this._parent.get_name() }}.on("baselayerchange", function (e) {
  if (e.name in {{ this.get_name() }}_html) {
    {{ this.get_name() }}.getContainer().innerHTML = {{ this.get_name() }}_html[e.name];
  }
});
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.source }});
L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
{% if this.title %}
var {{ this.get_name() }}_title = L.control({position: "topleft"});
{{ this.get_name() }}_title.onAdd = function () {
  var div = L.DomUtil.create("div", "segregation-title");
  div.innerHTML = {{ this.title }};
  return div;
};
{{ this.get_name() }}_title.addTo({{ this._parent.get_name() }});
{% endif %}
window.segregationMap = {{ this._parent.get_name() }};
{% endmacro %}"""
        )

        def __init__(self, legends: dict[str, str], first: str, title: str | None) -> None:
            super().__init__()
            self._name = "SegregationLegend"
            self.legends = _js(legends)
            self.first = _js(first)
            self.title = _js(html.escape(title)) if title else ""
            self.source = _js(SOURCE)
            self.hatch = _HATCH_ID
            self.missing = MISSING_COLOR

    class InlineAssets(Element):
        """Leaflet's JS and CSS inline in the page head."""

        def __init__(self) -> None:
            super().__init__(f"<style>{leaflet_css()}</style>\n<script>{leaflet_js()}</script>\n")

    return {
        "GeoData": GeoData,
        "Choropleth": Choropleth,
        "Outline": Outline,
        "Legend": Legend,
        "InlineAssets": InlineAssets,
    }


def _legend_html(title: str, units: str | None, c: Classification, missing: str | None) -> str:
    heading = html.escape(title) + (f" ({html.escape(units)})" if units else "")
    rows = [f"<div class='title'>{heading}</div>"]
    for color, label in zip(c.colors, c.labels, strict=True):
        rows.append(
            f"<div class='row'><span class='swatch' style='background:{color}'></span>"
            f"<span>{html.escape(label)}</span></div>"
        )
    if missing:
        hatch = (
            f"repeating-linear-gradient(45deg,#666 0 1.5px,{MISSING_COLOR} 1.5px 5px)"
            if missing == _MISSING_TEXT[True]
            else MISSING_COLOR
        )
        rows.append(
            f"<div class='row'><span class='swatch' style='background:{hatch}'></span>"
            f"<span>{html.escape(missing)}</span></div>"
        )
    return "".join(rows)


def _display_name(column: str, kind: str, labels: Mapping[str, str] | None) -> str:
    if labels and column in labels:
        return labels[column]
    return "Områdestyp" if kind == "area_type" else column


def _option(value: str | Mapping[str, str] | None, column: str) -> str | None:
    if isinstance(value, Mapping):
        return value.get(column)
    return value


def _outline_layers(prepared: Prepared, simplify: float | str | None) -> list[tuple[str, str]]:
    """GeoJSON of the kommun and län borders that reach into the mapped extent."""
    from segregation.areas.boundaries import load_kommuner, load_lan

    box = prepared.frame.total_bounds
    layers = []
    for name, frame in (("Kommungränser", load_kommuner()), ("Länsgränser", load_lan())):
        if prepared.level == ("kommun" if name == "Kommungränser" else "lan"):
            continue
        near = frame.geometry.intersects(_box(box))
        if near.any():
            geoms, _ = display_geometry(frame.geometry[near], simplify)
            layers.append((name, _feature_collection(geoms)))
    return layers


def _box(bounds: np.ndarray) -> Any:
    import shapely

    return shapely.box(*bounds)


def _tile_layer(tiles: Any) -> Any:
    folium = _folium()
    import xyzservices

    provider = tiles
    if isinstance(tiles, str):
        try:
            provider = xyzservices.providers.query_name(tiles)
        except ValueError as exc:
            raise SegregationError(
                f"Unknown tile provider {tiles!r}; give an xyzservices provider, e.g. "
                "tiles=xyzservices.providers.CartoDB.Positron."
            ) from exc
    if not isinstance(provider, xyzservices.TileProvider):
        raise SegregationError(
            f"tiles must be an xyzservices.TileProvider or its name, got {type(tiles).__name__}."
        )
    return folium.TileLayer(
        tiles=provider.build_url(),
        attr=provider.html_attribution,
        name=provider.name,
        overlay=True,
        control=True,
        max_zoom=provider.get("max_zoom", 18),
    )


def _deterministic_ids(root: Any, seed: str) -> None:
    """Name every element from a hash of the content, so one input gives one page."""
    stack, counter = [root], 0
    while stack:
        element = stack.pop(0)
        element._id = hashlib.sha256(f"{seed}:{counter}".encode()).hexdigest()[:32]
        counter += 1
        stack.extend(element._children.values())


def explore(
    frame: pd.DataFrame | pd.Series,
    column: str | Sequence[str] | None = None,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlGnBu",
    labels: Mapping[str, str] | None = None,
    units: str | Mapping[str, str] | None = None,
    tooltip: Sequence[str] | None = None,
    title: str | None = None,
    tiles: Any = None,
    outlines: bool = True,
    simplify: float | str | None = "auto",
    areas: gpd.GeoDataFrame | None = None,
    kind: Mapping[str, str] | None = None,
    decimals: int | None = None,
    unsafe: bool = False,
    threshold: int = 5,
) -> folium.Map:
    """An interactive choropleth map of one or more columns, offline by default.

    Parameters
    ----------
    frame : DataFrame, GeoDataFrame or Series
        One row per area. A GeoDataFrame brings its own geometry (any CRS); a plain frame
        indexed by RegSO, kommun or län codes gets the embedded boundaries (DeSO: pass
        ``areas=``). A named Series (e.g. from ``seg.typology.area_types``) maps itself.
    column : str or list of str
        The column(s) to map. Several columns become layers to switch between, each with
        its own legend.
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}, default="quantiles"
        Classification of numeric columns (mapclassify; ``natural_breaks`` is Fisher-Jenks).
        Quantiles give every colour about the same number of areas.
    k : int, default=5
        Number of classes.
    bins : list of float, optional
        Upper class bounds (implies ``scheme="user"``).
    cmap : str, default="YlGnBu"
        Matplotlib colormap for numeric columns. Area types (a column named ``area_type``
        or ``omradestyp``, or ``kind={col: "area_type"}``) always use the fixed
        colour-blind-safe palette with SCB's Swedish names.
    labels : dict, optional
        Display names of columns (default: the column names).
    units : str or dict, optional
        Unit shown in the legend, e.g. ``"%"`` or ``{"income": "tkr"}``.
    tooltip : list of str, optional
        Extra columns shown on hover (they are checked like mapped columns).
    title : str, optional
        A title box in the top-left corner.
    tiles : xyzservices.TileProvider or str, optional
        Background tiles (fetched by the browser). Default: none, so the map needs no
        network; with tiles the polygons still draw offline.
    outlines : bool, default=True
        Draw kommun and län borders from the embedded boundaries as reference layers.
    simplify : float, "auto" or None, default="auto"
        Display simplification tolerance in metres (see :func:`display_geometry`).
    areas : GeoDataFrame, optional
        Boundaries to join to a plain frame (required for DeSO).
    kind : dict, optional
        Force a column's kind: ``"numeric"``, ``"area_type"`` or ``"category"``.
    decimals : int, optional
        Decimals in legends and tooltips; default: two significant digits of the range.
    unsafe : bool, default=False
        Map raw counts below ``threshold`` anyway. Leave False for anything published.
    threshold : int, default=5
        Counts from 1 to ``threshold - 1`` are small (a common SCB threshold is 5).

    Returns
    -------
    folium.Map
        Save with ``m.save("map.html")``; the file is self-contained.

    Raises
    ------
    UnprotectedDataError
        When a mapped column holds raw counts below ``threshold`` and the frame did not come
        out of :mod:`segregation.disclosure` (and ``unsafe`` is False).

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> regso = seg.load_regso(kommun="0380")
    >>> frame = pd.DataFrame({"andel": range(len(regso))}, index=regso.index) / 100
    >>> m = seg.maps.explore(frame, "andel", units="andel")
    >>> page = m.get_root().render()
    >>> "Källa: SCB" in page, "cdn.jsdelivr" in page, "<script src=" in page
    (True, False, False)
    """
    folium = _folium()
    frame, columns = as_frame(frame, column)
    prepared = prepare(
        frame,
        columns,
        tooltip=tooltip,
        areas=areas,
        kind=kind,
        unsafe=unsafe,
        threshold=threshold,
    )
    if tiles is not None:
        tile_layer = _tile_layer(tiles)  # fail early on a bad provider
    geo = prepared.frame
    geoms, _ = display_geometry(geo.geometry, simplify)
    elements = _elements()

    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=False, zoom_snap=0.25)
    m.default_js = []
    m.default_css = []
    m.get_root().header.add_child(elements["InlineAssets"](), name="segregation_leaflet")
    if tiles is not None:
        tile_layer.add_to(m)

    data = elements["GeoData"](
        _feature_collection(geoms),
        _js(
            {
                "code": [html.escape(str(v)) for v in geo["_code"]],
                "name": [html.escape(str(v)) for v in geo["_name"]],
                "kommun": [html.escape(str(v)) for v in geo["_kommun"]],
            }
        ),
    )
    m.add_child(data)
    legends: dict[str, str] = {}
    extra = [c for c in (tooltip or []) if c not in columns]
    for position, col in enumerate(columns):
        c = classify(
            geo[col],
            kind=prepared.kinds[col],
            scheme=scheme,
            k=k,
            bins=bins,
            cmap=cmap,
            column=col,
            decimals=decimals,
        )
        name = _display_name(col, prepared.kinds[col], labels)
        suppressed = prepared.suppressed[col]
        colors = list(c.colors)
        cls = c.classes.copy()
        if suppressed.any():
            cls[suppressed] = len(colors)
            colors.append(f"url(#{_HATCH_ID})")
        missing_text = None
        if (c.classes < 0).any():
            missing_text = _MISSING_TEXT[bool(suppressed.any())]
        unit = _option(units, col)
        suffix = f" {unit}" if unit and prepared.kinds[col] == "numeric" else ""
        texts = [
            html.escape(t + suffix) if cls[i] >= 0 and c.classes[i] >= 0 else "–"
            for i, t in enumerate(c.texts)
        ]
        texts = ["undertryckt" if s else t for t, s in zip(texts, suppressed, strict=True)]
        for other in extra:
            o = classify(geo[other], kind=prepared.kinds[other], column=other)
            label = html.escape((labels or {}).get(other, other))
            texts = [
                f"{t}</b><br>{label}: <b>{html.escape(v) if v else '–'}"
                for t, v in zip(texts, o.texts, strict=True)
            ]
        payload = {
            "title": html.escape(name),
            "cls": cls.tolist(),
            "colors": colors,
            "missing": MISSING_COLOR,
            "text": texts,
        }
        layer = elements["Choropleth"](data, payload, name, show=position == 0)
        m.add_child(layer)
        legends[name] = _legend_html(name, unit, c, missing_text)
    if outlines:
        for name, geojson in _outline_layers(prepared, simplify):
            color, weight = ("#555555", 0.8) if name == "Kommungränser" else ("#222222", 1.6)
            m.add_child(elements["Outline"](geojson, name, color, weight))
    first = _display_name(columns[0], prepared.kinds[columns[0]], labels)
    m.add_child(elements["Legend"](legends, first, title))
    folium.LayerControl(collapsed=False).add_to(m)
    west, south, east, north = _bounds_4326(geoms)
    m.fit_bounds([[south, west], [north, east]])
    seed = hashlib.sha256(data.geojson.encode())
    seed.update(json.dumps(legends, sort_keys=True).encode())
    _deterministic_ids(m.get_root(), seed.hexdigest())
    return m


def _bounds_4326(geoms: np.ndarray) -> tuple[float, float, float, float]:
    """West, south, east, north of an array of geometries in degrees."""
    import shapely

    bounds = shapely.bounds(geoms)
    return (
        float(np.nanmin(bounds[:, 0])),
        float(np.nanmin(bounds[:, 1])),
        float(np.nanmax(bounds[:, 2])),
        float(np.nanmax(bounds[:, 3])),
    )
