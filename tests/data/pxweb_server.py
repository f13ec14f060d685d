"""A local PxWeb API v2 server for tests, serving real SCB statistics on 127.0.0.1.

It implements the endpoints the client uses, after SCB's OpenAPI spec and example responses
(``../shared/reference/pxweb-v2/``): ``/config``, ``/tables`` (search and paging),
``/tables/{id}``, ``/tables/{id}/metadata``, ``/codelists/{id}`` and ``/tables/{id}/data``
(GET with ``valuecodes[VAR]``/``codelist[VAR]``, or POST with a JSON selection), answering
json-stat2. Its RegSO tables are built from the exports in ``../shared/data/regso_stats/``
with codes of edition 2025; its DeSO table (edition 2018) from the population in the DeSO
boundary file around Uppsala.

Faults are scripted: ``server.faults.extend(["429", "503", "timeout", "malformed"])`` makes
the next requests fail in that order. Every request is logged in ``server.log``.
"""

from __future__ import annotations

import collections
import json
import math
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd

import segregation as seg

MAX_URL = 2100  # longer request lines get 414, as SCB's front end does


def build_tables(shared_data: Path, shared_reference: Path) -> dict[str, Any]:
    """Tables, metadata and code lists from the real exports, keyed for the server."""
    regso = seg.load_regso()
    stats = shared_data / "regso_stats"
    born = seg.read_scb(stats / "regso_born_in_sweden_total_2020_2023.csv")
    tenure = seg.read_scb(stats / "regso_dwellings_by_tenure_2020_2023.csv")
    match = seg.match_areas(born["region"], regso, accept_spelling=True)
    codes = [f"{c}_RegSO2025" for c in regso.index]
    names = dict(zip(codes, regso["regsonamn"], strict=True))

    def cube(frame: pd.DataFrame, column: str, values: dict[str, str]) -> dict:
        frame = frame.assign(code=frame["region"].map(match.mapping))
        frame = frame[frame["code"].notna()]
        lookup = {
            (f"{c}_RegSO2025", cat, int(y)): v
            for c, cat, y, v in zip(
                frame["code"], frame[column], frame["year"], frame["value"], strict=True
            )
        }
        return {"values": values, "lookup": lookup}

    config = json.loads((shared_reference / "pxweb-v2" / "config-response.json").read_text())
    years = ["2020", "2021", "2022", "2023"]
    tables = {
        "TAB6572": {
            "label": "Folkmängd efter region, födelseregion, kön och år 2020-2023",
            "variables": [
                ("Region", "region", "GeographicalVariable", codes, names, False),
                (
                    "Fodelseregion",
                    "födelseregion",
                    "RegularVariable",
                    ["SE", "TOT"],
                    {"SE": "Sverige", "TOT": "totalt"},
                    False,
                ),
                ("Kon", "kön", "RegularVariable", ["1+2"], {"1+2": "totalt"}, True),
                (
                    "ContentsCode",
                    "tabellinnehåll",
                    "ContentsVariable",
                    ["000007Y1"],
                    {"000007Y1": "Antal personer"},
                    False,
                ),
                ("Tid", "år", "TimeVariable", years, {y: y for y in years}, False),
            ],
            "data": cube(born, "födelseregion", {"SE": "Sverige", "TOT": "totalt"}),
            "category": "Fodelseregion",
        },
        "TAB6258": {
            "label": "Lägenheter efter region, upplåtelseform och år 2020-2023",
            "variables": [
                ("Region", "region", "GeographicalVariable", codes, names, False),
                (
                    "Upplatelseform",
                    "upplåtelseform",
                    "RegularVariable",
                    ["1", "2", "3", "US"],
                    {
                        "1": "hyresrätt",
                        "2": "bostadsrätt",
                        "3": "äganderätt",
                        "US": "uppgift saknas",
                    },
                    False,
                ),
                (
                    "ContentsCode",
                    "tabellinnehåll",
                    "ContentsVariable",
                    ["000004SM"],
                    {"000004SM": "Antal lägenheter"},
                    False,
                ),
                ("Tid", "år", "TimeVariable", years, {y: y for y in years}, False),
            ],
            "data": cube(
                tenure,
                "upplåtelseform",
                {"1": "hyresrätt", "2": "bostadsrätt", "3": "äganderätt", "US": "uppgift saknas"},
            ),
            "category": "Upplatelseform",
        },
    }
    deso_table, deso_codelist = _deso_population(shared_data)
    tables["TAB6574"] = deso_table
    codelists = {
        "vs_DeSO2018": deso_codelist,
        "vs_RegSO2025": {
            "id": "vs_RegSO2025",
            "label": "RegSO 2025",
            "language": "sv",
            "type": "Valueset",
            "values": [{"code": c, "value": names[c], "valueMap": [c]} for c in codes],
        },
    }
    return {"config": config, "tables": tables, "codelists": codelists}


