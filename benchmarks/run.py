"""Run every benchmark side by side with its peer and write the results.

Each ``benchmarks/bench_*.py`` module defines ``run(out_dir: Path) -> list[dict]``; every
dict is one comparison with at least ``name``, ``ours_s`` and, where a peer is measured,
``peer``, ``peer_s`` and ``ratio`` (peer time / our time), plus free-form notes. Results go
to ``OUT/results.json`` and a readable ``OUT/results.md`` that the docs quote.

Usage: ``python benchmarks/run.py --out benchmarks/results [--only NAME ...]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _markdown(rows: list[dict]) -> str:
    lines = [
        "| benchmark | ours (s) | peer | peer (s) | ratio (peer/ours) | notes |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:

        def fmt(v):
            return f"{v:.4g}" if isinstance(v, float) else ("" if v is None else str(v))

        lines.append(
            f"| {r.get('name')} | {fmt(r.get('ours_s'))} | {fmt(r.get('peer'))} | "
            f"{fmt(r.get('peer_s'))} | {fmt(r.get('ratio'))} | {fmt(r.get('notes'))} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--only", nargs="*", help="names of bench_*.py modules to run")
    parser.add_argument("--single", help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    modules = sorted(HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m.stem.removeprefix("bench_") in args.only]
    if args.single:
        # one module in this process: write its rows for the parent to collect
        rows = _load(Path(args.single)).run(out)
        Path(args.rows).write_text(json.dumps(rows, default=str))
        return 0

    rows: list[dict] = []
    failed = []
    for path in modules:
        # each module in a fresh process, so times and peak memory are its own
        print(f"== {path.stem}", flush=True)
        start = time.perf_counter()
        rows_file = out / f".{path.stem}.rows.json"
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--out",
                str(out),
                "--single",
                str(path),
                "--rows",
                str(rows_file),
            ],
            check=False,
        )
        if done.returncode != 0 or not rows_file.exists():
            failed.append(path.stem)
            continue
        for row in json.loads(rows_file.read_text()):
            row.setdefault("module", path.stem)
            rows.append(row)
            print(f"   {row.get('name')}: ours {row.get('ours_s')} s, ratio {row.get('ratio')}")
        rows_file.unlink()
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)

    meta = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "processor": platform.processor(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cores": os.cpu_count(),
        "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()],
        "failed": failed,
    }
    if args.only:  # a partial run updates its modules' rows and keeps the others
        previous = out / "results.json"
        if previous.exists():
            ran = {p.stem for p in modules}
            kept = [
                r for r in json.loads(previous.read_text())["results"] if r.get("module") not in ran
            ]
            rows = kept + rows
    (out / "results.json").write_text(
        json.dumps({"meta": meta, "results": rows}, indent=2, default=str)
    )
    note = (
        f"\nMeasured {meta['date']} on {meta['cores']} cores, load average "
        f"{meta['load_average_1_5_15_min']} (1, 5, 15 min) at the end."
        + (f" Failed: {', '.join(failed)}." if failed else "")
        + "\n"
    )
    (out / "results.md").write_text(_markdown(rows) + note)
    print(f"wrote {out / 'results.json'} and {out / 'results.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
