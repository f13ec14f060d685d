"""Properties every aspatial index must have, checked on random count matrices (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segregation as seg
from segregation.indices import INDICES

DETERMINISTIC = [s for s in INDICES.values() if not s.random and not s.needs]
SINGLE = [s.name for s in DETERMINISTIC if s.kind == "single"]
MULTI = [s.name for s in DETERMINISTIC if s.kind == "multi"]
ORDERED = [s.name for s in DETERMINISTIC if s.kind == "ordered"]
# indices that measure segregation (0 when every area has the overall composition)
SINGLE_SEGREGATION = [n for n in SINGLE if n not in {"isolation", "exposure"}]
MULTI_SEGREGATION = [
    "multi_dissimilarity", "multi_gini", "theil_h", "mutual_information",
    "normalized_exposure", "relative_diversity", "squared_coefficient_of_variation",
]  # fmt: skip
SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def count_tables(draw, min_groups=2, max_groups=4):
    """Areas x groups whole counts where every group and every area has someone."""
    n_groups = draw(st.integers(min_groups, max_groups))
    n_areas = draw(st.integers(2, 12))
    cells = draw(
        st.lists(
            st.lists(st.integers(0, 500), min_size=n_groups, max_size=n_groups),
            min_size=n_areas,
            max_size=n_areas,
        )
    )
    table = np.array(cells, dtype=float)
    table[np.arange(n_areas), np.arange(n_areas) % n_groups] += 1  # no empty area
    table[np.arange(n_groups) % n_areas, np.arange(n_groups)] += 1  # no empty group
    return pd.DataFrame(table, columns=[f"g{k}" for k in range(n_groups)])


def _single(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"x": table["g0"], "t": table.sum(axis=1)})


def _compute_single(frame, names, **kw):
    return seg.indices.compute(frame, group="x", total="t", indices=names, **kw).iloc[0]


def _compute_multi(frame, names, **kw):
    return seg.indices.compute(frame, groups=list(frame.columns), indices=names, **kw).iloc[0]


@SETTINGS
@given(count_tables())
def test_every_index_lies_in_its_declared_range(table):
    values = pd.concat(
        [
            _compute_single(_single(table), SINGLE)[SINGLE],
            _compute_multi(table, MULTI + ORDERED)[MULTI + ORDERED],
        ]
    )
    for name, value in values.items():
        low, high = INDICES[name].range
        if name == "mutual_information":
            high = np.log(table.shape[1])
        if name == "diversity_entropy":
            high = np.log(table.shape[1])
        assert low - 1e-9 <= value <= high + 1e-9, (name, value)


@SETTINGS
@given(count_tables(), st.integers(2, 40))
def test_indices_unchanged_when_all_counts_multiplied(table, factor):
    single, scaled_single = _single(table), _single(table * factor)
    a = _compute_single(single, SINGLE)[SINGLE]
    b = _compute_single(scaled_single, SINGLE)[SINGLE]
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-12)
    names = MULTI + ORDERED
    a = _compute_multi(table, names)[names]
    b = _compute_multi(table * factor, names)[names]
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(count_tables(min_groups=2, max_groups=2))
def test_two_group_indices_symmetric_in_the_two_groups(table):
    names = ["dissimilarity", "gini", "entropy", "atkinson", "modified_dissimilarity"]
    names = [n for n in names if not INDICES[n].random]
    ab = seg.indices.compute(table, group="g0", against="g1", indices=names).iloc[0]
    ba = seg.indices.compute(table, group="g1", against="g0", indices=names).iloc[0]
    np.testing.assert_allclose(ab[names].to_numpy(float), ba[names].to_numpy(float), atol=1e-12)
    # b = 0.5 makes Atkinson symmetric; the two-group D equals the multigroup D
    multi = _compute_multi(table, ["multi_dissimilarity", "multi_gini"])
    assert multi["multi_dissimilarity"] == pytest.approx(ab["dissimilarity"], abs=1e-12)
    assert multi["multi_gini"] == pytest.approx(ab["gini"], abs=1e-12)


@SETTINGS
@given(count_tables(min_groups=3), st.randoms(use_true_random=False))
def test_multigroup_indices_unchanged_when_groups_or_areas_reordered(table, rnd):
    columns = list(table.columns)
    rnd.shuffle(columns)
    rows = list(range(len(table)))
    rnd.shuffle(rows)
    shuffled = table.iloc[rows][columns]
    a = _compute_multi(table, MULTI)[MULTI]
    b = seg.indices.compute(shuffled, groups=columns, indices=MULTI).iloc[0][MULTI]
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(
    st.lists(st.integers(1, 50), min_size=2, max_size=10),
    st.lists(st.integers(1, 9), min_size=2, max_size=4),
)
def test_segregation_is_zero_when_every_area_has_the_same_composition(sizes, composition):
    table = pd.DataFrame(
        np.outer(sizes, composition).astype(float),
        columns=[f"g{k}" for k in range(len(composition))],
    )
    single = _compute_single(_single(table), SINGLE_SEGREGATION)
    for name in SINGLE_SEGREGATION:
        assert single[name] == pytest.approx(0.0, abs=1e-12), name
    multi = _compute_multi(table, MULTI_SEGREGATION)
    for name in MULTI_SEGREGATION:
        assert multi[name] == pytest.approx(0.0, abs=1e-12), name
    if len(composition) > 2:
        ordered = _compute_multi(table, ORDERED)
        assert ordered["rank_order_h"] == pytest.approx(0.0, abs=1e-12)
        assert ordered["income_inequality"] == pytest.approx(0.0, abs=1e-10)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 500)), min_size=4, max_size=12))
def test_segregation_is_maximal_when_groups_never_share_an_area(cells):
    n_groups = 4
    table = np.zeros((len(cells) + n_groups, n_groups))
    for row, (k, size) in enumerate(cells):
        table[row, k] = size
    table[np.arange(len(cells), len(cells) + n_groups), np.arange(n_groups)] = 1  # all present
    frame = pd.DataFrame(table, columns=[f"g{k}" for k in range(n_groups)])
    single = _compute_single(_single(frame), [*SINGLE_SEGREGATION, "isolation", "exposure"])
    for name in [*SINGLE_SEGREGATION, "isolation"]:
        assert single[name] == pytest.approx(1.0, abs=1e-12), name
    assert single["exposure"] == pytest.approx(0.0, abs=1e-12)
    multi = _compute_multi(frame, [*MULTI_SEGREGATION, "diversity_entropy"])
    for name in ["multi_dissimilarity", "multi_gini", "theil_h", "normalized_exposure",
                 "relative_diversity", "squared_coefficient_of_variation"]:  # fmt: skip
        assert multi[name] == pytest.approx(1.0, abs=1e-12), name
    assert multi["mutual_information"] == pytest.approx(multi["diversity_entropy"], abs=1e-12)
    ordered = _compute_multi(frame, ORDERED)
    assert ordered["income_inequality"] == pytest.approx(100.0, abs=1e-9)
    assert ordered["rank_order_h"] == pytest.approx(1.0, abs=1e-9)


@SETTINGS
@given(count_tables(), st.lists(st.sampled_from("ABC"), min_size=12, max_size=12))
def test_by_equals_computing_each_group_of_areas_alone(table, labels):
    table = table.assign(block=labels[: len(table)])
    names = MULTI + ORDERED
    together = seg.indices.compute(table, groups=[c for c in table if c != "block"],
                                   indices=names, by="block")  # fmt: skip
    for label, part in table.groupby("block"):
        alone = seg.indices.compute(part, groups=[c for c in table if c != "block"],
                                    indices=names)  # fmt: skip
        np.testing.assert_allclose(
            together.loc[label, names].to_numpy(float),
            alone.iloc[0][names].to_numpy(float),
            rtol=1e-10, atol=1e-12, equal_nan=True,
        )  # fmt: skip


@SETTINGS
@given(st.lists(count_tables(min_groups=3, max_groups=3), min_size=2, max_size=4))
def test_batched_kernel_equals_one_call_per_draw(tables):
    n = min(len(t) for t in tables)
    stack = np.stack([t.to_numpy()[:n] for t in tables])
    starts = np.array([0])
    for name in MULTI + ORDERED:
        spec = INDICES[name]
        together = spec.kernel(stack, starts, None)
        each = np.stack([spec.kernel(s, starts, None) for s in stack])
        np.testing.assert_allclose(together, each, rtol=1e-12, atol=1e-14, equal_nan=True)
    singles = np.stack([np.column_stack([s[:, 0], s.sum(axis=1)]) for s in stack])
    for name in SINGLE:
        spec = INDICES[name]
        together = spec.kernel(singles, starts, None)
        each = np.stack([spec.kernel(s, starts, None) for s in singles])
        np.testing.assert_allclose(together, each, rtol=1e-12, atol=1e-14, equal_nan=True)
