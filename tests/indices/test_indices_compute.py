"""compute() and available(): hand-worked values, the result's shape, zero populations, errors."""

from __future__ import annotations

import warnings
from itertools import product

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.indices import INDICES
from segregation.indices.aspatial import carrington_troske

ISSUE_NAMES = {
    "single": [
        "dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson",
        "correlation_ratio", "concentration_profile", "modified_dissimilarity",
        "modified_gini", "bias_corrected_dissimilarity",
    ],
    "multi": [
        "multi_dissimilarity", "multi_gini", "theil_h", "mutual_information",
        "normalized_exposure", "relative_diversity", "squared_coefficient_of_variation",
        "diversity_entropy", "simpson_concentration", "simpson_interaction",
    ],
}  # fmt: skip


@pytest.fixture
def toy() -> pd.DataFrame:
    """Three RegSO in 0114 and two in 0180; 0114R004 is empty."""
    return pd.DataFrame(
        {
            "abroad": [10, 0, 10, 0, 30, 10],
            "total": [20, 20, 10, 0, 60, 40],
        },
        index=["0114R001", "0114R002", "0114R003", "0114R004", "0180R001", "0180R002"],
    )


def _brute_gini(x, t):
    p = x / t
    big_p = x.sum() / t.sum()
    pairs = np.abs(p[:, None] - p[None, :]) * t[:, None] * t[None, :]
    return pairs.sum() / (2 * t.sum() ** 2 * big_p * (1 - big_p))


def test_dissimilarity_and_gini_match_hand_worked_toy(toy):
    got = seg.indices.compute(toy, group="abroad", total="total", indices=["dissimilarity", "gini"])
    # X = 60, T = 150, P = 0.4; |x_i - t_i P| = 2, 8, 6, 0, 6, 6 -> 28 / (2*150*0.24)
    assert got.loc[0, "dissimilarity"] == pytest.approx(28 / 72, abs=1e-15)
    x = toy["abroad"].to_numpy(float)[[0, 1, 2, 4, 5]]
    t = toy["total"].to_numpy(float)[[0, 1, 2, 4, 5]]
    assert got.loc[0, "gini"] == pytest.approx(_brute_gini(x, t), abs=1e-14)


def test_result_has_one_row_per_kommun_with_areas_and_persons(toy):
    got = seg.indices.compute(toy, group="abroad", total="total", by="kommunkod")
    assert list(got.index) == ["0114", "0180"]
    assert got.index.name == "kommunkod"
    assert got["n_areas"].tolist() == [3, 2]
    assert got["n_empty"].tolist() == [1, 0]
    assert got["n_persons"].tolist() == [50.0, 100.0]
    assert set(ISSUE_NAMES["single"]) <= set(got.columns)
    assert got[ISSUE_NAMES["single"]].notna().all().all()


def test_zero_population_area_is_excluded_and_counted_not_nan(toy):
    with_empty = seg.indices.compute(toy, group="abroad", total="total", indices="dissimilarity")
    without = seg.indices.compute(
        toy.drop(index="0114R004"), group="abroad", total="total", indices="dissimilarity"
    )
    assert with_empty.loc[0, "dissimilarity"] == without.loc[0, "dissimilarity"]
    assert with_empty.loc[0, "n_empty"] == 1
    assert without.loc[0, "n_empty"] == 0


def test_kommun_without_the_group_is_nan_there_only_and_named_in_a_warning(toy):
    toy.loc[["0180R001", "0180R002"], "abroad"] = 0
    with pytest.warns(seg.SegregationWarning, match=r"dissimilarity is undefined .*0180"):
        got = seg.indices.compute(
            toy, group="abroad", total="total", indices="dissimilarity", by="kommunkod"
        )
    assert np.isnan(got.loc["0180", "dissimilarity"])
    assert np.isfinite(got.loc["0114", "dissimilarity"])


def test_group_against_group_equals_group_against_their_sum(toy):
    toy["sweden"] = toy["total"] - toy["abroad"]
    versus = seg.indices.compute(toy, group="abroad", against="sweden", indices="dissimilarity")
    toy["sum"] = toy["abroad"] + toy["sweden"]
    summed = seg.indices.compute(toy, group="abroad", total="sum", indices="dissimilarity")
    assert versus.loc[0, "dissimilarity"] == summed.loc[0, "dissimilarity"]
    # against a third group, the rest of the population is left out
    toy["nordic"] = [2, 5, 0, 0, 10, 3]
    third = seg.indices.compute(toy, group="abroad", against="nordic", indices="dissimilarity")
    assert third.loc[0, "dissimilarity"] != versus.loc[0, "dissimilarity"]


