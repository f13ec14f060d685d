"""The typology on SCB's real RegSO data for 2023 (four inputs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typology_real_data import FEATURES, regso_2023

from segregation.typology import GeodemographicTypology, transition_matrix


@pytest.fixture(scope="module")
def real(shared_data):
    return regso_2023(shared_data)


@pytest.fixture(scope="module")
def fitted(real):
    frame, _ = real
    return GeodemographicTypology(random_state=0).fit(frame[FEATURES])


def test_real_inputs_cover_all_but_the_reported_kiruna_changes(real):
    frame, report = real
    assert len(frame) == 3361
    assert sorted(report["unmatched_labels"]) == ["Kiruna (Bolaget )", "Kiruna (Övre Norrmalm)"]
    assert all(
        code.startswith("2584") or code.startswith("2523") for code in report["areas_without_data"]
    )
    # shares are percent and tenure shares of one area add to at most 100
    assert ((frame["hyresratt"] + frame["aganderatt"]) <= 100 + 1e-9).all()
    assert 10.0e6 < frame["population"].sum() < 10.6e6


def test_real_typology_chooses_4_to_8_types_with_its_table(fitted):
    assert 4 <= fitted.n_types_ <= 8
    table = fitted.k_selection_
    assert table["k"].tolist() == [4, 5, 6, 7, 8]
    assert table["chosen"].sum() == 1 and table.loc[table["chosen"], "k"].item() == fitted.n_types_
    assert table.loc[table["chosen"], "mean_rank"].item() == table["mean_rank"].min()
    assert f"k={fitted.n_types_} chosen" in fitted.k_choice_


def test_real_typology_is_stable_under_bootstrap(fitted, real):
    frame, _ = real
    table = fitted.bootstrap_stability(frame[FEATURES], n_bootstrap=20, random_state=1)
    assert table.loc["overall", "ari"] >= 0.8
    assert len(table) == fitted.n_types_ + 1


def test_real_types_have_named_profiles_that_match_the_data(fitted, real):
    frame, _ = real
    names = fitted.type_names_
    assert names["en"].is_unique and names["sv"].is_unique
    # the type with the highest share born abroad is named for it, in both languages
    top = int(fitted.profiles_["born_abroad"].idxmax())
    assert "high share born abroad" in names.loc[top, "en"]
    assert "andel utrikes födda" in names.loc[top, "sv"]
    means = frame[FEATURES].groupby(fitted.labels_).mean()
    assert means["born_abroad"].idxmax() == top
    # profiles are standardised: population-free z means weighted by size average to zero
    weighted = (fitted.profiles_.mul(fitted.sizes_, axis=0)).sum() / fitted.sizes_.sum()
    np.testing.assert_allclose(weighted.to_numpy(), 0.0, atol=1e-9)
    assert isinstance(fitted.profiles_, pd.DataFrame)


def test_real_types_map_has_both_layers_with_names(fitted, real):
    pytest.importorskip("folium")
    import segregation as seg

    frame, _ = real
    # SCB's types need V1-V3, which these exports lack: a stand-in typing by wage rank
    # (5 = top fifth) fills the official layer
    ranks = frame["mean_wage_income"].rank(pct=True)
    official = pd.Series(5 - (ranks * 4.999).astype(int), index=frame.index)
    page = seg.typology.explore_types(fitted, official=official, language="sv").get_root().render()
    assert "Datadriven typ" in page and "SCB:s områdestyp" in page
    for name in fitted.type_names_["sv"]:
        assert name in page
    assert "Områden med stora socioekonomiska utmaningar" in page
    assert "Källa: SCB" in page


def test_real_types_static_map_shows_every_type(fitted):
    import matplotlib

    matplotlib.use("Agg")
    import segregation as seg

    figure = seg.typology.plot_types(fitted, language="en", insets=None, outlines=False)
    legend_texts = [
        t.get_text()
        for ax in figure.axes
        for leg in [ax.get_legend()]
        if leg
        for t in leg.get_texts()
    ]
    for t, name in fitted.type_names_["en"].items():
        assert f"{t} {name}" in legend_texts


def test_real_pooled_2020_2023_types_mean_the_same_and_mostly_persist(shared_data):
    from typology_real_data import regso_inputs

    frames = {year: regso_inputs(shared_data, year)[0][FEATURES] for year in (2020, 2023)}
    # wage income rises with prices between years: pooled standardisation keeps that level
    model = GeodemographicTypology(n_types=5, random_state=0).fit_years(frames)
    labels = model.labels_by_year_
    assert list(labels.columns) == [2020, 2023]
    both = labels.dropna()
    moves = transition_matrix(labels, 2020, 2023)
    assert moves.to_numpy().sum() == len(both)
    stay = np.trace(moves.to_numpy()) / len(both)
    assert 0.6 < stay < 1.0  # most areas keep their type; some move
    # a pooled type has one centre: each year's areas of a type sit around it
    for year, frame in frames.items():
        year_labels = labels.loc[frame.index, year].astype(int).to_numpy()
        assert (model.predict(frame) == year_labels).all()


def test_contiguous_types_over_all_regso_are_connected_regions(real):
    from scipy.sparse.csgraph import connected_components

    import segregation as seg

    frame, _ = real
    geo = seg.load_regso()[["geometry"]].join(frame[FEATURES], how="inner")
    w = seg.typology.queen_contiguity(geo.geometry)
    plain = seg.indices.weights.contiguity(geo.geometry)
    n_parts = connected_components(plain, directed=False)[0]
    assert connected_components(w, directed=False)[0] == 1
    assert (w.nnz - plain.nnz) // 2 == n_parts - 1  # one link per extra component
    model = GeodemographicTypology(n_types=6, method="contiguous_ward").fit(geo)
    for t in range(6):
        members = np.flatnonzero(model.labels_ == t)
        assert connected_components(w[members][:, members], directed=False)[0] == 1
