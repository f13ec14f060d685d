"""Assigning records to real DeSO and RegSO polygons, and counting them at every level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import segregation as seg
from segregation.data.records import REASONS, aggregate, assign
from segregation.errors import CRSError, UnmatchedError

pytestmark = pytest.mark.filterwarnings("ignore::segregation.SegregationWarning")

# Open water, checked by eye on the map: the Baltic between Öland and Gotland, the sea south of
# Blekinge, and the Baltic south-east of Öland.
SEA = [(650_000.0, 6_300_000.0), (560_000.0, 6_150_000.0), (700_000.0, 6_200_000.0)]


@pytest.fixture(scope="module")
def regso(shared_data):
    return seg.load_regso(source=shared_data / "boundaries" / "regso_2025.gpkg")


@pytest.fixture(scope="module")
def deso_uppsala(shared_data):
    return seg.load_deso(2018, source=shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")


def _inside_points(areas) -> pd.DataFrame:
    inner = shapely.point_on_surface(np.asarray(areas.geometry.array))
    return pd.DataFrame(
        {"x": shapely.get_x(inner), "y": shapely.get_y(inner), "truth": areas.index.to_numpy()}
    )


def _shared_vertices(areas, limit: int) -> tuple[np.ndarray, list[set[str]]]:
    """Exact vertex coordinates that belong to two or more polygons, and their owners."""
    coords, owner = shapely.get_coordinates(np.asarray(areas.geometry.array), return_index=True)
    frame = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "owner": owner})
    frame = frame.drop_duplicates()
    frame = frame[frame.duplicated(["x", "y"], keep=False)]
    first = frame.drop_duplicates(["x", "y"]).iloc[:limit][["x", "y"]]
    frame = frame.merge(first, on=["x", "y"])
    codes = areas.index.to_numpy()
    owners = frame.groupby(["x", "y"], sort=False)["owner"].agg(lambda s: set(codes[s.to_numpy()]))
    xy = np.array(owners.index.tolist(), dtype=float)
    return xy, list(owners)


def test_point_on_surface_of_every_regso_lands_in_that_regso(regso):
    points = _inside_points(regso)
    result = assign(points, regso, x="x", y="y", crs=3006)
    assert result.n_assigned == len(regso) == 3363
    assert (result.data["regso"].astype(str) == points["truth"]).all()
    assert result.report.empty


@pytest.mark.parametrize("name", ["deso_2018_uppsala_lan.gpkg", "deso_2018_dalarna.gpkg"])
def test_point_on_surface_of_every_deso_2018_lands_in_that_deso(shared_data, name):
    deso = seg.load_deso(2018, source=shared_data / "boundaries" / name)
    points = _inside_points(deso)
    result = assign(points, deso, x="x", y="y")
    assert result.level == "deso"
    assert (result.data["deso"].astype(str) == points["truth"]).all()


def test_deso_register_counted_up_to_regso_through_a_crosswalk(shared_data, regso):
    from segregation.areas.crosswalk import deso_to_regso

    dalarna = seg.load_deso(2018, source=shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    people = seg.synthetic_register(pd.Series(10, index=dalarna.index), areas=dalarna, seed=8)
    data = assign(people, dalarna, x="x", y="y").data
    walk = deso_to_regso(dalarna, regso[regso["lanskod"] == "20"], tolerance=0.05)
    counts = aggregate(data, "deso", "sex", key=walk)
    assert counts.loc["deso", "total"].sum() == counts.loc["regso", "total"].sum() == 1750
    by_key = counts.loc["deso"].groupby("regsokod")["total"].sum()
    assert (by_key.reindex(counts.loc["regso"].index) == counts.loc["regso", "total"]).all()
    assert counts.loc[("lan", "20"), "total"] == 1750


def test_shared_vertex_goes_to_the_smallest_code_of_the_areas_that_meet_there(regso):
    uppsala = regso[regso["kommunkod"] == "0380"]  # the rule holds for any layer given
    xy, owners = _shared_vertices(uppsala, limit=300)
    assert len(xy) == 300
    points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    result = assign(points, uppsala, x="x", y="y")
    expected = [min(o) for o in owners]
    assert result.data["regso"].astype(str).tolist() == expected
    assert result.n_on_boundary == 300  # each lay in at least two areas; each went to one


def test_boundary_rule_ignores_the_order_of_records_and_of_polygons(regso):
    uppsala = regso[regso["kommunkod"] == "0380"]
    xy, _ = _shared_vertices(uppsala, limit=200)
    points = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    expected = assign(points, uppsala, x="x", y="y").data["regso"].astype(str)
    rng = np.random.default_rng(0)
    shuffled_points = points.iloc[rng.permutation(len(points))]
    shuffled_layer = uppsala.iloc[rng.permutation(len(uppsala))]
    got = assign(shuffled_points, shuffled_layer, x="x", y="y").data["regso"].astype(str)
    assert got.sort_index().tolist() == expected.tolist()


def test_point_on_shared_edge_goes_to_exactly_one_area_by_the_rule(deso_uppsala):
    # midpoints of edges between two consecutive shared vertices of one polygon
    xy, _ = _shared_vertices(deso_uppsala, limit=5000)
    mids = (xy[:-1] + xy[1:]) / 2
    geoms = np.asarray(deso_uppsala.geometry.array)
    touching = [
        set(deso_uppsala.index[shapely.intersects_xy(geoms, mx, my)]) for mx, my in mids[:400]
    ]
    on_edge = [i for i, t in enumerate(touching) if len(t) >= 2]
    assert len(on_edge) >= 20  # the layer's own predicate says these lie on a shared edge
    points = pd.DataFrame({"x": mids[on_edge, 0], "y": mids[on_edge, 1]})
    result = assign(points, deso_uppsala, x="x", y="y")
    assert result.data["deso"].astype(str).tolist() == [min(touching[i]) for i in on_edge]


def test_points_in_the_sea_are_reported_not_dropped(regso):
    points = pd.DataFrame(SEA, columns=["x", "y"], index=[10, 20, 30])
    result = assign(points, regso, x="x", y="y")
    assert result.data["regso"].isna().all()
    assert len(result.data) == 3
    assert result.report["row"].tolist() == [0, 1, 2]
    assert result.report["index"].tolist() == [10, 20, 30]
    assert set(result.report["reason"]) == {"in no area"}


def test_swapped_axes_are_detected_per_record_and_named(regso):
    points = _inside_points(regso).iloc[:10].reset_index(drop=True)
    points.loc[[3, 7], ["x", "y"]] = points.loc[[3, 7], ["y", "x"]].to_numpy()
    result = assign(points, regso, x="x", y="y")
    assert result.report["row"].tolist() == [3, 7]
    assert set(result.report["reason"]) == {"swapped axes"}
    assert result.n_assigned == 8


def test_all_axes_swapped_raises_crs_error_naming_the_fix(regso):
    points = _inside_points(regso).iloc[:20]
    with pytest.raises(CRSError, match="x and y are exchanged"):
        assign(points, regso, x="y", y="x")


def test_wgs84_input_lands_where_sweref_input_lands(regso):
    points = _inside_points(regso).sample(500, random_state=0)
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(points["x"], points["y"])
    wgs = pd.DataFrame({"lon": lon, "lat": lat})
    result = assign(wgs, regso, x="lon", y="lat", crs=4326)
    assert result.data["regso"].astype(str).tolist() == points["truth"].tolist()


def test_wgs84_latitude_longitude_swapped_is_detected(regso):
    points = _inside_points(regso).iloc[:5]
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(points["x"], points["y"])
    mixed = pd.DataFrame({"lon": np.r_[lon[:4], lat[4]], "lat": np.r_[lat[:4], lon[4]]})
    result = assign(mixed, regso, x="lon", y="lat", crs="EPSG:4326")
    assert result.report[["row", "reason"]].values.tolist() == [[4, "swapped axes"]]


def test_degrees_given_as_metres_are_named(regso):
    degrees = pd.DataFrame({"x": [17.64, 18.07, 13.0], "y": [59.86, 59.33, 55.6]})
    with pytest.raises(CRSError, match="crs=4326"):
        assign(degrees, regso, x="x", y="y", crs=3006)


def test_assigned_plus_reported_equals_input_and_report_names_every_row(regso):
    inside = _inside_points(regso).iloc[:50][["x", "y"]]
    extra = pd.DataFrame(
        {
            "x": [SEA[0][0], np.nan, 6_600_000.0, 2_000_000.0, "not a number"],
            "y": [SEA[0][1], 6_600_000.0, 650_000.0, 2_000_000.0, 6_600_000.0],
        }
    )
    records = pd.concat([inside, extra], ignore_index=True)
    records.index = [f"person{i}" for i in range(len(records))]
    result = assign(records, regso, x="x", y="y")
    assert result.n_records == len(records) == 55
    assert result.n_assigned + len(result.report) == len(records)
    assert result.data["regso"].notna().sum() == result.n_assigned == 50
    assert result.report["reason"].tolist() == [
        "in no area",
        "missing coordinates",
        "swapped axes",
        "outside Sweden",
        "missing coordinates",
    ]
    assert result.report["row"].tolist() == [50, 51, 52, 53, 54]
    assert result.report["index"].tolist() == [f"person{i}" for i in range(50, 55)]
    assert result.data.index.equals(records.index)  # order and labels kept
    assert set(result.summary().index) <= set(REASONS)


def test_unassigned_warning_names_rows_and_raise_policy_raises(regso):
    records = pd.DataFrame({"x": [SEA[1][0], 674_000.0], "y": [SEA[1][1], 6_580_000.0]})
    with pytest.warns(seg.SegregationWarning, match=r"1 in no area \(rows 0\)"):
        assign(records, regso, x="x", y="y")
    with pytest.raises(UnmatchedError, match="1 of 2 records"):
        assign(records, regso, x="x", y="y", on_unassigned="raise")


def test_geodataframe_of_points_in_another_crs_is_reprojected(regso):
    import geopandas as gpd

    points = _inside_points(regso).iloc[:30]
    gdf = gpd.GeoDataFrame(
        {"id": range(30)}, geometry=gpd.points_from_xy(points["x"], points["y"]), crs=3006
    ).to_crs(3857)
    result = assign(gdf, regso)
    assert result.data["regso"].astype(str).tolist() == points["truth"].tolist()


def test_points_without_a_crs_are_refused(regso):
    import geopandas as gpd

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([674_000.0], [6_580_000.0]))
    with pytest.raises(CRSError, match="no CRS"):
        assign(points, regso)
    assert assign(points, regso, crs=3006).n_assigned == 1


def test_records_carrying_regso_codes_are_validated_and_bad_ones_reported(regso):
    records = pd.DataFrame(
        {"code": ["0114R001", "0114R001_RegSO2025", "0114R999", "0114X01", None, "0114"]}
    )
    result = assign(records, regso, code="code", edition=2025)
    assert result.data["regso"].astype(str).tolist()[:2] == ["0114R001", "0114R001"]
    assert result.report[["row", "reason"]].values.tolist() == [
        [2, "unknown code"],
        [3, "malformed code"],
        [4, "missing code"],
        [5, "coarser than areas"],
    ]


def test_codes_of_another_edition_are_reported_without_a_crosswalk(regso):
    records = pd.DataFrame({"code": ["0114R001_RegSO2025", "0114R001_RegSO2020"]})
    result = assign(records, regso, code="code", edition=2025)
    assert result.report[["row", "reason"]].values.tolist() == [[1, "other edition"]]


def test_deso_2018_codes_move_to_regso_2025_by_crosswalk_and_splits_are_reported(
    regso, deso_uppsala
):
    from segregation.areas.crosswalk import deso_to_regso

    walk = deso_to_regso(deso_uppsala, regso, tolerance=0.01)
    split = walk.report.index[walk.report["reason"] == "split"]
    whole = walk.key.index.difference(walk.report.index)
    assert len(split) > 0 and len(whole) > 100
    codes = [*whole[:20], *split[:3]]
    result = assign(pd.DataFrame({"desokod": codes}), regso, code="desokod", crosswalk=walk)
    assert result.data["regso"].astype(str).tolist()[:20] == walk.key[whole[:20]].tolist()
    assert result.report["row"].tolist() == [20, 21, 22]
    assert set(result.report["reason"]) == {"not one to one"}


def test_regso_codes_given_to_deso_areas_are_coarser_and_stray_crosswalk_targets_unknown(
    deso_uppsala,
):
    key = pd.Series({"0380C1010": "0380C1010", "X1": "0180C9990"})  # second target not in layer
    records = pd.DataFrame({"c": ["0380R001", "0380C1010", "X1"]})
    result = assign(records, deso_uppsala, code="c", crosswalk=key)
    assert result.data["deso"].astype(str).tolist()[1] == "0380C1010"
    assert result.report[["row", "reason"]].values.tolist() == [
        [0, "coarser than areas"],
        [2, "malformed code"],
    ]
    stray = pd.DataFrame({"c": ["0380C1020_DeSO2025"]})
    walk = pd.Series({"0380C1020_DeSO2025": "0180C9990"})
    moved = assign(stray, deso_uppsala, code="c", crosswalk=walk, edition=2018)
    assert moved.report["reason"].tolist() == ["unknown code"]
    assert moved.data["deso"].isna().all()


def test_deso_codes_go_to_kommun_of_either_edition():
    records = pd.DataFrame({"c": ["0114A0010", "0380C1010_DeSO2025", "2080", "9999"]})
    result = assign(records, "kommun", code="c")
    assert result.data["kommun"].astype(str).tolist()[:3] == ["0114", "0380", "2080"]
    assert result.report[["row", "reason"]].values.tolist() == [[3, "malformed code"]]


def test_aggregate_by_hand_on_a_small_register():
    people = pd.DataFrame(
        {
            "deso": ["0114A0010", "0114A0010", "0114A0020", "0180C1010", "0180C1010"],
            "benefit": [True, False, True, False, False],
        }
    )
    key = pd.Series({"0114A0010": "0114R001", "0114A0020": "0114R001", "0180C1010": "0180R010"})
    counts = aggregate(people, "deso", "benefit", key=key, levels=("deso", "regso", "lan", "riket"))
    cells = ["benefit=False", "benefit=True", "total"]
    assert counts.loc["deso", cells].values.tolist() == [
        [1, 1, 2],
        [0, 1, 1],
        [2, 0, 2],
    ]
    assert counts.loc[("regso", "0114R001"), cells].tolist() == [1, 2, 3]
    assert counts.loc[("lan", "01"), "total"] == 5
    assert counts.loc[("riket", "00"), cells[:2]].tolist() == [3, 2]
    assert counts.loc["deso", "regsokod"].tolist() == ["0114R001", "0114R001", "0180R010"]


def test_every_level_counts_every_assigned_record_once(regso):
    rng = np.random.default_rng(5)
    points = _inside_points(regso).sample(2000, replace=True, random_state=1)
    points["sex"] = rng.choice(["K", "M"], len(points))
    points["age"] = rng.choice(["0-19", "20-64", "65+"], len(points))
    data = assign(points, regso, x="x", y="y").data
    counts = aggregate(data, "regso", ["sex", "age"], levels=("regso", "kommun", "lan", "riket"))
    for level in ("regso", "kommun", "lan", "riket"):
        assert counts.loc[level, "total"].sum() == 2000
    assert len(counts.loc["regso"]) == 3363  # categorical area: empty areas kept as zeros
    assert list(counts.columns[:2]) == ["sex=K | age=0-19", "sex=K | age=20-64"]
    kommun = counts.loc["regso"].groupby(lambda c: c[:4]).sum()
    pd.testing.assert_frame_equal(
        kommun, counts.loc["kommun"], check_names=False, check_index_type=False
    )
    cells = counts.loc["regso"].drop(columns="total").sum(axis=1)
    assert (cells == counts.loc["regso", "total"]).all()


def test_aggregate_warns_about_records_without_area_and_can_refuse():
    people = pd.DataFrame({"regso": ["0114R001", None, None], "g": [1, 2, 2]})
    with pytest.warns(seg.SegregationWarning, match="2 records have no 'regso'"):
        counts = aggregate(people, "regso", "g")
    assert counts.loc[("regso", "0114R001"), "total"] == 1
    with pytest.raises(UnmatchedError):
        aggregate(people, "regso", "g", on_missing="raise")


def test_aggregate_refuses_a_level_it_cannot_build():
    people = pd.DataFrame({"deso": ["0114A0010"], "g": [1]})
    with pytest.raises(ValueError, match="key="):
        aggregate(people, "deso", "g", levels=("deso", "regso"))


CODES = ["0114R001", "0114R002", "0180R010", "0380R001", "2080R003"]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from([*CODES, None]), st.sampled_from(["K", "M"]), st.booleans()),
        min_size=1,
        max_size=60,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_aggregate_totals_add_up_at_every_level_whatever_the_rows(rows, seed):
    people = pd.DataFrame(rows, columns=["regso", "sex", "benefit"])
    if people["regso"].isna().all():
        return
    levels = ("regso", "kommun", "lan", "riket")
    counts = aggregate(people, "regso", ["sex", "benefit"], levels=levels, on_missing="ignore")
    n = int(people["regso"].notna().sum())
    for level in levels:
        assert counts.loc[level, "total"].sum() == n
    cells = counts.drop(columns="total")
    assert (cells.sum(axis=1) == counts["total"]).all()
    by_kommun = counts.loc["regso"].groupby(lambda c: c[:4]).sum()
    assert (by_kommun.to_numpy() == counts.loc["kommun"].to_numpy()).all()
    shuffled = people.sample(frac=1, random_state=np.random.default_rng(seed))
    again = aggregate(shuffled, "regso", ["sex", "benefit"], levels=levels, on_missing="ignore")
    pd.testing.assert_frame_equal(again, counts)


def test_threads_give_the_single_thread_result_with_ties_and_misses(regso, monkeypatch):
    from segregation.data import records

    monkeypatch.setattr(records, "_MIN_PER_JOB", 100)  # threads even for a small input
    monkeypatch.setattr(records, "_CHUNK", 1_500)  # and several chunks
    uppsala = regso[regso["kommunkod"] == "0380"]
    xy, owners = _shared_vertices(uppsala, limit=400)
    people = seg.synthetic_register(pd.Series(40, index=uppsala.index), areas=uppsala, seed=21)
    x = np.r_[people["x"].to_numpy(), xy[:, 0], SEA[0][0]]
    y = np.r_[people["y"].to_numpy(), xy[:, 1], SEA[0][1]]
    points = pd.DataFrame({"x": x, "y": y}).sample(frac=1, random_state=3)
    one = assign(points, uppsala, x="x", y="y", n_jobs=1)
    two = assign(points, uppsala, x="x", y="y", n_jobs=2)
    three = assign(points, uppsala, x="x", y="y", n_jobs=3)
    for other in (two, three):
        pd.testing.assert_frame_equal(other.data, one.data)
        pd.testing.assert_frame_equal(other.report, one.report)
        assert other.n_on_boundary == one.n_on_boundary == 400
    on_vertex = one.data.sort_index().loc[len(people) : len(people) + 399, "regso"].astype(str)
    assert on_vertex.tolist() == [min(o) for o in owners]
    assert one.report["reason"].tolist() == ["in no area"]


@pytest.mark.parametrize("bad", [0, -2, 1.5, "all", True])
def test_n_jobs_must_be_a_positive_int_minus_one_or_none(regso, bad):
    with pytest.raises(ValueError, match="n_jobs"):
        assign(
            pd.DataFrame({"x": [674_000.0], "y": [6_580_000.0]}), regso, x="x", y="y", n_jobs=bad
        )


def test_a_crosswalk_moves_codes_of_another_edition_even_where_the_code_also_exists(
    deso_uppsala,
):
    from segregation.areas.crosswalk import Crosswalk

    # 0380C1010 kept its code between editions but covers another area: the key says where
    key = pd.Series({"0380C1010": "0380C1020", "0380C1030": "0380C1040"})
    split = pd.DataFrame({"reason": ["split"]}, index=["0380C1030"])
    walk = Crosswalk(key=key, overlaps=pd.DataFrame(), report=split)
    codes = ["0380C1010", "0380C1010_DeSO2025", "0380C1030", "0380C1050", "0380C1010_DeSO2018"]
    result = assign(
        pd.DataFrame({"c": codes}), deso_uppsala, code="c", crosswalk=walk, edition=2018
    )
    assert result.data["deso"].astype(object).fillna("-").tolist() == [
        "0380C1020",  # plain code of the crosswalk's edition: moved
        "0380C1020",  # suffixed with another edition: moved
        "-",  # split by the crosswalk: reported, not matched to its namesake
        "0380C1050",  # not in the crosswalk: matched directly
        "0380C1010",  # suffixed with the areas' own edition: matched directly
    ]
    assert result.report[["row", "reason"]].values.tolist() == [[2, "not one to one"]]


def test_count_columns_name_each_value_with_its_column_or_only_the_values():
    people = pd.DataFrame(
        {"regso": ["0114R001"] * 3, "sex": ["K", "M", "K"], "born_abroad": [True, False, None]}
    )
    named = aggregate(people, "regso", ["sex", "born_abroad"], levels=("regso",))
    assert named.columns.tolist() == [
        "sex=K | born_abroad=(missing)",
        "sex=K | born_abroad=False",
        "sex=K | born_abroad=True",
        "sex=M | born_abroad=(missing)",
        "sex=M | born_abroad=False",
        "sex=M | born_abroad=True",
        "total",
    ]
    values = aggregate(people, "regso", ["sex", "born_abroad"], levels=("regso",), labels="values")
    assert values.columns.tolist() == [
        c.replace("sex=", "").replace("born_abroad=", "") for c in named.columns
    ]
    assert (values.to_numpy() == named.to_numpy()).all()
    with pytest.raises(ValueError, match="labels must be"):
        aggregate(people, "regso", "sex", labels="pretty")


def test_edition_of_the_areas_is_read_from_scbs_version_attribute(shared_data):
    dalarna = seg.load_deso(2018, source=shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    assert set(dalarna["version"]) == {"2018_v2"}
    code = dalarna.index[0]
    records = pd.DataFrame({"c": [code, f"{code}_DeSO2025", f"{code}_DeSO2018"]})
    result = assign(records, dalarna, code="c")  # no edition=: the layer says 2018
    assert result.data["deso"].astype(object).fillna("-").tolist() == [code, "-", code]
    assert result.report[["row", "reason"]].values.tolist() == [[1, "other edition"]]
    unknown = assign(records, dalarna.drop(columns="version"), code="c")
    assert unknown.report.empty  # edition unknown: suffixes cannot be checked
