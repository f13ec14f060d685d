"""SCB's open WFS: download DeSO and RegSO layers once, into a checksummed cache.

SCB publishes the layers ``DeSO_2018``, ``DeSO_2025``, ``RegSO_2020`` and ``RegSO_2025`` at
``https://geodata.scb.se/geoserver/stat/wfs`` (open data, CC0, "Källa: SCB"). A layer (or a
kommun/län subset of it, filtered on the server with CQL) is downloaded with :mod:`pooch`
into the cache folder and its sha256 recorded in ``registry.json`` beside it. Later calls
use the cached file after checking it against the recorded hash, so they work offline; a
file whose hash no longer matches is downloaded again.

The cache folder is ``$SEGREGATION_CACHE`` when set, else the platform's user cache folder
(``pooch.os_cache("deso-segregation")``). ``$SEGREGATION_WFS_URL`` overrides the service
address (used by the tests, which run a local server that answers like the WFS).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from pathlib import Path

from segregation.errors import SegregationError, warn

__all__ = ["LAYERS", "WFS_URL", "cache_dir", "download_layer", "layer_url"]

WFS_URL = "https://geodata.scb.se/geoserver/stat/wfs"
LAYERS = ("DeSO_2018", "DeSO_2025", "RegSO_2020", "RegSO_2025")


def cache_dir() -> Path:
    """The folder where downloaded layers are kept."""
    env = os.environ.get("SEGREGATION_CACHE")
    if env:
        return Path(env)
    import pooch

    return Path(pooch.os_cache("deso-segregation"))


def _base_url() -> str:
    return os.environ.get("SEGREGATION_WFS_URL", WFS_URL)


def layer_url(layer: str, *, kommun: list[str] | None = None, lan: list[str] | None = None) -> str:
    """The GetFeature URL of a layer as GeoPackage in EPSG:3006, optionally filtered.

    Examples
    --------
    >>> url = layer_url("DeSO_2025", kommun=["0380"])
    >>> "typeNames=stat%3ADeSO_2025" in url, "CQL_FILTER=kommunkod+IN+%28%270380%27%29" in url
    (True, True)
    """
    if layer not in LAYERS:
        raise SegregationError(f"Unknown WFS layer {layer!r}; SCB publishes {', '.join(LAYERS)}.")
    params = {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": f"stat:{layer}",
        "outputFormat": "geopackage",
        "srsName": "EPSG:3006",
    }
    clauses = []
    for column, codes in (("kommunkod", kommun), ("lanskod", lan)):
        if codes:
            quoted = ",".join(f"'{c}'" for c in codes)
            clauses.append(f"{column} IN ({quoted})")
    if clauses:
        params["CQL_FILTER"] = " AND ".join(clauses)
    return f"{_base_url()}?{urllib.parse.urlencode(params)}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _registry_path(folder: Path) -> Path:
    return folder / "registry.json"


def _read_registry(folder: Path) -> dict[str, dict[str, str]]:
    path = _registry_path(folder)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_registry(folder: Path, registry: dict[str, dict[str, str]]) -> None:
    text = json.dumps(registry, indent=2, sort_keys=True)
    _registry_path(folder).write_text(text, encoding="utf-8")


def download_layer(
    layer: str,
    *,
    kommun: str | list[str] | None = None,
    lan: str | list[str] | None = None,
    refresh: bool = False,
) -> Path:
    """Download a WFS layer (or a kommun/län subset) once and return the cached file.

    Parameters
    ----------
    layer : {"DeSO_2018", "DeSO_2025", "RegSO_2020", "RegSO_2025"}
    kommun, lan : str or list of str, optional
        Ask the server for these kommuner or län only (a CQL filter).
    refresh : bool, default=False
        Download again even when a valid cached copy exists.

    Returns
    -------
    pathlib.Path
        The cached GeoPackage.
    """
    import pooch

    kommun = [kommun] if isinstance(kommun, str) else kommun
    lan = [lan] if isinstance(lan, str) else lan
    url = layer_url(layer, kommun=kommun, lan=lan)
    parts = [layer, *(f"k{c}" for c in sorted(kommun or [])), *(f"l{c}" for c in sorted(lan or []))]
    fname = re.sub(r"[^A-Za-z0-9_.-]", "_", "_".join(parts)) + ".gpkg"
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / fname
    registry = _read_registry(folder)

    entry = registry.get(fname)
    if target.exists() and entry and not refresh:
        if _sha256(target) == entry["sha256"]:
            return target
        warn(f"The cached {fname} does not match its recorded sha256; downloading it again.")
    if target.exists():
        target.unlink()
    try:
        pooch.retrieve(url, known_hash=None, fname=fname, path=folder, progressbar=False)
    except Exception as exc:  # requests' errors, HTTP status errors
        raise SegregationError(
            f"Could not download {layer} from {_base_url()}: {exc}. Without network, pass a "
            "file with source=..., or use the embedded RegSO default (load_regso())."
        ) from exc
    if target.stat().st_size == 0 or target.read_bytes()[:16] != b"SQLite format 3\x00":
        head = target.read_bytes()[:200].decode("utf-8", "replace")
        target.unlink()
        raise SegregationError(
            f"The WFS answered {layer} with something that is not a GeoPackage: {head!r}"
        )
    registry[fname] = {"url": url, "sha256": _sha256(target)}
    _write_registry(folder, registry)
    return target
