"""compute(kernel=...) gives Reardon & O'Sullivan's spatial version of aspatial indices."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import segregation as seg


@pytest.fixture()
def line_of_areas() -> gpd.GeoDataFrame:
    # two kommuner, each a row of six 300 m squares; the group clusters at one end of each
    boxes, codes = [], []
    for k, kommun in enumerate(("0114", "0115")):
        for i in range(6):
            x = 10_000 * k + 300 * i
            boxes.append(shapely.box(x, 0, x + 300, 300))
            codes.append(f"{kommun}R{i + 1:03d}")
    group = np.array([90, 70, 40, 10, 5, 0, 50, 50, 40, 30, 10, 5])
    total = np.full(12, 100)
    return gpd.GeoDataFrame({"group": group, "total": total}, geometry=boxes, index=codes, crs=3006)


def test_kernel_smoothed_dissimilarity_equals_the_multiscalar_profile(line_of_areas):
    for bandwidth in (500.0, 1200.0):
        got = seg.indices.compute(
            line_of_areas,
            group="group",
            total="total",
            indices=["dissimilarity", "isolation"],
            by="kommunkod",
            kernel="triangular",
            bandwidth=bandwidth,
        )
        profile = seg.indices.multiscalar(
            line_of_areas,
            ["dissimilarity", "isolation"],
            distances=[bandwidth],
            group="group",
            total="total",
            by="kommunkod",
            kernel="triangular",
        ).xs(bandwidth, level="distance")
        np.testing.assert_allclose(
            got[["dissimilarity", "isolation"]].to_numpy(),
            profile.loc[got.index, ["dissimilarity", "isolation"]].to_numpy(),
            rtol=1e-12,
        )


def test_smoothing_lowers_dissimilarity_and_changes_with_bandwidth(line_of_areas):
    def d(**kw):
        return seg.indices.compute(
            line_of_areas, group="group", total="total", indices="dissimilarity", **kw
        )["dissimilarity"].iloc[0]

    raw = d()
    near = d(kernel="triangular", bandwidth=500.0)
    far = d(kernel="triangular", bandwidth=1500.0)
    assert raw > near > far > 0


def test_random_indices_are_refused_on_smoothed_counts(line_of_areas):
    with pytest.raises(seg.SegregationError, match="modified_dissimilarity"):
        seg.indices.compute(
            line_of_areas,
            group="group",
            total="total",
            indices=["dissimilarity", "modified_dissimilarity"],
            kernel="triangular",
            bandwidth=500.0,
        )
