"""The interactive map: what reaches the page, what must not, and how values are classed."""

from __future__ import annotations

import json
import re
import warnings

import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely

import segregation as seg
from segregation.disclosure._marks import mark_protected
from segregation.maps._assets import leaflet_version
from segregation.maps._common import AREA_TYPE_COLORS, classify, prepare
from segregation.maps.interactive import display_geometry


def _page(m) -> str:
    return m.get_root().render()


def _payloads(page: str) -> list[dict]:
    """The per-column payloads written into the page, in layer order."""
    found = re.findall(r"var segregation_layer_\w+_v = (\{.*?\});\n", page)
    return [json.loads(p) for p in found]


def _layer_names(page: str, kind: str) -> list[str]:
    """Names in folium's layer control, decoded from their JSON strings."""
    block = re.search(kind + r" :\s*\{(.*?)\}", page, re.S).group(1)
    return [json.loads(name) for name in re.findall(r'("(?:[^"\\]|\\.)*") :', block)]


@pytest.fixture(scope="module")
def uppsala() -> pd.DataFrame:
    regso = seg.load_regso(kommun="0380")
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "andel": rng.uniform(0, 1, len(regso)),
            "antal": rng.integers(0, 4, len(regso)),  # raw small counts
            "hemlig_text": [f"HEMLIG-{i:04d}" for i in range(len(regso))],
            "hemligt_tal": rng.uniform(1e6, 2e6, len(regso)).round(3),
        },
        index=regso.index,
    )


def test_raw_small_counts_raise_and_name_the_column_and_areas(uppsala):
    with pytest.raises(seg.UnprotectedDataError) as info:
        seg.maps.explore(uppsala, ["andel", "antal"])
    message = str(info.value)
    assert "'antal'" in message and "'andel'" not in message.split("hold raw counts")[0]
    small = uppsala.index[(uppsala["antal"] > 0) & (uppsala["antal"] < 5)]
    assert f"in {len(small)} areas" in message
    assert small[0] in message and "and " in message  # first codes and a count of the rest
    assert "unsafe=True" in message and "disclosure" in message


def test_small_counts_in_a_tooltip_column_raise_too(uppsala):
    with pytest.raises(seg.UnprotectedDataError, match="'antal'"):
        seg.maps.explore(uppsala, "andel", tooltip=["antal"])


def test_protected_frame_or_unsafe_maps_counts(uppsala):
    protected = mark_protected(uppsala.copy(), method="test")
    assert len(_payloads(_page(seg.maps.explore(protected, "antal")))) == 1
    assert len(_payloads(_page(seg.maps.explore(uppsala, "antal", unsafe=True)))) == 1


def test_raw_counts_are_refused_even_when_none_is_small(uppsala):
    frame = uppsala.assign(antal=uppsala["antal"] + 5)
    # nothing between 1 and 4, but only the disclosure module can vouch for a count column
    with pytest.raises(seg.UnprotectedDataError, match="'antal' whole counts"):
        seg.maps.explore(frame, "antal")
    with pytest.raises(seg.UnprotectedDataError, match="'antal' below 10 in"):
        seg.maps.explore(frame, "antal", threshold=10)
    assert "antal" in _page(seg.maps.explore(frame, "antal", unsafe=True))
    assert "antal" in _page(seg.maps.explore(mark_protected(frame.copy(), method="test"), "antal"))


def test_protected_page_holds_no_value_of_columns_not_shown(uppsala):
    frame = mark_protected(uppsala.copy(), method="test")
    page = _page(seg.maps.explore(frame, "andel"))
    assert "HEMLIG" not in page
    assert "hemlig" not in page.lower()
    for value in frame["hemligt_tal"]:
        for text in (f"{value}", f"{value:.1f}", f"{value:,.1f}".replace(",", " ")):
            assert text not in page
    assert "antal" not in page
    # the shown column is there, formatted, once per area
    payload = _payloads(page)[0]
    assert len(payload["text"]) == len(frame)
    assert payload["text"][0] == f"{frame['andel'].iloc[0]:.3f}".replace(".", ",")


