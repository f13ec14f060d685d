"""Spatial indices: peer reference values, hand-worked Massey & Denton examples, identities."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely

import segregation as seg
from segregation.errors import CRSError, SegregationError, SegregationWarning
from segregation.indices import _spatial_context
from segregation.indices import spatial as S
from segregation.indices._registry import INDICES, Context

gpd = pytest.importorskip("geopandas")

ONE = np.array([0])


@pytest.fixture(scope="module")
def sacramento(shared_data):
    return gpd.read_file(shared_data / "reference" / "sacramento" / "sacramentot2.shp")


@pytest.fixture(scope="module")
def expected(shared_data):
    path = shared_data / "reference" / "sacramento" / "expected_pysal_segregation.json"
    return json.loads(path.read_text())["single_group"]


@pytest.fixture(scope="module")
def uppsala(shared_data):
    frame = gpd.read_file(shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    frame = frame.set_index("deso")
    rng = np.random.default_rng(7)
    frame["total"] = frame["population_2016"].astype(float)
    frame["group"] = rng.binomial(frame["population_2016"], rng.beta(2, 6, len(frame)))
    frame["kommunkod"] = frame.index.str[:4]
    return frame


# -- peer reference values (textbook ones only), at the decimals the peer checks ---------

# index -> (reference key, CRS to compute in: None = the shipped lon/lat treated as planar)
TEXTBOOK = {
    "spatial_dissimilarity": ("spatial_dissimilarity_queen", None),
    "boundary_spatial_dissimilarity": ("boundary_spatial_dissimilarity", None),
    "perimeter_area_dissimilarity": ("perimeter_area_dissimilarity", 32610),
    "delta": ("delta", None),
    "absolute_concentration": ("absolute_concentration", None),
    "relative_concentration": ("relative_concentration", None),
    "absolute_centralization": ("absolute_centralization", None),
    "relative_centralization": ("relative_centralization", None),
}


@pytest.mark.parametrize("index", sorted(TEXTBOOK))
def test_sacramento_textbook_values_reproduced(sacramento, expected, index):
    key, crs = TEXTBOOK[index]
    ref = expected[key]
    assert ref["textbook"] is True
    assert bool(ref.get("utm")) == (crs == 32610)
    # the peer computed these on EPSG:4326 coordinates as if planar: say so explicitly
    frame = sacramento.to_crs(crs) if crs else sacramento.set_crs(None, allow_override=True)
    got = seg.indices.compute(frame, group="HISP", total="TOT_POP", indices=index)
    assert round(got[index].iloc[0], ref["decimals"]) == round(ref["value"], ref["decimals"])


def test_contiguity_index_is_the_same_in_any_crs(sacramento):
    # contiguity does not measure distance, so a geographic CRS is fine for D(adj)
    lonlat = seg.indices.compute(
        sacramento, group="HISP", total="TOT_POP", indices="spatial_dissimilarity"
    )
    utm = seg.indices.compute(
        sacramento.to_crs(32610), group="HISP", total="TOT_POP", indices="spatial_dissimilarity"
    )
    assert lonlat.iloc[0, 0] == pytest.approx(utm.iloc[0, 0], abs=1e-12)


def test_distance_indices_refuse_lonlat(sacramento):
    with pytest.raises(CRSError, match="to_crs"):
        seg.indices.compute(sacramento, group="HISP", total="TOT_POP", indices="delta")


def test_boundary_dissimilarity_raw_lengths_match_peer_note(sacramento, expected):
    # the reference note gives 0.26676 for raw (not row-standardised) boundary lengths
    frame = sacramento.set_crs(None, allow_override=True)
    got = seg.indices.compute(
        frame,
        group="HISP",
        total="TOT_POP",
        indices="boundary_spatial_dissimilarity",
        standardize=False,
    )
    assert "0.26676" in expected["boundary_spatial_dissimilarity"]["note"]
    assert got.iloc[0, 0] == pytest.approx(0.26676, abs=5e-6)


# -- hand-worked Massey & Denton examples ------------------------------------------------


def _two_squares():
    """Two 1 km squares whose centroids are 2 km apart."""
    squares = [shapely.box(0, 0, 1000, 1000), shapely.box(2000, 0, 3000, 1000)]
    return S.build_context(None, ONE, geometry=squares)


X2 = np.array([[30.0, 40.0], [10.0, 60.0]])  # x = (30, 10), t = (40, 60), y = (10, 50)


def _hand_proximities():
    c_self = math.exp(-math.sqrt(0.6 * 1.0))  # a_i = 1 km^2, c_ii = exp(-(0.6 a_i)^0.5)
    c_12 = math.exp(-2.0)  # d_12 = 2 km
    x1, x2, y1, y2 = 30, 10, 10, 50
    t1, t2 = 40, 60
    pxx = (x1 * x1 * c_self + x2 * x2 * c_self + 2 * x1 * x2 * c_12) / 40**2
    pyy = (y1 * y1 * c_self + y2 * y2 * c_self + 2 * y1 * y2 * c_12) / 60**2
    ptt = (t1 * t1 * c_self + t2 * t2 * c_self + 2 * t1 * t2 * c_12) / 100**2
    return c_self, c_12, pxx, pyy, ptt


def test_spatial_proximity_by_hand():
    *_, pxx, pyy, ptt = _hand_proximities()
    expected = (40 * pxx + 60 * pyy) / (100 * ptt)
    assert S.spatial_proximity(X2, ONE, _two_squares())[0] == pytest.approx(expected)


def test_relative_clustering_by_hand():
    *_, pxx, pyy, _ = _hand_proximities()
    assert S.relative_clustering(X2, ONE, _two_squares())[0] == pytest.approx(pxx / pyy - 1)


def test_absolute_clustering_by_hand():
    c_self, c_12, *_ = _hand_proximities()
    x1, x2, t1, t2, big_x, n = 30, 10, 40, 60, 40, 2
    sum_c = 2 * c_self + 2 * c_12
    top = (x1 * (c_self * x1 + c_12 * x2) + x2 * (c_12 * x1 + c_self * x2)) / big_x
    bottom = (x1 * (c_self * t1 + c_12 * t2) + x2 * (c_12 * t1 + c_self * t2)) / big_x
    even = big_x / n**2 * sum_c
    expected = (top - even) / (bottom - even)
    assert S.absolute_clustering(X2, ONE, _two_squares())[0] == pytest.approx(expected)


def test_distance_decay_isolation_by_hand():
    c_self, c_12, *_ = _hand_proximities()
    local_1 = (c_self * 30 + c_12 * 10) / (c_self * 40 + c_12 * 60)
    local_2 = (c_12 * 30 + c_self * 10) / (c_12 * 40 + c_self * 60)
    expected = 30 / 40 * local_1 + 10 / 40 * local_2
    assert S.distance_decay_isolation(X2, ONE, _two_squares())[0] == pytest.approx(expected)


def test_distance_decay_isolation_plus_exposure_is_one(uppsala):
    got = seg.indices.compute(
        uppsala,
        group="group",
        total="total",
        by="kommunkod",
        indices=["distance_decay_isolation", "distance_decay_exposure"],
    )
    total = got["distance_decay_isolation"] + got["distance_decay_exposure"]
    np.testing.assert_allclose(total, 1.0)


def test_distance_unit_changes_the_decay_scale():
    # with a 2 km unit the centroids are 1 unit apart and the squares 0.25 units^2
    ctx = _two_squares()
    c_self, c_12 = math.exp(-math.sqrt(0.6 * 0.25)), math.exp(-1.0)
    pxx = (900 * c_self + 100 * c_self + 600 * c_12) / 1600
    pyy = (100 * c_self + 2500 * c_self + 1000 * c_12) / 3600
    got = S.relative_clustering(X2, ONE, ctx, distance_unit=2000.0)[0]
    assert got == pytest.approx(pxx / pyy - 1)


def test_delta_by_hand():
    squares = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 4, 1)]  # areas 1 and 3
    ctx = S.build_context(None, ONE, geometry=squares)
    # 1/2 (|30/40 - 1/4| + |10/40 - 3/4|)
    assert S.delta(X2, ONE, ctx)[0] == pytest.approx(0.5)


def test_concentration_by_hand_in_two_blocks_given_in_any_order():
    # block 0: land areas 1, 2, 3, 4 (listed 3, 1, 4, 2), 10 persons each, X = 15.
    # The 2 smallest areas hold >= X: T1 = 20, sum t a / T1 = 30/20 = 1.5; the 2 largest:
    # T2 = 20, 70/20 = 3.5. Group land: (5*1 + 5*2 + 5*3)/15 = 2; rest (5+10+15+40)/25 = 2.8.
    # ACO = 1 - (2 - 1.5)/(3.5 - 1.5) = 0.75; RCO = (2/2.8 - 1)/(1.5/3.5 - 1) = 0.5.
    # block 1: the same areas doubled, the group in the largest: group land 110/15 = 22/3,
    # ACO = 1 - (22/3 - 3)/(7 - 3) < 0 (more land than the even spread).
    area = np.array([3.0, 1.0, 4.0, 2.0, 2.0, 4.0, 6.0, 8.0])
    counts = np.array(
        [[5, 10], [5, 10], [0, 10], [5, 10], [0, 10], [0, 10], [5, 10], [10, 10]], dtype=float
    )
    starts = np.array([0, 4])
    ctx = Context(area=area, extra={"blocks": np.repeat([0, 1], 4)})
    aco = S.absolute_concentration(counts, starts, ctx)
    rco = S.relative_concentration(counts, starts, ctx)
    np.testing.assert_allclose(aco, [0.75, 1 - (22 / 3 - 3) / (7 - 3)])
    rest_land = (2 * 10 + 4 * 10 + 6 * 5) / 25
    np.testing.assert_allclose(rco, [0.5, (22 / 3 / rest_land - 1) / (3 / 7 - 1)])


def test_centralization_by_hand():
    # three equal squares at 1, 2 and 3 km east of the centre; the group all in the first
    squares = [shapely.box(k * 1000 - 250, -250, k * 1000 + 250, 250) for k in (1, 2, 3)]
    ctx = S.build_context(None, ONE, geometry=squares)
    counts = np.array([[10.0, 20.0], [0.0, 20.0], [0.0, 20.0]])
    # cumulative X = (1, 1, 1), A = (1/3, 2/3, 1): (1*2/3 - 1*1/3) + (1*1 - 1*2/3) = 2/3
    got = S.absolute_centralization(counts, ONE, ctx, center=(0.0, 0.0))[0]
    assert got == pytest.approx(2 / 3)
    # Y = (10, 20, 20)/50 cumulated: (0.2, 0.6, 1): (1*0.6 - 1*0.2) + (1*1 - 1*0.6) = 0.8
    got = S.relative_centralization(counts, ONE, ctx, center=(0.0, 0.0))[0]
    assert got == pytest.approx(0.8)


def test_centralization_reverses_when_the_centre_moves_to_the_other_end():
    squares = [shapely.box(k * 1000 - 250, -250, k * 1000 + 250, 250) for k in (1, 2, 3)]
    ctx = S.build_context(None, ONE, geometry=squares)
    counts = np.array([[10.0, 20.0], [5.0, 20.0], [0.0, 20.0]])
    near = S.relative_centralization(counts, ONE, ctx, center=(0.0, 0.0))[0]
    far = S.relative_centralization(counts, ONE, ctx, center=(4000.0, 0.0))[0]
    assert near == pytest.approx(-far)
    assert near > 0


def test_centralort_centre_is_the_population_weighted_centre_of_category_c(uppsala):
    uppsala_kommun = uppsala[uppsala["kommunkod"] == "0380"]
    in_centre = uppsala_kommun[uppsala_kommun.index.str[4] == "C"]
    pts = in_centre.geometry.centroid
    w = in_centre["total"]
    point = ((pts.x * w).sum() / w.sum(), (pts.y * w).sum() / w.sum())
    kwargs = {"group": "group", "total": "total", "indices": "relative_centralization"}
    # the extract also holds a few DeSO of neighbouring kommuner, without their centralort
    has_centre = uppsala.groupby("kommunkod")["total"].transform(
        lambda s: (s.index.str[4] == "C").any()
    )
    with_centre = uppsala[has_centre.astype(bool)]
    assert with_centre["kommunkod"].nunique() == 8  # the eight kommuner of Uppsala län
    by_centralort = seg.indices.compute(with_centre, by="kommunkod", center="centralort", **kwargs)
    by_point = seg.indices.compute(uppsala_kommun, center=point, **kwargs)
    assert by_centralort.loc["0380"].iloc[0] == pytest.approx(by_point.iloc[0, 0])


@pytest.fixture(scope="module")
def dalarna(shared_data):
    frame = gpd.read_file(shared_data / "boundaries" / "deso_2018_dalarna.gpkg").set_index("deso")
    rng = np.random.default_rng(2018)
    frame["total"] = rng.integers(700, 2700, len(frame)).astype(float)
    frame["group"] = rng.binomial(frame["total"].astype(int), 0.2).astype(float)
    frame["kommunkod"] = frame.index.str[:4]
    return frame


def test_centralort_on_every_kommun_of_dalarna_equals_its_centre_as_a_point(dalarna):
    kwargs = {"group": "group", "total": "total", "indices": ["absolute_centralization"]}
    got = seg.indices.compute(dalarna, by="kommunkod", center="centralort", **kwargs)
    assert len(got) == 15  # every kommun of Dalarna has DeSO of category C
    for kommun, areas in dalarna.groupby("kommunkod"):
        town = areas[areas.index.str[4] == "C"]
        pts, w = town.geometry.centroid, town["total"]
        point = ((pts.x * w).sum() / w.sum(), (pts.y * w).sum() / w.sum())
        by_point = seg.indices.compute(areas, center=point, **kwargs)
        assert got.loc[kommun, "absolute_centralization"] == pytest.approx(
            by_point["absolute_centralization"].iloc[0], abs=1e-12
        )
    assert got["absolute_centralization"].between(-1, 1).all()


def test_centralort_of_several_kommuner_together_is_refused(dalarna):
    with pytest.raises(SegregationError, match=r"several kommuner.*by=.kommunkod."):
        seg.indices.compute(
            dalarna, group="group", total="total", indices="relative_centralization",
            center="centralort",
        )  # fmt: skip


def test_kommun_cut_off_from_its_centralort_is_named(uppsala):
    with pytest.raises(SegregationError, match=r"no populated DeSO of category C.*0125A"):
        seg.indices.compute(
            uppsala, group="group", total="total", indices="relative_centralization",
            by="kommunkod", center="centralort",
        )  # fmt: skip


def test_centralort_needs_deso_codes(sacramento):
    with pytest.raises(SegregationError, match="DeSO codes"):
        seg.indices.compute(
            sacramento.to_crs(32610),
            group="HISP",
            total="TOT_POP",
            indices="absolute_centralization",
            center="centralort",
        )


# -- properties ------------------------------------------------------------------------

SPATIAL = sorted(name for name, spec in INDICES.items() if spec.needs and spec.kind == "single")


def test_every_issue_index_is_registered():
    names = {
        "spatial_dissimilarity", "boundary_spatial_dissimilarity",
        "perimeter_area_dissimilarity", "spatial_proximity", "absolute_clustering",
        "relative_clustering", "delta", "absolute_concentration", "relative_concentration",
        "absolute_centralization", "relative_centralization", "distance_decay_isolation",
        "distance_decay_exposure",
    }  # fmt: skip
    assert names <= set(SPATIAL)


@pytest.mark.parametrize("index", SPATIAL)
def test_by_kommun_equals_one_call_per_kommun(uppsala, index):
    kwargs = {"group": "group", "total": "total", "indices": index}
    together = seg.indices.compute(uppsala, by="kommunkod", **kwargs)[index]
    for kommun in ["0380", "0381", "0331"]:
        alone = seg.indices.compute(uppsala[uppsala["kommunkod"] == kommun], **kwargs)
        assert together.loc[kommun] == pytest.approx(alone[index].iloc[0], rel=1e-9)


@pytest.mark.parametrize("index", SPATIAL)
def test_values_lie_in_the_registered_range(uppsala, index):
    with warnings.catch_warnings():  # undefined (NaN) in the one-DeSO kommuner
        warnings.simplefilter("ignore", SegregationWarning)
        got = seg.indices.compute(
            uppsala, group="group", total="total", by="kommunkod", indices=index
        )
    low, high = INDICES[index].range
    values = got[index].dropna()
    assert len(values) >= 8
    assert ((values >= low - 1e-12) & (values <= high + 1e-12)).all()


def test_spatial_dissimilarity_never_exceeds_aspatial_d(uppsala):
    got = seg.indices.compute(
        uppsala,
        group="group",
        total="total",
        by="kommunkod",
        indices=["dissimilarity", "spatial_dissimilarity", "boundary_spatial_dissimilarity"],
    )
    got = got.dropna()
    assert len(got) >= 8
    assert (got["spatial_dissimilarity"] <= got["dissimilarity"] + 1e-12).all()
    assert (got["boundary_spatial_dissimilarity"] <= got["dissimilarity"] + 1e-12).all()


def test_weights_given_as_libpysal_graph_or_adjacency_series(sacramento):
    graph = pytest.importorskip("libpysal.graph")
    frame = sacramento.set_index("FIPS").to_crs(32610)
    rook = graph.Graph.build_contiguity(frame, rook=True)
    kwargs = {"group": "HISP", "total": "TOT_POP", "indices": "spatial_dissimilarity"}
    by_name = seg.indices.compute(frame, weights="rook", **kwargs).iloc[0, 0]
    by_graph = seg.indices.compute(frame, weights=rook, **kwargs).iloc[0, 0]
    by_series = seg.indices.compute(frame, weights=rook.adjacency, **kwargs).iloc[0, 0]
    by_w = seg.indices.compute(frame, weights=rook.to_W(), **kwargs).iloc[0, 0]
    assert by_name == pytest.approx(by_graph) == pytest.approx(by_series) == pytest.approx(by_w)


def test_weights_with_unknown_labels_are_an_error(sacramento):
    adjacency = pd.Series(
        [1.0], index=pd.MultiIndex.from_tuples([("x", "y")], names=["focal", "neighbor"])
    )
    with pytest.raises(SegregationError, match="area codes"):
        seg.indices.compute(
            sacramento,
            group="HISP",
            total="TOT_POP",
            indices="spatial_dissimilarity",
            weights=adjacency,
        )


def test_cached_weights_follow_the_layer_not_its_identity():
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    counts = np.array([[10.0, 10.0], [10.0, 10.0], [0.0, 10.0], [0.0, 10.0]])
    S.clear_cache()
    first = S.spatial_dissimilarity(counts, ONE, S.build_context(None, ONE, geometry=squares))
    again = S.spatial_dissimilarity(counts, ONE, S.build_context(None, ONE, geometry=squares))
    assert first == again
    assert len(_spatial_context._CACHE) == 1
    # move the last square away: it loses its neighbour, so the value must change
    moved = [*squares[:3], shapely.box(10, 0, 11, 1)]
    changed = S.spatial_dissimilarity(counts, ONE, S.build_context(None, ONE, geometry=moved))
    assert first[0] == pytest.approx(1 - 2 / 6)  # pairs (0,1), (1,2), (2,3), both ways
    assert changed[0] == pytest.approx(1 - 2 / 4)  # (2,3) is gone
    assert len(_spatial_context._CACHE) == 2


def test_misspelt_parameter_is_an_error(sacramento):
    with pytest.raises(SegregationError, match="centre"):
        seg.indices.compute(
            sacramento.to_crs(32610),
            group="HISP",
            total="TOT_POP",
            indices="relative_centralization",
            centre="mean",
        )


def test_peer_variant_explains_its_non_textbook_clustering_values(sacramento, expected):
    """The documented deviations reproduce the peer's values; ours follow Massey & Denton.

    The peer uses c_ij = 1 - exp(-d_ij / sum_k d_jk), c_ii = 1 - exp(-(0.6 a_i)^0.5) (metres)
    and, for relative clustering, x_j^2 in place of x_i x_j. Re-created here with a dense
    403 x 403 matrix, which only a test of 403 tracts can afford.
    """
    utm = sacramento.to_crs(32610)
    xy = np.column_stack([utm.centroid.x, utm.centroid.y])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    c = 1 - np.exp(-(d / d.sum(axis=1)))
    np.fill_diagonal(c, 1 - np.exp(-np.sqrt(0.6 * utm.area.to_numpy())))
    x = utm["HISP"].to_numpy(float)
    t = utm["TOT_POP"].to_numpy(float)
    y = t - x
    big_x, big_y, big_t, n = x.sum(), y.sum(), t.sum(), len(x)

    def p(u, v):
        return u @ c @ v

    sp = (p(x, x) / big_x + p(y, y) / big_y) / (p(t, t) / big_t)
    rcl = ((x * x * c).sum() / big_x**2) / ((y * y * c).sum() / big_y**2) - 1
    even = big_x / n**2 * c.sum()
    acl = (p(x, x) / big_x - even) / (p(x, t) / big_x - even)
    for name, value in [
        ("spatial_proximity", sp),
        ("relative_clustering", rcl),
        ("absolute_clustering", acl),
    ]:
        ref = expected[name]
        assert ref["textbook"] is False
        assert round(value, ref["decimals"]) == round(ref["value"], ref["decimals"])
        ours = seg.indices.compute(utm, group="HISP", total="TOT_POP", indices=name)
        assert abs(ours.iloc[0, 0] - ref["value"]) > 0.01


def test_weights_built_once_reused_for_a_subset_through_adjacency(uppsala):
    from segregation.indices import weights as W

    labelled = W.adjacency(W.contiguity(uppsala), uppsala.index)
    kwargs = {"group": "group", "total": "total", "indices": "spatial_dissimilarity"}
    subset = uppsala[uppsala["kommunkod"] == "0380"].iloc[::-1]  # reordered on purpose
    reused = seg.indices.compute(subset, weights=labelled, **kwargs).iloc[0, 0]
    fresh = seg.indices.compute(subset, **kwargs).iloc[0, 0]
    assert reused == pytest.approx(fresh)


@pytest.mark.parametrize(
    ("weights", "params", "expected"),
    [
        # four squares in a row, shares 1, 1, 0, 0; D = 1
        ("queen", {}, 1 - 2 / 6),  # pairs 01, 12, 23 both ways; only 12 differs
        # 0->{1,2}, 1->{0,2}, 2->{1,3}, 3->{2,1}: 0->2, 1->2, 2->1, 3->1 differ
        ("knn", {"k": 2}, 1 - 4 / 8),
        # pairs within 2.5: 01 02 12 13 23, both ways; 02, 12, 13 differ
        ("distance_band", {"threshold": 2.5}, 1 - 6 / 10),
    ],
)
def test_named_weights_by_hand(weights, params, expected):
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    frame = gpd.GeoDataFrame(
        {"x": [10, 10, 0, 0], "t": [10, 10, 10, 10]}, geometry=squares, crs=3006
    )
    got = seg.indices.compute(
        frame, group="x", total="t", indices="spatial_dissimilarity", weights=weights, **params
    )
    assert got.iloc[0, 0] == pytest.approx(expected)


def test_kernel_weights_leave_the_diagonal_out_of_spatial_dissimilarity():
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    frame = gpd.GeoDataFrame(
        {"x": [10, 10, 0, 0], "t": [10, 10, 10, 10]}, geometry=squares, crs=3006
    )
    got = seg.indices.compute(
        frame, group="x", total="t", indices="spatial_dissimilarity",
        kernel="boxcar", bandwidth=1.5,
    )  # fmt: skip
    # boxcar 1.5 links only adjacent squares, as queen does: 1 - 2/6
    assert got.iloc[0, 0] == pytest.approx(1 - 2 / 6)


def test_kernel_weights_without_a_kernel_say_what_is_missing():
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    frame = gpd.GeoDataFrame(
        {"x": [10, 10, 0, 0], "t": [10, 10, 10, 10]}, geometry=squares, crs=3006
    )
    with pytest.raises(SegregationError, match="needs kernel= and bandwidth="):
        seg.indices.compute(
            frame, group="x", total="t", indices="spatial_dissimilarity", weights="kernel"
        )
