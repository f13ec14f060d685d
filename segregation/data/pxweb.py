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

import datetime as dt
import fnmatch
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from segregation.data._jsonstat import frame_from_jsonstat
from segregation.data._pxweb_io import (
    RateLimiter,
    ResponseCache,
    default_cache_dir,
    problem_text,
    query_string,
    shared_limiter,
)
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


class PxWebError(SegregationError):
    """The statistics API refused a request, kept failing, or is not reachable offline."""

    status: int | None = None  # the HTTP status of a refusal, when there was one


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
            self.cache_dir = (
                Path(cache_dir) if cache_dir not in (None, True) else default_cache_dir()
            )
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
        cache = ResponseCache(self.cache_dir, self.base_url) if self.cache_dir else None
        if cache is not None and not refresh:
            hit = cache.get(key, max_age=None if self.offline else self.max_age)
            if hit is not None:
                return hit
        if self.offline:
            what = path.strip("/") or "the API root"
            raise PxWebError(
                f"offline=True but {what} is not in the cache. Run the same call once "
                "online (offline=False) to fill the cache"
                + (f" at {self.cache_dir}." if self.cache_dir else "; the cache is turned off.")
            )
        payload = self._send(path, params, body)
        fetched = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if cache is not None:
            cache.put(key, payload, fetched)
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
                query = query_string(params)
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
                        f"{response.status_code} from {url}: {problem_text(response)}. Check the "
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
            limiter = shared_limiter(self.base_url, limiter)
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
            url = f"{self.base_url}{path}?{query_string([('lang', self.lang), *params])}"
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


def _sum_counts(items) -> dict[str, int]:
    total: dict[str, int] = {}
    for item in items:
        for key, value in item.items():
            total[key] = total.get(key, 0) + int(value)
    return total


def fetch(name: str, level: str = "regso", year: int = 2023, **options: Any) -> pd.DataFrame:
    """Fetch a named area table with standard columns; see :func:`segregation.data.recipes.fetch`.

    ``seg.fetch("born_abroad", level="regso", year=2023)`` gives persons born in Sweden and
    abroad per RegSO, with its citation in ``attrs``.
    """
    from segregation.data import recipes

    return recipes.fetch(name, level, year, **options)
