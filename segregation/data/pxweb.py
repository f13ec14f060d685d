"""SCB's statistical database (PxWeb API v2): a client with chunking, rate limit and cache.

:class:`PxWebClient` talks to ``https://statistikdatabasen.scb.se/api/v2``: it lists and
searches tables, reads metadata and code lists (``vs_DeSO2018``, ``vs_DeSO2025``,
``vs_RegSO2020``, ``vs_RegSO2025``) and fetches data as json-stat2 into the same tidy shape
that :func:`segregation.read_scb` gives for files. It

* splits a selection larger than the API's cell limit (``maxDataCells`` from ``/config``)
  into several calls along its largest variable;
* keeps below the API's rate limit (``maxCallsPerTimeWindow`` per ``timeWindow`` seconds,
  30 per 10 s at SCB) with a sliding-window limiter;
* retries 429 and 5xx responses, time-outs and malformed bodies with exponential backoff
  (honouring ``Retry-After``);
* uses POST when a GET URL would be longer than about 2,000 characters;
* caches every response on disk, keyed by endpoint and query, and works offline from the
  cache.

Every data frame carries its citation in ``frame.attrs["citation"]``.
"""

from __future__ import annotations

import collections
import datetime as dt
import fnmatch
import hashlib
import json
import math
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items

__all__ = [
    "DEFAULT_URL",
    "PxWebClient",
    "PxWebError",
    "RateLimiter",
    "fetch",
    "frame_from_jsonstat",
]

#: SCB's PxWeb API v2.
DEFAULT_URL = "https://statistikdatabasen.scb.se/api/v2"
_RETRY_STATUS = {429, 500, 502, 503, 504}
_MAX_URL_LENGTH = 2000
_SHARED_LIMITERS: dict[str, RateLimiter] = {}


class PxWebError(SegregationError):
    """The statistics API refused a request, kept failing, or is not reachable offline."""

    status: int | None = None  # the HTTP status of a refusal, when there was one


def _cache_root() -> Path:
    if os.environ.get("SEGREGATION_CACHE"):
        return Path(os.environ["SEGREGATION_CACHE"]) / "pxweb"
    import pooch

    return Path(pooch.os_cache("deso-segregation")) / "pxweb"


