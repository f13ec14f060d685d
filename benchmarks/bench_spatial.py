"""Spatial indices side by side with PySAL ``segregation`` 2.5 (one run, same inputs).

1. Morrill's spatial dissimilarity with queen contiguity for all 290 kommuner on the real,
   full-detail RegSO 2025 boundaries (1.9 million vertices) and SCB's counts of persons
   born abroad in 2023, weights included. Ours: one ``compute(..., by="kommunkod")`` call,
   which builds the layer's weights once. Peer: libpysal ``Queen`` for the layer (built
   once, which favours the peer), ``w_subset`` and ``SpatialDissim`` per kommun.
2. A multiscalar profile of multigroup D at 5 distances (500 m to 8 km) over a national
   layer of 6,160 areas (the number of DeSO 2025): a Voronoi tessellation of points spread
   around the real RegSO, with three groups whose shares follow the real share born abroad
   of the surrounding RegSO (seeded). Ours runs in a fresh process so that its peak
   resident memory is its own. Peer: ``compute_multiscalar_profile(..., MultiDissim)``.

Both report their values, and the table gives the largest difference.

Usage: ``python benchmarks/run.py --only spatial``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_DATA = REPO.parent / "shared" / "data"
DISTANCES = [500.0, 1000.0, 2000.0, 4000.0, 8000.0]
N_AREAS = 6160
SEED = 20250101

PEER_SPATIAL_D = r"""
import time, warnings
warnings.simplefilter("ignore")
import geopandas as gpd, numpy as np, pandas as pd
from libpysal.weights import Queen, w_subset
from segregation.singlegroup import SpatialDissim
p = load_payload()
gdf = gpd.read_file(p["gpkg"]).set_index("regsokod")
counts = pd.read_csv(p["counts"], index_col=0, dtype={"kommunkod": str})
gdf = gdf[["geometry"]].join(counts, how="inner")
best, values = None, {}
for _ in range(p["repeats"]):
    start = time.perf_counter()
    w = Queen.from_dataframe(gdf, use_index=True)
    built = time.perf_counter()
    for kommun, sub in gdf.groupby("kommunkod"):
        wk = w_subset(w, list(sub.index))
        try:
            values[kommun] = float(SpatialDissim(sub, "group", "total", w=wk).statistic)
        except Exception:
            values[kommun] = float("nan")
    total = time.perf_counter() - start
    if best is None or total < best[0]:
        best = (total, built - start)
emit({"seconds": best[0], "weights_seconds": best[1], "values": values})
"""

PEER_MULTISCALAR = r"""
import time, warnings
warnings.simplefilter("ignore")
import geopandas as gpd
from segregation.dynamics import compute_multiscalar_profile
from segregation.multigroup import MultiDissim
p = load_payload()
gdf = gpd.read_file(p["layer"]).set_index("area")
start = time.perf_counter()
profile = compute_multiscalar_profile(
    gdf, segregation_index=MultiDissim, groups=["g1", "g2", "g3"], distances=p["distances"]
)
seconds = time.perf_counter() - start
emit({"seconds": seconds, "values": [float(v) for v in profile.to_numpy()]})
"""

OURS_MULTISCALAR = r"""
import json, resource, sys, time
import geopandas as gpd
import segregation as seg
layer, distances, repeats = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
gdf = gpd.read_file(layer).set_index("area")
best = None
for _ in range(repeats):
    start = time.perf_counter()
    profile = seg.multiscalar(gdf, "multi_dissimilarity", distances=distances,
                              groups=["g1", "g2", "g3"])
    seconds = time.perf_counter() - start
    best = seconds if best is None else min(best, seconds)
start = time.perf_counter()
by_kommun = seg.multiscalar(gdf, "multi_dissimilarity", distances=distances,
                            groups=["g1", "g2", "g3"], by="kommunkod")
kommun_seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": best, "peak_mb": peak_mb, "kommun_seconds": kommun_seconds,
                  "n_kommuner": int(by_kommun.index.get_level_values(0).nunique()),
                  "values": profile["multi_dissimilarity"].tolist()}))
"""


def _born_abroad_2023():
    """Persons born abroad and all persons per RegSO 2025 in 2023, from SCB's export."""
    import segregation as seg

    areas = seg.load_regso()
    table = seg.read_scb(SHARED_DATA / "regso_stats" / "regso_born_in_sweden_total_2020_2023.csv")
    match = seg.match_areas(table["region"].unique(), areas, accept_spelling=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seg.SegregationWarning)
        joined = seg.join(
            areas[["kommunkod"]],
            table,
            year=2023,
            columns={"Sverige": "born_in_sweden", "totalt": "total"},
            match=match,
        )
    joined = joined.dropna(subset=["born_in_sweden", "total"])
    counts = pd.DataFrame(
        {
            "kommunkod": joined["kommunkod"],
            "group": (joined["total"] - joined["born_in_sweden"]).astype(float),
            "total": joined["total"].astype(float),
        }
    )
    return counts, len(areas) - len(counts)


