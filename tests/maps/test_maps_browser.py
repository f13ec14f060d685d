"""Maps opened in Debian's headless Chromium with the network cut off.

Each test writes a map to HTML, opens it from disk and checks what a person would see:
one path per area, the legend, the attribution, a tooltip on hover, a non-blank
screenshot, and that the page asked the network for nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.disclosure._marks import mark_protected

pytestmark = pytest.mark.browser

_PATHS = "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"
_BACKGROUND = np.array([0xF2, 0xF4, 0xF5])
_OPACITY = 0.85


def _remote(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("file:", "data:", "about:"))]


@pytest.fixture(scope="module")
def uppsala_map(uppsala_born_abroad, tmp_path_factory):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]].copy()
    m = seg.maps.explore(
        frame,
        "andel_utrikes_fodda",
        labels={"andel_utrikes_fodda": "Utrikes födda"},
        units="%",
        title="Uppsala kommun 2023",
    )
    path = seg.maps.save(m, tmp_path_factory.mktemp("maps") / "uppsala.html")
    return path, frame


def test_uppsala_map_draws_one_path_per_area_with_legend_offline(browser_page, uppsala_map):
    path, frame = uppsala_map
    seconds = browser_page.open(path, f"{_PATHS} >= {len(frame)}")
    assert browser_page.evaluate(_PATHS) == len(frame) == 61
    legend = browser_page.evaluate("document.querySelector('.segregation-legend').innerText")
    assert legend.startswith("Utrikes födda (%)")
    assert legend.count("–") == 5  # five quantile classes, each "low – high"
    attribution = browser_page.evaluate(
        "document.querySelector('.leaflet-control-attribution').innerText"
    )
    assert "Källa: SCB" in attribution
    assert _remote(browser_page.requested_urls()) == []
    assert seconds < 20


def test_hover_shows_tooltip_with_code_name_kommun_and_value(browser_page, uppsala_map):
    path, frame = uppsala_map
    browser_page.open(path, f"{_PATHS} >= {len(frame)}")
    regso = seg.load_regso(kommun="0380")
    # the area with the largest share born abroad, and a point inside it
    code = frame["andel_utrikes_fodda"].idxmax()
    point = regso.loc[[code]].geometry.to_crs(4326).representative_point().iloc[0]
    x, y = browser_page.evaluate(
        f"(() => {{ var p = segregationMap.latLngToContainerPoint([{point.y}, {point.x}]);"
        " var r = segregationMap.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()"
    )
    browser_page.hover(x, y)
    text = browser_page.wait_for(
        "(document.querySelector('.leaflet-tooltip') || {}).innerText", timeout=10
    )
    value = f"{frame.loc[code, 'andel_utrikes_fodda']:.1f}".replace(".", ",")
    assert regso.loc[code, "regsonamn"] in text
    assert code in text
    assert "Uppsala" in text
    assert f"Utrikes födda: {value} %" in text


def test_screenshot_shows_the_class_colours(browser_page, uppsala_map, png_pixels):
    path, frame = uppsala_map
    browser_page.open(path, f"{_PATHS} >= {len(frame)}")
    pixels = png_pixels(browser_page.screenshot()).astype(int)
    assert pixels.shape[:2] == (900, 1200)
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    assert len(np.unique(packed)) > 50  # not blank: many distinct colours
    classes = seg.maps.classify(frame["andel_utrikes_fodda"], scheme="quantiles").colors
    seen = 0
    for color in classes:
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        expected = _OPACITY * rgb + (1 - _OPACITY) * _BACKGROUND  # fill over the page
        close = np.all(np.abs(pixels - expected) <= 3, axis=-1)
        seen += close.sum() > 50
    assert seen == len(classes) == 5


def test_national_regso_map_renders_every_area_offline(browser_page, tmp_path):
    regso = seg.load_regso()
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"area_type": rng.integers(1, 6, len(regso)), "index": rng.normal(20, 5, len(regso))},
        index=regso.index,
    )
    mark_protected(frame, method="synthetic")
    m = seg.maps.explore(frame, ["area_type", "index"], title="RegSO (syntetiska värden)")
    path = seg.maps.save(m, tmp_path / "sverige.html")
    assert path.stat().st_size < 10_000_000
    seconds = browser_page.open(path, f"{_PATHS} >= {len(regso)}", timeout=120)
    assert browser_page.evaluate(_PATHS) == 3363
    assert seconds < 60
    legend = browser_page.evaluate("document.querySelector('.segregation-legend').innerText")
    for name in seg.maps.area_type_names().values():
        assert name in legend
    # switching to the second column swaps the legend
    browser_page.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-base label'))"
        ".find(l => l.innerText.trim() === 'index').querySelector('input').click()"
    )
    swapped = browser_page.wait_for(
        "document.querySelector('.segregation-legend').innerText.startsWith('index')"
    )
    assert swapped
    assert _remote(browser_page.requested_urls()) == []


def test_suppressed_areas_are_hatched_in_the_browser(browser_page, uppsala_born_abroad, tmp_path):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]].copy()
    frame.iloc[[0, 10, 20], 0] = np.nan
    mark_protected(frame, method="test")
    path = seg.maps.save(seg.maps.explore(frame, "andel_utrikes_fodda"), tmp_path / "s.html")
    browser_page.open(path, f"{_PATHS} >= {len(frame)}")
    hatched = "document.querySelectorAll('path[fill=\"url(#segregation-hatch)\"]').length"
    assert browser_page.evaluate(hatched) == 3
    assert browser_page.evaluate("!!document.getElementById('segregation-hatch')")
    legend = browser_page.evaluate("document.querySelector('.segregation-legend').innerText")
    assert legend.strip().endswith("Undertryckt (röjandeskydd)")


def test_with_tiles_asked_for_the_polygons_still_draw_offline(browser_page, uppsala_map, tmp_path):
    import xyzservices

    _, frame = uppsala_map
    provider = xyzservices.providers.OpenStreetMap.Mapnik
    m = seg.maps.explore(frame, "andel_utrikes_fodda", tiles=provider)
    path = seg.maps.save(m, tmp_path / "tiles.html")
    browser_page.open(path, f"{_PATHS} >= {len(frame)}")
    assert browser_page.evaluate(_PATHS) == 61
    assert browser_page.evaluate("document.querySelectorAll('.leaflet-tile').length") > 0
    remote = _remote(browser_page.requested_urls())
    host = provider.build_url().split("/")[2].replace("{s}.", "")
    assert remote and all(host in url for url in remote)  # only tiles were asked for
