import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from segregation.disclosure import audit, cell_intervals, gauss_suppress, protect
from segregation.disclosure._table import build_table, difference_basis
from segregation.disclosure.gauss import default_priority

# 2 x 2 inner table a b / c d with row, column and grand totals
X22 = sparse.csc_matrix(
    np.array(
        [
            [1, 0, 0, 0, 1, 0, 1, 0, 1],
            [0, 1, 0, 0, 1, 0, 0, 1, 1],
            [0, 0, 1, 0, 0, 1, 1, 0, 1],
            [0, 0, 0, 1, 0, 1, 0, 1, 1],
        ]
    )
)


def test_single_primary_in_2x2_needs_the_whole_rectangle():
    values = np.array([2, 40, 30, 60, 42, 90, 32, 100, 132])
    primary = values < 5
    prio = default_priority(values)
    sec = gauss_suppress(X22, primary, prio[~primary[prio]])
    assert sec.nonzero()[0].tolist() == [1, 2, 3]


def test_interval_of_2x2_is_value_minus_min_a_d_to_plus_min_b_c():
    a, b, c, d = 3, 8, 6, 1
    sup = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    lo, hi = cell_intervals(X22, np.array([a, b, c, d]), np.arange(4), sup, np.arange(4))
    # a + t, b - t, c - t, d + t with -min(a, d) <= t <= min(b, c)
    down, up = min(a, d), min(b, c)
    assert lo.tolist() == [a - down, b - up, c - up, d - down]
    assert hi.tolist() == [a + up, b + down, c + down, d + up]


def test_difference_basis_keeps_gauss_decisions():
    values = np.array([2, 40, 30, 60, 42, 90, 32, 100, 132])
    primary = values < 5
    prio = default_priority(values)
    prio = prio[~primary[prio]]
    T = difference_basis(2, 2)
    assert (gauss_suppress(T @ X22, primary, prio) == gauss_suppress(X22, primary, prio)).all()


def test_integer_audit_is_within_lp_interval():
    sup = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=bool)
    args = (X22, np.array([3, 8, 6, 1]), np.arange(4), sup, np.arange(4))
    lo, hi = cell_intervals(*args)
    ilo, ihi = cell_intervals(*args, integer=True)
    assert (ilo >= lo - 1e-9).all() and (ihi <= hi + 1e-9).all()


def _random_counts(seed: int, n_kommun: int, per_kommun: int, n_cat: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kommuner = ["0114", "0115", "0117", "0120", "0123", "0125"][:n_kommun]
    codes = [f"{k}A{i:03d}0" for k in kommuner for i in range(1, per_kommun + 1)]
    probs = np.r_[0.6, np.full(n_cat - 1, 0.4 / (n_cat - 1))]
    probs[-1] = 0.01
    probs /= probs.sum()
    pop = rng.integers(20, 400, len(codes))
    cats = rng.multinomial(pop, probs)
    return pd.DataFrame(cats, index=codes, columns=[f"c{j}" for j in range(n_cat)])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_kommun=st.integers(1, 4),
    per_kommun=st.integers(1, 6),
    n_cat=st.integers(2, 4),
    min_count=st.sampled_from([3, 5]),
)
def test_random_hierarchies_pass_exact_audit(seed, n_kommun, per_kommun, n_cat, min_count):
    counts = _random_counts(seed, n_kommun, per_kommun, n_cat)
    result = protect(counts, min_count)
    report = audit(result, cells="primary")
    assert report["passes"].all()
    prim = report[report.status == "primary"]
    assert (prim["lower"] <= 1e-6).all()
    assert (prim["upper"] >= min_count - 1e-6).all()


def test_gauss_scales_linearly_in_inner_cells_not_dense():
    counts = _random_counts(1, 3, 6, 3)
    table = build_table(counts)
    Xd = difference_basis(len(table.areas), 3) @ table.X
    # every (area run x category run) cell has at most 4 non-zeros in the difference basis
    assert np.diff(sparse.csc_matrix(Xd).indptr).max() <= 4


def test_percent_rule_reaches_twice_the_value():
    counts = _random_counts(5, 2, 5, 3)
    result = protect(counts, 5, rule="percent", percent=100)
    report = audit(result, cells="primary")
    prim = report[report.status == "primary"]
    assert report["passes"].all()
    assert (prim["upper"] >= 2 * prim["value"] - 1e-6).all()


def test_min_width_rule_passes():
    counts = _random_counts(9, 2, 5, 3)
    result = protect(counts, 5, rule="min_width", min_width=6)
    prim = audit(result, cells="primary")
    assert ((prim["upper"] - prim["lower"]) >= 6 - 1e-6).all()


@pytest.mark.parametrize("rule", ["nonsense"])
def test_unknown_rule_raises(rule):
    with pytest.raises(ValueError, match="rule"):
        protect(_random_counts(1, 1, 3, 2), rule=rule)


def test_integer_audit_of_a_protected_table_passes_and_is_integral():
    counts = _random_counts(3, 2, 4, 3)
    result = protect(counts, 5)
    lp = audit(result)
    mip = audit(result, integer=True)
    assert mip["passes"].all()
    finite = np.isfinite(mip["upper"])
    assert np.allclose(mip["lower"], np.round(mip["lower"]))
    assert np.allclose(mip.loc[finite, "upper"], np.round(mip.loc[finite, "upper"]))
    assert (mip["lower"] >= lp["lower"] - 1e-9).all()
