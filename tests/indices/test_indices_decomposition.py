"""Decomposition identities: between + within = total, local sums, Shapley parts add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segregation as seg
from segregation.indices.comparison import ipf

SETTINGS = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def tables_with_units(draw):
    n_areas = draw(st.integers(3, 15))
    n_groups = draw(st.integers(2, 4))
    cells = draw(
        st.lists(
            st.lists(st.integers(0, 300), min_size=n_groups, max_size=n_groups),
            min_size=n_areas,
            max_size=n_areas,
        )
    )
    table = np.array(cells, dtype=float)
    table[:, 0] += 1
    table[0, :] += 1
    frame = pd.DataFrame(table, columns=[f"g{k}" for k in range(n_groups)])
    frame["unit"] = draw(st.lists(st.sampled_from("abcd"), min_size=n_areas, max_size=n_areas))
    frame["region"] = frame["unit"].map({"a": "x", "b": "x", "c": "y", "d": "y"})
    return frame


def _groups(frame):
    return [c for c in frame.columns if c.startswith("g")]


@SETTINGS
@given(tables_with_units())
def test_between_plus_within_equals_total(frame):
    d = seg.indices.decompose(frame, _groups(frame), within="unit")
    assert d.between + d.within == pytest.approx(d.total, abs=1e-12)
    assert d.h.between + d.h.within == pytest.approx(d.h.total, abs=1e-12)
    assert d.contributions["h_contribution"].sum() == pytest.approx(d.h.within, abs=1e-12)
    m = seg.indices.compute(frame, groups=_groups(frame), indices="mutual_information")
    assert d.total == pytest.approx(m.loc[0, "mutual_information"], abs=1e-14)


@SETTINGS
@given(tables_with_units())
def test_local_contributions_sum_to_m_overall_and_within_each_unit(frame):
    d = seg.indices.decompose(frame, _groups(frame), within="unit")
    assert d.local["contribution"].sum() == pytest.approx(d.total, abs=1e-12)
    assert d.local["p"].sum() == pytest.approx(1.0, abs=1e-12)
    unit = frame.loc[d.local.index, "unit"]
    weights = d.local["p"] / d.local["p"].groupby(unit).transform("sum")
    within = (weights * d.local["ls_within"]).groupby(unit).sum()
    np.testing.assert_allclose(within.to_numpy(), d.contributions["m"].to_numpy(), atol=1e-12)


@SETTINGS
@given(tables_with_units())
def test_nested_levels_add_up_to_total(frame):
    d = seg.indices.decompose(frame, _groups(frame), within=["region", "unit"])
    assert d.levels["m"].sum() == pytest.approx(d.total, abs=1e-12)
    assert d.levels.index.tolist() == [
        "between region", "unit within region", "areas within unit",
    ]  # fmt: skip
    single = seg.indices.decompose(frame, _groups(frame), within="unit")
    between_units = d.levels["m"].iloc[:2].sum()
    assert between_units == pytest.approx(single.between, abs=1e-12)


def test_contributions_are_each_kommuns_weight_own_m_and_their_product():
    frame = pd.DataFrame(
        {"a": [10, 0, 5, 5, 8], "b": [0, 10, 5, 5, 2]},
        index=["0114R001", "0114R002", "0180R001", "0180R002", "0180R003"],
    )
    d = seg.indices.decompose(frame, ["a", "b"], within="kommunkod")
    own = seg.indices.compute(
        frame, groups=["a", "b"], indices="mutual_information", by="kommunkod"
    )
    np.testing.assert_allclose(d.contributions["m"], own["mutual_information"], atol=1e-15)
    np.testing.assert_allclose(d.contributions["weight"], [20 / 50, 30 / 50])
    np.testing.assert_allclose(
        d.contributions["contribution"], d.contributions["weight"] * d.contributions["m"]
    )
    assert d.contributions["n_areas"].tolist() == [2, 3]


def test_levels_that_do_not_nest_raise_naming_them():
    frame = pd.DataFrame(
        {"a": [1, 2, 3], "b": [3, 2, 1], "unit": ["u1", "u1", "u2"], "region": ["r1", "r2", "r2"]}
    )
    with pytest.raises(seg.SegregationError, match=r"1 values of 'unit' lie in more than one.*u1"):
        seg.indices.decompose(frame, ["a", "b"], within=["region", "unit"])


def test_ipf_reaches_margins_and_keeps_odds_ratios():
    seed = np.array([[4.0, 1.0, 2.0], [1.0, 3.0, 5.0]])
    rows, cols = np.array([30.0, 70.0]), np.array([20.0, 50.0, 30.0])
    table = ipf(seed, rows, cols)
    np.testing.assert_allclose(table.sum(axis=1), rows, rtol=1e-9)
    np.testing.assert_allclose(table.sum(axis=0), cols, rtol=1e-9)

    def odds(t):
        return t[0, 0] * t[1, 1] / (t[0, 1] * t[1, 0]), t[0, 1] * t[1, 2] / (t[0, 2] * t[1, 1])

    np.testing.assert_allclose(odds(table), odds(seed), rtol=1e-9)


@SETTINGS
@given(tables_with_units(), tables_with_units())
def test_difference_parts_add_up_to_the_change_in_m(first, second):
    n = min(len(first), len(second))
    one, two = first.iloc[:n], second.iloc[:n]
    groups = _groups(one)[: len(_groups(two))]
    groups = [g for g in groups if g in two.columns]
    if len(groups) < 2:
        return
    r = seg.indices.difference(one, two, groups)
    parts = r.unit_marginal + r.group_marginal + r.structural + r.additions + r.removals
    assert parts == pytest.approx(r.difference, abs=1e-10)
    assert r.additions == 0 and r.removals == 0


def test_difference_of_a_table_with_itself_rescaled_is_zero_everywhere():
    frame = pd.DataFrame({"a": [30, 10, 10, 4], "b": [10, 30, 10, 9], "c": [1, 2, 3, 40]})
    r = seg.indices.difference(frame, frame * 3, ["a", "b", "c"])
    for part in ("difference", "unit_marginal", "group_marginal", "structural"):
        assert getattr(r, part) == pytest.approx(0.0, abs=1e-12), part


def test_growth_of_one_group_everywhere_changes_margins_not_structure():
    frame = pd.DataFrame({"a": [30, 10, 10, 4], "b": [10, 30, 10, 9], "c": [1, 2, 3, 40]})
    grown = frame.assign(c=frame["c"] * 4)
    r = seg.indices.difference(frame, grown, ["a", "b", "c"])
    assert abs(r.difference) > 0.005
    assert r.structural == pytest.approx(0.0, abs=1e-8)
    assert r.unit_marginal + r.group_marginal == pytest.approx(r.difference, abs=1e-8)


def test_areas_in_one_table_only_are_additions_and_removals():
    one = pd.DataFrame({"a": [30, 10, 10], "b": [10, 30, 10]}, index=["x", "y", "z"])
    two = pd.DataFrame({"a": [30, 10, 50], "b": [10, 30, 0]}, index=["x", "y", "new"])
    r = seg.indices.difference(one, two, ["a", "b"])
    m = seg.indices.compute
    common2 = m(two.loc[["x", "y"]], groups=["a", "b"], indices="mutual_information").iloc[0, 0]
    common1 = m(one.loc[["x", "y"]], groups=["a", "b"], indices="mutual_information").iloc[0, 0]
    assert r.additions == pytest.approx(r.m2 - common2, abs=1e-15)
    assert r.removals == pytest.approx(common1 - r.m1, abs=1e-15)
    assert r.to_frame().loc["difference", "est"] == pytest.approx(r.m2 - r.m1)


def test_counterfactual_rejects_multigroup_index():
    frame = pd.DataFrame({"a": [1, 2], "t": [3, 4]})
    with pytest.raises(seg.SegregationError, match="single-group aspatial"):
        seg.indices.counterfactual(frame, group="a", total="t", index="theil_h")


# the two tables of R's segregation test suite for mutual_difference (units a, b; groups 1-4)
R_TABLE1 = pd.DataFrame(
    {"g1": [40, 5], "g2": [30, 10], "g3": [20, 15], "g4": [10, 20]}, index=["a", "b"]
)
R_TABLE2 = pd.DataFrame(
    {"g1": [20, 5], "g2": [20, 10], "g3": [20, 10], "g4": [15, 15]}, index=["a", "b"]
)
PARTS = ("unit_marginal", "group_marginal", "structural")


def test_difference_is_antisymmetric_in_the_two_tables():
    groups = list(R_TABLE1)
    forward = seg.indices.difference(R_TABLE1, R_TABLE2, groups)
    backward = seg.indices.difference(R_TABLE2, R_TABLE1, groups)
    assert forward.additions == 0 and forward.removals == 0
    for part in PARTS:
        assert getattr(forward, part) == pytest.approx(-getattr(backward, part), abs=1e-9), part


def test_difference_swaps_unit_and_group_margins_when_the_table_is_transposed():
    """M is symmetric in areas and groups; so is its decomposition (R's test suite)."""
    groups = list(R_TABLE1)
    r = seg.indices.difference(R_TABLE1, R_TABLE2, groups)
    t = seg.indices.difference(R_TABLE1.T, R_TABLE2.T, ["a", "b"])
    assert t.difference == pytest.approx(r.difference, abs=1e-14)
    assert t.unit_marginal == pytest.approx(r.group_marginal, abs=1e-9)
    assert t.group_marginal == pytest.approx(r.unit_marginal, abs=1e-9)
    assert t.structural == pytest.approx(r.structural, abs=1e-9)


def test_difference_is_the_two_factor_shapley_split_of_margins_and_structure():
    """structural = mean effect of the structure at both margins (Elbers 2023; R's shapley)."""
    r = seg.indices.difference(R_TABLE1, R_TABLE2, list(R_TABLE1))
    m = {k: r.counterfactuals[k] for k in r.counterfactuals}
    expected = 0.5 * (m["r1c1s2"] - m["r1c1s1"]) + 0.5 * (m["r2c2s2"] - m["r2c2s1"])
    assert r.structural == pytest.approx(expected, abs=1e-15)
    marginal = 0.5 * (m["r2c2s1"] - m["r1c1s1"]) + 0.5 * (m["r2c2s2"] - m["r1c1s2"])
    assert r.unit_marginal + r.group_marginal == pytest.approx(marginal, abs=1e-15)
    # a counterfactual keeps its structure: r1c1s2 is table 2's odds ratios at table 1's margins
    assert m["r1c1s1"] == pytest.approx(r.m1) and m["r2c2s2"] == pytest.approx(r.m2)


def test_same_margins_different_association_is_all_structural():
    one = pd.DataFrame({"a": [30, 10], "b": [10, 30]})
    two = pd.DataFrame({"a": [25, 15], "b": [15, 25]})
    r = seg.indices.difference(one, two, ["a", "b"])
    assert r.difference < -0.05
    assert r.structural == pytest.approx(r.difference, abs=1e-12)
    assert r.unit_marginal == pytest.approx(0.0, abs=1e-12)
    assert r.group_marginal == pytest.approx(0.0, abs=1e-12)


def test_growth_of_one_area_is_a_change_of_the_unit_margin():
    """R's test 'correctly identifies marginal/structural changes'."""
    base = pd.DataFrame({"g1": [25, 28, 2], "g2": [25, 2, 18]}, index=["a", "b", "c"])
    grown = base.assign(g1=[25, 28, 4], g2=[25, 2, 36])  # area c doubles
    r = seg.indices.difference(base, grown, ["g1", "g2"])
    assert r.structural == pytest.approx(0.0, abs=1e-9)
    assert abs(r.unit_marginal) == max(abs(getattr(r, p)) for p in PARTS)


def test_empty_cells_and_areas_in_one_table_only():
    """R's test with zero counts: M1, M2 as computed alone; scaling a table barely matters."""
    one = pd.DataFrame({"g1": [0, 5, 4], "g2": [30, 10, 3], "g3": [20, 15, 2], "g4": [10, 20, 1]},
                       index=["a", "b", "c"])  # fmt: skip
    two = pd.DataFrame({"g1": [40, 5, 1], "g2": [20, 10, 2], "g3": [20, 10, 3], "g4": [15, 0, 4]},
                       index=["a", "b", "d"])  # fmt: skip
    groups = list(one)
    r = seg.indices.difference(one, two, groups)
    m = seg.indices.compute
    assert r.m1 == pytest.approx(m(one, groups=groups, indices="mutual_information").iloc[0, 0])
    assert r.m2 == pytest.approx(m(two, groups=groups, indices="mutual_information").iloc[0, 0])
    parts = r.unit_marginal + r.group_marginal + r.structural + r.additions + r.removals
    assert parts == pytest.approx(r.difference, abs=1e-12)
    assert r.additions != 0 and r.removals != 0
    scaled = seg.indices.difference(one / 1000, two, groups)
    assert scaled.structural == pytest.approx(r.structural, abs=1e-6)


def test_a_group_absent_from_one_table_counts_as_addition():
    one = pd.DataFrame({"a": [30, 10, 5], "b": [10, 30, 5], "c": [0, 0, 0]})
    two = pd.DataFrame({"a": [30, 10, 5], "b": [10, 30, 5], "c": [5, 0, 20]})
    r = seg.indices.difference(one, two, ["a", "b", "c"])
    assert r.structural == pytest.approx(0.0, abs=1e-12)
    assert r.additions == pytest.approx(r.difference, abs=1e-12)
