"""Reproducible batch runs from a TOML config, with a manifest that can re-run them.

* :func:`run`: every kommun's HTML map, PNG, area table and indices, a national summary
  and ``manifest.json``, drawn on several cores, resumable.
* :func:`reproduce`: run a manifest again and compare every output file by file.
* :func:`load_config` / :func:`parse_config`: the strictly validated config format.

The command line ``segregation run`` and ``segregation reproduce`` calls these.
"""

from __future__ import annotations

from segregation.pipeline.commands import (
    add_reproduce_arguments,
    add_run_arguments,
    reproduce_command,
    run_command,
)
from segregation.pipeline.config import (
    SCHEMA,
    ConfigError,
    config_template,
    load_config,
    parse_config,
)
from segregation.pipeline.manifest import compare_outputs, read_manifest, sha256_file
from segregation.pipeline.reproduce import ReproduceReport, reproduce
from segregation.pipeline.runner import RunResult, run

__all__ = [
    "SCHEMA",
    "ConfigError",
    "ReproduceReport",
    "RunResult",
    "add_reproduce_arguments",
    "add_run_arguments",
    "compare_outputs",
    "config_template",
    "load_config",
    "parse_config",
    "read_manifest",
    "reproduce",
    "reproduce_command",
    "run",
    "run_command",
    "sha256_file",
]
