"""seg.indices.test: seeds that work, p-values that behave, vectorised groups of areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segregation as seg


@pytest.fixture
def random_areas() -> pd.DataFrame:
    """40 areas in two kommuner whose group was allocated at random (no segregation)."""
    rng = np.random.default_rng(11)
    total = rng.integers(50, 400, size=40)
    group = rng.binomial(total, 0.3)
    index = [f"0114R{i:03d}" for i in range(20)] + [f"0180R{i:03d}" for i in range(20)]
    return pd.DataFrame({"group": group, "total": total}, index=index)


@pytest.fixture
def segregated_areas(random_areas) -> pd.DataFrame:
    frame = random_areas.copy()
    frame["group"] = np.where(np.arange(40) % 2 == 0, frame["total"] * 0.8, frame["total"] * 0.1)
    return frame.round()


def _test(frame, **kw):
    kw = {"group": "group", "total": "total", "n": 199, **kw}
    return seg.indices.test(frame, "dissimilarity", **kw)


def test_same_seed_same_numbers_and_seed_zero_is_a_real_seed(random_areas):
    a = _test(random_areas, seed=0)
    b = _test(random_areas, seed=0)
    c = _test(random_areas, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "null_mean"] != c.loc[0, "null_mean"]
    unseeded = [_test(random_areas, seed=None).loc[0, "null_mean"] for _ in range(2)]
    assert unseeded[0] != unseeded[1]


def test_random_allocation_data_is_not_significant_and_segregated_data_is(
    random_areas, segregated_areas
):
    calm = _test(random_areas, seed=0)
    assert calm.loc[0, "p_value"] > 0.05
    assert calm.loc[0, "ci_low"] <= calm.loc[0, "estimate"] <= calm.loc[0, "ci_high"]
    sharp = _test(segregated_areas, seed=0)
    assert sharp.loc[0, "p_value"] == pytest.approx(1 / 200)
    assert sharp.loc[0, "estimate"] > sharp.loc[0, "ci_high"]


def test_null_mean_is_the_small_area_bias_and_shrinks_with_area_size(random_areas):
    small = _test(random_areas, seed=0)
    large = _test(random_areas * 100, seed=0)
    assert small.loc[0, "null_mean"] > 0.03
    assert large.loc[0, "null_mean"] < small.loc[0, "null_mean"] / 5
    assert small.loc[0, "even"] == pytest.approx(0.0, abs=1e-15)
    assert small.loc[0, "bias_corrected"] == pytest.approx(
        small.loc[0, "estimate"] - small.loc[0, "null_mean"], abs=1e-15
    )


def test_random_allocation_mean_matches_a_plain_monte_carlo_loop(random_areas):
    got = _test(random_areas, seed=0, n=2000)
    rng = np.random.default_rng(123)
    x, t = random_areas["group"].to_numpy(), random_areas["total"].to_numpy()
    share = x.sum() / t.sum()
    values = []
    for _ in range(2000):  # the slow way, as a check
        sim = rng.binomial(t, share)
        p = sim.sum() / t.sum()
        values.append(np.abs(sim - t * p).sum() / (2 * t.sum() * p * (1 - p)))
    assert got.loc[0, "null_mean"] == pytest.approx(np.mean(values), abs=3 * np.std(values) / 40)


def test_by_tests_every_kommun_in_one_pass(random_areas, segregated_areas):
    mixed = pd.concat([random_areas.iloc[:20], segregated_areas.iloc[20:]])
    got = _test(mixed, by="kommunkod", seed=0)
    assert list(got.index) == ["0114", "0180"]
    assert got.loc["0114", "p_value"] > 0.05
    assert got.loc["0180", "p_value"] == pytest.approx(1 / 200)
    assert (got["n_draws"] == 199).all()
    estimate = seg.indices.compute(mixed, group="group", total="total", indices="dissimilarity",
                                   by="kommunkod")  # fmt: skip
    np.testing.assert_allclose(got["estimate"], estimate["dissimilarity"])


def test_bootstrap_interval_covers_estimate_and_corrects_upward_bias(segregated_areas):
    got = _test(segregated_areas, null="bootstrap", seed=0, n=299)
    row = got.loc[0]
    assert row["ci_low"] <= row["bias_corrected"] <= row["ci_high"]
    assert row["bias_corrected"] == pytest.approx(2 * row["estimate"] - row["null_mean"])
    assert row["se"] > 0
    assert row["p_value"] == pytest.approx(1 / 300)
    bigger = _test(segregated_areas * 10, null="bootstrap", seed=0, n=299)
    assert bigger.loc[0, "se"] < row["se"]


def test_multigroup_indices_can_be_tested(random_areas):
    frame = random_areas.assign(rest=random_areas["total"] - random_areas["group"])
    got = seg.indices.test(frame, "theil_h", groups=["group", "rest"], n=99, seed=2)
    assert 0 <= got.loc[0, "null_mean"] <= 1
    assert got.loc[0, "even"] == pytest.approx(0.0, abs=1e-12)
    assert got.loc[0, "p_value"] > 0.05


def test_bad_requests_raise_with_the_fix(random_areas):
    with pytest.raises(seg.SegregationError, match="null='permutation' is not known"):
        _test(random_areas, null="permutation")
    with pytest.raises(seg.SegregationError, match="test the index it corrects"):
        seg.indices.test(random_areas, "modified_dissimilarity", group="group", total="total")
    with pytest.raises(seg.indices.InvalidCountError, match="not whole numbers"):
        _test(random_areas * 0.5)
    with pytest.raises(seg.SegregationError, match=r"Unknown parameter\(s\) bee"):
        seg.indices.test(random_areas, "atkinson", group="group", total="total", bee=1)


@pytest.mark.parametrize("null", ["random_allocation", "bootstrap"])
def test_draws_do_not_depend_on_the_memory_chunk_size(random_areas, null, monkeypatch):
    from segregation.indices import _random

    whole = _test(random_areas, null=null, seed=4, by="kommunkod")
    monkeypatch.setattr(_random, "_CHUNK_CELLS", 50)  # a few draws per chunk
    chunked = _test(random_areas, null=null, seed=4, by="kommunkod")
    pd.testing.assert_frame_equal(whole, chunked)


def test_random_allocation_p_values_are_calibrated_under_the_null():
    """300 synthetic kommuner without segregation, tested in one call: about 5 % below 0.05."""
    rng = np.random.default_rng(2024)
    n_kommuner, per = 300, 12
    total = rng.integers(100, 2000, size=n_kommuner * per)
    share = np.repeat(rng.uniform(0.05, 0.5, size=n_kommuner), per)
    frame = pd.DataFrame(
        {"group": rng.binomial(total, share), "total": total,
         "kommun": np.repeat([f"k{i:03d}" for i in range(n_kommuner)], per)},
    )  # fmt: skip
    got = seg.indices.test(frame, "dissimilarity", group="group", total="total", by="kommun",
                           n=199, seed=5)  # fmt: skip
    rejected = (got["p_value"] <= 0.05).mean()
    assert 0.015 <= rejected <= 0.10
    # and the p-values spread over (0, 1]: a quarter of them above 0.75 or so
    assert 0.15 <= (got["p_value"] > 0.75).mean() <= 0.35
