"""The static map: same classes and colours as the interactive one, the map furniture,
insets, hatched suppression, and files that do not change between runs."""

from __future__ import annotations

import hashlib
import json
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import segregation as seg
from segregation.disclosure._marks import mark_protected
from segregation.maps.static import _nice_length

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def _legend(fig) -> tuple[list[str], list[str], list[str | None]]:
    legend = fig.axes[0].get_legend()
    handles = legend.legend_handles
    texts = [t.get_text() for t in legend.get_texts()]
    colors = [to_hex(h.get_facecolor()) for h in handles]
    hatches = [h.get_hatch() for h in handles]
    return texts, colors, hatches


def test_static_legend_matches_the_interactive_legend(uppsala_born_abroad):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]]
    fig = seg.maps.plot(frame, "andel_utrikes_fodda", label="Utrikes födda", units="%")
    texts, colors, _ = _legend(fig)
    page = seg.maps.explore(
        frame, "andel_utrikes_fodda", labels={"andel_utrikes_fodda": "Utrikes födda"}, units="%"
    )
    html = page.get_root().render()
    legend = json.loads(re.search(r"var segregation_legend_\w+_html = (\{.*?\});\n", html)[1])
    swatches = re.findall(r"background:(#[0-9a-f]{6})", legend["Utrikes födda"])
    labels = re.findall(r"<span>([^<]+)</span>", legend["Utrikes födda"])
    assert texts == labels and len(texts) == 5
    assert colors == swatches
    assert fig.axes[0].get_legend().get_title().get_text() == "Utrikes födda (%)"


def test_every_area_is_drawn_in_its_class_colour(uppsala_born_abroad):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]]
    fig = seg.maps.plot(frame, "andel_utrikes_fodda")
    c = seg.maps.classify(frame["andel_utrikes_fodda"])
    fills = {
        to_hex(p.get_facecolor()): p.get_path()
        for p in fig.axes[0].patches
        if p.get_fill() and p.get_zorder() == 2
    }
    assert set(fills) == set(c.colors)
    # each class path holds one MOVETO per ring of its areas
    regso = seg.load_regso(kommun="0380")
    import shapely

    rings = shapely.get_num_interior_rings(shapely.get_parts(regso.geometry.to_numpy())) + 1
    parts_of = shapely.get_num_geometries(regso.geometry.to_numpy())
    rings_per_area = np.add.reduceat(rings, np.r_[0, np.cumsum(parts_of)[:-1]])
    for k, color in enumerate(c.colors):
        moves = int((fills[color].codes == 1).sum())
        assert moves == rings_per_area[c.classes == k].sum()


def test_raw_small_counts_raise_in_static_maps_too(uppsala_born_abroad):
    frame = uppsala_born_abroad.assign(antal=np.arange(len(uppsala_born_abroad)) % 4)
    with pytest.raises(seg.UnprotectedDataError, match="'antal'"):
        seg.maps.plot(frame, "antal")


def test_suppressed_areas_are_hatched_and_labelled(uppsala_born_abroad):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]].copy()
    frame.iloc[[2, 7, 11], 0] = np.nan
    mark_protected(frame, method="test")
    fig = seg.maps.plot(frame, "andel_utrikes_fodda")
    texts, _, hatches = _legend(fig)
    assert texts[-1] == "Undertryckt (röjandeskydd)" and hatches[-1] == "/////"
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 1 and int((hatched[0].get_path().codes == 1).sum()) >= 3
    # the same gaps in a raw frame are "missing", not "suppressed", and are not hatched
    raw = frame.copy()
    raw.attrs = {}
    texts, _, hatches = _legend(seg.maps.plot(raw, "andel_utrikes_fodda"))
    assert texts[-1] == "Uppgift saknas" and hatches[-1] is None


def test_national_map_has_insets_for_the_three_cities():
    regso = seg.load_regso()
    frame = pd.DataFrame({"area_type": np.arange(len(regso)) % 5 + 1}, index=regso.index)
    fig = seg.maps.plot(frame, "area_type", title="Områdestyper")
    titles = [ax.get_title(loc="left") for ax in fig.axes[1:]]
    assert titles == ["Stockholm", "Göteborg", "Malmö"]
    texts, colors, _ = _legend(fig)
    assert texts == list(seg.maps.area_type_names().values())
    assert colors == [seg.maps.AREA_TYPE_COLORS[t] for t in range(1, 6)]
    # each inset shows its city: the city's smaller half of areas lies inside it
    for ax, code in zip(fig.axes[1:], ("0180", "1480", "1280"), strict=True):
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        mine = regso[regso["kommunkod"] == code]
        small = mine[mine.area <= mine.area.median()].representative_point()
        assert ((small.x > x0) & (small.x < x1) & (small.y > y0) & (small.y < y1)).all()
        # a small inset's scale bar has one label, its length, beside the bar's right end
        bars = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
        (label,) = ax.texts
        right = max(p.get_x() + p.get_width() for p in bars)
        length = sum(p.get_width() for p in bars)
        assert label.get_position()[0] > right and label.get_ha() == "left"
        assert label.get_text() in (f"{length / 1000:g} km", f"{length:g} m")


