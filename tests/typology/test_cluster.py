"""GeodemographicTypology: estimator contract, k selection, stability, contiguity, years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from shapely.geometry import box
from sklearn.metrics import adjusted_rand_score

import segregation as seg
from segregation.typology import GeodemographicTypology, queen_contiguity, transition_matrix
from segregation.typology.cluster import _per_type_agreement

CENTRES = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6], [6, 6, 6]], dtype=float)


def blobs(n_per: int = 30, seed: int = 0, spread: float = 0.5) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(CENTRES)), n_per)
    values = CENTRES[truth] + rng.normal(0, spread, (len(truth), 3))
    frame = pd.DataFrame(values, columns=["born_abroad", "hyresratt", "mean_wage_income"])
    frame.index = [f"area{i:03d}" for i in range(len(frame))]
    return frame, truth


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_separated_types_are_recovered_exactly(method):
    X, truth = blobs()
    model = GeodemographicTypology(n_types=5, method=method, random_state=0).fit(X)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert (model.predict(X) == model.labels_).all()


def test_auto_chooses_the_true_number_of_types_and_explains():
    X, _ = blobs()
    model = GeodemographicTypology(k_range=(2, 8), random_state=0).fit(X)
    assert model.n_types_ == 5
    table = model.k_selection_
    assert table["k"].tolist() == list(range(2, 9))
    assert table.loc[table["chosen"], "k"].item() == 5
    best = table.set_index("k")
    assert best["silhouette"].idxmax() == 5 and best["davies_bouldin"].idxmin() == 5
    assert "k=5 chosen" in model.k_choice_ and "Davies-Bouldin" in model.k_choice_


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_same_seed_same_labels_and_seed_is_used(method):
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.uniform(size=(300, 3)), columns=list("abc"))  # no clear types
    fits = [
        GeodemographicTypology(n_types=6, method=method, n_init=1, random_state=seed).fit(X).labels_
        for seed in (0, 0, 1, 2, 3)
    ]
    assert (fits[0] == fits[1]).all()
    assert min(adjusted_rand_score(fits[0], other) for other in fits[2:]) < 1.0


def test_labels_are_ordered_by_size():
    X, _ = blobs()
    X = X.iloc[np.r_[0:30, 30:50, 60:100, 120:125, 130:150]]  # sizes 30, 20, 30+10, 5, 20
    model = GeodemographicTypology(n_types=5, random_state=0).fit(X)
    sizes = model.sizes_.to_numpy()
    assert (np.diff(sizes) <= 0).all() and sizes.sum() == len(X)


def test_profiles_are_mean_z_scores_per_type_by_hand():
    X, _ = blobs()
    model = GeodemographicTypology(n_types=5, scale="robust", random_state=0).fit(X)
    z = (X - X.mean()) / X.std(ddof=0)
    expected = z.groupby(model.labels_).mean()
    np.testing.assert_allclose(model.profiles_.to_numpy(), expected.to_numpy(), atol=1e-12)


def test_type_names_describe_the_profile_in_both_languages():
    X, truth = blobs()
    model = GeodemographicTypology(n_types=5, random_state=0).fit(X)
    # the type of the blob centred at (6, 6, 6) is high on every input
    high = int(pd.Series(model.labels_)[truth == 4].mode().iloc[0])
    # z of 6 among (0, 6, 0, 0, 6) x 30 is (6 - 2.4) / 2.94 = 1.22: "high", not "very high"
    assert model.type_names_.loc[high, "en"] == (
        "high share rented, high share born abroad, high income"
    )
    assert model.type_names_.loc[high, "sv"] == (
        "hög andel hyresrätter, hög andel utrikes födda, hög löneinkomst"
    )
    assert model.type_names_["en"].is_unique and model.type_names_["sv"].is_unique


def test_bootstrap_stability_is_one_for_separated_types_and_seeded():
    X, _ = blobs(n_per=20)
    model = GeodemographicTypology(n_types=5, random_state=0).fit(X)
    table = model.bootstrap_stability(X, n_bootstrap=8)
    assert list(table.index) == ["0", "1", "2", "3", "4", "overall"]
    np.testing.assert_allclose(table["ari"], 1.0)
    np.testing.assert_allclose(table["jaccard"], 1.0)
    noisy, _ = blobs(n_per=20, spread=3.0)
    model = GeodemographicTypology(n_types=5, random_state=0).fit(noisy)
    first = model.bootstrap_stability(noisy, n_bootstrap=6, random_state=1)
    again = model.bootstrap_stability(noisy, n_bootstrap=6, random_state=1)
    other = model.bootstrap_stability(noisy, n_bootstrap=6, random_state=2)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ari"], other["ari"])
    assert first.loc["overall", "ari"] < 1.0


def test_per_type_ari_equals_sklearn_on_binary_partitions():
    rng = np.random.default_rng(5)
    reference = rng.integers(0, 4, 200)
    labels = np.where(rng.uniform(size=200) < 0.7, (reference + 1) % 4, rng.integers(0, 4, 200))
    ari, jaccard = _per_type_agreement(reference, labels, 4)
    for t in range(4):
        matched = (t + 1) % 4  # the permutation that the noise preserves
        assert ari[t] == pytest.approx(adjusted_rand_score(reference == t, labels == matched))
        inter = np.sum((reference == t) & (labels == matched))
        union = np.sum((reference == t) | (labels == matched))
        assert jaccard[t] == pytest.approx(inter / union)


def grid(n: int) -> list:
    return [box(i, j, i + 1, j + 1) for j in range(n) for i in range(n)]


def test_queen_contiguity_on_a_grid_and_islands_joined():
    w = queen_contiguity(grid(3))
    assert w.shape == (9, 9) and (w != w.T).nnz == 0
    assert np.asarray(w.sum(axis=1)).ravel().tolist() == [3, 5, 3, 5, 8, 5, 3, 5, 3]
    with_island = queen_contiguity([*grid(2), box(10, 10, 11, 11)])
    assert connected_components(with_island)[0] == 1
    assert with_island[4].nnz == 1  # one link from the island to its nearest area
    assert (
        connected_components(
            queen_contiguity([*grid(2), box(10, 10, 11, 11)], connect_islands=False)
        )[0]
        == 2
    )


def test_contiguous_ward_types_form_connected_regions():
    import geopandas as gpd

    rng = np.random.default_rng(0)
    geoms = grid(12)
    values = rng.normal(size=(144, 2))
    frame = gpd.GeoDataFrame(
        pd.DataFrame(values, columns=["born_abroad", "hyresratt"]), geometry=geoms, crs=3006
    )
    model = GeodemographicTypology(n_types=6, method="contiguous_ward").fit(frame)
    w = queen_contiguity(frame.geometry)
    for t in range(6):
        members = np.flatnonzero(model.labels_ == t)
        assert connected_components(w[members][:, members])[0] == 1
    unconstrained = GeodemographicTypology(n_types=6, method="ward").fit(frame)
    pieces = [
        connected_components(w[m][:, m])[0]
        for m in (np.flatnonzero(unconstrained.labels_ == t) for t in range(6))
    ]
    assert max(pieces) > 1  # without the constraint, types scatter


def test_contiguous_ward_without_geometry_explains_what_is_needed():
    X, _ = blobs()
    with pytest.raises(seg.SegregationError, match=r"GeoDataFrame.*connectivity"):
        GeodemographicTypology(n_types=3, method="contiguous_ward").fit(X)
    ok = GeodemographicTypology(
        n_types=3, method="contiguous_ward", connectivity=sp.eye(len(X), k=1, format="csr")
    )
    assert len(set(ok.fit_predict(X))) == 3


def test_pooled_years_share_labels_and_transitions_count_moves():
    X, _ = blobs(n_per=10)
    later = X.copy()
    later.iloc[:5] = later.iloc[5:10].to_numpy() + np.array([6, 0, 0])  # 5 areas move types
    model = GeodemographicTypology(n_types=5, random_state=0).fit_years({2020: X, 2023: later})
    labels = model.labels_by_year_
    assert list(labels.columns) == [2020, 2023] and len(labels) == len(X)
    assert (labels.iloc[5:, 0] == labels.iloc[5:, 1]).all()
    moves = transition_matrix(labels, 2020, 2023)
    assert moves.to_numpy().sum() == len(X)
    assert moves.to_numpy().sum() - np.trace(moves.to_numpy()) == 5
    shares = transition_matrix(labels, 2020, 2023, normalize=True)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_missing_inputs_are_named():
    X, _ = blobs()
    X.iloc[[3, 7], 1] = np.nan
    with pytest.raises(seg.SegregationError, match=r"2 areas .*area003, area007"):
        GeodemographicTypology(n_types=3).fit(X)


def test_bad_parameters_are_refused():
    X, _ = blobs()
    with pytest.raises(seg.SegregationError, match="method must be one of"):
        GeodemographicTypology(method="dbscan").fit(X)
    with pytest.raises(seg.SegregationError, match="n_samples=4 should be >= n_types=5"):
        GeodemographicTypology(n_types=5).fit(X.iloc[:4])
    with pytest.raises(seg.SegregationError, match="needs n_samples >= 6; got n_samples=5"):
        GeodemographicTypology().fit(X.iloc[:5])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_passes_scikit_learn_estimator_checks(method):
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(
        GeodemographicTypology(n_types=3, method=method, n_init=2, random_state=0), on_fail=None
    )
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []


def test_synthetic_regso_typology_and_crosstab_with_official_types():
    data = seg.synthetic(seg.load_regso(), seed=11)
    X = pd.DataFrame(
        {
            "born_abroad": data["born_abroad"] / data["population"],
            "hyresratt": data["hyresratt"] / data["population"],
            "income_q1": data["income_q1"]
            / data[[f"income_q{q}" for q in range(1, 6)]].sum(axis=1),
        }
    )
    model = GeodemographicTypology(n_types=5, random_state=0).fit(X)
    official = seg.typology.area_types(
        seg.typology.socioeconomic_index(
            data, population="population", population_20_64="population_20_64"
        )
    )
    types = pd.Series(model.labels_, index=X.index)
    table = seg.typology.crosstab_types(
        official, types, population=data["population"], type_names=model.type_names_["en"]
    )
    assert table[("areas", "total")].loc["total"] == len(X)
    assert table[("population", "total")].loc["total"] == data["population"].sum()
    areas = table["areas"].drop(index="total", columns="total")
    assert (areas.sum(axis=0).to_numpy() == model.sizes_.to_numpy()).all()
    assert list(areas.columns) == model.type_names_["en"].tolist()
    # the data-driven type highest on born abroad holds more of official type 1 than its share
    high = int(model.profiles_["born_abroad"].idxmax())
    type1 = official.astype(int) == 1
    assert (types[type1] == high).mean() > (types == high).mean()


def test_ward_stability_compares_refits_with_the_fitted_types_on_the_drawn_areas():
    from segregation.typology.cluster import _seed_stream

    noisy, _ = blobs(n_per=12, spread=2.5)
    model = GeodemographicTypology(n_types=5, method="ward", random_state=0).fit(noisy)
    # Ward's types are not nearest-centre assignments: predict() differs on the fitted areas
    assert (model.predict(noisy) != model.labels_).any()
    table = model.bootstrap_stability(noisy, n_bootstrap=3, random_state=4)
    rng = _seed_stream(4)
    n = len(noisy)
    draws, seeds = rng.integers(0, n, size=(3, n)), rng.integers(2**31 - 1, size=3)
    expected = []
    for idx, seed in zip(draws, seeds, strict=True):
        refit = GeodemographicTypology(n_types=5, method="ward", random_state=int(seed))
        refit.fit(noisy.to_numpy()[idx])
        drawn, first = np.unique(idx, return_index=True)
        expected.append(adjusted_rand_score(model.labels_[drawn], refit.labels_[first]))
    assert table.loc["overall", "ari"] == pytest.approx(np.mean(expected))
    with pytest.raises(seg.SegregationError, match="X must be the data given to fit"):
        model.bootstrap_stability(noisy + 1.0, n_bootstrap=1)


def test_resampled_connectivity_links_copies_and_paths_through_left_out_areas_by_hand():
    from segregation.typology.cluster import _resampled_connectivity

    path = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    # area 0 twice, area 2 once: the copies of 0 are neighbours; 0 and 2 are joined
    # through area 1, which was not drawn
    got = _resampled_connectivity(path, np.array([0, 0, 2])).toarray()
    np.testing.assert_array_equal(got, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    got = _resampled_connectivity(path, np.array([1, 0, 1])).toarray()
    np.testing.assert_array_equal(got, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    # two separate pairs 0-1 and 2-3; 1 and 3 left out: 0 and 2 stay apart
    pairs = sp.csr_matrix(np.kron(np.eye(2), [[0, 1], [1, 0]]))
    got = _resampled_connectivity(pairs, np.array([0, 2, 2, 0])).toarray()
    np.testing.assert_array_equal(got, [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]])


def test_contiguous_ward_stability_is_one_for_separated_regions():
    import geopandas as gpd

    rng = np.random.default_rng(3)
    cells = np.arange(144)
    quadrant = (cells % 12 >= 6).astype(int) + 2 * (cells // 12 >= 6)
    centres = np.array([[0, 0], [6, 0], [0, 6], [6, 6]], dtype=float)
    values = centres[quadrant] + rng.normal(0, 0.2, (144, 2))
    frame = gpd.GeoDataFrame(
        pd.DataFrame(values, columns=["born_abroad", "hyresratt"]), geometry=grid(12), crs=3006
    )
    model = GeodemographicTypology(n_types=4, method="contiguous_ward", random_state=0)
    model.fit(frame)
    assert adjusted_rand_score(quadrant, model.labels_) == 1.0
    table = model.bootstrap_stability(frame, n_bootstrap=4)
    np.testing.assert_allclose(table["ari"], 1.0)


def test_transition_matrix_keeps_a_type_absent_in_both_years():
    labels = pd.DataFrame({2020: [0, 1, 1, 2.0], 2021: [0, 1, 1, 0], 2023: [0, 0, 1, 1]})
    moves = transition_matrix(labels, 2021, 2023)
    assert list(moves.index) == [0, 1, 2] and list(moves.columns) == [0, 1, 2]
    np.testing.assert_array_equal(moves.to_numpy(), [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_ward_seed_is_used_by_the_bootstrap():
    # Ward itself is deterministic; its random_state seeds the bootstrap draws
    noisy, _ = blobs(n_per=12, spread=2.5)
    tables = [
        GeodemographicTypology(n_types=5, method="ward", random_state=seed)
        .fit(noisy)
        .bootstrap_stability(noisy, n_bootstrap=3)
        for seed in (0, 0, 1)
    ]
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert not np.allclose(tables[0]["ari"], tables[2]["ari"])


def test_crosstab_puts_areas_without_an_official_type_in_their_own_row_by_hand():
    index = pd.Series([5.0, 10.0, 15.0, 20.0, np.nan, 30.0], index=list("abcdef"))
    official = seg.area_types(index, base=(15.0, 5.0))  # 5, 4, 3, 2, missing, 1
    types = pd.Series([0, 0, 1, 1, 1, 0], index=list("abcdef"))
    population = pd.Series([10, 20, 30, 40, 50, 60], index=list("abcdef"))
    table = seg.typology.crosstab_types(official, types, population=population, language="en")
    assert list(table.index)[-2:] == ["no type (index missing)", "total"]
    assert table.loc["no type (index missing)", ("areas", 1)] == 1
    assert table.loc["no type (index missing)", ("population", "total")] == 50
    assert table.loc["total", ("areas", "total")] == 6
    assert table.loc["total", ("population", "total")] == 210
    assert table.loc["5 Areas with very good socioeconomic conditions", ("population", 0)] == 10
    complete = seg.typology.crosstab_types(official.dropna(), types.drop("e"), language="sv")
    assert "ingen typ (index saknas)" not in complete.index
