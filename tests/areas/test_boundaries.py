from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely

import segregation as seg
from segregation.areas import boundaries


@pytest.fixture(scope="module")
def regso() -> gpd.GeoDataFrame:
    return seg.load_regso()


def test_embedded_regso_is_complete_and_consistent(regso):
    assert len(regso) == 3363
    assert regso.crs.to_epsg() == 3006
    assert regso.index.name == "regsokod" and regso.index.is_unique
    assert regso["kommunkod"].nunique() == 290
    assert regso["lanskod"].nunique() == 21
    assert (regso["kommunkod"] == regso.index.str[:4]).all()
    assert (regso["lanskod"] == regso.index.str[:2]).all()
    assert regso[["regsonamn", "kommunnamn", "lansnamn"]].notna().all().all()


def test_embedded_regso_is_a_valid_coverage(regso):
    geoms = regso.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)


def test_kommun_and_lan_layers_cover_the_same_land_as_regso(regso):
    kommuner, lan = seg.load_kommuner(), seg.load_lan()
    assert len(kommuner) == 290 and len(lan) == 21
    total = regso.area.sum()
    assert kommuner.area.sum() == pytest.approx(total, rel=1e-9)
    assert lan.area.sum() == pytest.approx(total, rel=1e-9)
    by_kommun = regso.area.groupby(regso["kommunkod"]).sum()
    np.testing.assert_allclose(kommuner.area.loc[by_kommun.index], by_kommun, rtol=1e-9)


def test_manifest_records_source_licence_and_checksums():
    manifest = boundaries.boundaries_manifest()
    assert "SCB" in manifest["source"] and "CC0" in manifest["licence"]
    assert len(manifest["original"]["sha256"]) == 64
    for name, entry in manifest["outputs"].items():
        path = boundaries.embedded_path(name)
        from segregation.areas.wfs import _sha256

        assert _sha256(path) == entry["sha256"], f"{name} differs from its manifest"
    total = sum(o["bytes"] for o in manifest["outputs"].values())
    assert total <= 5 * 1024 * 1024


def test_embedded_original_checksum_matches_scbs_file(shared_data):
    from segregation.areas.wfs import _sha256

    manifest = boundaries.boundaries_manifest()
    assert _sha256(shared_data / "boundaries" / "regso_2025.gpkg") == manifest["original"]["sha256"]


def test_simplified_regso_stays_close_to_the_original(shared_data, regso):
    full = seg.load_regso(source=shared_data / "boundaries" / "regso_2025.gpkg")
    assert full.index.sort_values().equals(regso.index.sort_values())
    full = full.loc[regso.index]
    # area changes stay small, and every simplified polygon overlaps its original mostly
    rel = np.abs(regso.area - full.area) / full.area
    assert np.median(rel) < 0.01
    inter = shapely.area(shapely.intersection(regso.geometry.values, full.geometry.values))
    assert (inter / full.area.to_numpy()).min() > 0.8


def test_filters_select_kommun_and_lan_and_refuse_empty_or_bad_codes(regso):
    uppsala = seg.load_regso(kommun="0380")
    assert set(uppsala["kommunkod"]) == {"0380"}
    assert len(uppsala) == (regso["kommunkod"] == "0380").sum()
    assert set(seg.load_regso(lan=["03", "20"])["lanskod"]) == {"03", "20"}
    with pytest.raises(seg.InvalidCodeError):
        seg.load_regso(kommun="9999")
    with pytest.raises(seg.InvalidCodeError):
        seg.load_regso(kommun="380")
    with pytest.raises(seg.EmptySelectionError, match="0380"):
        seg.load_regso(kommun="0380", lan="20")


def test_unknown_edition_is_an_error():
    with pytest.raises(seg.InvalidCodeError, match="2020 and 2025"):
        seg.load_regso(edition=2019)
    with pytest.raises(seg.InvalidCodeError, match="2018 and 2025"):
        seg.load_deso(edition=2020, source="x.gpkg")


