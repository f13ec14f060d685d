"""Shared fixtures: the real Uppsala DeSO table split into 5 categories."""

from __future__ import annotations

import json

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def uppsala(shared_data) -> pd.DataFrame:
    path = shared_data / "reference" / "disclosure" / "uppsala_deso_5cat_thin.csv"
    frame = pd.read_csv(path, dtype={"deso": str, "kommun": str})
    return frame.set_index("deso").drop(columns="kommun")


@pytest.fixture(scope="session")
def tau_reference(shared_data) -> dict:
    path = shared_data / "reference" / "disclosure" / "tauargus_uppsala_thin.json"
    data = json.loads(path.read_text())
    return next(r for r in data["results"] if r["config"] == "w5" and r["method"] == "OPT")


@pytest.fixture(scope="session")
def uppsala_protected(uppsala):
    from segregation.disclosure import protect

    return protect(uppsala, 5, levels=["deso", "kommun", "riket"])
