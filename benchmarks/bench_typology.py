"""Geodemographic typology side by side with geosnap's ``cluster`` (k-means).

Both sides get the same four RegSO 2023 inputs (share born abroad, share rented, share
owner-occupied, mean wage income; SCB's exports in ``../shared/data``), standardise them with
scikit-learn's ``StandardScaler`` and run scikit-learn's ``KMeans`` with the same k, ``n_init``
and integer seed. The partitions are compared with the adjusted Rand index (ARI).

geosnap imports PySAL's ``segregation``, whose import name clashes with this library, so it
runs in its own virtual environment (``benchmarks/.peer-venv-geosnap``, created here on first
use) in a subprocess whose working directory is outside the repository.

Usage: ``python benchmarks/run.py --only typology``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEER_VENV = HERE / ".peer-venv-geosnap"
PEER_PACKAGE = "geosnap==0.17.0"
SHARED_DATA = REPO.parent / "shared" / "data"
FEATURES = ["born_abroad", "hyresratt", "aganderatt", "mean_wage_income"]
N_TYPES, N_INIT, SEED, REPEATS = 6, 10, 0, 3

PEER_SCRIPT = r"""
import json, sys, time
import geopandas as gpd, pandas as pd
from threadpoolctl import threadpool_limits
from geosnap.analyze import cluster
import geosnap, sklearn

source, k, n_init, seed, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
frame = pd.read_csv(source, index_col=0)
columns = list(frame.columns)
gdf = gpd.GeoDataFrame(frame.assign(year=2023, geoid=frame.index),
                       geometry=gpd.points_from_xy([0.0] * len(frame), [0.0] * len(frame)))

def once():
    start = time.perf_counter()
    out = cluster(gdf, n_clusters=k, method="kmeans", columns=columns, random_state=seed,
                  cluster_kwargs={"n_init": n_init}, temporal_index="year", unit_index="geoid")
    return time.perf_counter() - start, out

times = []
for _ in range(repeats):
    seconds, out = once()
    times.append(seconds)
single = []
with threadpool_limits(limits=1):
    for _ in range(repeats):
        single.append(once()[0])
labels = out.set_index("geoid").loc[frame.index, "kmeans"].astype(int).tolist()
print(json.dumps({"seconds": min(times), "seconds_single_thread": min(single), "labels": labels,
                  "geosnap": geosnap.__version__, "sklearn": sklearn.__version__}))
"""


def ensure_peer_venv() -> Path:
    """The peer's Python, creating its venv and installing geosnap on first use."""
    python = PEER_VENV / "bin" / "python"
    probe = [str(python), "-c", "import geosnap"]
    if (
        python.exists()
        and subprocess.run(probe, cwd=tempfile.gettempdir(), capture_output=True).returncode == 0
    ):
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(PEER_VENV)
    subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_PACKAGE], check=True)
    return python


def inputs() -> tuple[pd.DataFrame, str]:
    """RegSO 2023 inputs from ``../shared/data``; synthetic RegSO when it is missing."""
    if SHARED_DATA.exists():
        sys.path.insert(0, str(REPO / "tests" / "typology"))
        from typology_real_data import regso_2023

        frame, _ = regso_2023(SHARED_DATA)
        return frame[FEATURES], "real RegSO 2023 (SCB exports)"
    import segregation as seg

    data = seg.synthetic(seg.load_regso(), seed=SEED)
    frame = pd.DataFrame(
        {
            "born_abroad": data["born_abroad"] / data["population"],
            "hyresratt": data["hyresratt"] / data["population"],
            "aganderatt": data["aganderatt"] / data["population"],
            "mean_wage_income": data["income_q5"] / data["population"],
        }
    )
    return frame, "synthetic RegSO (../shared/data missing)"


def run(out_dir: Path) -> list[dict]:
    from sklearn.metrics import adjusted_rand_score

    from segregation.typology import GeodemographicTypology

    frame, source = inputs()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        model = GeodemographicTypology(n_types=N_TYPES, n_init=N_INIT, random_state=SEED).fit(frame)
        times.append(time.perf_counter() - start)
    ours_s = min(times)

    python = ensure_peer_venv()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "inputs.csv"
        frame.to_csv(csv)
        script = Path(tmp) / "peer.py"
        script.write_text(PEER_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [
                str(python),
                str(script),
                str(csv),
                str(N_TYPES),
                str(N_INIT),
                str(SEED),
                str(REPEATS),
            ],
            cwd=tmp,  # outside the repository: `import segregation` must find PySAL's
            capture_output=True,
            text=True,
            check=True,
        )
    peer = json.loads(done.stdout.strip().splitlines()[-1])
    ari = float(adjusted_rand_score(model.labels_, np.asarray(peer["labels"])))
    notes = (
        f"{source}, {len(frame)} areas, k={N_TYPES}, n_init={N_INIT}, seed={SEED}; "
        f"ARI(ours, geosnap)={ari:.4f}; geosnap {peer['geosnap']}, scikit-learn {peer['sklearn']} "
        f"(both); geosnap single-threaded {peer['seconds_single_thread']:.4g} s (ours always "
        "runs the clustering single-threaded)"
    )
    rows = [
        {
            "name": "typology_kmeans_regso",
            "ours_s": ours_s,
            "peer": "geosnap.analyze.cluster",
            "peer_s": peer["seconds"],
            "ratio": peer["seconds"] / ours_s,
            "ari": ari,
            "peer_single_thread_s": peer["seconds_single_thread"],
            "ratio_single_thread": peer["seconds_single_thread"] / ours_s,
            "n_areas": len(frame),
            "notes": notes,
        }
    ]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "typology.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return rows


if __name__ == "__main__":
    for row in run(HERE / "results"):
        print(json.dumps(row, indent=2))