class RateLimiter:
    """At most ``max_calls`` calls in any window of ``window`` seconds (sliding window).

    ``clock`` and ``sleep`` are injectable, so the limiter can be tested without waiting.

    Examples
    --------
    >>> now = [0.0]
    >>> limiter = RateLimiter(2, 10.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    >>> [limiter.acquire() for _ in range(3)]
    [0.0, 0.0, 10.0]
    """

    def __init__(
        self,
        max_calls: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or window <= 0:
            raise SegregationError(
                f"A rate limit needs max_calls >= 1 and window > 0, got {max_calls}, {window}."
            )
        self.max_calls = int(max_calls)
        self.window = float(window)
        self.clock = clock
        self.sleep = sleep
        self.calls: collections.deque[float] = collections.deque()

    def acquire(self) -> float:
        """Wait until a call is allowed, record it, and return how long was waited."""
        now = self.clock()
        while self.calls and self.calls[0] <= now - self.window:
            self.calls.popleft()
        waited = 0.0
        if len(self.calls) >= self.max_calls:
            waited = self.calls[0] + self.window - now
            self.sleep(waited)
            now = self.clock()
            while self.calls and self.calls[0] <= now - self.window:
                self.calls.popleft()
        self.calls.append(now)
        return waited


class PxWebClient:
    """A client for SCB's statistical database, API v2.

    Parameters
    ----------
    base_url : str, default=DEFAULT_URL
        The API root, e.g. ``https://statistikdatabasen.scb.se/api/v2``.
    lang : {"sv", "en"}, default="sv"
    cache_dir : str or path, optional
        Where responses are stored. Default: ``$SEGREGATION_CACHE/pxweb``, else the user
        cache folder of ``deso-segregation``. ``False`` turns the cache off.
    offline : bool, default=False
        Answer from the cache only; a request not in the cache raises :class:`PxWebError`.
    max_age : float, optional
        Seconds after which a cached response is fetched again (when online). Default:
        cached responses never expire (statistics for a past year do not change often;
        pass ``refresh=True`` to a call to force a new download).
    timeout : float, default=30
        Seconds to wait for a response before retrying.
    retries : int, default=5
        Retries after 429, 5xx, time-outs and malformed bodies.
    backoff : float, default=1.0
        First wait in seconds; doubled on each retry (``Retry-After`` wins when sent).
    max_url_length : int, default=2000
        Longer GET URLs are sent as POST with a JSON body instead.
    clock, sleep : callable, optional
        Time source and sleep function (injectable for tests).

    Examples
    --------
    >>> client = PxWebClient(cache_dir=False)
    >>> client.base_url
    'https://statistikdatabasen.scb.se/api/v2'
    >>> PxWebClient(offline=True, cache_dir=False).config()
    Traceback (most recent call last):
    ...
    segregation.data.pxweb.PxWebError: offline=True but config is not in the cache. ...
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        lang: str = "sv",
        cache_dir: str | Path | bool | None = None,
        offline: bool = False,
        max_age: float | None = None,
        timeout: float = 30.0,
        retries: int = 5,
        backoff: float = 1.0,
        max_url_length: int = _MAX_URL_LENGTH,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.lang = lang
        if cache_dir is False:
            self.cache_dir = None
        else:
            self.cache_dir = Path(cache_dir) if cache_dir not in (None, True) else _cache_root()
        self.offline = offline
        self.max_age = max_age
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_url_length = max_url_length
        self.clock = clock
        self.sleep = sleep
        self.limiter: RateLimiter | None = None
        self.calls = 0  # HTTP requests actually sent
        self._config: dict[str, Any] | None = None
        self._session = None

    # ------------------------------------------------------------------ transport
    def _cache_path(self, key: dict[str, Any]) -> Path | None:
        if self.cache_dir is None:
            return None
        text = json.dumps({"base": self.base_url, **key}, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", key["path"].strip("/"))[:60]
        return self.cache_dir / f"{name}-{digest}.json"

    def _request(
        self,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        body: dict[str, Any] | None = None,
        *,
        refresh: bool = False,
    ) -> tuple[Any, str]:
        """JSON of ``path`` (GET, or POST with ``body``) and the ISO time it was fetched."""
        params = [("lang", self.lang), *params]
        key = {"path": path, "params": [list(p) for p in params], "body": body}
        cached = self._cache_path(key)
        if cached is not None and cached.is_file() and not refresh:
            entry = json.loads(cached.read_text(encoding="utf-8"))
            age = time.time() - entry.get("stored", 0)
            if self.offline or self.max_age is None or age <= self.max_age:
                return entry["body"], entry["fetched"]
        if self.offline:
            what = path.strip("/") or "the API root"
            raise PxWebError(
                f"offline=True but {what} is not in the cache. Run the same call once "
                "online (offline=False) to fill the cache"
                + (f" at {self.cache_dir}." if self.cache_dir else "; the cache is turned off.")
            )
        payload = self._send(path, params, body)
        fetched = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            entry = {"fetched": fetched, "stored": time.time(), "key": key, "body": payload}
            tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            tmp.replace(cached)
        return payload, fetched

    def _send(self, path: str, params: Sequence[tuple[str, str]], body: dict | None) -> Any:
        import requests

        if self._session is None:
            self._session = requests.Session()
            self._session.headers["User-Agent"] = "deso-segregation (python-requests)"
        url = self.base_url + path
        problems: list[str] = []
        for attempt in range(self.retries + 1):
            if self.limiter is None and path != "/config":
                self._limits()
            if self.limiter is not None:
                self.limiter.acquire()
            wait = self.backoff * 2**attempt
            try:
                self.calls += 1
                query = _query(params)
                if body is None:
                    response = self._session.get(url, params=query, timeout=self.timeout)
                else:
                    response = self._session.post(
                        url, params=query, json=body, timeout=self.timeout
                    )
            except (requests.Timeout, requests.ConnectionError) as exc:
                problems.append(f"{type(exc).__name__}")
            else:
                if response.status_code in _RETRY_STATUS:
                    problems.append(f"HTTP {response.status_code}")
                    retry_after = response.headers.get("Retry-After", "")
                    if retry_after.replace(".", "", 1).isdigit():
                        wait = float(retry_after)
                elif response.status_code >= 400:
                    error = PxWebError(
                        f"{response.status_code} from {url}: {_problem(response)}. Check the "
                        "table id, variable codes and value codes against client.metadata()."
                    )
                    error.status = response.status_code
                    raise error
                else:
                    try:
                        return response.json()
                    except ValueError:
                        problems.append("malformed body (not JSON)")
            if attempt < self.retries:
                self.sleep(wait)
        raise PxWebError(
            f"{url} failed {self.retries + 1} times ({', '.join(problems)}). SCB may be busy "
            "or down: try again later, or use the cache (offline=True) if it was fetched before."
        )

    def _limits(self) -> None:
        config = self.config()
        calls = int(config.get("maxCallsPerTimeWindow", 30))
        window = float(config.get("timeWindow", 10))
        # keep one call in hand: at most calls - 1 per window
        limiter = RateLimiter(max(1, calls - 1), window, clock=self.clock, sleep=self.sleep)
        if self.clock is time.monotonic and self.sleep is time.sleep:
            # clients on real time share one window per API, as the API counts per caller
            limiter = _SHARED_LIMITERS.setdefault(self.base_url, limiter)
        self.limiter = limiter

    # ------------------------------------------------------------------ endpoints
    def config(self) -> dict[str, Any]:
        """The API's configuration: limits (``maxDataCells``, ``maxCallsPerTimeWindow``,
        ``timeWindow``), languages, licence and source reference."""
        if self._config is None:
            self._config, _ = self._request("/config")
        return self._config

    def tables(
        self, query: str | None = None, *, past_days: int | None = None, page_size: int = 100
    ) -> pd.DataFrame:
        """List or search tables, all pages, one row per table.

        Returns a frame with ``id``, ``label``, ``updated``, ``first_period``,
        ``last_period``, ``discontinued`` and ``variables``.
        """
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            params = [("pageSize", str(page_size)), ("pageNumber", str(page))]
            if query:
                params.append(("query", query))
            if past_days is not None:
                params.append(("pastDays", str(past_days)))
            body, _ = self._request("/tables", params)
            for table in body.get("tables", []):
                rows.append(
                    {
                        "id": table.get("id"),
                        "label": table.get("label"),
                        "updated": table.get("updated"),
                        "first_period": table.get("firstPeriod"),
                        "last_period": table.get("lastPeriod"),
                        "discontinued": table.get("discontinued", False),
                        "variables": table.get("variableNames", []),
                    }
                )
            info = body.get("page", {})
            if page >= int(info.get("totalPages", 1)):
                break
            page += 1
        columns = ["id", "label", "updated", "first_period", "last_period", "discontinued"]
        return pd.DataFrame(rows, columns=[*columns, "variables"])

    def table(self, table_id: str) -> dict[str, Any]:
        """The table's description (label, periods, variable names, links)."""
        return self._request(f"/tables/{table_id}")[0]

    def metadata(self, table_id: str) -> dict[str, Any]:
        """Variables, values and code lists of a table (PxWeb's json-px metadata)."""
        return self._request(f"/tables/{table_id}/metadata", [("outputFormat", "json-px")])[0]

    def variables(self, table_id: str) -> pd.DataFrame:
        """One row per variable: ``id``, ``label``, ``type``, ``n_values``, ``elimination``
        and ``codelists``."""
        meta = self.metadata(table_id)
        return pd.DataFrame(
            [
                {
                    "id": v["id"],
                    "label": v.get("label"),
                    "type": v.get("type"),
                    "n_values": len(v.get("values", [])),
                    "elimination": bool(v.get("elimination", v.get("eliminination", False))),
                    "codelists": [c.get("id") for c in v.get("codeLists", [])],
                }
                for v in meta.get("variables", [])
            ]
        )

    def codelist(self, codelist_id: str) -> pd.DataFrame:
        """A code list (``vs_RegSO2025`` ...): ``code``, ``label`` and ``value_map``."""
        body, _ = self._request(f"/codelists/{codelist_id}")
        return pd.DataFrame(
            [
                {
                    "code": v["code"],
                    "label": v.get("value", v.get("label")),
                    "value_map": v.get("valueMap", []),
                }
                for v in body.get("values", [])
            ],
            columns=["code", "label", "value_map"],
        )

    # ------------------------------------------------------------------ data
    def resolve(
        self,
        table_id: str,
        selection: Mapping[str, str | Sequence[str]],
        codelists: Mapping[str, str] | None = None,
    ) -> dict[str, list[str]]:
        """Expand a selection into explicit value codes per variable.

        Wildcards (``*``, ``?``, e.g. ``0180C*``) are matched against the variable's values
        or its code list. Variables left out are eliminated where the table allows it; a
        contents variable left out takes all its values and a time variable its latest.
        """
        codelists = dict(codelists or {})
        meta = self.metadata(table_id)
        variables = {v["id"]: v for v in meta.get("variables", [])}
        unknown = [k for k in [*selection, *codelists] if k not in variables]
        if unknown:
            raise PxWebError(
                f"{table_id} has no variable {describe_items(unknown)}; its variables are "
                f"{describe_items(list(variables), 12)}."
            )
        out: dict[str, list[str]] = {}
        for vid, var in variables.items():
            if vid in codelists:
                values = self.codelist(codelists[vid])["code"].tolist()
            else:
                values = [v["code"] for v in var.get("values", [])]
            wanted = selection.get(vid)
            if wanted is None:
                if bool(var.get("elimination", var.get("eliminination", False))):
                    continue
                if var.get("type") == "ContentsVariable":
                    out[vid] = values
                    continue
                if var.get("type") == "TimeVariable" and values:
                    out[vid] = values[-1:]
                    continue
                raise PxWebError(
                    f"Select values for {vid} ({var.get('label')}) in {table_id}: it cannot be "
                    f"left out. Values include {describe_items(values, 8)}."
                )
            patterns = [wanted] if isinstance(wanted, str) else list(wanted)
            chosen: list[str] = []
            for pattern in patterns:
                if any(ch in pattern for ch in "*?"):
                    chosen.extend(fnmatch.filter(values, pattern))
                elif pattern in values:
                    chosen.append(pattern)
                else:
                    raise PxWebError(
                        f"{pattern!r} is not a value of {vid} in {table_id}"
                        + (f" (code list {codelists[vid]})" if vid in codelists else "")
                        + f". Values include {describe_items(values, 8)}."
                    )
            if not chosen:
                raise PxWebError(
                    f"The selection {patterns} of {vid} in {table_id} matched nothing."
                )
            out[vid] = list(dict.fromkeys(chosen))
        return out

    def data(
        self,
        table_id: str,
        selection: Mapping[str, str | Sequence[str]],
        *,
        codelists: Mapping[str, str] | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Fetch data as a tidy frame, in as many calls as the cell limit needs.

        Parameters
        ----------
        table_id : str
            E.g. ``"TAB6574"``.
        selection : dict
            Variable code -> value codes or wildcard patterns, e.g.
            ``{"Region": "*", "Tid": ["2023"]}``.
        codelists : dict, optional
            Variable code -> code list, e.g. ``{"Region": "vs_RegSO2025"}``.
        refresh : bool, default=False
            Download again even when the response is cached.

        Returns
        -------
        pandas.DataFrame
            Tidy, as :func:`frame_from_jsonstat` gives, with ``attrs["citation"]``: source,
            table id and title, variables and codes chosen, code lists, date fetched, URL
            and licence.
        """
        codelists = dict(codelists or {})
        resolved = self.resolve(table_id, selection, codelists)
        limit = int(self.config().get("maxDataCells", 150_000))
        chunks = _split_selection(resolved, limit)
        frames, fetched = [], []
        for chunk in chunks:
            params = [("outputFormat", "json-stat2")]
            for vid, values in chunk.items():
                params.append((f"valuecodes[{vid}]", ",".join(values)))
                if vid in codelists:
                    params.append((f"codelist[{vid}]", codelists[vid]))
            path = f"/tables/{table_id}/data"
            url = f"{self.base_url}{path}?{_query([('lang', self.lang), *params])}"
            post = [("outputFormat", "json-stat2")]
            body = {
                "selection": [
                    {"variableCode": vid, "valueCodes": values}
                    | ({"codeList": codelists[vid]} if vid in codelists else {})
                    for vid, values in chunk.items()
                ]
            }
            if len(url) > self.max_url_length:
                payload, when = self._request(path, post, body, refresh=refresh)
            else:
                try:
                    payload, when = self._request(path, params, refresh=refresh)
                except PxWebError as error:
                    if error.status != 414:  # URI too long for this server after all
                        raise
                    payload, when = self._request(path, post, body, refresh=refresh)
            try:
                frames.append(frame_from_jsonstat(payload))
            except (SegregationError, KeyError, TypeError, ValueError) as exc:
                raise PxWebError(
                    f"The response for {table_id} is not valid json-stat2 ({exc}). Call again "
                    "with refresh=True; if it persists, report it to SCB."
                ) from exc
            fetched.append(when)
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame.attrs = dict(frames[0].attrs)
        info = self.table(table_id)
        config = self.config()
        frame.attrs["citation"] = {
            "source": "SCB (Statistics Sweden), Statistikdatabasen",
            "table": table_id,
            "title": info.get("label") or frames[0].attrs.get("title"),
            "updated": info.get("updated"),
            "variables": {k: list(v) for k, v in resolved.items()},
            "codelists": codelists,
            "fetched": min(fetched),
            "url": f"{self.base_url}/tables/{table_id}",
            "licence": config.get("license", "CC0"),
            "calls": len(chunks),
            "text": f"Källa: SCB, {table_id}",
        }
        frame.attrs["report"] = {
            "format": "json-stat2",
            "rows": len(frame),
            "calls": len(chunks),
            "missing": _sum_counts(f.attrs["report"]["missing"] for f in frames),
        }
        return frame


def _query(params: Sequence[tuple[str, str]]) -> str:
    """The query string, encoded by hand: ``+`` must go as ``%2B``; commas, ``*`` and
    brackets stay as they are (requests sends a string query unchanged)."""
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe=',*?')}" for k, v in params)


def _split_selection(selection: dict[str, list[str]], limit: int) -> list[dict[str, list[str]]]:
    """Split along the largest variable so each part has at most ``limit`` cells."""
    sizes = {k: len(v) for k, v in selection.items()}
    cells = math.prod(sizes.values()) if sizes else 1
    if cells <= limit or not sizes:
        return [selection]
    biggest = max(sizes, key=sizes.get)
    rest = cells // sizes[biggest]
    if rest > limit:
        raise PxWebError(
            f"Even one value of {biggest} gives {rest:,} cells, over the limit of {limit:,}: "
            "select fewer values of the other variables."
        )
    per_call = max(1, limit // rest)
    values = selection[biggest]
    return [
        {**selection, biggest: values[i : i + per_call]} for i in range(0, len(values), per_call)
    ]


def _problem(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300].rstrip(".")
    return str(body)[:300]


def _sum_counts(items) -> dict[str, int]:
    total: dict[str, int] = {}
    for item in items:
        for key, value in item.items():
            total[key] = total.get(key, 0) + int(value)
    return total


def _measure_kind(measure: str | None) -> str:
    from segregation.data.scb_files import _measure

    return _measure(measure or "")["kind"] if measure else "other"


def frame_from_jsonstat(data: dict[str, Any]) -> pd.DataFrame:
    """A tidy frame from a json-stat2 dataset (what PxWeb returns for ``json-stat2``).

    The region (geo) dimension keeps its codes, other dimensions get their labels; the time
    dimension becomes ``year`` (when its codes are years) and the metric dimension becomes
    ``measure`` (dropped into ``attrs`` when there is only one).

    Examples
    --------
    >>> data = {"version": "2.0", "class": "dataset", "label": "Folkmängd",
    ...     "id": ["Region", "Tid"], "size": [2, 1], "role": {"time": ["Tid"], "geo": ["Region"]},
    ...     "dimension": {
    ...         "Region": {"label": "region", "category": {"index": {"0114R001": 0, "0114R002": 1},
    ...             "label": {"0114R001": "Bollstanäs", "0114R002": "Hammarby-Vaxmyra"}}},
    ...         "Tid": {"label": "år", "category": {"index": {"2023": 0}}}},
    ...     "value": [5920, None], "status": {"1": ".."}}
    >>> frame_from_jsonstat(data)
         region  year  value
    0  0114R001  2023   5920
    1  0114R002  2023   <NA>
    """
    if data.get("class") != "dataset" or "dimension" not in data:
        raise SegregationError(
            "Not a json-stat2 dataset: expected class 'dataset' with 'id', 'size' and "
            f"'dimension', got keys {describe_items(sorted(data), 10)}."
        )
    ids: list[str] = list(data["id"])
    sizes = [int(s) for s in data["size"]]
    role = data.get("role", {})
    time_ids = set(role.get("time", []))
    metric_ids = set(role.get("metric", []))
    geo_ids = set(role.get("geo", [])) | {i for i in ids if i.casefold() == "region"}
    n = int(np.prod(sizes)) if sizes else 0
    values = data.get("value", [])
    if isinstance(values, dict):
        dense = np.full(n, np.nan)
        keys = np.fromiter((int(k) for k in values), dtype=np.int64, count=len(values))
        dense[keys] = np.array(list(values.values()), dtype=float)  # None -> nan
    else:
        if len(values) != n:
            raise SegregationError(
                f"The json-stat2 dataset has {len(values)} values but its dimensions "
                f"{dict(zip(ids, sizes, strict=True))} make {n} cells."
            )
        dense = np.array(values, dtype=float)  # None -> nan
    status = data.get("status") or {}
    flags = np.full(n, None, dtype=object)
    if isinstance(status, list):
        flags[: len(status)] = status
    elif isinstance(status, str):
        flags[:] = status
    elif status:
        flags[np.fromiter((int(k) for k in status), dtype=np.int64)] = list(status.values())

    grids = np.unravel_index(np.arange(n), sizes) if n else [np.array([], int)] * len(ids)
    columns: dict[str, Any] = {}
    labels: dict[str, dict[str, str]] = {}
    measure = None
    for dim, grid in zip(ids, grids, strict=True):
        info = data["dimension"][dim]
        category = info.get("category", {})
        index = category.get("index")
        if index is None:
            codes = list(category.get("label", {}))
        elif isinstance(index, dict):
            codes = sorted(index, key=index.get)
        else:
            codes = list(index)
        names = category.get("label", {})
        name = str(info.get("label") or dim)
        labels[name] = {c: names.get(c, c) for c in codes}
        if dim in time_ids and all(re.fullmatch(r"\d{4}", c) for c in codes):
            columns["year"] = np.array([int(c) for c in codes])[grid]
        elif dim in metric_ids and len(codes) == 1:
            measure = names.get(codes[0], codes[0])
        elif dim in geo_ids:
            columns[name] = np.array(codes, dtype=object)[grid]
        else:
            columns[name] = np.array([names.get(c, c) for c in codes], dtype=object)[grid]
    order = [c for c in columns if c != "year"] + (["year"] if "year" in columns else [])
    frame = pd.DataFrame({c: columns[c] for c in order})
    counts = pd.Series(flags, dtype=object).dropna().value_counts()
    whole = dense[~np.isnan(dense)]
    frame["value"] = (
        pd.array(np.where(np.isnan(dense), None, dense), dtype="Int64")
        if whole.size and np.all(np.mod(whole, 1) == 0)
        else dense
    )
    unit = None
    for dim in metric_ids:
        units = data["dimension"][dim].get("category", {}).get("unit", {})
        if len(units) == 1:
            unit = next(iter(units.values())).get("base")
    region = next((str(data["dimension"][d].get("label") or d) for d in ids if d in geo_ids), None)
    frame.attrs.update(
        {
            "measure": measure,
            "unit": unit,
            "kind": _measure_kind(measure),
            "region": region or (order[0] if order else None),
            "labels": labels,
            "title": data.get("label"),
            "updated": data.get("updated"),
            "report": {
                "format": "json-stat2",
                "rows": len(frame),
                "missing": {str(k): int(v) for k, v in counts.items()},
                "empty": int(np.isnan(dense).sum() - counts.sum()),
                "dash_zero": 0,
            },
        }
    )
    return frame


def fetch(name: str, level: str = "regso", year: int = 2023, **options: Any) -> pd.DataFrame:
    """Fetch a named area table with standard columns; see :func:`segregation.data.recipes.fetch`.

    ``seg.fetch("born_abroad", level="regso", year=2023)`` gives persons born in Sweden and
    abroad per RegSO, with its citation in ``attrs``.
    """
    from segregation.data import recipes

    return recipes.fetch(name, level, year, **options)
