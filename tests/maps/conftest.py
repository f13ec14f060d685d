"""Fixtures for map tests: real data frames, and a headless Chromium with the network cut.

Browser tests drive Debian's ``chromium`` over the Chrome DevTools protocol
(``--remote-debugging-port``, via ``websocket-client``). The browser gets a proxy that does
not exist and a resolver that resolves nothing, so any attempt to load a CDN asset or a
tile fails; the tests also record every request the page makes. Without chromium the tests
skip, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-allow-origins=*",
    "--window-size=1200,900",
)


@pytest.fixture(scope="session")
def uppsala_born_abroad(shared_data: Path) -> pd.DataFrame:
    """Real SCB counts for Uppsala kommun's 61 RegSO, 2023: born in Sweden and in total.

    Indexed by regsokod, with the share born abroad (``andel_utrikes_fodda``, percent).
    """
    import segregation as seg

    table = pd.read_csv(
        shared_data / "regso_stats" / "regso_born_in_sweden_total_2020_2023.csv",
        encoding="utf-8-sig",
    )
    regso = seg.load_regso(kommun="0380")
    labels = pd.Series("Uppsala (" + regso["regsonamn"] + ")", index=regso.index)
    wide = table.pivot_table(index="region", columns="födelseregion", values="Antal 2023")
    frame = pd.DataFrame(
        {
            "fodda_i_sverige": wide["Sverige"].reindex(labels).to_numpy(),
            "folkmangd": wide["totalt"].reindex(labels).to_numpy(),
        },
        index=regso.index,
    )
    frame["andel_utrikes_fodda"] = 100 * (1 - frame["fodda_i_sverige"] / frame["folkmangd"])
    assert frame.notna().all().all(), "every Uppsala RegSO has a row in the SCB export"
    return frame


def find_chromium() -> str:
    """Path of a Chromium binary; skip without one, except in CI, where it must exist."""
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = "chromium is not installed (Debian: apt-get install chromium)."
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class Page:
    """One browser tab over the DevTools protocol: send commands, collect events."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self._ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        self._ws.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{expression!r} stayed false for {timeout} s")

    def open(self, path: Path, ready: str, timeout: float = 60.0) -> float:
        """Navigate to a local file and wait until ``ready`` is true; return seconds taken."""
        start = time.monotonic()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for(ready, timeout)
        return time.monotonic() - start

    def requested_urls(self) -> list[str]:
        self.evaluate("1")  # flush pending events
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def hover(self, x: float, y: float) -> None:
        for step in (0.0, 1.0):  # two moves, so Leaflet sees the mouse enter the path
            self.send("Input.dispatchMouseEvent", type="mouseMoved", x=x - 1 + step, y=y)

    def close(self) -> None:
        self._ws.close()


@pytest.fixture(scope="module")
def browser_session() -> Iterator[Page]:
    """A fresh headless Chromium (own profile, no network) with one tab, for one module."""
    binary = find_chromium()
    if not IN_CI:
        pytest.importorskip("websocket", reason="browser tests need websocket-client")
    profile = Path(tempfile.mkdtemp(prefix="segregation-chromium-"))
    log = profile / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [
                binary,
                *_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    page = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chromium did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            targets = json.loads(r.read())
        tab = next(t for t in targets if t["type"] == "page")
        page = Page(tab["webSocketDebuggerUrl"])
        page.send("Network.enable")
        page.send("Page.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=1200,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield page
    finally:
        if page is not None:
            page.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture()
def browser_page(browser_session: Page) -> Page:
    """The module's browser tab, blank and with no recorded events."""
    browser_session.send("Page.navigate", url="about:blank")
    browser_session.wait_for("document.readyState === 'complete'")
    browser_session.events.clear()
    return browser_session


def _png_pixels(data: bytes) -> np.ndarray:
    """RGB pixels (uint8, height x width x 3) of PNG bytes."""
    import io

    from matplotlib import image

    pixels = image.imread(io.BytesIO(data), format="png")
    if pixels.dtype != np.uint8:
        pixels = np.round(pixels * 255).astype(np.uint8)
    return pixels[..., :3]


@pytest.fixture()
def png_pixels() -> Any:
    """A function from PNG bytes to an RGB pixel array."""
    return _png_pixels
