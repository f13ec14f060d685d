"""Sparse weights: contiguity, shared boundaries, neighbours, distance bands and kernels."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import shapely
from scipy import sparse

from segregation.errors import CRSError, SegregationError
from segregation.indices import weights as W


@pytest.fixture(scope="module")
def sacramento(shared_data):
    gpd = pytest.importorskip("geopandas")
    return gpd.read_file(shared_data / "reference" / "sacramento" / "sacramentot2.shp")


@pytest.fixture(scope="module")
def regso(shared_data):
    gpd = pytest.importorskip("geopandas")
    return gpd.read_file(shared_data / "boundaries" / "regso_2025.gpkg")


def _grid(n_side: int, size: float = 100.0):
    """A coverage of n_side x n_side squares, row by row."""
    return [
        shapely.box(c * size, r * size, (c + 1) * size, (r + 1) * size)
        for r in range(n_side)
        for c in range(n_side)
    ]


def test_grid_queen_and_rook_neighbour_counts_match_hand_count():
    # 3x3 grid: corner squares have 3 queen / 2 rook neighbours, edge 5 / 3, centre 8 / 4
    queen = W.contiguity(_grid(3)).sum(axis=1)
    rook = W.contiguity(_grid(3), rule="rook").sum(axis=1)
    np.testing.assert_array_equal(queen, [3, 5, 3, 5, 8, 5, 3, 5, 3])
    np.testing.assert_array_equal(rook, [2, 3, 2, 3, 4, 3, 2, 3, 2])


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_contiguity_equals_libpysal_graph_on_sacramento(sacramento, rule):
    graph = pytest.importorskip("libpysal.graph")
    expected = graph.Graph.build_contiguity(sacramento, rook=rule == "rook").sparse
    got = W.contiguity(sacramento, rule=rule)
    assert got.nnz == expected.nnz
    assert abs(got - sparse.csr_array(expected)).sum() == 0


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_vertex_and_strtree_methods_agree_on_sacramento(sacramento, rule):
    fast = W.contiguity(sacramento, rule=rule)
    exact = W.contiguity(sacramento, rule=rule, method="strtree")
    assert abs(fast - exact).sum() == 0


def test_shared_boundary_equals_geometric_intersection_length(sacramento):
    utm = sacramento.to_crs(32610)
    fast = W.shared_boundary(utm)
    exact = W.shared_boundary(utm, method="strtree")
    assert fast.nnz == exact.nnz == W.contiguity(utm, rule="rook").nnz
    np.testing.assert_allclose(fast.toarray()[fast.nonzero()], exact.toarray()[fast.nonzero()])
    # spot check one pair against shapely directly
    i, j = fast.nonzero()[0][0], fast.nonzero()[1][0]
    a, b = utm.geometry.iloc[i], utm.geometry.iloc[j]
    assert fast[i, j] == pytest.approx(shapely.intersection(a.boundary, b.boundary).length)


def test_shared_boundary_of_grid_is_the_side_length():
    b = W.shared_boundary(_grid(2, size=250.0)).toarray()
    np.testing.assert_array_equal(
        b, [[0, 250, 250, 0], [250, 0, 0, 250], [250, 0, 0, 250], [0, 250, 250, 0]]
    )


def test_shared_boundary_rejects_geographic_crs(sacramento):
    with pytest.raises(CRSError, match="to_crs"):
        W.shared_boundary(sacramento)


def test_distance_weights_reject_geographic_crs(sacramento):
    with pytest.raises(CRSError, match="geographic CRS"):
        W.kernel(sacramento, 1000)
    with pytest.raises(CRSError):
        W.knn(sacramento, 4)


def test_blocks_remove_every_pair_across_blocks():
    squares = _grid(4)
    blocks = np.repeat(["A", "B"], 8)  # bottom two rows, top two rows
    w = W.contiguity(squares, blocks=blocks).tocoo()
    assert np.all(blocks[w.row] == blocks[w.col])
    full = W.contiguity(squares).tocoo()
    within = blocks[full.row] == blocks[full.col]
    assert w.nnz == within.sum() < full.nnz


def test_knn_matches_brute_force_distances():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10_000, size=(200, 2))
    got = W.knn(xy, 5)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    expected = np.argsort(d, axis=1)[:, :5]
    for row in range(0, 200, 17):
        assert set(got[[row], :].nonzero()[1]) == set(expected[row])
    assert np.all(np.diff(got.indptr) == 5)


def test_knn_within_blocks_never_crosses():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 1000, size=(60, 2))
    blocks = np.repeat([0, 1, 2], 20)
    w = W.knn(xy, 3, blocks=blocks).tocoo()
    assert np.all(blocks[w.row] == blocks[w.col])
    assert np.all(np.bincount(w.row, minlength=60) == 3)


def test_distance_band_matches_brute_force():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 5000, size=(150, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    expected = (d <= 800) & ~np.eye(150, dtype=bool)
    np.testing.assert_array_equal(W.distance_band(xy, 800).toarray() == 1, expected)


@pytest.mark.parametrize(
    ("function", "z", "value"),
    [
        ("triangular", 0.25, 0.75),
        ("boxcar", 0.9, 1.0),
        ("gaussian", 1.0, np.exp(-0.5)),
        ("exponential", 2.0, np.exp(-2.0)),
    ],
)
def test_kernel_values_follow_their_formula(function, z, value):
    xy = np.array([[0.0, 0.0], [z * 1000.0, 0.0]])
    w = W.kernel(xy, 1000.0, function=function).toarray()
    np.testing.assert_allclose(w, [[1.0, value], [value, 1.0]])


def test_kernel_truncation_and_self_weight():
    xy = np.array([[0.0, 0.0], [1500.0, 0.0]])
    assert W.kernel(xy, 1000, function="triangular").toarray()[0, 1] == 0
    assert W.kernel(xy, 1000, function="gaussian", truncate=1.0).toarray()[0, 1] == 0
    assert W.kernel(xy, 1000, include_self=False).diagonal().sum() == 0


def test_unknown_kernel_lists_known_ones():
    with pytest.raises(SegregationError, match="boxcar, exponential, gaussian, triangular"):
        W.kernel(np.zeros((2, 2)), 100, function="epanechnikov")


def test_missing_geometry_names_rows():
    with pytest.raises(SegregationError, match="rows 1"):
        W.contiguity([shapely.box(0, 0, 1, 1), None])


def test_row_standardize_rows_sum_to_one():
    w = W.row_standardize(W.contiguity(_grid(3)))
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_no_dense_matrix_for_a_large_layer():
    # 22,500 squares: a dense n x n float matrix would take 4 GB
    squares = _grid(150, size=200.0)
    xy = W.centroids(squares)
    tracemalloc.start()
    queen = W.contiguity(squares)
    band = W.kernel(xy, 300.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100e6
    assert queen.nnz == 4 * 149 * 150 + 4 * 149 * 149  # rook pairs + diagonal pairs, both ways
    assert band.nnz == 22_500 + queen.nnz  # itself, and the queen neighbours at 200 and 283 m


def test_queen_on_full_detail_regso_is_symmetric_with_few_islands(regso):
    w = W.contiguity(regso)
    assert abs(w - w.T).sum() == 0
    assert w.diagonal().sum() == 0
    assert (np.diff(w.indptr) == 0).sum() < 20  # islands without a land neighbour
    # same-kommun restriction keeps a subset of pairs
    within = W.contiguity(regso, blocks=regso["kommunkod"].to_numpy())
    assert 0 < within.nnz < w.nnz


def test_importing_the_indices_leaves_scipy_sparse_and_spatial_unloaded():
    import subprocess
    import sys

    code = (
        "import sys, segregation.indices, segregation.indices.spatial\n"
        "print(sorted(m for m in ('scipy.sparse', 'scipy.spatial') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_vertex_method_is_exact_on_the_real_deso_coverage_of_dalarna(shared_data):
    gpd = pytest.importorskip("geopandas")
    layer = gpd.read_file(shared_data / "boundaries" / "deso_2018_dalarna.gpkg")
    for rule in ("queen", "rook"):
        vertex = W.contiguity(layer, rule=rule)
        exact = W.contiguity(layer, rule=rule, method="strtree")
        assert (vertex != exact).nnz == 0
    lengths = W.shared_boundary(layer)
    exact = W.shared_boundary(layer, method="strtree")
    assert abs(lengths - exact).max() < 1e-6  # metres
