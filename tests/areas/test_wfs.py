"""The WFS path over real HTTP, against a local server that answers like SCB's WFS.

The server builds its GeoPackages from the real files in ../shared/data/boundaries and
filters them with the CQL ``kommunkod IN (...)`` clause the client sends.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pytest

import segregation as seg
from segregation.areas import wfs


class FakeWFS:
    def __init__(self, layers: dict[str, gpd.GeoDataFrame], folder: Path):
        self.layers = layers
        self.folder = folder
        self.requests: list[dict[str, str]] = []
        self.fail_next = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                outer.requests.append(query)
                if outer.fail_next:
                    outer.fail_next = False
                    self._send(500, b"<ExceptionReport>internal</ExceptionReport>", "text/xml")
                    return
                layer = query.get("typeNames", "").removeprefix("stat:")
                if query.get("request") != "GetFeature" or layer not in outer.layers:
                    body = b"<ExceptionReport><Exception exceptionCode='InvalidParameterValue'/></ExceptionReport>"
                    self._send(200, body, "text/xml")
                    return
                frame = outer.layers[layer]
                cql = query.get("CQL_FILTER")
                if cql:
                    for column, codes in re.findall(r"(\w+) IN \(([^)]*)\)", cql):
                        frame = frame[frame[column].isin(re.findall(r"'([^']*)'", codes))]
                path = outer.folder / f"answer_{len(outer.requests)}.gpkg"
                frame.to_file(path, driver="GPKG")
                self._send(200, path.read_bytes(), "application/geopackage+sqlite3")

            def _send(self, status, body, kind):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/geoserver/stat/wfs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def server(shared_data, tmp_path, monkeypatch):
    deso = gpd.read_file(shared_data / "boundaries" / "deso_2018_uppsala_lan.gpkg")
    deso = deso.rename(columns={"deso": "desokod"})
    deso["kommunkod"] = deso["desokod"].str[:4]
    deso["lanskod"] = deso["desokod"].str[:2]
    regso = gpd.read_file(shared_data / "boundaries" / "regso_2025.gpkg")
    regso = regso[regso["lanskod"] == "03"]
    folder = tmp_path / "server"
    folder.mkdir()
    with FakeWFS({"DeSO_2018": deso, "RegSO_2025": regso}, folder) as fake:
        monkeypatch.setenv("SEGREGATION_WFS_URL", fake.url)
        monkeypatch.setenv("SEGREGATION_CACHE", str(tmp_path / "cache"))
        yield fake


def test_deso_layer_is_downloaded_filtered_once_and_then_read_from_cache(server):
    first = seg.load_deso(2018, kommun="0380")
    assert len(first) > 50 and set(first["kommunkod"]) == {"0380"}
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["typeNames"] == "stat:DeSO_2018"
    assert request["srsName"] == "EPSG:3006"
    assert request["CQL_FILTER"] == "kommunkod IN ('0380')"
    again = seg.load_deso(2018, kommun="0380")
    assert len(server.requests) == 1, "the second call must come from the cache"
    assert again.index.equals(first.index)


def test_a_corrupted_cache_file_is_detected_and_downloaded_again(server):
    path = wfs.download_layer("DeSO_2018", lan="03")
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.warns(seg.SegregationWarning, match="sha256"):
        wfs.download_layer("DeSO_2018", lan="03")
    assert len(server.requests) == 2
    assert len(seg.read_areas(path)) == 238


def test_full_detail_regso_comes_from_the_wfs(server):
    regso = seg.load_regso(detail="full", lan="03")
    assert set(regso["lanskod"]) == {"03"}
    assert regso.index.name == "regsokod" and "regsonamn" in regso
    assert server.requests[0]["typeNames"] == "stat:RegSO_2025"


def test_server_errors_and_non_geopackage_answers_are_plain_errors(server):
    server.fail_next = True
    with pytest.raises(seg.SegregationError, match="Could not download DeSO_2018"):
        wfs.download_layer("DeSO_2018", kommun="0380")
    with pytest.raises(seg.SegregationError, match="not a GeoPackage"):
        wfs.download_layer("RegSO_2020")


def test_unknown_layer_lists_the_real_ones():
    with pytest.raises(seg.SegregationError, match="DeSO_2018, DeSO_2025, RegSO_2020, RegSO_2025"):
        wfs.layer_url("DeSO_2019")
