"""Claims about seg.synthetic: reproducible, consistent, plausible and spatially structured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.spatial import cKDTree

import segregation as seg
from segregation.data.synthetic import COLUMNS, NATIONAL_SHARES
from segregation.errors import InvalidCodeError

INCOME = [f"income_q{k}" for k in range(1, 6)]


@pytest.fixture(scope="module")
def regso():
    return seg.load_regso()


@pytest.fixture(scope="module")
def national(regso):
    return seg.synthetic(regso, seed=2024)


def morans_i(values: np.ndarray, xy: np.ndarray, k: int = 6) -> float:
    """Moran's I with row-standardised k-nearest-neighbour weights: n/S0 * z'Wz / z'z."""
    n = len(values)
    _, neighbours = cKDTree(xy).query(xy, k=k + 1)
    rows = np.repeat(np.arange(n), k)
    w = sparse.csr_matrix((np.full(n * k, 1.0 / k), (rows, neighbours[:, 1:].ravel())), (n, n))
    z = values - values.mean()
    return float(n / w.sum() * (z @ (w @ z)) / (z @ z))


def test_columns_are_exactly_the_documented_ones(national, regso):
    assert tuple(national.columns) == COLUMNS
    assert national.index.equals(regso.index)
    assert national.index.name == "regsokod"
    counts = national.drop(columns=["kommunkod", "lanskod"])
    assert (counts.dtypes == np.int64).all()
    assert (counts.to_numpy() >= 0).all()


def test_parts_sum_to_their_wholes(national):
    pop = national["population"]
    assert (national["born_abroad"] + national["born_in_sweden"] == pop).all()
    assert (national[["hyresratt", "bostadsratt", "aganderatt"]].sum(axis=1) == pop).all()
    adults = national[INCOME].sum(axis=1)
    assert (adults <= pop).all()
    assert (national["population_20_64"] <= adults).all()
    assert (national["low_economic_standard"] <= pop).all()
    assert (national["low_education"] <= national["population_20_64"]).all()
    assert (national["assistance_or_unemployment"] <= national["population_20_64"]).all()


def test_kommun_and_lan_codes_follow_the_area_codes(national, regso):
    assert (national["kommunkod"] == national.index.str[:4]).all()
    assert (national["lanskod"] == national.index.str[:2]).all()
    assert (national["kommunkod"] == regso["kommunkod"]).all()


def test_same_seed_gives_identical_frame_and_seed_zero_is_a_seed(regso):
    stockholm = regso[regso["lanskod"] == "01"]
    first = seg.synthetic(stockholm, seed=0)
    second = seg.synthetic(stockholm, seed=0)
    pd.testing.assert_frame_equal(first, second)
    other = seg.synthetic(stockholm, seed=1)
    assert not first["born_abroad"].equals(other["born_abroad"])
    assert first.attrs["synthetic"]["seed"] == 0


def test_generator_seed_is_used_and_advanced(regso):
    skane = regso[regso["lanskod"] == "12"]
    rng = np.random.default_rng(5)
    a = seg.synthetic(skane, seed=rng)
    b = seg.synthetic(skane, seed=rng)
    assert not a["population"].equals(b["population"])
    pd.testing.assert_frame_equal(a, seg.synthetic(skane, seed=np.random.default_rng(5)))


def test_without_seed_the_recorded_entropy_reproduces_the_frame(regso):
    frame = seg.synthetic(regso.iloc[:200])
    seed = frame.attrs["synthetic"]["seed"]
    assert isinstance(seed, int)
    pd.testing.assert_frame_equal(frame, seg.synthetic(regso.iloc[:200], seed=seed))


def test_frame_is_marked_synthetic(national):
    info = national.attrs["synthetic"]
    assert info["seed"] == 2024
    assert info["level"] == "regso"
    assert info["n_areas"] == 3363
    assert "not statistics" in info["note"]


def test_national_shares_match_targets_within_sampling_noise(national):
    pop = national["population"].sum()
    adults = national["population_20_64"].sum()
    assert national["born_abroad"].sum() / pop == pytest.approx(0.206, abs=0.01)
    tenure = national[["hyresratt", "bostadsratt", "aganderatt"]].sum() / pop
    np.testing.assert_allclose(tenure, NATIONAL_SHARES["tenure_hyres_bostads_agande"], atol=0.01)
    quintiles = national[INCOME].sum() / national[INCOME].to_numpy().sum()
    np.testing.assert_allclose(quintiles, 0.2, atol=0.005)
    assert national["population_20_64"].sum() / pop == pytest.approx(0.566, abs=0.01)
    assert national["low_economic_standard"].sum() / pop == pytest.approx(0.145, abs=0.01)
    assert national["low_education"].sum() / adults == pytest.approx(0.115, abs=0.01)
    assert national["assistance_or_unemployment"].sum() / adults == pytest.approx(0.055, abs=0.01)


def test_regso_populations_lie_in_scb_range(national):
    # RegSO were built to hold 663-22,622 inhabitants
    assert national["population"].between(663, 22622).all()
    assert 9e6 < national["population"].sum() < 12e6


def test_neighbours_resemble_each_other(national, regso):
    xy = np.column_stack([regso.centroid.x, regso.centroid.y])
    share = (national["born_abroad"] / national["population"]).to_numpy()
    observed = morans_i(share, xy)
    shuffled = morans_i(np.random.default_rng(0).permutation(share), xy)
    assert observed > 0.4
    assert abs(shuffled) < 0.05


def test_a_few_clusters_stand_out(national):
    # SCB's index (V1 + V2 + V3) / 3; areas at or above mean + 2 SD are a small minority
    v1 = national["low_economic_standard"] / national["population"]
    v2 = national["low_education"] / national["population_20_64"]
    v3 = national["assistance_or_unemployment"] / national["population_20_64"]
    index = (v1 + v2 + v3) / 3
    top = index >= index.mean() + 2 * index.std()
    assert 0.01 < top.mean() < 0.08
    abroad = national["born_abroad"] / national["population"]
    assert abroad[top].median() > 2 * abroad.median()


def test_indicators_are_positively_but_not_perfectly_correlated(national):
    v1 = national["low_economic_standard"] / national["population"]
    abroad = national["born_abroad"] / national["population"]
    rich = national["income_q5"] / national[INCOME].sum(axis=1)
    assert 0.5 < v1.corr(abroad) < 0.95
    assert v1.corr(rich) < -0.4


def test_deso_layer_gives_deso_sized_areas(shared_data):
    deso = seg.read_areas(shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    frame = seg.synthetic(deso, seed=3)
    assert frame.index.name == "desokod"
    assert frame.index.equals(deso.index)
    assert frame.attrs["synthetic"]["level"] == "deso"
    assert frame["population"].between(700, 2700).all()
    assert (frame["lanskod"] == "20").all()


def test_index_of_codes_without_geometry_works():
    codes = pd.Index(["0114R001", "0114R002", "0180R010", "0180R011"], name="regsokod")
    frame = seg.synthetic(codes, seed=1)
    assert frame.index.equals(codes)
    assert (frame["born_abroad"] + frame["born_in_sweden"] == frame["population"]).all()


def test_kommun_codes_are_rejected_with_the_codes_named():
    with pytest.raises(InvalidCodeError, match="0114, 0180"):
        seg.synthetic(pd.Index(["0114", "0180"]), seed=0)


def test_duplicated_codes_are_rejected_with_the_codes_named():
    with pytest.raises(InvalidCodeError, match="0114R001"):
        seg.synthetic(pd.Index(["0114R001", "0114R001", "0114R002"]), seed=0)
