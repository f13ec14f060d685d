"""Claims about the PxWeb v2 client, tested over real HTTP against a local server."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import segregation as seg
from segregation.data.pxweb import PxWebClient, PxWebError, RateLimiter, _split_selection

pytestmark = pytest.mark.network_local

ALL_YEARS = {"Region": "*", "Fodelseregion": ["SE", "TOT"], "Tid": ["2020", "2021", "2022", "2023"]}
REGSO = {"Region": "vs_RegSO2025"}
KIRUNA_2023 = 1350 + 1885  # the two 2020-edition labels with no 2025 counterpart


@pytest.fixture(scope="module")
def joined_2023(shared_data):
    """Per-RegSO 2023 counts from the CSV export, joined the file way (the oracle)."""
    import warnings

    regso = seg.load_regso()
    born = seg.read_scb(shared_data / "regso_stats" / "regso_born_in_sweden_total_2020_2023.csv")
    match = seg.match_areas(born["region"], regso, accept_spelling=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seg.join(
            regso,
            born,
            year=2023,
            match=match,
            columns={"Sverige": "born_in_sweden", "totalt": "population"},
        )


def test_config_limits_are_read(make_client):
    client = make_client()
    assert client.config()["maxDataCells"] == 10000
    client.table("TAB6572")
    assert client.limiter.max_calls == 29 and client.limiter.window == 10.0


def test_search_and_paging_collect_every_table(make_client, pxweb_server):
    client = make_client()
    assert client.tables("födelseregion")["id"].tolist() == ["TAB6572"]
    paged = client.tables(page_size=1)
    assert sorted(paged["id"]) == ["TAB6258", "TAB6572", "TAB6574"]
    pages = [dict(e["query"]).get("pageNumber") for e in pxweb_server.log if e["path"] == "/tables"]
    assert pages[-3:] == ["1", "2", "3"]


def test_metadata_variables_and_codelist(make_client):
    client = make_client()
    variables = client.variables("TAB6572").set_index("id")
    assert variables.loc["Region", "type"] == "GeographicalVariable"
    assert variables.loc["Region", "codelists"] == ["vs_RegSO2025"]
    assert bool(variables.loc["Kon", "elimination"])
    codes = client.codelist("vs_RegSO2025")
    assert len(codes) == 3363 and codes["code"].iloc[0] == "0114R001_RegSO2025"


def test_large_request_is_split_under_the_cell_limit(make_client, pxweb_server, shared_data):
    client = make_client()
    frame = client.data("TAB6572", ALL_YEARS, codelists=REGSO)
    calls = pxweb_server.data_calls()
    # 3363 areas x 2 x 4 years = 26,904 cells; 8 cells per area -> 1,250 areas per call
    assert len(calls) == 3 == frame.attrs["citation"]["calls"]
    sizes = [len(c["body"]["selection"][0]["valueCodes"]) * 2 * 4 for c in calls]
    assert max(sizes) <= 10000 and sum(sizes) == 26904
    assert len(frame) == 26904
    csv = seg.read_scb(shared_data / "regso_stats" / "regso_born_in_sweden_total_2020_2023.csv")
    for year in (2020, 2023):
        total = csv.loc[(csv["year"] == year) & (csv["födelseregion"] == "totalt"), "value"].sum()
        kiruna = csv.loc[
            (csv["year"] == year)
            & (csv["födelseregion"] == "totalt")
            & csv["region"].isin(["Kiruna (Bolaget )", "Kiruna (Övre Norrmalm)"]),
            "value",
        ].sum()
        got = frame.loc[
            (frame["year"] == year) & (frame["födelseregion"] == "totalt"), "value"
        ].sum()
        assert got == total - kiruna
    assert frame.attrs["report"]["missing"] == {"..": 2 * 2 * 4}


def test_split_selection_keeps_every_value_once():
    selection = {"Region": [f"r{i}" for i in range(1001)], "Tid": ["2022", "2023"]}
    parts = _split_selection(selection, 150)
    assert [len(p["Region"]) for p in parts] == [75] * 13 + [26]
    assert [r for p in parts for r in p["Region"]] == selection["Region"]
    with pytest.raises(PxWebError, match="Even one value of Region gives 2 cells"):
        _split_selection(selection, 1)


def test_long_selection_goes_as_post_and_short_as_get(make_client, pxweb_server):
    client = make_client()
    long = client.data(
        "TAB6572", {"Region": "*", "Fodelseregion": ["TOT"], "Tid": ["2023"]}, codelists=REGSO
    )
    short = client.data(
        "TAB6572",
        {"Region": "0114R00*", "Fodelseregion": ["TOT"], "Tid": ["2023"]},
        codelists=REGSO,
    )
    methods = [c["method"] for c in pxweb_server.data_calls()]
    assert methods == ["POST", "GET"]
    assert len(long) == 3363 and len(short) == 9
    get = pxweb_server.data_calls()[1]
    assert get["url_length"] < 2000
    assert ("codelist[Region]", "vs_RegSO2025") in get["query"]


def test_plus_in_a_value_code_is_sent_as_percent_2b(make_client, pxweb_server):
    client = make_client()
    frame = client.data(
        "TAB6572",
        {
            "Region": ["0114R001_RegSO2025"],
            "Fodelseregion": ["TOT"],
            "Kon": ["1+2"],
            "Tid": ["2023"],
        },
        codelists=REGSO,
    )
    assert frame["value"].tolist() == [5920]
    call = pxweb_server.data_calls()[0]
    assert "=1%2B2" in call["raw_query"]
    assert ("valuecodes[Kon]", "1+2") in call["query"]


def test_429_is_retried_after_backoff_and_retry_after(make_client, pxweb_server, sleeps):
    client = make_client(backoff=0.5)
    client.config()
    pxweb_server.faults.extend(["429", "429-retry-after"])
    info = client.table("TAB6572")
    assert info["id"] == "TAB6572"
    assert sleeps == [0.5, 3.0]  # doubled backoff, then the server's Retry-After wins
    assert [e["fault"] for e in pxweb_server.log[-3:]] == ["429", "429-retry-after", None]


def test_server_errors_are_retried_then_reported(make_client, pxweb_server, sleeps):
    client = make_client(retries=2, backoff=1.0)
    client.config()
    pxweb_server.faults.extend(["503", "500", "502"])
    with pytest.raises(PxWebError, match=r"failed 3 times \(HTTP 503, HTTP 500, HTTP 502\)"):
        client.table("TAB6572")
    assert sleeps == [1.0, 2.0]


def test_timeout_is_retried(make_client, pxweb_server):
    warm = make_client()  # metadata and code list into the shared cache, without hurry
    warm.metadata("TAB6572"), warm.codelist("vs_RegSO2025"), warm.table("TAB6572")
    client = make_client(timeout=1.0)
    pxweb_server.timeout_sleep = 3.0
    pxweb_server.faults.append("timeout")
    frame = client.data(
        "TAB6572",
        {"Region": ["0114R001_RegSO2025"], "Fodelseregion": ["TOT"], "Tid": ["2023"]},
        codelists=REGSO,
    )
    assert frame["value"].tolist() == [5920]
    faults = [c["fault"] for c in pxweb_server.data_calls()]
    assert faults[0] == "timeout" and len(faults) >= 2 and set(faults[1:]) == {None}


def test_malformed_body_is_retried_and_never_cached(make_client, pxweb_server, tmp_path):
    client = make_client(retries=0)
    client.config()
    pxweb_server.faults.append("malformed")
    with pytest.raises(PxWebError, match="malformed body"):
        client.table("TAB6572")
    assert not any("TAB6572" in p.name for p in (tmp_path / "cache").iterdir())
    pxweb_server.faults.append("malformed")
    retrying = make_client(retries=1)
    assert retrying.table("TAB6572")["id"] == "TAB6572"


def test_bad_value_code_fails_at_once_with_the_servers_words(make_client, pxweb_server):
    client = make_client()
    with pytest.raises(PxWebError, match="'9999R001_RegSO2025' is not a value of Region"):
        client.data(
            "TAB6572", {"Region": ["9999R001_RegSO2025"], "Fodelseregion": ["TOT"]}, codelists=REGSO
        )
    with pytest.raises(PxWebError, match=r"404 .*No table TAB0000"):
        client.table("TAB0000")


def test_cache_answers_repeats_and_works_offline(make_client, pxweb_server, tmp_path):
    selection = {"Region": "0180R0*", "Fodelseregion": ["SE", "TOT"], "Tid": ["2023"]}
    online = make_client()
    first = online.data("TAB6572", selection, codelists=REGSO)
    sent = len(pxweb_server.log)
    again = make_client().data("TAB6572", selection, codelists=REGSO)
    offline = make_client(offline=True).data("TAB6572", selection, codelists=REGSO)
    assert len(pxweb_server.log) == sent  # nothing went over the wire
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, offline)
    assert offline.attrs["citation"]["fetched"] == first.attrs["citation"]["fetched"]
    with pytest.raises(
        PxWebError, match="offline=True but tables/TAB6258/metadata is not in the cache"
    ):
        make_client(offline=True).data("TAB6258", {"Region": "*"}, codelists=REGSO)


def test_refresh_and_max_age_fetch_again(make_client, pxweb_server):
    client = make_client()
    client.table("TAB6572")
    before = len(pxweb_server.log)
    make_client(max_age=0).table("TAB6572")
    assert len(pxweb_server.log) == before + 2  # /config and the table again
    make_client().table("TAB6572")
    assert len(pxweb_server.log) == before + 2  # cached again
    selection = {"Region": "0114R00*", "Fodelseregion": ["TOT"], "Tid": ["2023"]}
    client.data("TAB6572", selection, codelists=REGSO)
    client.data("TAB6572", selection, codelists=REGSO, refresh=True)
    assert len(pxweb_server.data_calls()) == 2


def test_citation_names_table_variables_codes_and_date(make_client):
    frame = make_client().data(
        "TAB6572",
        {"Region": "0114R00*", "Fodelseregion": ["TOT"], "Tid": ["2023"]},
        codelists=REGSO,
    )
    citation = frame.attrs["citation"]
    assert citation["table"] == "TAB6572"
    assert citation["title"].startswith("Folkmängd efter region, födelseregion")
    assert citation["variables"]["Tid"] == ["2023"]
    assert len(citation["variables"]["Region"]) == 9
    assert citation["codelists"] == REGSO
    assert citation["fetched"][:4].isdigit() and "T" in citation["fetched"]
    assert citation["text"] == "Källa: SCB, TAB6572"
    json.dumps(citation)  # goes into a run manifest as it is


def test_rate_limiter_never_exceeds_its_window_with_an_injected_clock():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(29, 10.0, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(100):
        limiter.acquire()
        stamps.append(now[0])
        now[0] += 0.05  # a fast caller
    stamps = np.array(stamps)
    in_window = np.searchsorted(stamps, stamps + 10.0, side="left") - np.arange(len(stamps))
    assert in_window.max() == 29
    assert stamps[29] == pytest.approx(10.0)  # the 30th call waits for the first to age out
    assert len(sleeps) == 3


def test_client_rate_limits_its_own_calls(pxweb_server, tmp_path):
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    client = PxWebClient(pxweb_server.url, cache_dir=False, clock=lambda: now[0], sleep=sleep)
    for _ in range(60):
        client.table("TAB6572")
    assert client.calls == 61  # /config plus 60 tables
    # 29 calls at t=0, 29 at t=10, 2 at t=20: never 30 in one window
    assert waits == [pytest.approx(10.0), pytest.approx(10.0)]


def test_recipe_born_abroad_matches_the_csv_export(make_client, joined_2023):
    frame = seg.fetch("born_abroad", level="regso", year=2023, edition=2025, client=make_client())
    assert frame.index.name == "regsokod" and len(frame) == 3363
    assert list(frame.columns) == ["population", "born_in_sweden", "born_abroad"]
    both = frame.join(joined_2023[["population", "born_in_sweden"]], suffixes=("", "_csv"))
    pd.testing.assert_series_equal(both["population"], both["population_csv"], check_names=False)
    assert (frame["born_abroad"] == frame["population"] - frame["born_in_sweden"]).dropna().all()
    assert frame["population"].sum() == 10_551_707 - KIRUNA_2023
    assert frame.attrs["report"]["missing_areas"] == ["2523R011", "2584R015"]
    assert frame.attrs["citation"]["table"] == "TAB6572"


def test_recipe_tenure_and_kommun_filter(make_client):
    frame = seg.fetch(
        "tenure", level="regso", year=2023, edition=2025, kommun="0180", client=make_client()
    )
    assert frame.index.str.startswith("0180").all() and len(frame) == 127
    assert list(frame.columns) == ["hyresratt", "bostadsratt", "aganderatt", "unknown_tenure"]
    assert frame.attrs["unit"] == "dwellings"


def test_recipe_that_does_not_exist_at_a_level_says_so(make_client):
    with pytest.raises(seg.SegregationError, match="exists for regso, not for level='deso'"):
        seg.fetch("born_abroad", level="deso", year=2023, client=make_client())
    with pytest.raises(PxWebError, match="404"):
        seg.fetch("population", level="regso", year=2023, client=make_client())


def test_cli_fetch_writes_csv_and_citation_then_works_offline(pxweb_server, tmp_path, capsys):
    from segregation.cli import main

    out = tmp_path / "tenure.csv"
    common = [
        "--base-url",
        pxweb_server.url,
        "--cache-dir",
        str(tmp_path / "c"),
        "--kommun",
        "0114",
        "--edition",
        "2025",
    ]
    assert main(["fetch", "tenure", *common, "-o", str(out)]) == 0
    table = pd.read_csv(out, dtype={"regsokod": str}).set_index("regsokod")
    assert table.loc["0114R001", "hyresratt"] == 54
    citation = json.loads((tmp_path / "tenure.citation.json").read_text(encoding="utf-8"))
    assert citation["table"] == "TAB6258"
    sent = len(pxweb_server.log)
    assert main(["fetch", "tenure", *common, "--offline", "-o", str(tmp_path / "again.csv")]) == 0
    assert len(pxweb_server.log) == sent
    assert main(["fetch"]) == 0
    assert "born_abroad" in capsys.readouterr().out


def test_tidy_api_frame_joins_onto_boundaries_by_suffixed_code(make_client, joined_2023):
    client = make_client()
    selection = {"Region": "*", "Fodelseregion": ["SE", "TOT"], "Tid": ["2023"]}
    tidy = client.data("TAB6572", selection, codelists=REGSO)
    joined = seg.join(
        seg.load_regso(),
        tidy,
        columns={"Sverige": "born_in_sweden", "totalt": "population"},
        on_unmatched="ignore",
    )
    assert joined.attrs["citation"]["table"] == "TAB6572"
    assert joined.attrs["report"]["matched"] == 3363
    pd.testing.assert_series_equal(joined["population"], joined_2023["population"])


def test_clients_on_real_time_share_one_rate_window_per_api(pxweb_server, tmp_path):
    first = PxWebClient(pxweb_server.url, cache_dir=False)
    second = PxWebClient(pxweb_server.url, cache_dir=False)
    first.table("TAB6572"), second.table("TAB6572")
    assert first.limiter is second.limiter
    assert len(first.limiter.calls) >= 2
    injected = PxWebClient(
        pxweb_server.url, cache_dir=False, clock=lambda: 0.0, sleep=lambda s: None
    )
    injected.table("TAB6572")
    assert injected.limiter is not first.limiter


def test_uri_too_long_falls_back_to_post(make_client, pxweb_server):
    client = make_client(max_url_length=10**6)  # never POST by length
    selection = {"Region": "*", "Fodelseregion": ["TOT"], "Tid": ["2023"]}
    frame = client.data("TAB6572", selection, codelists=REGSO)
    assert len(frame) == 3363
    assert [c["method"] for c in pxweb_server.data_calls()] == ["GET", "POST"]
    assert pxweb_server.data_calls()[0]["url_length"] > 2100


def test_perturbed_years_floor_derived_counts_and_skip_the_total_check(pxweb_content, tmp_path):
    import copy

    from pxweb_server import PxWebServer

    from segregation.data.scb_files import InvalidCountError

    content = copy.deepcopy(pxweb_content)
    table = content["tables"]["TAB6572"]
    lookup = table["data"]["lookup"]
    region, tid = table["variables"][0], table["variables"][-1]
    tid[3].append("2025")
    tid[4]["2025"] = "2025"
    for (code, category, year), value in list(lookup.items()):
        if year == 2023:
            lookup[(code, category, 2025)] = value
    # cell key perturbation can leave a part above its total
    lookup[("0114R001_RegSO2025", "Sverige", 2025)] = (
        lookup[("0114R001_RegSO2025", "totalt", 2025)] + 2
    )
    lookup[("0114R001_RegSO2025", "Sverige", 2023)] = (
        lookup[("0114R001_RegSO2025", "totalt", 2023)] + 2
    )
    assert region[0] == "Region"
    with PxWebServer(content) as server:
        client = PxWebClient(server.url, cache_dir=tmp_path / "c", sleep=lambda s: None)
        frame = seg.fetch("born_abroad", year=2025, edition=2025, kommun="0114", client=client)
        assert frame.loc["0114R001", "born_abroad"] == 0
        assert frame.attrs["report"]["floored_at_zero"] == {"born_abroad": ["0114R001"]}
        assert frame.attrs["report"]["perturbed"] is True
        with pytest.raises(InvalidCountError, match=r"born_in_sweden > population: 0114R001"):
            seg.fetch("born_abroad", year=2023, edition=2025, kommun="0114", client=client)


def test_cut_off_cache_file_is_fetched_again_not_a_crash(make_client, pxweb_server, tmp_path):
    make_client().table("TAB6572")
    files = sorted((tmp_path / "cache").glob("tables_TAB6572-*.json"))
    assert len(files) == 1
    files[0].write_text(files[0].read_text(encoding="utf-8")[:40], encoding="utf-8")
    with pytest.raises(PxWebError, match="offline=True but tables/TAB6572 is not in the cache"):
        make_client(offline=True).table("TAB6572")
    before = len(pxweb_server.log)
    assert make_client().table("TAB6572")["id"] == "TAB6572"
    assert len(pxweb_server.log) == before + 1  # fetched again, and stored whole
    assert json.loads(files[0].read_text(encoding="utf-8"))["body"]["id"] == "TAB6572"
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_deso_recipe_uses_the_older_edition_and_unsuffixed_codes(make_client, shared_data):
    import geopandas as gpd

    path = shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg"
    real = gpd.read_file(path, ignore_geometry=True).set_index("deso")["population_2016"]
    frame = seg.fetch("population", level="deso", year=2016, kommun="0380", client=make_client())
    expected = real[real.index.str.startswith("0380")].sort_index()
    assert frame.index.name == "desokod" and len(frame) == len(expected) > 50
    assert frame.index.tolist() == expected.index.tolist()
    assert frame["population"].tolist() == expected.tolist()
    assert (frame["men"] + frame["women"] == frame["population"]).all()
    assert frame.attrs["edition"] == 2018 and frame.attrs["level"] == "deso"
    citation = frame.attrs["citation"]
    assert citation["codelists"] == {"Region": "vs_DeSO2018"}
    assert citation["variables"]["Kon"] == ["1+2", "1", "2"]
    assert citation["variables"]["Tid"] == ["2016"] and "Alder" not in citation["variables"]
    with pytest.raises(PxWebError, match=r"404 .*No code list vs_DeSO2025"):
        seg.fetch("population", level="deso", year=2016, edition=2025, client=make_client())
