"""Batch run of all 290 kommuner at RegSO level: maps, PNGs, tables and indices, 2 workers.

There is no peer that runs this batch; the row records our time against the budget of
10 minutes on 2 cores, and the size of the largest kommun map.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

BUDGET_S = 600.0


def run(out_dir: Path) -> list[dict]:
    from segregation.pipeline import run as run_batch

    config = {
        "run": {"kommuner": "all", "workers": 2},
        "input": {"source": "synthetic", "seed": 2025},
        "outputs": {
            "html": True,
            "png": True,
            "areas_csv": True,
            "indices_csv": True,
            "summary": True,
            "map_columns": ["area_type", "socioeconomic_index", "born_abroad_share"],
        },
    }
    target = Path(out_dir) / "pipeline_all_kommuner"
    shutil.rmtree(target, ignore_errors=True)
    start = time.perf_counter()
    result = run_batch(config, target, progress=False, fresh=True)
    seconds = time.perf_counter() - start
    html = sorted((target / "kommuner").rglob("map.html"))
    sizes = [p.stat().st_size for p in html]
    row = {
        "name": "batch: 290 kommuner, RegSO, HTML + PNG + CSV + indices, 2 workers",
        "ours_s": round(seconds, 2),
        "peer": None,
        "peer_s": None,
        "ratio": None,
        "n_kommuner": len(result.units),
        "n_files": len(result.outputs),
        "budget_s": BUDGET_S,
        "within_budget": seconds < BUDGET_S,
        "largest_html_bytes": max(sizes) if sizes else 0,
        "notes": f"{len(result.outputs)} files, {seconds / max(len(result.units), 1):.2f} s "
        f"per kommun; budget {BUDGET_S:.0f} s",
    }
    shutil.rmtree(target, ignore_errors=True)
    return [row]
