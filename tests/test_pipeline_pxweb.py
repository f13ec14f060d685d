"""A batch run that fetches its counts over HTTP from a PxWeb API (a local server with real
SCB statistics), records what it fetched, and notices when the numbers change."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import segregation as seg
from segregation.pipeline import reproduce, run

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
from pxweb_server import PxWebServer, build_tables

pytestmark = pytest.mark.network_local


@pytest.fixture(scope="module")
def content(shared_data, shared_reference):
    return build_tables(shared_data, shared_reference)


def _config(url: str) -> dict:
    return {
        "run": {"kommuner": ["0380", "1280"], "workers": 1},
        "input": {"source": "pxweb", "recipes": ["born_abroad"], "year": 2023, "pxweb_url": url},
        "typology": {"enabled": False},
        "outputs": {"html": False, "png": False, "map_columns": ["born_abroad_share"]},
    }


def test_run_fetches_real_counts_and_computes_what_fetch_gives(content, tmp_path):
    with PxWebServer(content) as server:
        result = run(_config(server.url), tmp_path / "a", progress=False)
        direct = seg.fetch(
            "born_abroad",
            "regso",
            2023,
            edition=2025,
            kommun=["0380", "1280"],
            client=seg.PxWebClient(server.url, cache_dir=False),
        )
    assert any("/tables/TAB6572/data" in str(entry) for entry in server.log)
    expected = seg.indices.compute(
        direct, group="born_abroad", total="population", indices=["dissimilarity"], by="kommunkod"
    )
    summary = pd.read_csv(tmp_path / "a/summary/indices.csv", dtype={"kommunkod": str})
    got = summary.set_index("kommunkod")["dissimilarity"]
    assert got.loc["0380"] == expected.loc["0380", "dissimilarity"]
    assert got.loc["1280"] == expected.loc["1280", "dissimilarity"]
    item = result.inputs["pxweb/born_abroad"]
    assert item["table"] == "TAB6572" and item["url"] == server.url and len(item["sha256"]) == 64
    # the manifest cites the table as SCB publishes it: title, variables and codes, date
    manifest = json.loads((tmp_path / "a/manifest.json").read_text(encoding="utf-8"))
    cited = manifest["inputs"]["pxweb/born_abroad"]["citation"]
    assert cited == direct.attrs["citation"] | {"fetched": cited["fetched"]}
    assert cited["table"] == "TAB6572" and "SCB" in json.dumps(cited, ensure_ascii=False)
    areas = pd.read_csv(tmp_path / "a/kommuner/1280_malmo/areas.csv")
    assert len(areas) == len(seg.load_regso(kommun="1280"))


def test_reproduce_reports_a_revised_table(content, tmp_path):
    import copy

    with PxWebServer(copy.deepcopy(content)) as server:
        first = run(_config(server.url), tmp_path / "a", progress=False)
        same = reproduce(first.manifest, progress=False)
        # SCB revises one number: the population born in Sweden of one Malmö area
        data = server.content["tables"]["TAB6572"]["data"]["lookup"]
        key = ("1280R001_RegSO2025", "Sverige", 2023)
        data[key] = data[key] - 7
        revised = reproduce(first.manifest, progress=False)
    assert same.identical and not same.inputs_changed
    assert not revised.identical
    assert revised.inputs_changed and revised.inputs_changed[0].startswith("pxweb/born_abroad")
    assert "kommuner/1280_malmo/indices.csv" in revised.outputs["changed"]
    assert "kommuner/0380_uppsala/indices.csv" in revised.outputs["identical"]
