from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import segregation as seg
from segregation.areas.crosswalk import overlap_table, read_deso_regso_key


@pytest.fixture(scope="module")
def full_regso(shared_data):
    return seg.load_regso(source=shared_data / "boundaries" / "regso_2025.gpkg")


@pytest.mark.parametrize(
    "name,count,lan",
    [("deso_2018_uppsala_lan.gpkg", 262, None), ("deso_2018_dalarna.gpkg", 175, {"20"})],
)
def test_real_deso_2018_map_to_regso_2025_with_overlap_report(
    shared_data, full_regso, name, count, lan
):
    deso = seg.load_deso(2018, source=shared_data / "boundaries" / name)
    assert len(deso) == count
    crosswalk = seg.deso_to_regso(deso, full_regso, tolerance=0.01)
    key = crosswalk.key
    # every DeSO gets a RegSO, in its own kommun
    assert key.notna().all() and len(key) == count
    assert (key.str[:4] == key.index.str[:4]).all()
    if lan:
        assert set(key.str[:2]) == lan
    # the overlap shares of each DeSO add up to one: the RegSO cover every DeSO completely
    shares = crosswalk.overlaps.groupby("source")["share_of_source"].sum()
    assert shares.between(0.999, 1.001).all()
    # the report lists exactly the DeSO whose largest overlap is below 99 %, and why
    best = crosswalk.overlaps.groupby("source")["share_of_source"].max()
    assert set(crosswalk.report.index) == set(best[best < 0.99].index)
    assert (crosswalk.report["reason"] == "split").all()
    assert crosswalk.report["other_regso"].notna().all()


def test_embedded_simplified_regso_gives_the_same_key_for_nearly_every_deso(
    shared_data, full_regso
):
    deso = seg.load_deso(2018, source=shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    full = seg.deso_to_regso(deso, full_regso).key
    simplified = seg.deso_to_regso(deso).key
    assert (full == simplified).mean() > 0.98


def test_overlap_shares_worked_by_hand():
    source = gpd.GeoDataFrame(
        {"code": ["a", "b"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs=3006,
    ).set_index("code")
    target = gpd.GeoDataFrame(
        {"code": ["x", "y"]},
        geometry=[shapely.box(0, 0, 15, 10), shapely.box(15, 0, 30, 10)],
        crs=3006,
    ).set_index("code")
    table = overlap_table(source, target)
    got = {(r.source, r.target): round(r.share_of_source, 6) for r in table.itertuples()}
    # b is half in x (10..15) and half in y (15..20); touching edges are not overlaps
    assert got == {("a", "x"): 1.0, ("b", "x"): 0.5, ("b", "y"): 0.5}
    x_share = table.loc[table["target"] == "x", "share_of_target"].sum()
    assert x_share == pytest.approx(1.0)


def test_deso_outside_every_regso_is_reported_not_dropped():
    deso = gpd.GeoDataFrame(
        {"desokod": ["0380C1010"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=3006
    ).set_index("desokod")
    crosswalk = seg.deso_to_regso(deso)
    assert crosswalk.key.isna().all()
    assert crosswalk.report.loc["0380C1010", "reason"] == "overlaps no RegSO"


def test_scbs_key_file_is_read_from_excel_with_title_rows(tmp_path):
    rows = [
        ["Koppling DeSO och RegSO 2025", None, None],
        [None, None, None],
        ["DeSO-kod", "RegSO-kod", "RegSO-namn"],
        ["0114A0010", "0114R001", "Bollstanäs"],
        ["0114A0020", "0114R001", "Bollstanäs"],
        ["0114C1010", "0114R002", "Hammarby-Vaxmyra"],
    ]
    path = tmp_path / "koppling.xlsx"
    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    key = read_deso_regso_key(path)
    assert key.key.to_dict() == {
        "0114A0010": "0114R001",
        "0114A0020": "0114R001",
        "0114C1010": "0114R002",
    }
    assert key.names.loc["0114R002"] == "Hammarby-Vaxmyra"


def test_key_file_with_a_deso_in_two_regso_is_refused(tmp_path):
    path = tmp_path / "key.csv"
    path.write_text("desokod;regsokod\n0114A0010;0114R001\n0114A0010;0114R002\n", encoding="utf-8")
    with pytest.raises(seg.InvalidCodeError, match="0114A0010"):
        read_deso_regso_key(path)
