"""Multiscalar profiles and local environments (Reardon & O'Sullivan)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

import segregation as seg
from segregation.errors import CRSError, SegregationError

gpd = pytest.importorskip("geopandas")


@pytest.fixture(scope="module")
def sacramento(shared_data):
    return gpd.read_file(shared_data / "reference" / "sacramento" / "sacramentot2.shp")


@pytest.fixture(scope="module")
def reference(shared_data):
    path = shared_data / "reference" / "sacramento" / "expected_pysal_segregation.json"
    return json.loads(path.read_text())["multiscalar_profile_multi_dissimilarity"]


@pytest.fixture(scope="module")
def uppsala(shared_data):
    frame = gpd.read_file(shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    frame = frame.set_index("deso")
    rng = np.random.default_rng(3)
    pop = frame["population_2016"].to_numpy()
    shares = rng.dirichlet([2.0, 1.0, 1.0], size=len(frame))
    frame["g1"] = np.floor(pop * shares[:, 0])
    frame["g2"] = np.floor(pop * shares[:, 1])
    frame["g3"] = pop - frame["g1"] - frame["g2"]
    frame["kommunkod"] = frame.index.str[:4]
    return frame


def test_sacramento_profile_matches_peer(sacramento, reference):
    assert "triangular" in reference["about"]
    profile = seg.multiscalar(
        sacramento.to_crs(32610),
        "multi_dissimilarity",
        distances=reference["distances"],
        groups=["HISP", "BLACK", "WHITE"],
    )
    got = profile["multi_dissimilarity"].to_numpy()
    # the peer's values are truncated to 4 decimals; it checks 3
    np.testing.assert_allclose(got, reference["values"], atol=10 ** -reference["decimals"])
    # the values quoted in full (d=0: 0.424700, d=2000: 0.377676; the peer rounds smoothed
    # counts to whole persons, an effect below 1e-5)
    assert got[0] == pytest.approx(0.424700, abs=1e-6)
    assert got[-1] == pytest.approx(0.377676, abs=1e-5)


def test_compute_with_a_kernel_gives_the_profile_at_each_distance(sacramento, reference):
    # compute(kernel=, bandwidth=) is one point of the profile: same value, same peer value
    utm = sacramento.to_crs(32610)
    groups = ["HISP", "BLACK", "WHITE"]
    profile = seg.multiscalar(
        utm, "multi_dissimilarity", distances=reference["distances"], groups=groups
    )["multi_dissimilarity"].to_numpy()
    for distance, peer, from_profile in zip(
        reference["distances"][1:], reference["values"][1:], profile[1:], strict=True
    ):
        got = seg.indices.compute(
            utm, groups=groups, indices="multi_dissimilarity", kernel="triangular",
            bandwidth=distance,
        )["multi_dissimilarity"].iloc[0]  # fmt: skip
        assert got == pytest.approx(from_profile, rel=1e-12)
        assert got == pytest.approx(peer, abs=10 ** -reference["decimals"])
    single = seg.indices.compute(
        utm, group="HISP", total="TOT_POP", indices=["dissimilarity", "entropy"],
        kernel="gaussian", bandwidth=1500.0,
    )  # fmt: skip
    two_group = seg.multiscalar(
        utm, ["dissimilarity", "entropy"], distances=[1500.0], group="HISP", total="TOT_POP",
        kernel="gaussian",
    )  # fmt: skip
    np.testing.assert_allclose(
        single[["dissimilarity", "entropy"]].to_numpy(), two_group.to_numpy(), rtol=1e-12
    )


def test_distance_zero_is_the_aspatial_index(uppsala):
    profile = seg.multiscalar(
        uppsala, ["multi_dissimilarity", "theil_h"], distances=[0], groups=["g1", "g2", "g3"],
        by="kommunkod",
    )  # fmt: skip
    aspatial = seg.indices.compute(
        uppsala, groups=["g1", "g2", "g3"], by="kommunkod",
        indices=["multi_dissimilarity", "theil_h"],
    )  # fmt: skip
    np.testing.assert_allclose(
        profile.xs(0.0, level="distance")[["multi_dissimilarity", "theil_h"]], aspatial.iloc[:, :2]
    )


def test_profile_by_kommun_equals_one_call_per_kommun(uppsala):
    kwargs = {"distances": [0, 2000, 8000], "groups": ["g1", "g2", "g3"]}
    together = seg.multiscalar(uppsala, "multi_dissimilarity", by="kommunkod", **kwargs)
    for kommun in ["0380", "0331"]:
        alone = seg.multiscalar(
            uppsala[uppsala["kommunkod"] == kommun], "multi_dissimilarity", **kwargs
        )
        np.testing.assert_allclose(
            together.loc[kommun, "multi_dissimilarity"].to_numpy(),
            alone["multi_dissimilarity"].to_numpy(),
        )


def test_segregation_falls_as_the_scale_grows(uppsala):
    profile = seg.multiscalar(
        uppsala, "multi_dissimilarity", distances=[0, 1000, 4000, 16000],
        groups=["g1", "g2", "g3"], kernel="gaussian",
    )  # fmt: skip
    values = profile["multi_dissimilarity"].to_numpy()
    assert np.all(np.diff(values) < 0)


def test_one_environment_for_everyone_means_no_segregation():
    # a boxcar wider than the layer gives every area the same environment: D = 0
    pts = [shapely.Point(x * 100.0, 0.0) for x in range(6)]
    areas = gpd.GeoDataFrame(
        {"a": [9, 0, 5, 1, 7, 2], "t": [10, 10, 10, 10, 10, 10]}, geometry=pts, crs=3006
    )
    profile = seg.multiscalar(
        areas, "dissimilarity", distances=[10_000], group="a", total="t", kernel="boxcar"
    )
    assert profile["dissimilarity"].iloc[0] == pytest.approx(0.0, abs=1e-12)


def test_local_environment_is_the_kernel_weighted_sum_and_not_rounded():
    pts = [shapely.Point(0, 0), shapely.Point(300, 0), shapely.Point(3000, 0)]
    areas = gpd.GeoDataFrame({"a": [10, 1, 7]}, geometry=pts, crs=3006, index=list("xyz"))
    got = seg.local_environment(areas, ["a"], bandwidth=1000)
    # x: 10 + 0.7 * 1; y: 0.7 * 10 + 1; z: alone
    np.testing.assert_allclose(got["a"], [10.7, 8.0, 7.0])
    assert list(got.index) == ["x", "y", "z"]


def test_local_environment_stops_at_block_borders():
    pts = [shapely.Point(0, 0), shapely.Point(300, 0)]
    areas = gpd.GeoDataFrame({"a": [10, 1], "k": ["A", "B"]}, geometry=pts, crs=3006)
    np.testing.assert_allclose(
        seg.local_environment(areas, ["a"], bandwidth=1000, by="k")["a"], [10, 1]
    )


def test_spatial_indices_are_refused(uppsala):
    with pytest.raises(SegregationError, match="already use geometry"):
        seg.multiscalar(uppsala, "delta", distances=[0], group="g1", total="g2")


def test_bad_distances_are_refused(uppsala):
    with pytest.raises(SegregationError, match="non-negative"):
        seg.multiscalar(uppsala, "dissimilarity", distances=[-5], group="g1", against="g2")


def test_lonlat_is_refused(sacramento):
    with pytest.raises(CRSError):
        seg.multiscalar(
            sacramento, "dissimilarity", distances=[1000], group="HISP", total="TOT_POP"
        )


def test_profile_is_tidy_and_unstacks_to_one_row_per_kommun(uppsala):
    profile = seg.multiscalar(
        uppsala, "multi_dissimilarity", distances=[0, 500, 1000], groups=["g1", "g2", "g3"],
        by="kommunkod",
    )  # fmt: skip
    assert profile.index.names == ["kommunkod", "distance"]
    wide = profile["multi_dissimilarity"].unstack("distance")
    assert list(wide.columns) == [0.0, 500.0, 1000.0]
    assert len(wide) == uppsala["kommunkod"].nunique()
    assert isinstance(wide, pd.DataFrame)


def test_random_indices_and_unknown_parameters_are_refused(sacramento):
    utm = sacramento.to_crs(32610)
    kwargs = {"distances": [0, 1000], "group": "HISP", "total": "TOT_POP"}
    with pytest.raises(SegregationError, match="modified_dissimilarity draw whole persons"):
        seg.multiscalar(utm, ["dissimilarity", "modified_dissimilarity"], **kwargs)
    with pytest.raises(SegregationError, match="Unknown parameter"):
        seg.multiscalar(utm, "dissimilarity", b=0.5, **kwargs)
    atkinson = seg.multiscalar(utm, "atkinson", b=0.5, **kwargs)["atkinson"]
    assert atkinson.iloc[0] == pytest.approx(0.15079259382667654, abs=1e-7)  # peer's value
