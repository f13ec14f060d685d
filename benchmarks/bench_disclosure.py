"""Disclosure control side by side with tau-ARGUS, and the national-size run.

* Uppsala (262 real DeSO 2018, 5 categories, width-5 rule at min_count 5, hierarchy
  DeSO -> kommun -> riket as in tau-ARGUS): our pattern vs tau-ARGUS's optimal (OPT) and
  modular (MOD) patterns, cell counts, suppressed totals and time ratio.
* A national-size synthetic table (6,200 DeSO under the 3,363 real RegSO 2025, 5 thin
  categories, seeded): Gauss secondary suppression alone and the full protect() with
  region-certified audit, with and without the RegSO level.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PROBS = [0.70, 0.20, 0.07, 0.027, 0.003]


def _uppsala() -> pd.DataFrame:
    path = SHARED / "reference" / "disclosure" / "uppsala_deso_5cat_thin.csv"
    frame = pd.read_csv(path, dtype={"deso": str, "kommun": str})
    return frame.set_index("deso").drop(columns="kommun")


def national(seed: int = 7, n_deso: int = 6200) -> pd.DataFrame:
    """Seeded national-size DeSO counts nested in the real RegSO 2025 codes."""
    from segregation.areas.boundaries import load_regso

    rng = np.random.default_rng(seed)
    reg = np.sort(load_regso().index.to_numpy(dtype=str))
    extra = rng.choice(len(reg), n_deso - len(reg))
    regso = np.repeat(reg, 1 + np.bincount(extra, minlength=len(reg)))
    kommun = np.array([r[:4] for r in regso])
    run = pd.Series(kommun).groupby(kommun).cumcount().to_numpy() + 1
    deso = [f"{k}A{n:03d}0" for k, n in zip(kommun, run, strict=True)]
    pop = rng.integers(700, 2700, len(deso))
    cats = rng.multinomial(pop, PROBS)
    frame = pd.DataFrame(cats, index=deso, columns=[f"cat{i}" for i in range(1, 6)])
    frame["regso"] = regso
    return frame


def _timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, float(np.median(times))


def run(out_dir: Path) -> list[dict]:
    from segregation.disclosure import audit, protect
    from segregation.disclosure._table import build_table, difference_basis
    from segregation.disclosure.gauss import default_priority, gauss_suppress
    from segregation.disclosure.rules import frequency_rule

    rows: list[dict] = []
    counts = _uppsala()
    ours, t_ours = _timed(lambda: protect(counts, 5, levels=["deso", "kommun", "riket"]), 3)
    report = audit(ours)
    row = {
        "name": "disclosure: Uppsala 262 DeSO x 5, width-5 rule",
        "ours_s": t_ours,
        "primary": ours.n_primary,
        "secondary": ours.n_secondary,
        "suppressed_total": ours.suppressed_total,
        "audit_passes": bool(report["passes"].all()),
    }
    try:
        from segregation.disclosure.tauargus import pattern_counts, tauargus_suppress

        for method in ("OPT", "MOD"):
            tau, t_tau = _timed(lambda m=method: tauargus_suppress(counts, 5, m), 3)
            c = pattern_counts(tau)
            row[f"tauargus_{method}"] = c
            if method == "OPT":
                row.update(peer="tau-ARGUS OPT (pytauargus)", peer_s=t_tau, ratio=t_tau / t_ours)
        row["notes"] = (
            f"ours {ours.n_secondary} secondary / {ours.suppressed_total} persons; tau-ARGUS "
            f"OPT {row['tauargus_OPT']['secondary']} / {row['tauargus_OPT']['suppressed_total']:.0f}"
            "; ours includes the audit"
        )
    except ImportError:
        row["notes"] = "pytauargus not installed: no peer run"
    rows.append(row)

    nat = national()
    for label, frame, regso in (
        ("with RegSO", nat, "regso"),
        ("DeSO -> kommun", nat.drop(columns="regso"), None),
    ):
        table = build_table(frame, regso=regso)
        values = table.cells["value"].to_numpy()
        primary = frequency_rule(values, 5)
        forced = (values == 0) & ~primary
        prio = default_priority(values)
        prio = prio[~primary[prio] & ~forced[prio]]
        Xd = difference_basis(len(table.areas), 5) @ table.X
        sec, t_gauss = _timed(lambda: gauss_suppress(Xd, primary, prio, forced=forced))  # noqa: B023
        result, t_all = _timed(lambda: protect(frame, 5, regso=regso))  # noqa: B023
        rows.append(
            {
                "name": f"disclosure: national 6,200 DeSO x 5 ({label}), Gauss only",
                "ours_s": t_gauss,
                "cells": len(values),
                "primary": int(primary.sum()),
                "secondary": int(sec.sum()),
                "notes": f"{table.X.shape[1]} published cells linked in one system",
            }
        )
        rows.append(
            {
                "name": f"disclosure: national 6,200 DeSO x 5 ({label}), protect + audit",
                "ours_s": t_all,
                "primary": result.n_primary,
                "secondary": result.n_secondary,
                "suppressed_total": result.suppressed_total,
                "notes": "Gauss, region-certified LP audit, interval widening",
            }
        )
    return rows
