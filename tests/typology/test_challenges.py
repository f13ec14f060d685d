"""Challenge counts in the manner of SCB's 2024 analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.typology import challenge_counts


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ill_health": [1.0, 2.0, 3.0, 4.0, 5.0],
            "school_pass": [95.0, 90.0, 60.0, 50.0, 80.0],
            "crowding": [0.0, 10.0, 40.0, 30.0, 35.0],
        },
        index=["a", "b", "c", "d", "e"],
    )


def test_counts_and_three_or_more_flag_by_hand(frame):
    result = challenge_counts(
        frame,
        {"ill_health": ("above", 3.0), "school_pass": ("below", 60.0), "crowding": ("above", 30.0)},
    )
    # c: 3 >= 3, 60 <= 60, 40 >= 30 -> 3 ; d: 4, 50, 30 -> 3 ; e: 5, 80, 35 -> 2
    assert result["n_challenges"].tolist() == [0, 0, 3, 3, 2]
    assert result["large_combined_challenge"].tolist() == [False, False, True, True, False]
    assert result["n_assessed"].tolist() == [3] * 5
    # e: ill health 5 >= 3, crowding 35 >= 30, school 80 > 60
    assert result["combination"].tolist() == [
        "",
        "",
        "ill_health + school_pass + crowding",
        "ill_health + school_pass + crowding",
        "ill_health + crowding",
    ]


def test_percentile_and_sd_thresholds_resolve_from_the_areas(frame):
    result = challenge_counts(
        frame, {"ill_health": ("above", "p80"), "crowding": ("above", "mean+1sd")}, min_challenges=1
    )
    assert result.attrs["thresholds"]["ill_health"] == pytest.approx(
        np.percentile([1, 2, 3, 4, 5], 80)
    )
    crowding = frame["crowding"]
    assert result.attrs["thresholds"]["crowding"] == pytest.approx(crowding.mean() + crowding.std())
    assert result["challenge_ill_health"].tolist() == [False, False, False, False, True]


def test_n_challenges_equals_sum_of_flags_on_synthetic_data():
    data = seg.synthetic(seg.load_regso(), seed=3)
    shares = pd.DataFrame(
        {
            "low_education": data["low_education"] / data["population_20_64"],
            "born_abroad": data["born_abroad"] / data["population"],
            "hyresratt": data["hyresratt"] / data["population"],
        }
    )
    result = challenge_counts(shares, {c: ("above", "p90") for c in shares})
    flags = result.filter(regex="^challenge_")
    assert (flags.sum(axis=1) == result["n_challenges"]).all()
    assert (result["large_combined_challenge"] == (result["n_challenges"] == 3)).all()
    assert 0.08 < flags.mean().min() and flags.mean().max() < 0.12


def test_missing_values_raise_or_are_not_counted(frame):
    frame.loc["b", "crowding"] = np.nan
    spec = {"crowding": ("above", 5.0), "ill_health": ("above", 1.5)}
    with pytest.raises(seg.SegregationError, match="1 areas have no value for 'crowding' \\(b\\)"):
        challenge_counts(frame, spec)
    result = challenge_counts(frame, spec, missing="not_counted")
    assert result.loc["b", "n_challenges"] == 1 and result.loc["b", "n_assessed"] == 1


def test_unknown_threshold_and_direction_are_refused(frame):
    with pytest.raises(seg.SegregationError, match="not understood"):
        challenge_counts(frame, {"crowding": ("above", "top tenth")})
    with pytest.raises(seg.SegregationError, match="direction"):
        challenge_counts(frame, {"crowding": ("over", 3.0)})
