"""Own records at national scale: 10 million persons assigned to full-detail RegSO and counted.

A seeded synthetic register (persons placed inside the real RegSO 2025 polygons in
proportion to the real 2023 populations) is built once and cached as Parquet. A fresh
process then reads it, assigns every person to the full-detail RegSO 2025 polygons and
aggregates by sex, age group and outcome at RegSO, kommun, län and riket level: as one
pandas frame on one core (``n_jobs=1``), as one pandas frame on every core (``n_jobs=None``,
threads), and as a ``dask.dataframe`` of ten partitions on Dask's threaded scheduler with 2
workers. Time, records per second and peak memory (the child's own maximum
resident set size) are reported.

Usage: ``python benchmarks/bench_records.py [--n 10000000] [--mode pandas threads dask]`` (or through ``benchmarks/run.py``).
"""

from __future__ import annotations

import argparse
import json
import os
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
    people.drop(columns="home").to_parquet(
        path.with_suffix(".tmp"), index=False, row_group_size=1_000_000
    )
    path.with_suffix(".tmp").rename(path)
    return path


def _cpu() -> float:
    """CPU seconds of this process so far (all threads, user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(register: Path, mode: str) -> dict:
    """The measured run, in its own process so that its peak memory is its own.

    ``pandas``: one frame, one core. ``threads``: one frame, every core. ``dask``: the same functions on a ``dask.dataframe``
    read by row groups (ten partitions of a million), Dask's threaded scheduler, 2 workers.
    """
    import warnings

    import pandas as pd

    import segregation as seg

    warnings.simplefilter("ignore")
    levels = ("regso", "kommun", "lan", "riket")
    categories = ["sex", "age_group", "benefit"]
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]
    areas = seg.load_regso(source=GPKG)
    if mode in ("pandas", "threads"):
        people = pd.read_parquet(register)
        t1, cpu1 = time.perf_counter(), _cpu()
        n_jobs = 1 if mode == "pandas" else None
        result = seg.assign(people, areas, x="x", y="y", crs=3006, n_jobs=n_jobs)
        t2 = time.perf_counter()
        counts = seg.aggregate(result.data, "regso", categories, levels=levels, on_missing="ignore")
        n_records, n_reported, ties = result.n_records, len(result.report), result.n_on_boundary
    else:
        import dask
        import dask.dataframe as dd

        with dask.config.set(scheduler="threads", num_workers=2):
            people = dd.read_parquet(register, split_row_groups=True)
            t1, cpu1 = time.perf_counter(), _cpu()
            lazy = seg.assign(people, areas, x="x", y="y", crs=3006).persist()
            t2 = time.perf_counter()
            counts = seg.aggregate(lazy.data, "regso", categories, levels=levels)
            report, sizes, ties = dask.compute(lazy.report, lazy._lazy["sizes"], lazy._lazy["ties"])
            n_records, n_reported = int(sum(sizes)), len(report)
    t3, cpu3 = time.perf_counter(), _cpu()
    return {
        "mode": mode,
        "n_records": int(n_records),
        "n_reported": int(n_reported),
        "n_on_boundary": int(ties),
        "n_regso_rows": int((counts.index.get_level_values("level") == "regso").sum()),
        "riket_total": int(counts.loc[("riket", "00"), "total"]),
        "load_s": t1 - t0,
        "assign_s": t2 - t1,
        "aggregate_s": t3 - t2,
        "cpu_s": cpu3 - cpu1,
        "load_average": round((load_before + os.getloadavg()[0]) / 2, 1),
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _measure(register: Path, mode: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(register), "--mode", mode],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    got = json.loads(done.stdout.strip().splitlines()[-1])
    timed = got["assign_s"] + got["aggregate_s"]
    rate = got["n_records"] / timed
    how = {
        "pandas": "one pandas frame, 1 core (n_jobs=1)",
        "threads": f"one pandas frame, {_cores()} cores (n_jobs=None)",
        "dask": "dask.dataframe, 2 threads",
    }[mode]
    notes = (
        f"{how}: {got['n_records']:,} records, assign {got['assign_s']:.1f} s + aggregate "
        f"{got['aggregate_s']:.1f} s = {timed:.1f} s ({rate:,.0f} records/s; CPU "
        f"{got['cpu_s']:.1f} s, load average {got['load_average']}); reading the "
        f"register and polygons {got['load_s']:.1f} s; whole process {wall:.1f} s; peak "
        f"memory {got['peak_memory_mb']:,.0f} MB; {got['n_reported']:,} reported, "
        f"{got['n_on_boundary']:,} on a shared boundary"
    )
    print("   " + notes, flush=True)
    return {
        "name": f"records_assign_aggregate_{got['n_records'] / 1e6:g}M_full_regso_{mode}",
        "ours_s": round(timed, 2),
        "records_per_s": round(rate),
        "process_s": round(wall, 2),
        **got,
        "peak_memory_mb": round(got["peak_memory_mb"]),
        "notes": notes,
    }


def run(
    out_dir: Path, n: int = N_RECORDS, modes: tuple[str, ...] = ("pandas", "threads", "dask")
) -> list[dict]:
    """Benchmark entry point for ``benchmarks/run.py``."""
    if not GPKG.exists() or not STATS.exists():
        return [{"name": "records_assign_aggregate", "ours_s": None, "notes": f"{SHARED} missing"}]
    register = _register(n)
    rows = [_measure(register, mode) for mode in modes]
    (Path(out_dir) / "records.json").write_text(json.dumps(rows, indent=2))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["pandas", "threads", "dask"], nargs="*", default=None)
    parser.add_argument("--n", type=int, default=N_RECORDS)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(Path(args.child), (args.mode or ["pandas"])[0])))
    else:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        run(Path(args.out), n=args.n, modes=tuple(args.mode or ("pandas", "threads", "dask")))
