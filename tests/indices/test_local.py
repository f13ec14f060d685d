"""Local measures: identities with the global indices, hand-worked values, map-ready output."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.errors import SegregationWarning

gpd = pytest.importorskip("geopandas")


@pytest.fixture(scope="module")
def uppsala(shared_data):
    frame = gpd.read_file(shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    frame = frame.set_index("deso")
    rng = np.random.default_rng(11)
    pop = frame["population_2016"].to_numpy()
    shares = rng.dirichlet([3.0, 1.0, 1.0], size=len(frame))
    frame["g1"] = np.floor(pop * shares[:, 0])
    frame["g2"] = np.floor(pop * shares[:, 1])
    frame["g3"] = pop - frame["g1"] - frame["g2"]
    frame["total"] = pop.astype(float)
    frame["kommunkod"] = frame.index.str[:4]
    return frame


GROUPS = ["g1", "g2", "g3"]


def test_local_m_adds_up_to_m_for_the_r_package_toy_table(shared_data):
    path = shared_data / "reference" / "sacramento" / "expected_pysal_segregation.json"
    toy = json.loads(path.read_text())["r_segregation_identities"]["toy_table_m_nats"]
    table = pd.DataFrame(toy["units_by_groups"], columns=["a", "b"])
    local = seg.local_mutual_information(table, groups=["a", "b"])
    assert round((local["ls"] * local["p"]).sum(), toy["decimals"]) == toy["M"]


def test_local_m_adds_up_to_m_in_every_kommun(uppsala):
    local = seg.local_mutual_information(uppsala, groups=GROUPS, by="kommunkod")
    summed = (local["ls"] * local["p"]).groupby(uppsala["kommunkod"]).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SegregationWarning)
        m = seg.indices.compute(
            uppsala, groups=GROUPS, by="kommunkod", indices="mutual_information"
        )["mutual_information"]
    np.testing.assert_allclose(summed.loc[m.index], m.fillna(0.0), atol=1e-12)
    # and the weights p are each kommun's population shares
    np.testing.assert_allclose(local["p"].groupby(uppsala["kommunkod"]).sum(), 1.0)


def test_local_m_in_bits_is_nats_over_ln2(uppsala):
    nats = seg.local_mutual_information(uppsala, groups=GROUPS)["ls"]
    bits = seg.local_mutual_information(uppsala, groups=GROUPS, base=2)["ls"]
    np.testing.assert_allclose(bits, nats / np.log(2))


def test_location_quotients_average_one_weighted_by_population(uppsala):
    lq = seg.location_quotients(uppsala, groups=GROUPS, by="kommunkod")
    weights = uppsala["total"] / uppsala.groupby("kommunkod")["total"].transform("sum")
    for column in ["lq_g1", "lq_g2", "lq_g3"]:
        mean = (lq[column] * weights).groupby(uppsala["kommunkod"]).sum()
        np.testing.assert_allclose(mean, 1.0)


def test_location_quotient_by_hand_for_one_group():
    areas = pd.DataFrame({"x": [5, 15, 0], "t": [20, 20, 10]}, index=["a", "b", "c"])
    lq = seg.location_quotients(areas, group="x", total="t")
    # P = 20 / 50 = 0.4; shares 0.25, 0.75, 0
    np.testing.assert_allclose(lq["lq_x"], [0.25 / 0.4, 0.75 / 0.4, 0.0])
    assert list(lq.columns) == ["lq_x"]


def test_local_diversity_by_hand():
    areas = pd.DataFrame({"a": [20, 10, 0], "b": [20, 0, 0], "c": [40, 0, 0]})
    got = seg.local_diversity(areas, groups=["a", "b", "c"])
    p = np.array([0.25, 0.25, 0.5])
    entropy = -(p * np.log(p)).sum()
    np.testing.assert_allclose(got.loc[0], [entropy, entropy / np.log(3), 1 - (p**2).sum()])
    np.testing.assert_allclose(got.loc[1], [0.0, 0.0, 0.0])
    assert got.loc[2].isna().all()  # no population
    assert got.attrs["segregation"]["n_empty"] == 1


def test_local_spatial_dissimilarity_adds_up_to_the_index(uppsala):
    local = seg.local_spatial_dissimilarity(uppsala, group="g2", total="total", by="kommunkod")
    summed = local["spatial_dissimilarity"].groupby(uppsala["kommunkod"]).sum()
    d_part = local["dissimilarity"].groupby(uppsala["kommunkod"]).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SegregationWarning)
        index = seg.indices.compute(
            uppsala, group="g2", total="total", by="kommunkod",
            indices=["dissimilarity", "spatial_dissimilarity"],
        )  # fmt: skip
    defined = index["spatial_dissimilarity"].notna()
    np.testing.assert_allclose(
        summed[defined[defined].index], index.loc[defined, "spatial_dissimilarity"]
    )
    np.testing.assert_allclose(d_part[index.index], index["dissimilarity"])


@pytest.mark.parametrize(
    "weights",
    [
        {"kernel": "triangular", "bandwidth": 3000.0},
        {"kernel": "gaussian", "bandwidth": 1500.0, "standardize": True},
        {"weights": "knn", "k": 4},
        {"weights": "labelled kernel"},  # an adjacency Series with a diagonal
    ],
)
def test_local_spatial_dissimilarity_adds_up_for_weights_with_a_diagonal(uppsala, weights):
    from segregation.indices import weights as W

    kwargs = dict(weights)
    if kwargs.get("weights") == "labelled kernel":
        kwargs["weights"] = W.adjacency(W.kernel(uppsala, 2500.0), uppsala.index)
    local = seg.local_spatial_dissimilarity(
        uppsala, group="g2", total="total", by="kommunkod", **kwargs
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SegregationWarning)
        index = seg.indices.compute(
            uppsala, group="g2", total="total", by="kommunkod",
            indices="spatial_dissimilarity", **kwargs,
        )["spatial_dissimilarity"].dropna()  # fmt: skip
    summed = local["spatial_dissimilarity"].groupby(uppsala["kommunkod"]).sum()
    np.testing.assert_allclose(summed[index.index], index, atol=1e-12)
    assert (index < local["dissimilarity"].groupby(uppsala["kommunkod"]).sum()[index.index]).all()


def test_local_output_keeps_order_index_and_geometry_for_maps(uppsala):
    shuffled = uppsala.sample(frac=1.0, random_state=0)
    lq = seg.location_quotients(shuffled, groups=GROUPS)
    assert list(lq.index) == list(shuffled.index)
    assert isinstance(lq, gpd.GeoDataFrame)
    assert lq.crs == uppsala.crs
    assert lq.geometry.equals(shuffled.geometry)
