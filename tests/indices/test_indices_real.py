"""The engine on real SCB RegSO data: all 290 kommuner, empty categories, decompositions."""

from __future__ import annotations

import numpy as np
import pytest
from indices_real_data import TENURE, regso_counts

import segregation as seg


@pytest.fixture(scope="module")
def regso(shared_data):
    return regso_counts(shared_data, 2023)


def test_all_single_group_indices_for_all_kommuner_are_finite(regso):
    got = seg.indices.compute(regso, group="born_abroad", total="population", by="kommunkod",
                              seed=0, n_sim=50, n_boot=50)  # fmt: skip
    assert len(got) == 290
    assert got["n_areas"].sum() == len(regso) == 3363 - regso.attrs["dropped"]
    assert got["n_persons"].sum() == pytest.approx(10.55e6, rel=0.01)
    names = [c for c in got.columns if c in seg.indices.INDICES]
    assert np.isfinite(got[names].to_numpy()).all()
    assert got.loc["0180", "n_areas"] == (regso["kommunkod"] == "0180").sum()


def test_theil_h_is_right_where_a_tenure_category_is_empty(regso):
    totals = regso.groupby("kommunkod")[TENURE].sum()
    empty = totals.index[(totals == 0).any(axis=1)]
    assert len(empty) == 3
    got = seg.indices.compute(regso, groups=TENURE, by="kommunkod")
    assert np.isfinite(got.loc[empty, "theil_h"]).all()
    for kommun in empty:
        part = regso[regso["kommunkod"] == kommun]
        present = [g for g in TENURE if totals.loc[kommun, g] > 0]
        alone = seg.indices.compute(part, groups=present, indices="theil_h")
        assert got.loc[kommun, "theil_h"] == pytest.approx(alone.loc[0, "theil_h"], abs=1e-14)


def test_national_m_splits_into_lan_kommun_and_area_parts(regso):
    d = seg.indices.decompose(regso, TENURE, within=["lanskod", "kommunkod"])
    assert d.levels["m"].sum() == pytest.approx(d.total, abs=1e-12)
    single = seg.indices.decompose(regso, TENURE, within="kommunkod")
    assert single.between + single.within == pytest.approx(single.total, abs=1e-12)
    assert len(single.contributions) == 290
    assert single.local["contribution"].sum() == pytest.approx(single.total, abs=1e-12)
    # tenure is sorted mostly within kommuner, not between them
    assert single.within > single.between > 0


def test_change_2020_to_2023_splits_exactly(shared_data, regso):
    earlier = regso_counts(shared_data, 2020)
    r = seg.indices.difference(earlier, regso, TENURE)
    parts = r.unit_marginal + r.group_marginal + r.structural + r.additions + r.removals
    assert parts == pytest.approx(r.difference, abs=1e-10)
    # tenure became less segregated, mostly in its structure; swapping the years negates it
    assert r.difference < 0 and r.structural < 0
    back = seg.indices.difference(regso, earlier, TENURE)
    for part in ("unit_marginal", "group_marginal", "structural"):
        assert getattr(back, part) == pytest.approx(-getattr(r, part), abs=1e-9), part


def test_random_allocation_test_for_all_kommuner_in_one_call(regso):
    got = seg.indices.test(regso, "dissimilarity", group="born_abroad", total="population",
                           by="kommunkod", n=99, seed=0)  # fmt: skip
    assert len(got) == 290
    assert (got["n_draws"] == 99).all()
    # born abroad is clearly segregated in Stockholm, Göteborg and Malmö
    assert (got.loc[["0180", "1480", "1280"], "p_value"] == 0.01).all()


def test_deso_nested_in_kommun_in_lan_adds_up(shared_data):
    import pandas as pd

    path = shared_data / "reference" / "disclosure" / "uppsala_deso_5cat_thin.csv"
    deso = pd.read_csv(path, dtype={"deso": str, "kommun": str}).set_index("deso")
    cats = [f"cat{k}" for k in range(1, 6)]
    d = seg.indices.decompose(deso, cats, within=["lanskod", "kommunkod"])
    assert d.levels.index.tolist() == [
        "between lanskod", "kommunkod within lanskod", "areas within kommunkod",
    ]  # fmt: skip
    assert d.levels["m"].sum() == pytest.approx(d.total, abs=1e-12)
    assert (d.levels["m"] >= -1e-15).all()
    assert d.contributions.index.tolist() == sorted(deso.index.str[:2].unique())
    # the kommun column and the kommun read from the DeSO codes agree
    by_column = seg.indices.decompose(deso, cats, within="kommun")
    by_code = seg.indices.decompose(deso, cats, within="kommunkod")
    assert by_column.between == pytest.approx(by_code.between, abs=1e-15)
