"""Run code against PySAL's ``segregation`` in its own virtual environment.

PySAL's package is imported as ``segregation``, like this library, so the two cannot share an
environment. :func:`peer_python` creates ``benchmarks/.peer-venv`` on first use (git-ignored)
with ``segregation==2.5.*`` and its dependencies, and :func:`run_in_peer` runs a script there
in a fresh process whose working directory is outside the repository (so ``import
segregation`` finds the peer, not this checkout). The script reads its input with
``load_payload()`` and reports with ``emit(result)``; both are defined before the script runs.

Usage from a benchmark::

    from _peer import run_in_peer
    out = run_in_peer(SCRIPT, {"csv": str(path), "repeats": 3})
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".peer-venv"
# PySAL segregation 2.5 predates pandas 3; pin the stack it was released against.
PEER_REQUIREMENTS = [
    "segregation==2.5.*",
    "pandas>=2.1,<3",
    "numpy>=1.26,<2.3",
    "libpysal>=4.10",
    "scikit-learn",
]

_PRELUDE = r"""
import json as _json, sys as _sys
def load_payload():
    with open(_sys.argv[1], encoding="utf-8") as f:
        return _json.load(f)
def emit(result):
    with open(_sys.argv[2], "w", encoding="utf-8") as f:
        _json.dump(result, f)
"""


class PeerUnavailable(RuntimeError):
    """The peer environment could not be created (no network to PyPI, failed build)."""


def _python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def peer_python(env_dir: Path = PEER_VENV, requirements: list[str] | None = None) -> Path:
    """Path of the peer environment's Python, creating the environment when missing."""
    python = _python(env_dir)
    stamp = env_dir / ".installed"
    wanted = "\n".join(requirements or PEER_REQUIREMENTS)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    cmd = [str(python), "-m", "pip", "install", "--quiet", *(requirements or PEER_REQUIREMENTS)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise PeerUnavailable(f"pip install in {env_dir} failed:\n{done.stderr[-3000:]}")
    stamp.write_text(wanted)
    return python


def peer_version(env_dir: Path = PEER_VENV) -> str:
    """Installed version of PySAL ``segregation`` in the peer environment."""
    out = subprocess.run(
        [str(peer_python(env_dir)), "-c", "import importlib.metadata as m; "
         "print(m.version('segregation'))"],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    return out.stdout.strip()


def run_in_peer(
    script: str,
    payload: dict[str, Any],
    *,
    env_dir: Path = PEER_VENV,
    timeout: float = 3600,
    threads: int | None = None,
) -> dict[str, Any]:
    """Run ``script`` in a fresh peer process and return what it passed to ``emit``.

    Parameters
    ----------
    script : str
        Python source. ``load_payload()`` returns ``payload``; ``emit(dict)`` returns a result.
    payload : dict
        JSON-serialisable input (file paths, parameters).
    env_dir : Path
        The peer environment (created on first use).
    timeout : float
        Seconds before the run is stopped.
    threads : int, optional
        Sets ``OMP_NUM_THREADS``/``NUMBA_NUM_THREADS`` and friends for the run.
    """
    python = peer_python(env_dir)
    with tempfile.TemporaryDirectory(prefix="peer-run-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "script.py").write_text(_PRELUDE + script, encoding="utf-8")
        (tmp_path / "payload.json").write_text(json.dumps(payload), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
        if threads is not None:
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "NUMBA_NUM_THREADS"):  # fmt: skip
                env[var] = str(threads)
        done = subprocess.run(
            [str(python), "script.py", "payload.json", "result.json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"peer script failed:\n{done.stderr[-4000:]}")
        return json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))


if __name__ == "__main__":  # create the environment: python benchmarks/_peer.py
    print(peer_python(), peer_version(), file=sys.stderr)