def test_isolation_plus_exposure_is_one_and_correlation_ratio_nets_out_share(toy):
    got = seg.indices.compute(
        toy, group="abroad", total="total", indices=["isolation", "exposure", "correlation_ratio"]
    ).iloc[0]
    assert got["isolation"] + got["exposure"] == pytest.approx(1.0, abs=1e-15)
    share = 60 / 150
    assert got["correlation_ratio"] == pytest.approx((got["isolation"] - share) / (1 - share))


def test_concentration_profile_grid_converges_to_exact_integral(toy):
    exact = seg.indices.compute(toy, group="abroad", total="total", indices="concentration_profile")
    fine = seg.indices.compute(
        toy, group="abroad", total="total", indices="concentration_profile", thresholds=200_001
    )
    assert fine.iloc[0, 0] == pytest.approx(exact.iloc[0, 0], abs=2e-5)


def test_random_indices_repeat_with_the_same_seed_and_differ_with_another(toy):
    names = ["modified_dissimilarity", "modified_gini", "bias_corrected_dissimilarity"]
    kw = {"group": "abroad", "total": "total", "indices": names, "n_sim": 50, "n_boot": 50}
    a = seg.indices.compute(toy, seed=0, **kw)
    b = seg.indices.compute(toy, seed=0, **kw)
    c = seg.indices.compute(toy, seed=1, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a[names].to_numpy(), c[names].to_numpy())


def test_random_index_value_does_not_depend_on_other_indices_requested(toy):
    alone = seg.indices.compute(
        toy, group="abroad", total="total", indices="modified_dissimilarity", seed=3
    )
    together = seg.indices.compute(toy, group="abroad", total="total", seed=3)
    assert alone.loc[0, "modified_dissimilarity"] == together.loc[0, "modified_dissimilarity"]


def test_modified_dissimilarity_rescales_d_by_its_random_allocation_mean(toy):
    kw = {"group": "abroad", "total": "total", "seed": 7}
    modified = seg.indices.compute(toy, indices="modified_dissimilarity", n_sim=300, **kw)
    tested = seg.indices.test(toy, "dissimilarity", n=300, **kw)
    expected = carrington_troske(tested["estimate"].to_numpy(), tested["null_mean"].to_numpy())
    assert modified.loc[0, "modified_dissimilarity"] == pytest.approx(expected[0], abs=1e-15)


def test_available_lists_every_index_named_in_the_issue_with_metadata():
    table = seg.indices.available()
    for kind, names in ISSUE_NAMES.items():
        for name in names:
            assert table.loc[name, "kind"] == kind
            assert table.loc[name, "reference"]
            assert table.loc[name, "formula"]
    assert table.loc["mutual_information", "params"] == {"base": pytest.approx(np.e)}
    assert set(seg.indices.available("ordered").index) == {"rank_order_h", "income_inequality"}


def test_indices_none_computes_every_aspatial_index_of_the_kind(toy):
    toy["rest"] = toy["total"] - toy["abroad"]
    multi = seg.indices.compute(toy, groups=["abroad", "rest"])
    assert [c for c in multi.columns if c in INDICES] == ISSUE_NAMES["multi"]
    ordered = seg.indices.compute(toy, groups=["abroad", "rest"], ordered=True)
    assert {"rank_order_h", "income_inequality"} <= set(ordered.columns)


def test_mutual_information_base_two_is_nats_over_ln2(toy):
    toy["rest"] = toy["total"] - toy["abroad"]
    nats = seg.indices.compute(toy, groups=["abroad", "rest"], indices="mutual_information")
    bits = seg.indices.compute(toy, groups=["abroad", "rest"], indices="mutual_information", base=2)
    assert bits.iloc[0, 0] == pytest.approx(nats.iloc[0, 0] / np.log(2), rel=1e-14)


