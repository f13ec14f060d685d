"""Transport helpers of the PxWeb client: rate limiter, disk cache and query strings.

:class:`RateLimiter` keeps a sliding window of call times; :class:`ResponseCache` stores
API responses on disk, keyed by a sha256 of the API root, endpoint, query and body;
:func:`query_string` encodes a query as PxWeb expects it. The client itself is
:class:`segregation.data.pxweb.PxWebClient`.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from segregation.errors import SegregationError

__all__ = ["RateLimiter", "ResponseCache", "default_cache_dir", "query_string", "shared_limiter"]

_SHARED_LIMITERS: dict[str, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """``$SEGREGATION_CACHE/pxweb``, else ``pxweb`` in the user cache folder of the library."""
    if os.environ.get("SEGREGATION_CACHE"):
        return Path(os.environ["SEGREGATION_CACHE"]) / "pxweb"
    import pooch

    return Path(pooch.os_cache("deso-segregation")) / "pxweb"


class RateLimiter:
    """At most ``max_calls`` calls in any window of ``window`` seconds (sliding window).

    ``clock`` and ``sleep`` are injectable, so the limiter can be tested without waiting.
    One limiter may be shared by threads: a lock makes each :meth:`acquire` whole.

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
        self._lock = threading.Lock()

    def _forget_before(self, now: float) -> None:
        while self.calls and self.calls[0] <= now - self.window:
            self.calls.popleft()

    def acquire(self) -> float:
        """Wait until a call is allowed, record it, and return how long was waited."""
        with self._lock:
            now = self.clock()
            self._forget_before(now)
            waited = 0.0
            if len(self.calls) >= self.max_calls:
                waited = self.calls[0] + self.window - now
                self.sleep(waited)
                now = self.clock()
                self._forget_before(now)
            self.calls.append(now)
            return waited


def shared_limiter(base_url: str, limiter: RateLimiter) -> RateLimiter:
    """The limiter of ``base_url`` shared by all clients of the process (``limiter`` if first).

    The API counts calls per caller, so clients on real time must share one window.
    """
    with _SHARED_LOCK:
        return _SHARED_LIMITERS.setdefault(base_url, limiter)


class ResponseCache:
    """API responses as JSON files in ``folder``, one per endpoint, query and body.

    A file holds ``fetched`` (ISO time, UTC), ``stored`` (epoch seconds), the ``key`` and the
    ``body``; it is written to a temporary name and renamed, so a reader never sees half a
    file.

    Examples
    --------
    >>> import tempfile
    >>> cache = ResponseCache(tempfile.mkdtemp(), "https://api.example/v2")
    >>> key = {"path": "/config", "params": [["lang", "sv"]], "body": None}
    >>> cache.get(key, max_age=None) is None
    True
    >>> cache.put(key, {"maxDataCells": 150000}, "2025-01-01T00:00:00+00:00")
    >>> cache.get(key, max_age=None)
    ({'maxDataCells': 150000}, '2025-01-01T00:00:00+00:00')
    """

    def __init__(self, folder: str | Path, base_url: str) -> None:
        self.folder = Path(folder)
        self.base_url = base_url

    def path(self, key: dict[str, Any]) -> Path:
        """The file of ``key``: the endpoint's name, then 24 hex digits of its sha256."""
        text = json.dumps({"base": self.base_url, **key}, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", key["path"].strip("/"))[:60]
        return self.folder / f"{name}-{digest}.json"

    def get(self, key: dict[str, Any], max_age: float | None) -> tuple[Any, str] | None:
        """``(body, fetched)`` when stored and no older than ``max_age`` seconds, else None.

        A file that cannot be read as JSON (e.g. cut off by a full disk) counts as absent.
        """
        file = self.path(key)
        if not file.is_file():
            return None
        try:
            entry = json.loads(file.read_text(encoding="utf-8"))
            body, fetched = entry["body"], entry["fetched"]
        except (ValueError, KeyError, TypeError):
            return None
        if max_age is not None and time.time() - entry.get("stored", 0) > max_age:
            return None
        return body, fetched

    def put(self, key: dict[str, Any], body: Any, fetched: str) -> None:
        """Store ``body`` under ``key``."""
        file = self.path(key)
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f"{file.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        entry = {"fetched": fetched, "stored": time.time(), "key": key, "body": body}
        tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        tmp.replace(file)


def query_string(params: Sequence[tuple[str, str]]) -> str:
    """The query string, encoded by hand: ``+`` must go as ``%2B``; commas, ``*`` and
    brackets stay as they are (requests sends a string query unchanged).

    Examples
    --------
    >>> query_string([("lang", "sv"), ("valuecodes[Alder]", "65+,0-19"), ("valuecodes[Tid]", "*")])
    'lang=sv&valuecodes[Alder]=65%2B,0-19&valuecodes[Tid]=*'
    """
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe=',*?')}" for k, v in params)


def problem_text(response: Any) -> str:
    """The API's own words for a refused request (``detail`` or ``title`` of its body)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300].rstrip(".")
    return str(body)[:300]
