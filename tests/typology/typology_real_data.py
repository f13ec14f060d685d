"""The RegSO 2023 input of the real-data tests and the benchmark, read with the library."""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import pandas as pd

import segregation as seg

FEATURES = ["born_abroad", "hyresratt", "aganderatt", "mean_wage_income"]


@lru_cache(maxsize=2)
def _read(shared_data: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], object]:
    """SCB's three exports, read once per session, and their labels matched to RegSO 2025."""
    folder = shared_data / "regso_stats"
    areas = seg.load_regso()
    tables = {
        "born": seg.read_scb(folder / "regso_born_in_sweden_total_2020_2023.csv"),
        "tenure": seg.read_scb(folder / "regso_dwellings_by_tenure_2020_2023.csv"),
        "wage": seg.read_scb(folder / "regso_mean_wage_income_2020_2023.csv"),
    }
    labels = pd.concat([t["region"] for t in tables.values()]).unique()
    return areas, tables, seg.match_areas(labels, areas, accept_spelling=True)


def regso_2023(shared_data: Path) -> tuple[pd.DataFrame, dict]:
    """The inputs for 2023 (see :func:`regso_inputs`)."""
    return regso_inputs(shared_data, 2023)


def regso_inputs(shared_data: Path, year: int) -> tuple[pd.DataFrame, dict]:
    """A copy of :func:`_inputs` (computed once per year and session)."""
    frame, report = _inputs(shared_data, year)
    return frame.copy(), dict(report)


@lru_cache(maxsize=8)
def _inputs(shared_data: Path, year: int) -> tuple[pd.DataFrame, dict]:
    """Per RegSO 2025 code, for ``year`` (2020-2023): share born abroad, share rented and
    share owner-occupied (all percent), mean wage income (tkr) and population, for the areas
    with all four; plus the match report (labels without a 2025 RegSO, areas left out)."""
    areas, tables, match = _read(shared_data)
    columns = {
        "born": {"Sverige": "born_in_sweden", "totalt": "population"},
        "tenure": {
            "hyresrätt": "hyresratt_n",
            "bostadsrätt": "bostadsratt_n",
            "äganderätt": "aganderatt_n",
        },
        "wage": None,
    }
    joined = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seg.SegregationWarning)  # reported in attrs below
        for name, table in tables.items():
            part = seg.join(areas[[]], table, year=year, columns=columns[name], match=match)
            joined.append(part)
    frame = pd.concat(joined, axis=1)
    frame = frame.rename(columns={c: "mean_wage_income" for c in joined[2].columns})
    dwellings = frame[["hyresratt_n", "bostadsratt_n", "aganderatt_n"]].sum(axis=1)
    inputs = pd.DataFrame(
        {
            "born_abroad": 100 * (1 - frame["born_in_sweden"] / frame["population"]),
            "hyresratt": 100 * frame["hyresratt_n"] / dwellings,
            "aganderatt": 100 * frame["aganderatt_n"] / dwellings,
            "mean_wage_income": frame["mean_wage_income"],
            "population": frame["population"],
        }
    ).astype(float)
    complete = inputs.notna().all(axis=1)
    report = {
        "unmatched_labels": match.report["label"][
            ~match.report["reason"].str.endswith("(accepted)")
        ].tolist(),
        "areas_without_data": inputs.index[~complete].tolist(),
    }
    return inputs[complete], report
