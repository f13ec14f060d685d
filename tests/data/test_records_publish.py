"""From a synthetic register on real polygons to a protected table, rates and a map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.data.records import aggregate, assign, publish
from segregation.data.register import regso_population

pytestmark = pytest.mark.filterwarnings("ignore::segregation.SegregationWarning")

STATS = "regso_stats/regso_born_in_sweden_total_2020_2023.csv"
KOMMUNER = ["0381", "0382"]  # Enköping, Östhammar
CELLS = [
    "born_abroad=False | benefit=False",
    "born_abroad=False | benefit=True",
    "born_abroad=True | benefit=False",
    "born_abroad=True | benefit=True",
]


@pytest.fixture(scope="module")
def areas(shared_data):
    gpkg = shared_data / "boundaries" / "regso_2025.gpkg"
    return seg.load_regso(source=gpkg, kommun=KOMMUNER)


@pytest.fixture(scope="module")
def scb(shared_data, areas):
    population = regso_population(shared_data / STATS, areas=areas)
    share = 1 - population["born_in_sweden"] / population["total"]
    return population, pd.DataFrame({"scb_share_born_abroad": share})


@pytest.fixture(scope="module")
def people(areas, scb):
    # a thin register (1 person per 100 inhabitants) so that small cells occur
    register = seg.synthetic_register(scb[0], n=2500, areas=areas, seed=2023)
    return assign(register, areas, x="x", y="y").data


@pytest.fixture(scope="module")
def table(people, scb):
    return publish(
        people,
        area="regso",
        outcome="benefit",
        categories="born_abroad",
        levels=("regso", "kommun", "lan"),
        stats=scb[1],
    )


def test_published_table_is_marked_and_every_level_has_its_rows(table, areas):
    assert seg.disclosure.is_protected(table)
    assert seg.disclosure.is_protected(table.loc["regso"])
    assert len(table.loc["regso"]) == len(areas)
    assert table.loc["kommun"].index.tolist() == KOMMUNER
    assert table.loc["lan"].index.tolist() == ["03"]
    info = seg.disclosure.protection_info(table)
    assert info["n_primary"] > 0 and info["n_secondary"] > 0


def test_no_published_count_is_below_the_threshold(table):
    counts = table[[*CELLS, "total"]]
    values = counts.to_numpy(dtype="float64", na_value=np.nan)
    published = values[~np.isnan(values)]
    assert not ((published > 0) & (published < 5)).any()


def test_published_counts_equal_the_raw_counts(table, people):
    raw = aggregate(people, "regso", ["born_abroad", "benefit"], levels=("regso", "kommun", "lan"))
    for column in [CELLS[0], CELLS[3], "total"]:
        shown = table[column].notna()
        assert (table.loc[shown, column].astype("int64") == raw.loc[shown, column]).all()


def test_rate_is_withheld_exactly_when_a_term_is_withheld_or_the_denominator_is_small(table):
    terms = table[[CELLS[1], CELLS[3]]]
    withheld = terms.isna().any(axis=1) | table["total"].isna() | (table["total"] < 5)
    assert (table["benefit_rate"].isna() == withheld.fillna(True)).all()
    shown = table["benefit_rate"].notna()
    expected = terms[shown].sum(axis=1) / table.loc[shown, "total"]
    assert np.allclose(table.loc[shown, "benefit_rate"].astype(float), expected.astype(float))
    assert shown.loc["kommun"].all()  # kommun rates are large enough to publish


def test_scb_statistics_sit_beside_the_agencys_rates(table, scb):
    regso_rows = table.loc["regso"]
    share = scb[1]["scb_share_born_abroad"]
    common = share.index.intersection(regso_rows.index)
    assert len(common) == len(share)
    assert np.allclose(regso_rows.loc[common, "scb_share_born_abroad"], share.loc[common])
    assert table.loc["kommun", "scb_share_born_abroad"].isna().all()


def test_the_map_accepts_the_published_table(table):
    pytest.importorskip("folium")
    m = seg.maps.explore(table.loc["regso"], "benefit_rate")
    html = m.get_root().render()
    assert "benefit_rate" in html
    assert CELLS[3] not in html  # only the mapped column reaches the page


def test_raw_counts_are_refused_by_the_map_but_the_published_ones_are_not(table, people):
    raw = aggregate(people, "regso", "benefit", levels=("regso",)).loc["regso"]
    with pytest.raises(seg.UnprotectedDataError):
        seg.disclosure.require_protected(raw, what="a map")
    seg.disclosure.require_protected(table.loc["regso"], what="a map")


def test_the_batch_run_takes_counts_of_own_records_and_protects_them(tmp_path):
    from segregation.pipeline import run

    areas = seg.load_regso(kommun="0380")
    people = seg.synthetic_register(pd.Series(60, index=areas.index), areas=areas, seed=4)
    data = assign(people, areas, x="x", y="y").data
    counts = aggregate(data, "regso", "born_abroad", levels=("regso",)).loc["regso"]
    counts = counts.rename(columns={"born_abroad=True": "born_abroad", "total": "population"})
    counts.drop(columns="born_abroad=False").to_csv(tmp_path / "own.csv", index_label="regsokod")
    config = {
        "run": {"kommuner": ["0380"], "workers": 1},
        "input": {"source": "file", "path": str(tmp_path / "own.csv")},
        "typology": {"enabled": False},
        "outputs": {"html": False, "png": False, "summary": False, "map_columns": ["born_abroad"]},
    }
    run(config, tmp_path / "out")
    areas_csv = next((tmp_path / "out").rglob("areas.csv"))
    table = pd.read_csv(areas_csv, dtype={"regsokod": str}).set_index("regsokod")
    assert table.index.tolist() == counts.index.tolist()
    shown = table["born_abroad"].notna()
    assert (table.loc[shown, "born_abroad"] == counts.loc[shown, "born_abroad"]).all()
    assert (table["population"] == 60).all()


def test_the_static_map_accepts_a_published_count_column(table):
    import matplotlib

    matplotlib.use("Agg")
    # this column holds withheld cells: the map takes it only because the table is protected
    figure = seg.maps.plot(table.loc["regso"], CELLS[3], insets=None)
    assert figure.axes
    raw = pd.DataFrame({"small": 3}, index=table.loc["regso"].index)  # no protection mark
    with pytest.raises(seg.UnprotectedDataError):
        seg.maps.plot(raw, "small", insets=None)


def test_rate_within_each_group_follows_the_same_rule(table):
    column = "benefit_rate | born_abroad=True"
    parts = table[[CELLS[2], CELLS[3]]]
    denominator = parts.sum(axis=1)
    withheld = parts.isna().any(axis=1) | (denominator < 5)
    assert (table[column].isna() == withheld).all()
    shown = table[column].notna()
    assert shown.sum() > 0
    expected = parts.loc[shown, CELLS[3]] / denominator[shown]
    assert np.allclose(table.loc[shown, column].astype(float), expected.astype(float))
    assert "benefit_rate | born_abroad=False" in table.columns


def test_publish_names_what_is_wrong_with_its_input(people, scb):
    with pytest.raises(ValueError, match="No record has benefit == 'yes'"):
        publish(people, area="regso", outcome="benefit", positive="yes", levels=("regso",))
    with pytest.raises(ValueError, match="outcome= or categories="):
        publish(people, area="regso")
    clash = scb[1].rename(columns={"scb_share_born_abroad": "total"})
    with pytest.raises(ValueError, match="clash"):
        publish(people, area="regso", outcome="benefit", levels=("regso",), stats=clash)


def test_values_only_labels_give_the_same_table_and_rates(people, table):
    plain = publish(
        people,
        area="regso",
        outcome="benefit",
        categories="born_abroad",
        levels=("regso", "kommun", "lan"),
        labels="values",
    )
    assert "True | True" in plain.columns
    for named, short in zip(
        CELLS, ["False | False", "False | True", "True | False", "True | True"], strict=True
    ):
        pd.testing.assert_series_equal(plain[short], table[named], check_names=False)
    for rate in ["benefit_rate", "benefit_rate | born_abroad=True"]:
        pd.testing.assert_series_equal(plain[rate], table[rate])
