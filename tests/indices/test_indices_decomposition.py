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