def test_geojson_features_carry_no_properties(uppsala):
    page = _page(seg.maps.explore(uppsala, "andel"))
    data = re.search(r"var segregation_data_\w+ = (\{.*?\});\n", page).group(1)
    features = json.loads(data)["features"]
    assert len(features) == len(uppsala)
    assert all(f["properties"] == {} for f in features)
    assert [f["id"] for f in features] == list(range(len(uppsala)))


def test_page_is_offline_no_cdn_and_no_tiles_by_default(uppsala):
    page = _page(seg.maps.explore(uppsala, "andel"))
    assert "<script src=" not in page and "<link rel=" not in page
    for host in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "tile.openstreetmap"):
        assert host not in page
    assert "L.tileLayer" not in page
    assert f"Leaflet {leaflet_version()}" in page
    assert "Källa: SCB" in page


def test_tiles_from_xyzservices_are_added_on_request(uppsala):
    import xyzservices

    provider = xyzservices.providers.OpenStreetMap.Mapnik
    page = _page(seg.maps.explore(uppsala, "andel", tiles=provider))
    assert "L.tileLayer" in page
    assert provider.build_url().split("{")[0] in page
    with pytest.raises(seg.SegregationError, match="tile provider"):
        seg.maps.explore(uppsala, "andel", tiles="No.Such.Provider")


def test_same_input_gives_the_same_page(uppsala):
    first = _page(seg.maps.explore(uppsala, "andel"))
    second = _page(seg.maps.explore(uppsala, "andel"))
    assert first == second


def test_tooltips_hold_code_name_and_kommun(uppsala):
    page = _page(seg.maps.explore(uppsala, "andel"))
    info = json.loads(re.search(r"var segregation_data_\w+_info = (\{.*?\});\n", page).group(1))
    regso = seg.load_regso(kommun="0380")
    assert info["code"] == regso.index.tolist()
    assert info["name"] == regso["regsonamn"].tolist()
    assert set(info["kommun"]) == {"Uppsala"}


def test_several_columns_become_switchable_layers_with_own_legends(uppsala):
    frame = uppsala.assign(area_type=np.arange(len(uppsala)) % 5 + 1)
    page = _page(seg.maps.explore(frame, ["andel", "area_type"], units={"andel": "andel"}))
    assert _layer_names(page, "base_layers") == ["andel", "Områdestyp"]
    assert _layer_names(page, "overlays") == ["Kommungränser", "Länsgränser"]
    legends = json.loads(re.search(r"var segregation_legend_\w+_html = (\{.*?\});\n", page)[1])
    assert set(legends) == {"andel", "Områdestyp"}
    assert "andel (andel)" in legends["andel"]
    for name in seg.maps.area_type_names().values():
        assert name in legends["Områdestyp"]


def test_area_types_use_the_fixed_palette_and_official_names():
    types = pd.Series(pd.Categorical([1, 2, 3, 4, 5, None], categories=[1, 2, 3, 4, 5]))
    c = classify(types, kind="area_type")
    assert c.colors == [AREA_TYPE_COLORS[t] for t in range(1, 6)]
    assert c.classes.tolist() == [0, 1, 2, 3, 4, -1]
    assert c.labels[0] == "Områden med stora socioekonomiska utmaningar"
    assert c.labels[4] == "Områden med mycket goda socioekonomiska förutsättningar"
    by_name = classify(pd.Series(c.labels), kind="area_type")
    assert by_name.classes.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(seg.SegregationError, match="not area types"):
        classify(pd.Series([1, 6]), kind="area_type")


def test_area_type_series_from_typology_is_recognised():
    from segregation.typology import area_types

    regso = seg.load_regso(kommun="0380")
    index = pd.Series(np.linspace(5, 40, len(regso)), index=regso.index)
    frame = area_types(index).to_frame()
    assert prepare(frame, "area_type").kinds == {"area_type": "area_type"}


