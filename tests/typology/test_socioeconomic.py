"""SCB's socioeconomic index and five area types: formula, boundaries, options, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segregation as seg
from segregation.typology import (
    AREA_TYPES,
    area_type_labels,
    area_types,
    socioeconomic_index,
    socioeconomic_index_deso,
)

COUNTS = {"population": "population", "population_20_64": "population_20_64"}


@pytest.fixture(scope="module")
def synthetic_regso() -> pd.DataFrame:
    return seg.synthetic(seg.load_regso(), seed=7)


def test_area_types_are_scb_numbering_with_swedish_and_english_names():
    assert sorted(AREA_TYPES) == [1, 2, 3, 4, 5]
    assert AREA_TYPES[1].sv == "Områden med stora socioekonomiska utmaningar"
    assert AREA_TYPES[3].sv == "Socioekonomiskt blandade områden"
    assert AREA_TYPES[5].sv == "Områden med mycket goda socioekonomiska förutsättningar"
    assert all(t.code == code and t.en and t.short_en for code, t in AREA_TYPES.items())


def test_index_is_mean_of_three_shares_in_percent_from_counts():
    frame = pd.DataFrame(
        {
            "low_economic_standard": [25, 0],
            "population": [200, 50],
            "low_education": [10, 5],
            "assistance_or_unemployment": [4, 0],
            "population_20_64": [80, 20],
        },
        index=["0180R001", "0180R002"],
    )
    index = socioeconomic_index(frame, **COUNTS)
    # (12.5 + 12.5 + 5) / 3 = 10 and (0 + 25 + 0) / 3
    assert index.tolist() == pytest.approx([10.0, 25.0 / 3])


def test_index_same_from_percent_fraction_and_counts(synthetic_regso):
    from_counts = socioeconomic_index(synthetic_regso, **COUNTS)
    shares = pd.DataFrame(
        {
            "low_economic_standard": synthetic_regso["low_economic_standard"]
            / synthetic_regso["population"],
            "low_education": synthetic_regso["low_education"] / synthetic_regso["population_20_64"],
            "assistance_or_unemployment": synthetic_regso["assistance_or_unemployment"]
            / synthetic_regso["population_20_64"],
        }
    )
    from_fraction = socioeconomic_index(shares, unit="fraction")
    from_percent = socioeconomic_index(shares * 100)
    np.testing.assert_allclose(from_fraction, from_counts, rtol=1e-12)
    np.testing.assert_allclose(from_percent, from_counts, rtol=1e-12)


def test_types_at_exact_boundaries_with_hand_computed_mean_and_sd():
    # base [0, 2, 4]: mean 2, sample SD sqrt(((-2)^2 + 0 + 2^2) / 2) = 2 -> bounds 0, 2, 4, 6
    base = pd.Series([0.0, 2.0, 4.0])
    index = pd.Series([-0.001, 0.0, 1.999, 2.0, 3.999, 4.0, 5.999, 6.0, 50.0])
    types = area_types(index, base=base)
    assert types.tolist() == [5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert types.attrs["thresholds"] == [0.0, 2.0, 4.0, 6.0]
    assert (types.attrs["mean"], types.attrs["sd"]) == (2.0, 2.0)


def test_types_population_sd_option_by_hand():
    # [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, population SD exactly 2 -> bounds 3, 5, 7, 9
    index = pd.Series([2.0, 4, 4, 4, 5, 5, 7, 9])
    assert area_types(index, ddof=0).tolist() == [5, 4, 4, 4, 3, 3, 2, 1]


def test_types_are_ordered_categorical_1_to_5_and_missing_stays_missing():
    types = area_types(pd.Series([1.0, np.nan, 3.0, 10.0]), base=(3.0, 1.0))
    assert types.dtype == pd.CategoricalDtype([1, 2, 3, 4, 5], ordered=True)
    assert types.isna().tolist() == [False, True, False, False]
    assert types.iloc[0] == 5 and types.iloc[2] == 3 and types.iloc[3] == 1


def test_synthetic_types_follow_documented_rule_for_every_area(synthetic_regso):
    index = socioeconomic_index(synthetic_regso, **COUNTS)
    types = area_types(index)
    mean, sd = index.mean(), index.std(ddof=1)
    expected = []
    for value in index:  # the documented rule, written out as the if-chain of the docs
        if value >= mean + 2 * sd:
            expected.append(1)
        elif value >= mean + sd:
            expected.append(2)
        elif value >= mean:
            expected.append(3)
        elif value >= mean - sd:
            expected.append(4)
        else:
            expected.append(5)
    assert types.astype(int).tolist() == expected
    assert set(expected) == {1, 2, 3, 4, 5}


def test_synthetic_values_placed_on_each_boundary_take_the_worse_type(synthetic_regso):
    index = socioeconomic_index(synthetic_regso, **COUNTS)
    mean, sd = index.mean(), index.std(ddof=1)
    bounds = [mean - sd, mean, mean + sd, mean + 2 * sd]
    probe = pd.concat([index, pd.Series(bounds, index=["b54", "b43", "b32", "b21"])])
    types = area_types(probe, base=index)
    assert types.loc[["b54", "b43", "b32", "b21"]].tolist() == [4, 3, 2, 1]
    below = pd.Series(np.nextafter(bounds, -np.inf), index=["u54", "u43", "u32", "u21"])
    assert area_types(below, base=index).tolist() == [5, 4, 3, 2]


def test_weighted_types_equal_unweighted_on_repeated_areas():
    index = pd.Series([0.0, 10.0, 4.0], index=["a", "b", "c"])
    weights = pd.Series([3, 1, 2], index=["a", "b", "c"])
    repeated = pd.Series(np.repeat(index.to_numpy(), weights.to_numpy()))
    weighted = area_types(index, weights=weights)
    unweighted = area_types(index, base=repeated)
    assert weighted.tolist() == unweighted.tolist()
    assert weighted.attrs["mean"] == pytest.approx(repeated.mean())
    assert weighted.attrs["sd"] == pytest.approx(repeated.std(ddof=1))
    # by hand: mean (0*3 + 10 + 8) / 6 = 3, SD^2 = (27 + 49 + 2) / 5
    assert weighted.attrs["sd"] == pytest.approx((78 / 5) ** 0.5)


def test_fixed_base_year_keeps_types_comparable(synthetic_regso):
    year1 = socioeconomic_index(synthetic_regso, **COUNTS)
    year2 = year1 + 5.0  # everywhere worse by 5 points
    own = area_types(year2)
    fixed = area_types(year2, base=year1)
    assert own.tolist() == area_types(year1).tolist()  # relative types cannot see the shift
    assert (fixed.astype(int) <= area_types(year1).astype(int)).all()
    assert (fixed.astype(int) < area_types(year1).astype(int)).any()


def test_custom_cutoffs_move_the_bounds():
    types = area_types(pd.Series([0.4, 0.6]), base=(0.0, 1.0), cutoffs=(-1.0, 0.0, 0.5, 2.0))
    assert types.tolist() == [3, 2]


def test_deso_variant_names_its_proxy():
    frame = pd.DataFrame(
        {"low_economic_standard": [10.0], "low_education": [20.0], "regso_v3": [3.0]},
        index=["0114A0010"],
    )
    index = socioeconomic_index_deso(frame, proxy="regso_v3")
    assert index.iloc[0] == pytest.approx(11.0)
    assert index.attrs["v3_proxy"] == "regso_v3"
    assert "RegSO" in index.attrs["v3_proxy_description"]
    with pytest.raises(seg.SegregationError, match="proxy must be one of"):
        socioeconomic_index_deso(frame, proxy="guess")


def test_count_above_denominator_error_lists_areas():
    frame = pd.DataFrame(
        {
            "low_economic_standard": [5, 300, 400],
            "population": [100, 200, 300],
            "low_education": [1, 1, 1],
            "assistance_or_unemployment": [1, 1, 1],
            "population_20_64": [50, 50, 50],
        },
        index=["0180R001", "0180R002", "0180R003"],
    )
    with pytest.raises(seg.SegregationError, match=r"2 rows .*0180R002, 0180R003.*swapped"):
        socioeconomic_index(frame, **COUNTS)


def test_counts_given_as_percent_are_refused_with_hint():
    frame = pd.DataFrame(
        {
            "low_economic_standard": [150.0],
            "low_education": [1.0],
            "assistance_or_unemployment": [1.0],
        },
        index=["0180R001"],
    )
    with pytest.raises(seg.SegregationError, match=r"0180R001.*population="):
        socioeconomic_index(frame)


def test_missing_indicator_raises_or_propagates():
    frame = pd.DataFrame(
        {
            "low_economic_standard": [5.0, np.nan],
            "low_education": [1.0, 2.0],
            "assistance_or_unemployment": [1.0, 2.0],
        },
        index=["0180R001", "0180R002"],
    )
    with pytest.raises(seg.SegregationError, match=r"1 rows have no value.*0180R002"):
        socioeconomic_index(frame)
    index = socioeconomic_index(frame, missing="propagate")
    assert index.iloc[0] == pytest.approx(7 / 3) and np.isnan(index.iloc[1])


def test_bad_cutoffs_and_constant_index_are_refused():
    with pytest.raises(seg.SegregationError, match="4 increasing"):
        area_types(pd.Series([1.0, 2.0]), cutoffs=(0.0, 1.0, 1.0, 2.0))
    with pytest.raises(seg.SegregationError, match="SD 0"):
        area_types(pd.Series([3.0, 3.0, 3.0]))


def test_labels_in_both_languages_keep_scb_order():
    types = area_types(pd.Series([10.0, -10.0]), base=(0.0, 1.0))
    labels = area_type_labels(types, language="en")
    assert labels.tolist() == [AREA_TYPES[1].en, AREA_TYPES[5].en]
    assert list(labels.cat.categories) == [AREA_TYPES[c].en for c in range(1, 6)]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.floats(min_value=0, max_value=100, allow_nan=False), min_size=3, max_size=40
    ).filter(lambda v: np.std(v) > 1e-6)
)
def test_a_worse_index_never_gets_a_better_type(values):
    index = pd.Series(values)
    types = area_types(index).astype(int).to_numpy()
    order = np.argsort(index.to_numpy(), kind="stable")
    assert (np.diff(types[order]) <= 0).all()  # higher index -> lower (worse) type number
    thresholds = np.asarray(area_types(index).attrs["thresholds"])
    # the number of bounds at or below each value is 5 - type
    assert ((index.to_numpy()[:, None] >= thresholds).sum(axis=1) == 5 - types).all()


def test_weights_apply_to_a_base_series_and_must_cover_it():
    base = pd.Series([0.0, 10.0], index=["a", "b"])
    weights = pd.Series([3, 1], index=["a", "b"])
    # mean (0*3 + 10) / 4 = 2.5; SD^2 = (3 * 6.25 + 56.25) / (4 - 1) = 25
    types = area_types(pd.Series([2.5], index=["x"]), base=base, base_weights=weights)
    assert (types.attrs["mean"], types.attrs["sd"]) == (2.5, 5.0)
    same = area_types(base, weights=weights, base=base)
    assert (same.attrs["mean"], same.attrs["sd"]) == (2.5, 5.0)
    with pytest.raises(seg.SegregationError, match=r"1 areas have an index but no weight \(b\)"):
        area_types(base, weights=weights.loc[["a"]], base=base)


def test_deso_variant_gives_each_deso_the_v3_of_its_regso_and_types_keep_the_proxy():
    frame = pd.DataFrame(
        {
            "low_economic_standard": [30.0, 6.0, 120.0],
            "population": [100.0, 60.0, 400.0],
            "low_education": [10.0, 3.0, 40.0],
            "population_20_64": [50.0, 30.0, 200.0],
        },
        index=["0114A0010", "0114A0020", "0114C1010"],
    )
    key = pd.Series(["0114R001", "0114R001", "0114R002"], index=frame.index)
    regso_v3 = pd.Series({"0114R001": 6.0, "0114R002": 12.0})
    index = socioeconomic_index_deso(
        frame, proxy="regso_v3", regso_v3=regso_v3, deso_regso_key=key, **COUNTS
    )
    # (30/100 + 10/50) * 100 = 50; + 6 -> 56 / 3; (10 + 10 + 6) / 3; (30 + 20 + 12) / 3
    np.testing.assert_allclose(index.to_numpy(), [56 / 3, 26 / 3, 62 / 3])
    assert index.attrs["v3_proxy"] == "regso_v3"
    types = area_types(index, base=(15.0, 5.0))
    assert types.tolist() == [3, 5, 2]  # bounds 10, 15, 20, 25
    assert types.attrs["v3_proxy"] == "regso_v3" and "RegSO" in types.attrs["v3_proxy_description"]
    with pytest.raises(seg.SegregationError, match=r"1 DeSO have no RegSO .*0114C1010"):
        socioeconomic_index_deso(
            frame, proxy="regso_v3", regso_v3=regso_v3, deso_regso_key=key.iloc[:2], **COUNTS
        )
    with pytest.raises(seg.SegregationError, match=r"1 RegSO .* not in regso_v3.*0114R002"):
        socioeconomic_index_deso(
            frame, proxy="regso_v3", regso_v3=regso_v3.iloc[:1], deso_regso_key=key, **COUNTS
        )
    with pytest.raises(seg.SegregationError, match="needs deso_regso_key"):
        socioeconomic_index_deso(frame, proxy="regso_v3", regso_v3=regso_v3, **COUNTS)
    with pytest.raises(seg.SegregationError, match="proxy='regso_v3'"):
        socioeconomic_index_deso(
            frame, proxy="not_employed_20_64", regso_v3=regso_v3, deso_regso_key=key, **COUNTS
        )


def test_real_deso_types_from_regso_v3_say_their_proxy_on_the_map(shared_data):
    pytest.importorskip("folium")
    deso = seg.load_deso(2018, source=shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    key = seg.deso_to_regso(deso).key
    counts = seg.synthetic(deso, seed=1)
    regso = seg.synthetic(seg.load_regso(), seed=1)
    v3 = 100 * regso["assistance_or_unemployment"] / regso["population_20_64"]
    index = seg.socioeconomic_index_deso(
        counts, proxy="regso_v3", regso_v3=v3, deso_regso_key=key, **COUNTS
    )
    # every DeSO's V3 is its RegSO's: index * 3 - V1 - V2 recovers it
    v1 = 100 * counts["low_economic_standard"] / counts["population"]
    v2 = 100 * counts["low_education"] / counts["population_20_64"]
    np.testing.assert_allclose(3 * index - v1 - v2, v3.reindex(key.reindex(deso.index)), atol=1e-9)
    types = area_types(index)
    assert types.notna().all() and types.attrs["v3_proxy"] == "regso_v3"
    page = seg.typology.explore_types(official=types, areas=deso).get_root().render()
    assert "SCB area type (V3 proxy: regso_v3)" in page