def _bench_spatial_dissimilarity(out_dir: Path) -> dict:
    import geopandas as gpd

    import segregation as seg

    gpkg = SHARED_DATA / "boundaries" / "regso_2025.gpkg"
    counts, n_missing = _born_abroad_2023()
    layer = gpd.read_file(gpkg).set_index("regsokod")[["geometry"]].join(counts, how="inner")
    kwargs = {"group": "group", "total": "total", "by": "kommunkod"}
    from segregation.indices.spatial import clear_cache

    times = []
    for _ in range(5):
        clear_cache()  # weights built inside every timed run, as the peer's
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", seg.SegregationWarning)
            ours = seg.indices.compute(layer, indices="spatial_dissimilarity", **kwargs)
        times.append(time.perf_counter() - start)
    ours_s = min(times)
    row = {
        "name": "spatial_dissimilarity queen, 290 kommuner, full-detail RegSO",
        "ours_s": ours_s,
        "n_areas": len(layer),
        "n_kommuner": int(ours.index.nunique()),
        "notes": f"weights built inside each run; {n_missing} RegSO without 2023 data left out",
    }
    try:
        from _peer import peer_version, run_in_peer

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "counts.csv"
            counts.to_csv(path)
            peer = run_in_peer(
                PEER_SPATIAL_D, {"gpkg": str(gpkg), "counts": str(path), "repeats": 2}
            )
        theirs = pd.Series(peer["values"]).reindex(ours.index)
        both = theirs.notna() & ours["spatial_dissimilarity"].notna()
        diff = float((theirs[both] - ours.loc[both, "spatial_dissimilarity"]).abs().max())
        row.update(
            peer=f"pysal segregation {peer_version()}",
            peer_s=peer["seconds"],
            peer_weights_s=peer["weights_seconds"],
            ratio=peer["seconds"] / ours_s,
            max_abs_diff=diff,
            notes=row["notes"] + f"; peer Queen weights {peer['weights_seconds']:.2f} s; "
            f"largest difference {diff:.1e} over {int(both.sum())} kommuner",
        )
    except Exception as error:  # the peer environment needs PyPI
        row["notes"] += f"; peer not run: {type(error).__name__}: {str(error)[:200]}"
    return row


def _national_layer(path: Path) -> None:
    """6,160 Voronoi cells around the real RegSO, with seeded counts of three groups."""
    import geopandas as gpd
    import shapely

    import segregation as seg

    rng = np.random.default_rng(SEED)
    regso = seg.load_regso()
    counts, _ = _born_abroad_2023()
    share_abroad = (counts["group"] / counts["total"]).reindex(regso.index).fillna(0.2)
    parent = np.concatenate(
        [np.arange(len(regso)), rng.choice(len(regso), N_AREAS - len(regso), replace=False)]
    )
    anchor = shapely.get_coordinates(regso.geometry.representative_point().to_numpy())
    xy = (
        anchor[parent]
        + rng.normal(0.0, 600.0, size=(N_AREAS, 2)) * (np.arange(N_AREAS) >= len(regso))[:, None]
    )
    cells = shapely.voronoi_polygons(shapely.multipoints(xy), ordered=True)
    geometry = shapely.get_parts(cells)
    total = rng.integers(700, 2700, N_AREAS).astype(float)
    abroad = np.clip(share_abroad.to_numpy()[parent] + rng.normal(0, 0.05, N_AREAS), 0.01, 0.95)
    split = rng.beta(4, 4, N_AREAS)
    g1 = np.round(total * abroad)
    g2 = np.round((total - g1) * split)
    layer = gpd.GeoDataFrame(
        {
            "kommunkod": regso["kommunkod"].to_numpy()[parent],
            "g1": g1,
            "g2": g2,
            "g3": total - g1 - g2,
        },
        geometry=geometry,
        crs=3006,
        index=pd.Index([f"A{i:05d}" for i in range(N_AREAS)], name="area"),
    )
    layer.to_file(path, driver="GPKG")


def _bench_multiscalar(out_dir: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        layer = Path(tmp) / "national_layer.gpkg"
        _national_layer(layer)
        done = subprocess.run(
            [sys.executable, "-c", OURS_MULTISCALAR, str(layer), json.dumps(DISTANCES), "3"],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        ours = json.loads(done.stdout.strip().splitlines()[-1])
        row = {
            "name": f"multiscalar multi_dissimilarity, {N_AREAS} areas, 5 distances 0.5-8 km",
            "ours_s": ours["seconds"],
            "peak_mb": ours["peak_mb"],
            "notes": f"our peak RSS {ours['peak_mb']:.0f} MB (whole process); one profile per "
            f"kommun for all {ours['n_kommuner']} kommuner in {ours['kommun_seconds']:.2f} s",
        }
        try:
            from _peer import peer_version, run_in_peer

            peer = run_in_peer(PEER_MULTISCALAR, {"layer": str(layer), "distances": DISTANCES})
            # the peer puts the aspatial value (distance 0) first
            theirs = peer["values"][-len(DISTANCES) :]
            diff = float(np.max(np.abs(np.subtract(theirs, ours["values"]))))
            row.update(
                peer=f"pysal segregation {peer_version()}",
                peer_s=peer["seconds"],
                ratio=peer["seconds"] / ours["seconds"],
                max_abs_diff=diff,
                notes=row["notes"] + f"; largest difference {diff:.1e} (peer rounds smoothed "
                "counts to whole persons)",
            )
        except Exception as error:
            row["notes"] += f"; peer not run: {type(error).__name__}: {str(error)[:200]}"
    return row


def run(out_dir: Path) -> list[dict]:
    """Both comparisons; rows for ``benchmarks/run.py``."""
    sys.path.insert(0, str(HERE))
    return [_bench_spatial_dissimilarity(out_dir), _bench_multiscalar(out_dir)]


if __name__ == "__main__":
    for result in run(HERE / "results"):
        print(json.dumps(result, indent=2))
