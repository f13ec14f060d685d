"""Reproducible batch runs from a TOML config, with a manifest that can re-run them.

* :func:`run`: every kommun's HTML map, PNG, area table and indices, a national summary
  and ``manifest.json``, drawn on several cores, resumable.
* :func:`reproduce`: run a manifest again and compare every output file by file.
* :func:`load_config` / :func:`parse_config`: the strictly validated config format.

The command line ``segregation run`` and ``segregation reproduce`` calls these. Only the
argument parsers load with the package; the rest (pandas, geopandas, the maps) loads on
first use, so ``segregation --help`` stays fast.
"""

from __future__ import annotations

from segregation._lazy import lazy_exports
from segregation.pipeline.commands import (
    add_reproduce_arguments,
    add_run_arguments,
    reproduce_command,
    run_command,
)

_LAZY: dict[str, str] = {
    "SCHEMA": "segregation.pipeline.config",
    "ConfigError": "segregation.pipeline.config",
    "config_template": "segregation.pipeline.config",
    "load_config": "segregation.pipeline.config",
    "parse_config": "segregation.pipeline.config",
    "compare_outputs": "segregation.pipeline.manifest",
    "read_manifest": "segregation.pipeline.manifest",
    "sha256_file": "segregation.pipeline.manifest",
    "ReproduceReport": "segregation.pipeline.replay",
    "check": "segregation.pipeline.replay",
    "reproduce": "segregation.pipeline.replay",
    "RunResult": "segregation.pipeline.runner",
    "run": "segregation.pipeline.runner",
}

__all__ = [
    *_LAZY,
    "add_reproduce_arguments",
    "add_run_arguments",
    "reproduce_command",
    "run_command",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
