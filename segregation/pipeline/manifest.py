"""The manifest of a run: what went in, what came out, and with which software.

``manifest.json`` records the library version and git revision, the versions of Python and
of every installed distribution, the validated config, the sha256 of every input file and
boundary layer, the seeds, the start and end time, and the sha256 of every output file.
:func:`compare_outputs` compares two manifests file by file.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "MANIFEST_NAME",
    "compare_outputs",
    "environment",
    "git_revision",
    "hash_outputs",
    "read_manifest",
    "sha256_file",
    "write_json",
]

MANIFEST_NAME = "manifest.json"
#: Names in an output folder that are bookkeeping, not results.
_NOT_OUTPUTS = frozenset({MANIFEST_NAME, ".state"})
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def hash_outputs(folder: str | Path) -> dict[str, str]:
    """sha256 of every output file under ``folder``, keyed by POSIX relative path, sorted.

    The manifest itself and the ``.state`` bookkeeping folder are left out.
    """
    folder = Path(folder)
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in _NOT_OUTPUTS or not path.is_file() or path.name.endswith(".tmp"):
            continue
        found[rel.as_posix()] = sha256_file(path)
    return found


def git_revision(path: str | Path | None = None) -> dict[str, Any] | None:
    """The git commit of the checkout the library runs from, or None when not in one."""
    where = Path(path) if path else Path(__file__).resolve().parents[1]
    try:
        # the library's own files must be tracked: a wheel installed in a virtual
        # environment that happens to sit inside some checkout is not that checkout
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "__init__.py"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if tracked.returncode != 0:
            return None
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "."],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "modified": bool(status.stdout.strip())}


def _requirement_names() -> list[str]:
    try:
        requires = metadata.requires("deso-segregation") or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for req in requires:
        if "extra ==" in req:
            continue
        name = req.split(";")[0].strip()
        for sep in "<>=!~[ ":
            name = name.split(sep)[0]
        names.append(name)
    return sorted(set(names), key=str.lower)


def environment() -> dict[str, Any]:
    """Python, platform, the library's dependencies and every installed distribution.

    Examples
    --------
    >>> env = environment()
    >>> sorted(env)
    ['dependencies', 'distributions', 'platform', 'python']
    >>> "numpy" in env["dependencies"]
    True
    """
    dists: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            dists[name] = dist.version
    dists = dict(sorted(dists.items(), key=lambda kv: kv[0].lower()))
    lower = {k.lower(): v for k, v in dists.items()}
    deps = {name: lower.get(name.lower(), "not installed") for name in _requirement_names()}
    if not deps:  # running from a source tree that is not installed
        deps = {n: lower.get(n, "not installed") for n in ("numpy", "pandas", "geopandas")}
    return {
        "python": sys.version.split()[0],
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "implementation": platform.python_implementation(),
        },
        "dependencies": deps,
        "distributions": dists,
    }


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write JSON with sorted keys, two-space indent and a final newline (byte-stable)."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = Path(f"{path}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest, checking that it has what :func:`reproduce` needs."""
    from segregation.pipeline.config import ConfigError

    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        raise ConfigError(f"No manifest at {str(path)!r}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path.name} is not valid JSON: {exc}.") from None
    missing = [k for k in ("config", "inputs", "outputs") if k not in data]
    if missing:
        raise ConfigError(
            f"{path.name} is not a run manifest: it lacks {', '.join(missing)}. "
            "Give the manifest.json that `segregation run` wrote."
        )
    return data


def compare_outputs(expected: Mapping[str, str], got: Mapping[str, str]) -> dict[str, list[str]]:
    """Compare two ``{path: sha256}`` maps file by file.

    Returns
    -------
    dict
        ``identical``, ``changed``, ``missing`` (expected, not made) and ``new`` (made, not
        expected), each a sorted list of paths.

    Examples
    --------
    >>> compare_outputs({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "9", "d": "4"})
    {'identical': ['a'], 'changed': ['b'], 'missing': ['c'], 'new': ['d']}
    """
    return {
        "identical": sorted(p for p in expected if p in got and got[p] == expected[p]),
        "changed": sorted(p for p in expected if p in got and got[p] != expected[p]),
        "missing": sorted(p for p in expected if p not in got),
        "new": sorted(p for p in got if p not in expected),
    }


def hash_inputs(paths: Iterable[tuple[str, str | Path]]) -> dict[str, dict[str, Any]]:
    """``{role: {"path", "sha256", "bytes"}}`` for each ``(role, path)``."""
    out: dict[str, dict[str, Any]] = {}
    for role, path in paths:
        path = Path(path)
        out[role] = {"path": str(path), "sha256": sha256_file(path), "bytes": path.stat().st_size}
        if role.startswith(EMBEDDED_PREFIX):
            out[role]["embedded"] = True  # found by name wherever the library is installed
    return out


#: Role prefix of the boundary files shipped inside the library.
EMBEDDED_PREFIX = "boundaries/"


def input_path(role: str, item: Mapping[str, Any]) -> Path:
    """Where a recorded input is now: embedded files by name, others by their path."""
    if item.get("embedded"):
        from segregation.areas.boundaries import embedded_path

        try:
            return embedded_path(role.removeprefix(EMBEDDED_PREFIX))
        except FileNotFoundError:
            return Path(item["path"])
    return Path(item["path"])