def test_quantiles_put_equal_numbers_of_areas_in_each_class():
    values = np.arange(100.0)
    c = classify(values, scheme="quantiles", k=5)
    assert np.bincount(c.classes).tolist() == [20, 20, 20, 20, 20]
    assert c.labels[0] == "0 – 20" and c.labels[-1] == "79 – 99"


def test_natural_breaks_are_fisher_jenks_and_user_bins_are_upper_bounds():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(10, 1, 30), rng.normal(30, 1, 30), rng.normal(60, 1, 30)])
    c = classify(values, scheme="natural_breaks", k=3)
    with warnings.catch_warnings():  # mapclassify says it runs without numba
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_allclose(c.bins, mapclassify.FisherJenks(values, k=3).bins)
    assert np.bincount(c.classes).tolist() == [30, 30, 30]
    user = classify(np.array([1.0, 2.0, 2.5, 9.0]), bins=[2, 5])
    assert user.classes.tolist() == [0, 0, 1, 2]  # 9 is above the last bound: a class to max
    equal = classify(np.array([0.0, 1.0, 2.0, 10.0]), scheme="equal_interval", k=2)
    assert equal.bins.tolist() == [5.0, 10.0]
    with pytest.raises(seg.SegregationError, match="scheme must be one of"):
        classify(values, scheme="jenks")


def test_plain_frame_gets_embedded_boundaries_and_unknown_codes_raise():
    frame = pd.DataFrame({"andel": [0.1, 0.2]}, index=["0380R001", "0380R999"])
    with pytest.raises(seg.UnmatchedError, match="0380R999"):
        seg.maps.explore(frame, "andel")
    kommuner = pd.DataFrame({"andel": [0.1, 0.2]}, index=pd.Index(["0380", "0381"]))
    assert prepare(kommuner, "andel").level == "kommun"
    deso = pd.DataFrame({"andel": [0.1]}, index=["0380C1010"])
    with pytest.raises(seg.SegregationError, match="areas="):
        seg.maps.explore(deso, "andel")


def test_missing_column_and_duplicated_codes_are_named(uppsala):
    with pytest.raises(seg.SegregationError, match="'nope'"):
        seg.maps.explore(uppsala, "nope")
    doubled = pd.concat([uppsala.iloc[:2], uppsala.iloc[:1]])
    with pytest.raises(seg.SegregationError, match="0380R001"):
        seg.maps.explore(doubled, "andel")


def test_geodataframe_without_crs_raises():
    regso = seg.load_regso(kommun="0380")
    naked = regso.set_crs(None, allow_override=True)
    naked["andel"] = 0.5
    with pytest.raises(seg.CRSError, match="set_crs"):
        seg.maps.explore(naked, "andel")


def test_display_simplification_keeps_neighbours_together():
    regso = seg.load_regso()
    geoms, decimals = display_geometry(regso.geometry)
    assert decimals == 4 and len(geoms) == len(regso)
    before = shapely.get_num_coordinates(regso.geometry.to_numpy()).sum()
    after = shapely.get_num_coordinates(geoms).sum()
    assert after < 0.5 * before
    # no gaps and no overlaps: the parts add up to their union (planar degrees, 0.1 %)
    parts = shapely.get_parts(shapely.make_valid(geoms))
    parts = parts[shapely.get_type_id(parts) == 3]  # polygons; drop slivers made lines
    total = shapely.area(parts).sum()
    union = shapely.area(shapely.union_all(parts))
    assert abs(total - union) / union < 1e-3


def test_national_page_stays_under_ten_megabytes():
    regso = seg.load_regso()
    frame = pd.DataFrame({"andel": np.linspace(0, 1, len(regso))}, index=regso.index)
    page = _page(seg.maps.explore(frame, "andel"))
    assert len(page.encode()) < 10_000_000
    assert len(_payloads(page)[0]["cls"]) == 3363