def test_kommun_map_has_no_inset_unless_asked(uppsala_born_abroad):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]]
    assert len(seg.maps.plot(frame, "andel_utrikes_fodda").axes) == 1
    regso = seg.load_regso(lan="01")
    stockholms_lan = pd.DataFrame({"v": np.linspace(0, 1, len(regso))}, index=regso.index)
    fig = seg.maps.plot(stockholms_lan, "v", insets=["0180"])
    assert [ax.get_title(loc="left") for ax in fig.axes[1:]] == ["Stockholm"]
    with pytest.raises(seg.SegregationError, match="9999"):
        seg.maps.plot(stockholms_lan, "v", insets=["9999"])


def test_scale_bar_is_a_round_length_about_a_fifth_of_the_map(uppsala_born_abroad):
    assert _nice_length(37_000) == 20_000 and _nice_length(9_999) == 5_000
    fig = seg.maps.plot(uppsala_born_abroad[["andel_utrikes_fodda"]], "andel_utrikes_fodda")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    length = sum(p.get_width() for p in bars)
    width = np.diff(ax.get_xlim())[0]
    assert width / 10 < length <= width / 5
    # 0 under the left end, half the length in the middle, the length and unit at the right
    ticks = {t.get_position()[0]: t.get_text() for t in ax.texts if t.get_text() != "N"}
    left = min(p.get_x() for p in bars)
    assert ticks == {
        left: "0",
        left + length / 2: f"{length / 2000:g}".replace(".", ","),
        left + length: f"{length / 1000:g} km",
    }


def test_title_north_arrow_and_source_line(uppsala_born_abroad):
    fig = seg.maps.plot(
        uppsala_born_abroad[["andel_utrikes_fodda"]],
        "andel_utrikes_fodda",
        title="Uppsala",
        source="Folkmängd 2023",
    )
    assert fig._suptitle.get_text() == "Uppsala"
    assert "N" in [t.get_text() for t in fig.axes[0].texts]
    lines = [t.get_text() for t in fig.texts if t is not fig._suptitle]
    assert lines == ["Källa: SCB. Folkmängd 2023"]


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_save_writes_the_format_of_the_extension_and_the_same_bytes_twice(
    uppsala_born_abroad, tmp_path, suffix, magic
):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]]
    digests = []
    for run in range(2):
        fig = seg.maps.plot(frame, "andel_utrikes_fodda", title="Uppsala")
        path = seg.maps.save(fig, tmp_path / f"karta{run}{suffix}", dpi=60)
        data = path.read_bytes()
        assert data.startswith(magic)
        digests.append(hashlib.sha256(data).hexdigest())
    assert digests[0] == digests[1]


def test_save_refuses_unknown_extensions_and_mismatched_objects(uppsala_born_abroad, tmp_path):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]]
    fig = seg.maps.plot(frame, "andel_utrikes_fodda")
    with pytest.raises(seg.SegregationError, match=r"\.png"):
        seg.maps.save(fig, tmp_path / "karta.jpg")
    with pytest.raises(seg.SegregationError, match="html"):
        seg.maps.save(fig, tmp_path / "karta.html")
    m = seg.maps.explore(frame, "andel_utrikes_fodda")
    with pytest.raises(seg.SegregationError, match="html"):
        seg.maps.save(m, tmp_path / "karta.png")
    page = seg.maps.save(m, tmp_path / "karta.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Källa: SCB" in page


def test_lan_map_gets_an_inset_where_city_areas_are_small():
    regso = seg.load_regso(lan="12")
    frame = pd.DataFrame({"v": np.linspace(0, 1, len(regso))}, index=regso.index)
    fig = seg.maps.plot(frame, "v")
    assert [ax.get_title(loc="left") for ax in fig.axes[1:]] == ["Malmö"]
    with pytest.raises(seg.SegregationError, match="0180"):
        seg.maps.plot(frame, "v", insets=["0180"])


def test_area_type_series_from_typology_plots_itself_into_given_axes():
    import matplotlib.pyplot as plt

    from segregation.typology import area_types

    regso = seg.load_regso(kommun="0380")
    types = area_types(pd.Series(np.linspace(5, 40, len(regso)), index=regso.index))
    fig, ax = plt.subplots(figsize=(5, 4))
    assert seg.maps.plot(types, ax=ax, title="Uppsala") is fig
    assert ax.get_title() == "Uppsala" and len(fig.axes) == 1
    texts, colors, _ = _legend(fig)
    assert texts == list(seg.maps.area_type_names().values())
    assert colors == [seg.maps.AREA_TYPE_COLORS[t] for t in range(1, 6)]
    with pytest.raises(seg.SegregationError, match="one column"):
        seg.maps.plot(types.to_frame().assign(b=1.5), ["area_type", "b"])


def test_a_column_suppressed_everywhere_still_draws_hatched(uppsala_born_abroad):
    frame = uppsala_born_abroad[["andel_utrikes_fodda"]].copy()
    frame["andel_utrikes_fodda"] = np.nan
    mark_protected(frame, method="test")
    texts, _, hatches = _legend(seg.maps.plot(frame, "andel_utrikes_fodda"))
    assert texts == ["Undertryckt (röjandeskydd)"] and hatches == ["/////"]
    page = seg.maps.explore(frame, "andel_utrikes_fodda").get_root().render()
    assert page.count('"undertryckt"') == len(frame)
