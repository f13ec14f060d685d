"""The Dask path gives the in-memory result on a real two-worker LocalCluster."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.data.records import aggregate, assign
from segregation.errors import CRSError

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

pytestmark = pytest.mark.filterwarnings("ignore::segregation.SegregationWarning")


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def regso(shared_data):
    # two kommuner of the full-detail layer keep the graph small and the test fast
    gpkg = shared_data / "boundaries" / "regso_2025.gpkg"
    return seg.load_regso(source=gpkg, kommun=["0380", "0180"])


@pytest.fixture(scope="module")
def people(regso):
    population = pd.Series(100, index=regso.index)
    frame = seg.synthetic_register(population, n=6000, areas=regso, seed=11)
    # records the in-memory path must report, spread over several partitions
    frame.loc[[5, 2500], ["x", "y"]] = frame.loc[[5, 2500], ["y", "x"]].to_numpy()
    frame.loc[[100, 4000], "x"] = np.nan
    frame.loc[5999, ["x", "y"]] = [650_000.0, 6_300_000.0]  # the Baltic
    frame.index = frame.index + 1000  # labels differ from row numbers
    return frame


def test_dask_assignment_equals_in_memory_assignment(client, regso, people):
    expected = assign(people, regso, x="x", y="y")
    lazy = assign(dd.from_pandas(people, npartitions=5), regso, x="x", y="y")
    assert "lazy" in repr(lazy)
    got = lazy.compute()
    pd.testing.assert_frame_equal(got.data, expected.data)
    pd.testing.assert_frame_equal(got.report, expected.report)
    assert got.n_records == expected.n_records == 6000
    assert got.n_on_boundary == expected.n_on_boundary
    assert got.report["row"].tolist() == [5, 100, 2500, 4000, 5999]
    assert got.report["index"].tolist() == [1005, 1100, 3500, 5000, 6999]
    swapped, missing = "swapped axes", "missing coordinates"
    assert got.report["reason"].tolist() == [swapped, missing, swapped, missing, "in no area"]
    assert got.n_assigned + len(got.report) == 6000


def test_dask_aggregate_of_persisted_assignment_equals_in_memory_aggregate(client, regso, people):
    data = assign(people, regso, x="x", y="y").data
    expected = aggregate(data, "regso", ["sex", "benefit"], levels=("regso", "kommun", "riket"))
    lazy = assign(dd.from_pandas(people, npartitions=4), regso, x="x", y="y").persist()
    got = aggregate(lazy.data, "regso", ["sex", "benefit"], levels=("regso", "kommun", "riket"))
    pd.testing.assert_frame_equal(got, expected)
    assert got.loc[("riket", "00"), "total"] == 6000 - 5
    assert lazy.compute().report["row"].tolist() == [5, 100, 2500, 4000, 5999]


def test_dask_code_records_equal_in_memory(client, regso):
    values = [*regso.index[:50], "0180R999", "bad", None] * 20
    codes = pd.DataFrame({"c": pd.array(values, dtype="string[pyarrow]")})  # as Dask stores it
    expected = assign(codes, regso, code="c")
    got = assign(dd.from_pandas(codes, npartitions=3), regso, code="c").compute()
    pd.testing.assert_frame_equal(got.data, expected.data)
    pd.testing.assert_frame_equal(got.report, expected.report)


def test_dask_swapped_input_raises_at_compute(client, regso, people):
    swapped = people.rename(columns={"x": "y", "y": "x"})
    lazy = assign(dd.from_pandas(swapped, npartitions=2), regso, x="x", y="y")
    with pytest.raises(CRSError, match="exchanged"):
        lazy.compute()


def test_dask_geopandas_points_in_wgs84_equal_in_memory(regso, people):
    gpd = pytest.importorskip("geopandas")
    dask_geopandas = pytest.importorskip("dask_geopandas")
    import dask

    sample = people.dropna(subset=["x", "y"]).iloc[:600]
    points = gpd.GeoDataFrame(
        sample[["person_id"]], geometry=gpd.points_from_xy(sample["x"], sample["y"]), crs=3006
    ).to_crs(4326)
    expected = assign(points, regso)
    with dask.config.set(scheduler="synchronous"):
        lazy = assign(dask_geopandas.from_geopandas(points, npartitions=3), regso)
        got = lazy.compute()
    assert got.data["regso"].tolist() == expected.data["regso"].tolist()
    pd.testing.assert_frame_equal(got.report, expected.report)


def test_dask_publish_equals_in_memory_publish(client, regso, people):
    data = assign(people, regso, x="x", y="y").data
    options = {"area": "regso", "outcome": "benefit", "levels": ("regso", "kommun")}
    expected = seg.publish(data, **options)
    lazy = assign(dd.from_pandas(people, npartitions=3), regso, x="x", y="y").persist()
    got = seg.publish(lazy.data, **options)
    pd.testing.assert_frame_equal(got, expected)
    assert seg.disclosure.is_protected(got.loc["regso"])


def test_threaded_scheduler_with_threads_inside_partitions_equals_in_memory(
    regso, people, monkeypatch
):
    import dask

    from segregation.data import records

    monkeypatch.setattr(records, "_MIN_PER_JOB", 200)  # threads inside each partition too
    expected = assign(people, regso, x="x", y="y", n_jobs=1)
    with dask.config.set(scheduler="threads", num_workers=2):
        lazy = assign(dd.from_pandas(people, npartitions=4), regso, x="x", y="y", n_jobs=2)
        got = lazy.compute()
    pd.testing.assert_frame_equal(got.data, expected.data)
    pd.testing.assert_frame_equal(got.report, expected.report)
    assert got.n_on_boundary == expected.n_on_boundary