@pytest.mark.parametrize(
    "suffix,driver",
    [(".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".geojson", "GeoJSON"), (".parquet", None)],
)
def test_user_files_in_every_format_load_the_same(tmp_path, shared_data, suffix, driver):
    original = gpd.read_file(shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    renamed = original.rename(columns={"deso": "desokod"}).to_crs(4326)
    path = tmp_path / f"dalarna{suffix}"
    if driver is None:
        renamed.to_parquet(path)
    else:
        renamed.to_file(path, driver=driver)
    loaded = seg.load_deso(2018, source=path)
    assert len(loaded) == 175
    assert loaded.crs.to_epsg() == 3006
    assert set(loaded["lanskod"]) == {"20"}
    assert set(loaded["deso_category"]) <= {"A", "B", "C"}
    assert (loaded["kommunkod"] == loaded.index.str[:4]).all()
    np.testing.assert_allclose(
        loaded.area.sort_index().to_numpy(),
        original.set_index("deso").area.sort_index().to_numpy(),
        rtol=1e-4,
    )


def test_user_attributes_are_kept(shared_data):
    uppsala = seg.read_areas(shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    assert len(uppsala) == 262
    assert uppsala["population_2016"].sum() > 300_000


def test_missing_crs_is_an_error_that_says_what_to_do(tmp_path, shared_data):
    frame = gpd.read_file(shared_data / "boundaries" / "deso_2018_dalarna.gpkg").set_crs(
        None, allow_override=True
    )
    path = tmp_path / "nocrs.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(path)
    with pytest.raises(seg.CRSError, match="set_crs"):
        seg.read_areas(path)


def test_duplicated_codes_and_missing_code_column_are_named(tmp_path):
    square = shapely.box(500000, 6500000, 501000, 6501000)
    frame = gpd.GeoDataFrame(
        {"deso": ["0380C1010", "0380C1010", "0380C1020"]}, geometry=[square] * 3, crs=3006
    )
    path = tmp_path / "dup.gpkg"
    frame.to_file(path)
    with pytest.raises(seg.InvalidCodeError, match="0380C1010"):
        seg.read_areas(path)
    frame.rename(columns={"deso": "area"}).to_file(tmp_path / "nocode.gpkg")
    with pytest.raises(seg.InvalidCodeError, match="desokod"):
        seg.read_areas(tmp_path / "nocode.gpkg")


def test_invalid_geometries_are_repaired_and_reported(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    square = shapely.box(20, 0, 30, 10)
    frame = gpd.GeoDataFrame(
        {"regsokod": ["0380R001", "0380R002"]}, geometry=[bowtie, square], crs=3006
    )
    path = tmp_path / "bad.gpkg"
    frame.to_file(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = seg.read_areas(path)
    assert any(
        "Repaired 1 invalid" in str(w.message) and "0380R001" in str(w.message) for w in caught
    )
    assert shapely.is_valid(loaded.geometry.to_numpy()).all()
    assert len(loaded) == 2


def test_codes_of_the_wrong_level_are_refused(tmp_path):
    square = shapely.box(0, 0, 1, 1)
    frame = gpd.GeoDataFrame({"regsokod": ["0380R001", "0380"]}, geometry=[square] * 2, crs=3006)
    frame.to_file(tmp_path / "mixed.gpkg")
    with pytest.raises(seg.InvalidCodeError, match="not regso codes: 0380"):
        seg.read_areas(tmp_path / "mixed.gpkg")


def test_a_file_mixing_editions_is_refused(tmp_path):
    square = shapely.box(0, 0, 1, 1)
    frame = gpd.GeoDataFrame(
        {"desokod": ["0380C1010_DeSO2025", "0380C1020"]}, geometry=[square] * 2, crs=3006
    )
    frame.to_file(tmp_path / "mixed.gpkg")
    with pytest.raises(seg.EditionMismatchError, match="0380C1010_DeSO2025"):
        seg.read_areas(tmp_path / "mixed.gpkg")
