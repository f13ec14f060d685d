"""Own records at national scale: 10 million persons assigned to full-detail RegSO and counted.

A seeded synthetic register (persons placed inside the real RegSO 2025 polygons in
proportion to the real 2023 populations) is built once and cached as Parquet. A fresh
process then reads it, assigns every person to the full-detail RegSO 2025 polygons and
aggregates by sex, age group and outcome at RegSO, kommun and län level. Its wall time,
records per second and peak memory (the child's own maximum resident set size) are reported.

Usage: ``python benchmarks/bench_records.py [--n 10000000]`` (or through ``benchmarks/run.py``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[0].parent / "shared" / "data"
GPKG = SHARED / "boundaries" / "regso_2025.gpkg"
STATS = SHARED / "regso_stats" / "regso_born_in_sweden_total_2020_2023.csv"
N_RECORDS = 10_000_000
SEED = 2023


def _register(n: int) -> Path:
    """Build (once) and cache the synthetic register of ``n`` persons."""
    import segregation as seg
    from segregation.data.register import regso_population

    path = HERE / ".cache" / f"register_{n}_seed{SEED}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    areas = seg.load_regso(source=GPKG)
    population = regso_population(STATS, year=2023, areas=areas)
    start = time.perf_counter()
    people = seg.synthetic_register(population, n=n, areas=areas, seed=SEED)
    print(f"   built the register of {n:,} persons in {time.perf_counter() - start:.1f} s")
    people.drop(columns="home").to_parquet(path.with_suffix(".tmp"), index=False)
    path.with_suffix(".tmp").rename(path)
    return path


def _child(register: Path) -> dict:
    """The measured run, in its own process so that its peak memory is its own."""
    import warnings

    import pandas as pd

    import segregation as seg

    t0 = time.perf_counter()
    people = pd.read_parquet(register)
    areas = seg.load_regso(source=GPKG)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = seg.assign(people, areas, x="x", y="y", crs=3006)
    t2 = time.perf_counter()
    counts = seg.aggregate(
        result.data,
        "regso",
        ["sex", "age_group", "benefit"],
        levels=("regso", "kommun", "lan", "riket"),
        on_missing="ignore",
    )
    t3 = time.perf_counter()
    return {
        "n_records": result.n_records,
        "n_assigned": result.n_assigned,
        "n_reported": len(result.report),
        "n_on_boundary": result.n_on_boundary,
        "n_regso_rows": int((counts.index.get_level_values("level") == "regso").sum()),
        "riket_total": int(counts.loc[("riket", "00"), "total"]),
        "load_s": t1 - t0,
        "assign_s": t2 - t1,
        "aggregate_s": t3 - t2,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(out_dir: Path, n: int = N_RECORDS) -> list[dict]:
    """Benchmark entry point for ``benchmarks/run.py``."""
    if not GPKG.exists() or not STATS.exists():
        return [{"name": "records_assign_aggregate", "ours_s": None, "notes": f"{SHARED} missing"}]
    register = _register(n)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(register)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    got = json.loads(done.stdout.strip().splitlines()[-1])
    peak_mb = got.pop("peak_memory_mb")
    timed = got["assign_s"] + got["aggregate_s"]
    rate = got["n_records"] / timed
    notes = (
        f"{got['n_records']:,} records: assign {got['assign_s']:.1f} s + aggregate "
        f"{got['aggregate_s']:.1f} s = {timed:.1f} s ({rate:,.0f} records/s); reading the "
        f"register and polygons {got['load_s']:.1f} s; whole process {wall:.1f} s; peak "
        f"memory {peak_mb:,.0f} MB; {got['n_reported']:,} reported, "
        f"{got['n_on_boundary']:,} on a shared boundary"
    )
    row = {
        "name": "records_assign_aggregate_10M_full_regso",
        "ours_s": round(timed, 2),
        "records_per_s": round(rate),
        "peak_memory_mb": round(peak_mb),
        "process_s": round(wall, 2),
        **got,
        "notes": notes,
    }
    (Path(out_dir) / "records.json").write_text(json.dumps(row, indent=2))
    print("   " + notes)
    return [row]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=N_RECORDS)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(Path(args.child))))
    else:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        run(Path(args.out), n=args.n)