def test_deso_map_from_a_real_boundary_file(shared_data):
    deso = seg.read_areas(shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    frame = pd.DataFrame({"andel": np.linspace(0, 1, len(deso))}, index=deso.index)
    page = _page(seg.maps.explore(frame, "andel", areas=deso))
    info = json.loads(re.search(r"var segregation_data_\w+_info = (\{.*?\});\n", page).group(1))
    assert info["code"] == deso.index.tolist() and len(info["code"]) == 175
    assert set(info["name"]) == {""}  # DeSO have no names: the tooltip leads with the code
    assert set(info["kommun"]) == set(deso["kommunnamn"])
    assert "uuid" not in page and str(deso["uuid"].iloc[0]) not in page


def test_whole_number_floats_count_as_counts_but_shares_do_not():
    regso = seg.load_regso(kommun="0380")
    counts = pd.DataFrame({"n": np.where(np.arange(len(regso)) == 4, 2.0, 40.0)}, regso.index)
    with pytest.raises(seg.UnprotectedDataError, match=regso.index[4]):
        prepare(counts, "n")
    shares = pd.DataFrame({"andel": np.linspace(0.01, 0.99, len(regso))}, regso.index)
    assert prepare(shares, "andel").kinds == {"andel": "numeric"}


def test_other_categories_use_the_okabe_ito_palette_in_sorted_order():
    c = classify(pd.Series(["b", "a", None, "c", "a"]), kind="category")
    assert c.labels == ["a", "b", "c"]
    assert c.classes.tolist() == [1, 0, -1, 2, 0]
    assert c.colors == list(seg.maps.CATEGORY_COLORS[:3])
    regso = seg.load_regso(kommun="0380")
    frame = pd.DataFrame({"kluster": [f"typ {i % 3}" for i in range(len(regso))]}, regso.index)
    assert prepare(frame, "kluster").kinds == {"kluster": "category"}


def test_simplify_none_keeps_geometry_and_bad_tolerance_raises():
    regso = seg.load_regso(kommun="0380")
    geoms, _ = display_geometry(regso.geometry, simplify=None)
    before = shapely.get_num_coordinates(regso.geometry.to_numpy()).sum()
    assert shapely.get_num_coordinates(geoms).sum() == before
    coarse, _ = display_geometry(regso.geometry, simplify=500)
    assert shapely.get_num_coordinates(coarse).sum() < 0.5 * before
    with pytest.raises(seg.SegregationError, match="simplify"):
        display_geometry(regso.geometry, simplify=-1)


def test_counts_protected_by_the_disclosure_module_map_with_suppressed_cells_hidden(
    shared_data,
):
    raw = pd.read_csv(
        shared_data / "reference" / "disclosure" / "uppsala_deso_5cat_thin.csv",
        dtype={"deso": str, "kommun": str},
    ).set_index("deso")
    counts = raw[[f"cat{i}" for i in range(1, 6)]]
    deso = seg.read_areas(shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    with pytest.raises(seg.UnprotectedDataError, match="'cat5'"):
        seg.maps.explore(counts, "cat5", areas=deso)
    published = seg.disclosure.protect(counts, levels=["deso", "kommun"]).wide("deso")
    withheld = published["cat5"].isna().to_numpy()
    assert withheld.any()
    page = _page(seg.maps.explore(published, "cat5", areas=deso))
    payload = _payloads(page)[0]
    texts = np.array(payload["text"])
    assert (texts[withheld] == "undertryckt").all()
    hatch = payload["colors"].index("url(#segregation-hatch)")
    assert (np.array(payload["cls"])[withheld] == hatch).all()
    shown = published["cat5"].to_numpy()[~withheld].astype(int).astype(str)
    assert (texts[~withheld] == shown).all()


def test_a_protected_series_maps_itself_and_keeps_its_mark():
    regso = seg.load_regso(kommun="0380")
    counts = pd.Series(np.arange(len(regso)) % 4, index=regso.index, name="antal")
    with pytest.raises(seg.UnprotectedDataError, match="'antal'"):
        seg.maps.explore(counts)
    mark_protected(counts, method="test")
    payload = _payloads(_page(seg.maps.explore(counts)))[0]
    assert payload["title"] == "antal" and len(payload["cls"]) == len(regso)
    with pytest.raises(seg.SegregationError, match="does not match"):
        seg.maps.explore(counts, "andel")
    with pytest.raises(seg.SegregationError, match="Give the column"):
        seg.maps.explore(counts.to_frame())


@pytest.mark.parametrize("k", [0, -2, 2.5, True, "5"])
def test_a_bad_number_of_classes_is_named(uppsala, k):
    with pytest.raises(seg.SegregationError, match=r"k must be a whole number of classes >= 1"):
        seg.maps.explore(uppsala, "andel", k=k)
    with pytest.raises(seg.SegregationError, match=r"k must be"):
        seg.maps.plot(uppsala, "andel", k=k)


def test_an_unknown_colormap_is_named_with_alternatives(uppsala):
    with pytest.raises(seg.SegregationError, match=r"cmap='YlGnbu' is not a matplotlib colormap"):
        seg.maps.explore(uppsala, "andel", cmap="YlGnbu")
    with pytest.raises(seg.SegregationError, match=r"cmap='nope'"):
        seg.maps.plot(uppsala, "andel", cmap="nope")
    one = classify(uppsala["andel"], k=1)  # one class is allowed: every area in it
    assert len(one.colors) == 1 and set(one.classes) == {0}


def test_raw_counts_added_to_a_suppressed_frame_after_protection_raise(uppsala):
    """The protection mark travels with the frame; a raw column added later is caught."""
    regso = seg.load_regso(kommun="0380")
    counts = pd.DataFrame(
        {"a": np.arange(len(regso)) % 9 + 1, "b": np.full(len(regso), 40)}, index=regso.index
    )
    published = seg.disclosure.protect(counts, 5).wide("regso")
    published.index.name = "regsokod"
    seg.maps.explore(published, "a")  # what suppression published maps
    published["raw"] = counts["a"].to_numpy()  # added after protection: still marked
    with pytest.raises(seg.UnprotectedDataError, match=r"'raw' in \d+ areas .*added after"):
        seg.maps.explore(published, "raw")
    with pytest.raises(seg.UnprotectedDataError, match="'raw'"):
        seg.maps.plot(published, "raw")
    assert len(_payloads(_page(seg.maps.explore(published, "raw", unsafe=True)))) == 1


def test_codes_of_two_editions_in_one_frame_raise():
    frame = pd.DataFrame({"andel": [0.1, 0.2]}, index=["0380R001_RegSO2025", "0380R002"])
    with pytest.raises(seg.EditionMismatchError, match="0380R002"):
        seg.maps.explore(frame, "andel")
    suffixed = frame.set_axis(["0380R001_RegSO2025", "0380R002_RegSO2025"])
    assert prepare(suffixed, "andel").frame["_code"].tolist() == ["0380R001", "0380R002"]


def _info(page: str) -> dict:
    return json.loads(re.search(r"var segregation_data_\w+_info = (\{.*?\});\n", page).group(1))


def test_kommun_and_lan_tooltips_name_the_area_and_the_level_above():
    kommuner = pd.DataFrame({"d": [0.3, 0.4]}, index=pd.Index(["0380", "1480"], name="kommunkod"))
    info = _info(_page(seg.maps.explore(kommuner, "d")))
    assert info == {
        "code": ["0380", "1480"],
        "name": ["Uppsala", "Göteborg"],
        "kommun": ["Uppsala län", "Västra Götalands län"],
    }
    lan = pd.DataFrame({"d": [0.3, 0.4]}, index=pd.Index(["03", "14"], name="lanskod"))
    info = _info(_page(seg.maps.explore(lan, "d")))
    assert info == {
        "code": ["03", "14"],
        "name": ["Uppsala län", "Västra Götalands län"],
        "kommun": ["", ""],
    }
