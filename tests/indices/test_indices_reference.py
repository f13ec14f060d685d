"""Textbook values: the peer's Sacramento reference values and the R package's identities."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import segregation as seg

MULTI = ["WHITE", "BLACK", "ASIAN", "HISP"]

# reference key -> (our index name, parameters)
SINGLE = {
    "dissimilarity": ("dissimilarity", {}),
    "gini": ("gini", {}),
    "entropy": ("entropy", {}),
    "isolation": ("isolation", {}),
    "exposure": ("exposure", {}),
    "atkinson_b0.5": ("atkinson", {"b": 0.5}),
    "correlation_ratio": ("correlation_ratio", {}),
    "concentration_profile": ("concentration_profile", {"thresholds": 1000}),
}
MULTIGROUP = {
    "multi_dissimilarity": ("multi_dissimilarity", {}),
    "multi_gini": ("multi_gini", {}),
    "theil_h": ("theil_h", {}),
    "mutual_information_m": ("mutual_information", {}),
    "normalized_exposure": ("normalized_exposure", {}),
    "relative_diversity": ("relative_diversity", {}),
    "squared_coefficient_of_variation": ("squared_coefficient_of_variation", {}),
    "diversity_entropy": ("diversity_entropy", {}),
    "diversity_entropy_normalized": ("diversity_entropy", {"normalized": True}),
    "simpson_concentration": ("simpson_concentration", {}),
    "simpson_interaction": ("simpson_interaction", {}),
}


@pytest.fixture(scope="module")
def reference(shared_data) -> dict:
    path = shared_data / "reference" / "sacramento" / "expected_pysal_segregation.json"
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def sacramento(shared_data) -> pd.DataFrame:
    import pyogrio

    path = shared_data / "reference" / "sacramento" / "sacramentot2.dbf"
    return pyogrio.read_dataframe(path, read_geometry=False)


@pytest.mark.parametrize("key", sorted(SINGLE))
def test_single_group_index_reproduces_peer_textbook_value(key, reference, sacramento):
    expected = reference["single_group"][key]
    assert expected["textbook"]
    name, params = SINGLE[key]
    got = seg.indices.compute(sacramento, group="HISP", total="TOT_POP", indices=name, **params)
    assert got.loc[0, name] == pytest.approx(expected["value"], abs=10 ** -expected["decimals"])


@pytest.mark.parametrize("key", sorted(MULTIGROUP))
def test_multigroup_index_reproduces_peer_textbook_value(key, reference, sacramento):
    expected = reference["multi_group"][key]
    name, params = MULTIGROUP[key]
    got = seg.indices.compute(sacramento, groups=MULTI, indices=name, **params)
    assert got.loc[0, name] == pytest.approx(expected["value"], abs=10 ** -expected["decimals"])


def test_min_max_aspatial_equals_two_d_over_one_plus_d(reference, sacramento):
    d = seg.indices.compute(sacramento, group="HISP", total="TOT_POP", indices="dissimilarity")
    value = d.loc[0, "dissimilarity"]
    expected = reference["single_group"]["min_max_aspatial"]
    assert 2 * value / (1 + value) == pytest.approx(expected["value"], abs=1e-6)


@pytest.mark.parametrize("approach", ["composition", "share", "dual_composition"])
def test_counterfactual_decomposition_reproduces_rey_et_al(approach, reference, sacramento):
    expected = reference["decomposition_dissimilarity_hisp_vs_black"][approach]
    r = seg.indices.counterfactual(
        sacramento, group="HISP", total="TOT_POP", group2="BLACK", approach=approach
    )
    assert r.attribute == pytest.approx(expected["c_a"], abs=1e-7)
    assert r.spatial == pytest.approx(expected["c_s"], abs=1e-7)
    assert r.spatial + r.attribute == pytest.approx(r.index1 - r.index2, abs=1e-12)


def test_mutual_information_of_r_toy_table(reference):
    toy = reference["r_segregation_identities"]["toy_table_m_nats"]
    frame = pd.DataFrame(toy["units_by_groups"], columns=["a", "b"])
    got = seg.indices.compute(frame, groups=["a", "b"], indices="mutual_information")
    assert got.loc[0, "mutual_information"] == pytest.approx(toy["M"], abs=10 ** -toy["decimals"])


def test_dissimilarity_is_point_six_for_r_two_by_four_table():
    frame = pd.DataFrame({"a": [100, 60, 40, 0], "b": [0, 40, 60, 100]})
    got = seg.indices.compute(frame, groups=["a", "b"], indices="multi_dissimilarity")
    assert got.loc[0, "multi_dissimilarity"] == pytest.approx(0.6, abs=1e-12)
    two = seg.indices.compute(frame, group="a", against="b", indices="dissimilarity")
    assert two.loc[0, "dissimilarity"] == pytest.approx(0.6, abs=1e-12)


def test_perfect_segregation_of_two_equal_groups_gives_m_ln2_and_h_one():
    frame = pd.DataFrame({"a": [50, 0, 30, 0], "b": [0, 50, 0, 30]})
    got = seg.indices.compute(frame, groups=["a", "b"], indices=["mutual_information", "theil_h"])
    assert got.loc[0, "mutual_information"] == pytest.approx(np.log(2), abs=1e-12)
    assert got.loc[0, "theil_h"] == pytest.approx(1.0, abs=1e-12)


def test_m_equals_h_times_entropy(sacramento):
    got = seg.indices.compute(
        sacramento, groups=MULTI, indices=["mutual_information", "theil_h", "diversity_entropy"]
    )
    row = got.loc[0]
    assert row["mutual_information"] == pytest.approx(
        row["theil_h"] * row["diversity_entropy"], rel=1e-12
    )


def test_m_is_symmetric_in_areas_and_groups(reference):
    table = np.array(reference["r_segregation_identities"]["toy_table_m_nats"]["units_by_groups"])
    by_units = pd.DataFrame(table, columns=["a", "b"])
    by_groups = pd.DataFrame(table.T, columns=[f"u{i}" for i in range(len(table))])
    m1 = seg.indices.compute(by_units, groups=["a", "b"], indices="mutual_information")
    m2 = seg.indices.compute(by_groups, groups=list(by_groups), indices="mutual_information")
    assert m1.loc[0, "mutual_information"] == pytest.approx(
        m2.loc[0, "mutual_information"], abs=1e-12
    )