def test_income_inequality_is_hundred_times_d_between_lowest_and_highest(toy):
    frame = pd.DataFrame(
        {"q1": [30, 5, 10, 2], "q2": [10, 10, 10, 10], "q3": [4, 20, 12, 30]},
    )
    got = seg.indices.compute(frame, groups=["q1", "q2", "q3"], indices="income_inequality")
    d = seg.indices.compute(frame, group="q1", against="q3", indices="dissimilarity")
    assert got.iloc[0, 0] == pytest.approx(100 * d.iloc[0, 0], abs=1e-12)
    pooled = seg.indices.compute(
        frame, groups=["q1", "q2", "q3"], indices="income_inequality", low=2
    )
    frame["low"] = frame["q1"] + frame["q2"]
    d2 = seg.indices.compute(frame, group="low", against="q3", indices="dissimilarity")
    assert pooled.iloc[0, 0] == pytest.approx(100 * d2.iloc[0, 0], abs=1e-12)


def test_rank_order_h_of_two_categories_is_the_two_group_theil_h():
    frame = pd.DataFrame({"low": [30, 5, 10, 2], "high": [4, 20, 12, 30]})
    ordered = seg.indices.compute(frame, groups=["low", "high"], indices="rank_order_h")
    binary = seg.indices.compute(frame, group="low", against="high", indices="entropy")
    assert ordered.iloc[0, 0] == pytest.approx(binary.iloc[0, 0], abs=1e-12)


def test_rank_order_weights_match_numerical_integral():
    from scipy.integrate import quad

    from segregation.indices.ordered import rank_order_weights

    def bits(p):
        return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))

    for m, value in enumerate(rank_order_weights(4)):
        integral = quad(lambda p, m=m: bits(p) * p**m, 0, 1)[0]
        assert value == pytest.approx(2 * np.log(2) * integral, abs=1e-10)