def _deso_population(shared_data: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Persons by sex per DeSO (edition 2018, codes without suffix, as SCB's
    ``vs_DeSO2018``): the real 2016 totals of the DeSO boundary file around Uppsala, split
    into men and women by a seeded binomial draw (the file has no split by sex)."""
    import geopandas as gpd

    path = shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg"
    deso = gpd.read_file(path, ignore_geometry=True).sort_values("deso")
    codes = deso["deso"].astype(str).tolist()
    total = deso["population_2016"].to_numpy(dtype=np.int64)
    men = np.random.default_rng(2016).binomial(total, 0.5)
    lookup: dict[tuple[str, str, int], int] = {}
    for code, t, m in zip(codes, total, men, strict=True):
        lookup[(code, "totalt", 2016)] = int(t)
        lookup[(code, "män", 2016)] = int(m)
        lookup[(code, "kvinnor", 2016)] = int(t - m)
    sexes = {"1": "män", "2": "kvinnor", "1+2": "totalt"}
    names = {c: c for c in codes}
    table = {
        "label": "Folkmängden per region efter ålder och kön. År 2016",
        "variables": [
            ("Region", "region", "GeographicalVariable", codes, names, False),
            ("Alder", "ålder", "RegularVariable", ["totalt"], {"totalt": "totalt"}, True),
            ("Kon", "kön", "RegularVariable", list(sexes), sexes, False),
            (
                "ContentsCode",
                "tabellinnehåll",
                "ContentsVariable",
                ["000007Y0"],
                {"000007Y0": "Folkmängd"},
                False,
            ),
            ("Tid", "år", "TimeVariable", ["2016"], {"2016": "2016"}, False),
        ],
        "data": {"values": sexes, "lookup": lookup},
        "category": "Kon",
        "codelists": [{"id": "vs_DeSO2018", "label": "DeSO 2018", "type": "Valueset"}],
        "periods": ("2016", "2016"),
    }
    codelist = {
        "id": "vs_DeSO2018",
        "label": "DeSO 2018",
        "language": "sv",
        "type": "Valueset",
        "values": [{"code": c, "value": c, "valueMap": [c]} for c in codes],
    }
    return table, codelist


class PxWebServer:
    """Threaded HTTP server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self, content: dict[str, Any], *, max_cells: int | None = None) -> None:
        self.content = content
        self.config = dict(content["config"])
        if max_cells is not None:
            self.config["maxDataCells"] = max_cells
        self.faults: collections.deque[str] = collections.deque()
        self.timeout_sleep = 1.0
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PxWebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def data_calls(self) -> list[dict[str, Any]]:
        return [e for e in self.log if e["path"].endswith("/data")]


