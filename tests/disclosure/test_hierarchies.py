"""Random hierarchies over several län, kommuner and RegSO: every margin, exact audit."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segregation.disclosure._protect as protect_module
from segregation.disclosure import DisclosureError, audit, protect

# real kommuner in three län (01 Stockholm, 03 Uppsala, 25 Norrbotten)
KOMMUNER = {"01": ["0114", "0115"], "03": ["0380", "0381"], "25": ["2580", "2581"]}


def _hierarchy(seed: int, n_lan: int, n_kommun: int, max_deso: int, n_cat: int):
    """Seeded DeSO counts with a random DeSO -> RegSO key nested in each kommun."""
    rng = np.random.default_rng(seed)
    codes, regso = [], []
    for lan in list(KOMMUNER)[:n_lan]:
        for kommun in KOMMUNER[lan][:n_kommun]:
            n_deso = int(rng.integers(1, max_deso + 1))
            groups = np.sort(rng.integers(1, n_deso + 1, n_deso))
            codes += [f"{kommun}A{i:03d}0" for i in range(1, n_deso + 1)]
            regso += [f"{kommun}R{g:03d}" for g in groups]
    probs = np.r_[0.75, np.full(n_cat - 1, 0.25 / (n_cat - 1))]
    probs[-1] = 0.02  # a thin category: many small cells, margins included
    probs /= probs.sum()
    cats = rng.multinomial(rng.integers(5, 150, len(codes)), probs)
    counts = pd.DataFrame(cats, index=codes, columns=[f"c{j}" for j in range(n_cat)])
    return counts, pd.Series(regso, index=codes)


def _expected_cells(counts: pd.DataFrame, regso: pd.Series | None) -> pd.Series:
    """Every margin at every level, summed here independently of the library."""
    node_of = {
        "deso": counts.index.to_series(),
        "kommun": counts.index.str[:4].to_series(index=counts.index),
        "lan": counts.index.str[:2].to_series(index=counts.index),
        "riket": pd.Series("00", index=counts.index),
    }
    if regso is not None:
        node_of["regso"] = regso
    wide = counts.assign(total=counts.sum(axis=1))
    parts = []
    for level, nodes in node_of.items():
        sums = wide.groupby(nodes.to_numpy()).sum()
        part = sums.stack().rename("value").rename_axis(["code", "category"]).reset_index()
        parts.append(part.assign(level=level))
    return pd.concat(parts).set_index(["level", "code", "category"])["value"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000),
    n_lan=st.integers(1, 3),
    n_kommun=st.integers(1, 2),
    max_deso=st.integers(1, 5),
    n_cat=st.integers(2, 4),
    min_count=st.sampled_from([3, 5]),
    zeros=st.sampled_from(["published", "sensitive"]),
    with_regso=st.booleans(),
)
def test_random_hierarchies_publish_every_margin_and_pass_the_exact_audit(
    seed, n_lan, n_kommun, max_deso, n_cat, min_count, zeros, with_regso
):
    counts, key = _hierarchy(seed, n_lan, n_kommun, max_deso, n_cat)
    regso = key if with_regso else None
    result = protect(counts, min_count, regso=regso, zeros=zeros)
    long = result.long

    # every margin at every level, once, with the right value where published
    expected = _expected_cells(counts, regso)
    got = long.set_index(["level", "code", "category"])
    assert not got.index.duplicated().any()
    assert set(got.index) == set(expected.index)
    published = got[got["status"] == "published"]
    assert (published["value"].astype(int) == expected.loc[published.index]).all()
    assert got.loc[got["status"] != "published", "value"].isna().all()
    # primary: exactly the cells the frequency rule marks (zeros by the stated policy)
    small = expected.between(1, min_count - 1) | ((expected == 0) & (zeros == "sensitive"))
    primary = got["status"] == "primary"
    assert (primary == small.loc[got.index].to_numpy()).all()

    # the attacker's exact interval of every sensitive cell reaches 0 and min_count,
    # for a real-valued and, on small tables, an integer attacker
    report = audit(result, cells="primary", integer=len(counts) <= 8)
    prim = report[report["status"] == "primary"]
    assert len(prim) == primary.sum()
    assert (prim["lower"] <= 1e-6).all()
    assert (prim["upper"] >= min_count - 1e-6).all()


def test_two_ones_in_a_column_need_widening_and_protect_raises_without_it(monkeypatch):
    # a = 1, 1, 40 under a published kommun total of 42: the two ones are unknown but
    # add up to 2, so each lies in [0, 2]; linear independence (Gauss) alone allows
    # that, the width-5 rule does not
    counts = pd.DataFrame(
        {"a": [1, 1, 40], "b": [60, 50, 45]}, index=["0114A0010", "0114A0020", "0114A0030"]
    )
    result = protect(counts, 5, levels=["deso", "kommun"])
    report = audit(result, cells="primary")
    assert len(report) == 2
    assert (report["lower"] <= 1e-6).all() and (report["upper"] >= 5 - 1e-6).all()

    # with the widening switched off, protect must refuse and name both cells
    monkeypatch.setattr(protect_module, "widen", lambda *a, **k: np.array([], dtype=np.int64))
    with pytest.raises(DisclosureError, match=r"deso 0114A0010 a.*deso 0114A0020 a"):
        protect(counts, 5, levels=["deso", "kommun"])
