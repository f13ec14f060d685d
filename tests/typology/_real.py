"""Build the RegSO 2023 input frame of the real-data tests from SCB's exports."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import segregation as seg


def _key(label: str) -> str:
    # SCB labels are "Kommun (RegSO-namn)"; fold case, spaces and dashes for matching
    label = label.replace("\u2013", "-").replace("\u2014", "-")
    label = re.sub(r"\s*([()-])\s*", r"\1", label)
    return re.sub(r"\s+", " ", label).strip().casefold()


def regso_2023(shared_data: Path) -> tuple[pd.DataFrame, list[str]]:
    """Per RegSO 2025 code: share born abroad, share rented, share owner-occupied, mean wage
    income (tkr), population; plus the labels that did not match a 2025 RegSO."""
    folder = shared_data / "regso_stats"
    born = pd.read_csv(folder / "regso_born_in_sweden_total_2020_2023.csv", encoding="utf-8-sig")
    born = born.pivot(index="region", columns="födelseregion", values="Antal 2023")
    tenure = pd.read_csv(folder / "regso_dwellings_by_tenure_2020_2023.csv", encoding="utf-8-sig")
    tenure = tenure.pivot(index="region", columns="upplåtelseform", values="Antal 2023")
    wage = pd.read_csv(folder / "regso_mean_wage_income_2020_2023.csv", encoding="utf-8-sig")
    wage = wage.set_index("region")["Medelvärde för samtliga, tkr 2023"]
    dwellings = tenure[["hyresrätt", "bostadsrätt", "äganderätt"]].sum(axis=1)
    frame = pd.DataFrame(
        {
            "born_abroad": 100 * (1 - born["Sverige"] / born["totalt"]),
            "hyresratt": 100 * tenure["hyresrätt"] / dwellings,
            "aganderatt": 100 * tenure["äganderätt"] / dwellings,
            "mean_wage_income": wage,
            "population": born["totalt"],
        }
    )
    areas = seg.load_regso()
    labels = (areas["kommunnamn"] + " (" + areas["regsonamn"] + ")").map(_key)
    code_of = pd.Series(areas.index, index=labels.to_numpy())
    codes = frame.index.map(lambda label: code_of.get(_key(label)))
    unmatched = sorted(frame.index[codes.isna()])
    frame = frame[codes.notna()]
    frame.index = pd.Index(codes[codes.notna()], name="regsokod")
    return frame, unmatched