class _Handler(BaseHTTPRequestHandler):
    server_state: PxWebServer
    protocol_version = "HTTP/1.1"
    # one write per response (headers and body), without Nagle: no 40 ms delayed-ACK stalls
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    # -- plumbing
    def _send(self, status: int, body: Any, *, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        ctype = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _problem(self, status: int, title: str, detail: str) -> None:
        self._send(
            status, {"type": "about:blank", "title": title, "status": status, "detail": detail}
        )

    def do_GET(self) -> None:
        self._handle("GET", None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._handle("POST", self.rfile.read(length))

    def _handle(self, method: str, raw_body: bytes | None) -> None:
        state = self.server_state
        split = urlsplit(self.path)
        query = parse_qsl(split.query, keep_blank_values=True)
        path = split.path.removeprefix("/api/v2")
        with state._lock:
            fault = state.faults.popleft() if state.faults else None
            state.log.append(
                {
                    "method": method,
                    "path": path,
                    "query": query,
                    "raw_query": split.query,
                    "url_length": len(self.path),
                    "body": json.loads(raw_body) if raw_body else None,
                    "fault": fault,
                }
            )
        if fault == "429":
            return self._problem(429, "Too many requests", "30 requests per 10 seconds.")
        if fault == "429-retry-after":
            self._send(
                429, {"title": "Too many requests", "status": 429}, headers={"Retry-After": "3"}
            )
            return None
        if fault in ("500", "502", "503", "504"):
            return self._problem(int(fault), "Server error", "Try again later.")
        if fault == "timeout":
            time.sleep(state.timeout_sleep)
        if fault == "malformed":
            self._send(200, b'{"class": "dataset", "value": [1, 2')
            return None
        if len(self.path) > MAX_URL:
            return self._problem(414, "URI Too Long", "Use POST for long selections.")
        try:
            self._route(method, path, dict(query), query, raw_body)
        except _Problem as problem:
            self._problem(problem.status, problem.title, problem.detail)

    # -- endpoints
    def _route(self, method: str, path: str, params: dict, pairs: list, raw: bytes | None) -> None:
        state = self.server_state
        content = state.content
        parts = [p for p in path.split("/") if p]
        if parts == ["config"]:
            return self._send(200, state.config)
        if parts == ["tables"]:
            return self._send(200, self._tables(params))
        if len(parts) == 2 and parts[0] == "codelists":
            if parts[1] not in content["codelists"]:
                raise _Problem(404, "Not found", f"No code list {parts[1]}.")
            return self._send(200, content["codelists"][parts[1]])
        if len(parts) >= 2 and parts[0] == "tables":
            table_id = parts[1]
            if table_id not in content["tables"]:
                raise _Problem(404, "Not found", f"No table {table_id}.")
            table = content["tables"][table_id]
            if len(parts) == 2:
                return self._send(200, _table_info(table_id, table))
            if parts[2] == "metadata":
                return self._send(200, _metadata(table_id, table))
            if parts[2] == "data":
                selection = self._selection(method, pairs, raw)
                return self._send(200, self._data(table_id, table, selection))
        raise _Problem(404, "Not found", f"No endpoint {path}.")

    def _tables(self, params: dict) -> dict:
        tables = self.server_state.content["tables"]
        query = params.get("query", "").casefold()
        hits = [
            _table_info(tid, t)
            for tid, t in tables.items()
            if not query or query in t["label"].casefold() or query in tid.casefold()
        ]
        size = int(params.get("pageSize", 20))
        number = int(params.get("pageNumber", 1))
        pages = max(1, math.ceil(len(hits) / size))
        return {
            "language": params.get("lang", "sv"),
            "tables": hits[(number - 1) * size : number * size],
            "page": {
                "pageNumber": number,
                "pageSize": size,
                "totalElements": len(hits),
                "totalPages": pages,
            },
            "links": [],
        }

    def _selection(self, method: str, pairs: list, raw: bytes | None) -> dict[str, list[str]]:
        selection: dict[str, list[str]] = {}
        if method == "POST":
            body = json.loads(raw or b"{}")
            for item in body.get("selection", []):
                selection[item["variableCode"]] = list(item["valueCodes"])
            return selection
        for key, value in pairs:
            if key.startswith("valuecodes[") and key.endswith("]"):
                selection[key[len("valuecodes[") : -1]] = value.split(",")
        return selection

    def _data(self, table_id: str, table: dict, selection: dict[str, list[str]]) -> dict:
        variables = table["variables"]
        dims = []
        for vid, label, vtype, _codes, names, elimination in variables:
            chosen = selection.get(vid)
            if chosen is None:
                if elimination:
                    continue
                raise _Problem(400, "Bad Request", f"Variable {vid} must be selected.")
            unknown = [c for c in chosen if c not in names]
            if unknown:
                raise _Problem(
                    400,
                    "Bad Request",
                    f"Value, {unknown[0]} is not a valid value code for variable {vid}",
                )
            dims.append((vid, label, vtype, chosen, names))
        cells = math.prod(len(d[3]) for d in dims)
        if cells > self.server_state.config["maxDataCells"]:
            raise _Problem(
                403,
                "Forbidden",
                f"{cells} cells requested, limit {self.server_state.config['maxDataCells']}.",
            )
        lookup = table["data"]["lookup"]
        grids = np.unravel_index(np.arange(cells), [len(d[3]) for d in dims])
        position = {d[0]: i for i, d in enumerate(dims)}
        values: list[Any] = []
        status: dict[str, str] = {}
        region_i, cat_i, time_i = position["Region"], position[table["category"]], position["Tid"]
        for cell in range(cells):
            key = (
                dims[region_i][3][grids[region_i][cell]],
                table["data"]["values"][dims[cat_i][3][grids[cat_i][cell]]],
                int(dims[time_i][3][grids[time_i][cell]]),
            )
            value = lookup.get(key)
            values.append(None if value is None or pd.isna(value) else int(value))
            if values[-1] is None:
                status[str(cell)] = ".."
        return {
            "version": "2.0",
            "class": "dataset",
            "label": table["label"],
            "source": "SCB",
            "updated": "2024-05-14T06:00:00Z",
            "id": [d[0] for d in dims],
            "size": [len(d[3]) for d in dims],
            "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
            "dimension": {
                vid: {
                    "label": label,
                    "category": {
                        "index": {c: i for i, c in enumerate(chosen)},
                        "label": {c: names[c] for c in chosen},
                        **(
                            {"unit": {c: {"base": "antal", "decimals": 0} for c in chosen}}
                            if vtype == "ContentsVariable"
                            else {}
                        ),
                    },
                }
                for vid, label, vtype, chosen, names in dims
            },
            "value": values,
            "status": status,
            "extension": {"px": {"tableid": table_id}},
        }


class _Problem(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def _table_info(table_id: str, table: dict) -> dict:
    return {
        "type": "Table",
        "id": table_id,
        "label": table["label"],
        "description": "",
        "updated": "2024-05-14T06:00:00Z",
        "firstPeriod": table.get("periods", ("2020", "2023"))[0],
        "lastPeriod": table.get("periods", ("2020", "2023"))[1],
        "category": "public",
        "variableNames": [v[1] for v in table["variables"]],
        "discontinued": False,
        "links": [],
    }


def _metadata(table_id: str, table: dict) -> dict:
    return {
        "id": table_id,
        "language": "sv",
        "label": table["label"],
        "source": "SCB",
        "licence": "CC0-1.0",
        "updated": "2024-05-14T06:00:00Z",
        "variables": [
            {
                "id": vid,
                "label": label,
                "type": vtype,
                "elimination": elimination,
                "values": [{"code": c, "label": names[c]} for c in codes],
                "codeLists": (
                    table.get(
                        "codelists",
                        [{"id": "vs_RegSO2025", "label": "RegSO 2025", "type": "Valueset"}],
                    )
                    if vtype == "GeographicalVariable"
                    else []
                ),
            }
            for vid, label, vtype, codes, names, elimination in table["variables"]
        ],
    }


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)
