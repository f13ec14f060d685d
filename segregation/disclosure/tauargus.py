"""Side by side with tau-ARGUS (PyPI ``pytauargus``: the tau-ARGUS engine with HiGHS).

Optional: ``pip install pytauargus``. Used by the tests and the benchmark to check that a
pattern found here also passes tau-ARGUS's own audit, and to compare with tau-ARGUS's
optimal pattern. Two-level hierarchy (area -> kommun -> Total) with every margin given.

The width rule is passed as tau-ARGUS protection levels: a sensitive cell ``v`` gets lower
level ``v`` (its interval must reach 0) and upper level ``min_count - v``.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

__all__ = ["pattern_counts", "tauargus_audit", "tauargus_suppress"]


def _import():
    try:
        import pytauargus  # noqa: F401
        from pytauargus.batch import Suppress
        from pytauargus.engine import run_batch
        from pytauargus.result import parse_simple_tab
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "tau-ARGUS comparison needs the 'pytauargus' package: pip install pytauargus"
        ) from exc
    return run_batch, Suppress, parse_simple_tab


def _write(
    work: Path, counts: pd.DataFrame, status: Mapping[tuple[str, str], str] | None, min_count: int
) -> Path:
    """Table input for tau-ARGUS: .tab (every cell and margin), .hrc, .rda and .arb."""
    kommun = counts.index.str[:4]
    cats = list(counts.columns)
    rows = []
    inner = counts.stack()
    inner.index.names = ["region", "cat"]
    k = counts.groupby(kommun).sum().stack()
    k.index.names = ["region", "cat"]
    tot = counts.sum()
    parts = [
        inner,
        k,
        pd.Series(tot.to_numpy(), index=pd.MultiIndex.from_product([["Total"], cats])),
    ]
    region_tot = pd.concat(
        [
            counts.sum(axis=1),
            counts.groupby(kommun).sum().sum(axis=1),
            pd.Series({"Total": tot.sum()}),
        ]
    )
    parts.append(
        pd.Series(
            region_tot.to_numpy(),
            index=pd.MultiIndex.from_arrays([region_tot.index, ["Total"] * len(region_tot)]),
        )
    )
    cells = pd.concat(parts)
    for (region, cat), v in cells.items():
        v = int(v)
        if status is not None:
            st = status.get((region, cat), "S")
        else:
            st = "U" if 0 < v < min_count else "S"
        lpl = v if st == "U" else 0
        upl = max(min_count - v, 0) if st == "U" else 0
        freq = v if v > 0 else 0
        rows.append(f"{region};{cat};{v};{freq};{st};{lpl};{upl}")
    (work / "t.tab").write_text("\n".join(rows) + "\n")
    hrc = []
    for kom in sorted(set(kommun)):
        hrc.append(kom)
        hrc += ["@" + d for d in sorted(counts.index[kommun == kom])]
    (work / "region.hrc").write_text("\n".join(hrc) + "\n")
    (work / "t.rda").write_text(
        '<SEPARATOR> ";"\n'
        '<SAFE> "S"\n<UNSAFE> "U"\n<PROTECT> "P"\n'
        'region\n <RECODEABLE>\n <TOTCODE> "Total"\n <HIERARCHICAL>\n'
        ' <HIERCODELIST> "region.hrc"\n <HIERLEADSTRING> "@"\n'
        'cat\n <RECODEABLE>\n <TOTCODE> "Total"\n'
        "count\n <NUMERIC>\nfreq\n <FREQUENCY>\nstatus\n <STATUS>\n"
        "lpl\n <NUMERIC> <LOWERPL>\nupl\n <NUMERIC> <UPPERPL>\n"
    )
    arb = work / "t.arb"
    arb.write_text(
        f'<OPENTABLEDATA> "{work / "t.tab"}"\n<OPENMETADATA> "{work / "t.rda"}"\n'
        '<SPECIFYTABLE> "region""cat"|"count"||\n<SAFETYRULE>\n<READTABLE> 0\n'
    )
    return arb


def _read(eng, work: Path) -> pd.DataFrame:
    _, _, parse_simple_tab = _import()
    out = work / "out.tab"
    eng.write_intermediate_table(0, str(out), simple=True)
    rows = parse_simple_tab(out, ["region", "cat"], "count", is_freq=False)
    frame = pd.DataFrame(rows)
    frame["region"] = frame["region"].replace("", "Total")
    frame["cat"] = frame["cat"].replace("", "Total")
    return frame


def tauargus_suppress(
    counts: pd.DataFrame, min_count: int = 5, method: str = "OPT"
) -> pd.DataFrame:
    """tau-ARGUS's pattern (``OPT`` optimal or ``MOD`` modular) under the width rule.

    Returns one row per cell: ``region, cat, count, status`` (``S`` safe, ``U`` primary,
    ``M`` secondary) plus tau-ARGUS's ``lower``/``upper``.
    """
    run_batch, Suppress, _ = _import()
    # the engine writes scratch files into the working directory: keep them in `work`
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        work = Path(tmp)
        eng = run_batch(_write(work, counts, None, min_count))
        eng.suppress(Suppress(kind=method, tab_no=1))
        return _read(eng, work)


def tauargus_audit(counts: pd.DataFrame, status: pd.Series, min_count: int = 5) -> pd.DataFrame:
    """tau-ARGUS's own audit of a given pattern.

    ``status`` maps ``(region, cat)`` (region ``Total`` and cat ``Total`` for margins) to
    ``U`` (sensitive) or ``M`` (secondary); other cells are safe. Returns the audit rows of
    tau-ARGUS (``cell, min, max, value, status, unsafe``) joined to codes.
    """
    run_batch, _, _ = _import()
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        work = Path(tmp)
        eng = run_batch(_write(work, counts, status, min_count))
        rows = eng.audit(0)
        return (
            pd.DataFrame(rows)
            if rows
            else pd.DataFrame(columns=["cell", "min", "max", "value", "status", "unsafe"]).astype(
                {"min": float, "max": float, "value": float}
            )
        )


def pattern_counts(frame: pd.DataFrame) -> dict[str, float]:
    """Primary and secondary counts and the suppressed total of a tau-ARGUS pattern."""
    st = frame["status"]
    return {
        "primary": int((st == "U").sum()),
        "secondary": int((st == "M").sum()),
        "suppressed_total": float(frame.loc[st.isin(["U", "M"]), "count"].sum()),
    }