def test_rank_order_h_lies_between_its_cut_point_extremes():
    """The linear estimate is a weighted average of the cut points' two-group H."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(1, 60, size=(30, 5)), columns=list("abcde"))
    ordered = seg.indices.compute(frame, groups=list("abcde"), indices="rank_order_h").iloc[0, 0]
    cuts = []
    for k in range(1, 5):
        below = frame.iloc[:, :k].sum(axis=1)
        above = frame.iloc[:, k:].sum(axis=1)
        pair = pd.DataFrame({"b": below, "a": above})
        cuts.append(seg.indices.compute(pair, group="b", against="a", indices="entropy").iloc[0, 0])
    assert min(cuts) - 1e-12 <= ordered <= max(cuts) + 1e-12


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.assign(abroad=f["abroad"].where(f.index != "0114R002", -1)),
         r"1 areas have a negative count in 'abroad': 0114R002 \(-1\)"),
        (lambda f: f.assign(abroad=f["abroad"].astype(float).where(f.index != "0180R001")),
         r"missing or non-numeric count in 'abroad': 0180R001"),
        (lambda f: f.assign(abroad=f["total"] + 1),
         r"6 areas have 'abroad' larger than 'total': 0114R001 \(21 > 20\).*swapped"),
    ],
)  # fmt: skip
def test_bad_counts_raise_naming_the_areas(toy, change, match):
    with pytest.raises(seg.indices.InvalidCountError, match=match):
        seg.indices.compute(change(toy), group="abroad", total="total")


def test_bad_arguments_raise_with_the_fix(toy):
    with pytest.raises(seg.SegregationError, match=r"'abroad_share'.* not in the frame"):
        seg.indices.compute(toy, group="abroad_share", total="total")
    with pytest.raises(ValueError, match=r"Unknown index 'dissim'\. Known indices: .*atkinson"):
        seg.indices.compute(toy, group="abroad", total="total", indices="dissim")
    with pytest.raises(seg.SegregationError, match=r"Unknown parameter\(s\) bb.*atkinson|b"):
        seg.indices.compute(toy, group="abroad", total="total", indices="atkinson", bb=0.3)
    with pytest.raises(seg.SegregationError, match=r"theil_h need groups="):
        seg.indices.compute(toy, group="abroad", total="total", indices="theil_h")
    with pytest.raises(seg.SegregationError, match=r"exactly one of total= .* or against="):
        seg.indices.compute(toy, group="abroad")
    with pytest.raises(seg.SegregationError, match=r"at least two columns"):
        seg.indices.compute(toy, groups=["abroad"])
    with pytest.raises(seg.SegregationError, match=r"by='regsokod' is neither a column"):
        seg.indices.compute(toy, group="abroad", total="total", by="regsokod")


def test_fractional_counts_skip_random_indices_with_a_warning(toy):
    toy = toy.astype(float) * 1.25
    with pytest.warns(seg.SegregationWarning, match="not whole numbers"):
        got = seg.indices.compute(toy, group="abroad", total="total")
    assert "modified_dissimilarity" not in got.columns
    assert "dissimilarity" in got.columns
    with pytest.raises(seg.indices.InvalidCountError, match="not whole numbers: 0114R001"):
        seg.indices.compute(toy, group="abroad", total="total", indices="modified_dissimilarity")


def test_by_over_every_aspatial_index_equals_a_loop_over_kommuner(toy):
    toy["rest"] = toy["total"] - toy["abroad"]
    toy["third"] = [3, 7, 1, 0, 9, 2]
    deterministic = [s for s in INDICES.values() if not s.random and not s.needs]
    for kind, spec in product(["single", "multi"], deterministic):
        if (spec.kind == "single") != (kind == "single"):
            continue
        counts = (
            {"group": "abroad", "total": "total"}
            if kind == "single"
            else {"groups": ["abroad", "rest", "third"]}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            together = seg.indices.compute(toy, indices=spec.name, by="kommunkod", **counts)
        for kommun in ["0114", "0180"]:
            part = toy[toy.index.str.startswith(kommun)]
            alone = seg.indices.compute(part, indices=spec.name, **counts)
            assert together.loc[kommun, spec.name] == pytest.approx(
                alone.loc[0, spec.name], abs=1e-14
            ), spec.name


def test_rank_order_entropy_moments_match_numerical_integrals():
    from scipy.integrate import quad

    from segregation.indices.ordered import _entropy_moments

    def bits(p):
        return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))

    for p in (0.1, 0.37, 0.5, 0.93, 1.0):
        g0, g1 = _entropy_moments(np.array([p]))
        assert g0[0] == pytest.approx(quad(bits, 0, p)[0], abs=1e-10)
        assert g1[0] == pytest.approx(quad(lambda s: s * bits(s), 0, p)[0], abs=1e-10)


def test_rank_order_h_methods_agree_when_cut_points_agree_and_linear_stays_in_range():
    # every cut point has H = 1: both estimates of H(p) are the constant 1
    frame = pd.DataFrame(np.diag([5.0, 20.0, 7.0, 11.0]), columns=list("abcd"))
    for method in ("linear", "polynomial"):
        got = seg.indices.compute(frame, groups=list("abcd"), indices="rank_order_h",
                                  method=method)  # fmt: skip
        assert got.iloc[0, 0] == pytest.approx(1.0, abs=1e-9)
    # two cut points with different H: the polynomial (a line) overshoots, linear cannot
    frame = pd.DataFrame({"a": [2, 0], "b": [0, 2], "c": [1, 4]})
    linear = seg.indices.compute(frame, groups=list("abc"), indices="rank_order_h").iloc[0, 0]
    assert 0 <= linear <= 1


@pytest.mark.parametrize(
    "labels",
    [["b", "b", "a", "a", "c", "a"], [3, 1, 3, 2, 1, 2], [1, "x", "x", 1, 2, 2]],
    ids=["unsorted-text", "unsorted-numbers", "mixed-types"],
)
def test_by_labels_in_any_order_give_sorted_rows_equal_to_each_group_alone(toy, labels):
    toy = toy.assign(block=labels)
    got = seg.indices.compute(toy, group="abroad", total="total", indices="dissimilarity",
                              by="block")  # fmt: skip
    expected_order = pd.Index(pd.unique(pd.Series(labels))).sort_values(
        key=lambda s: s.map(lambda v: (isinstance(v, str), v))  # pandas: numbers, then text
    )
    assert got.index.tolist() == expected_order.tolist()
    for label in got.index:
        part = toy[toy["block"].map(lambda v, label=label: v == label)]
        alone = seg.indices.compute(part, group="abroad", total="total", indices="dissimilarity")
        assert got.loc[label, "dissimilarity"] == pytest.approx(
            alone.loc[0, "dissimilarity"], nan_ok=True
        )
        assert got.loc[label, "n_persons"] == part["total"].sum()
