"""Real RegSO counts for the index tests, read with the library's own readers.

Born in Sweden / total population and dwellings by tenure per RegSO 2025 code, for a year.
Labels are matched with ``accept_spelling=True``; the areas left without data (edition
changes in Kiruna, and the like) are dropped explicitly and counted.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import pandas as pd

import segregation as seg

TENURE = ["hyresratt", "bostadsratt", "aganderatt"]


@lru_cache(maxsize=4)
def regso_counts(shared_data: Path, year: int = 2023) -> pd.DataFrame:
    """Counts per RegSO: born_in_sweden, population, born_abroad, and the three tenures."""
    folder = shared_data / "regso_stats"
    areas = seg.load_regso()[[]]
    born = seg.read_scb(folder / "regso_born_in_sweden_total_2020_2023.csv")
    tenure = seg.read_scb(folder / "regso_dwellings_by_tenure_2020_2023.csv")
    labels = pd.concat([born["region"], tenure["region"]]).unique()
    match = seg.match_areas(labels, seg.load_regso(), accept_spelling=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seg.SegregationWarning)  # counted below
        people = seg.join(
            areas, born, year=year, match=match,
            columns={"Sverige": "born_in_sweden", "totalt": "population"},
        )  # fmt: skip
        homes = seg.join(
            areas, tenure, year=year, match=match,
            columns={"hyresrätt": "hyresratt", "bostadsrätt": "bostadsratt",
                     "äganderätt": "aganderatt"},
        )  # fmt: skip
    frame = pd.concat([pd.DataFrame(people), pd.DataFrame(homes)], axis=1)
    frame = frame.dropna(subset=["population", *TENURE]).astype("int64")
    frame["born_abroad"] = frame["population"] - frame["born_in_sweden"]
    frame["kommunkod"] = frame.index.str[:4]
    frame["lanskod"] = frame.index.str[:2]
    frame.attrs["dropped"] = len(areas) - len(frame)
    return frame
