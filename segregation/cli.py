"""The ``segregation`` command line.

Subcommands are registered in one table; each lives in the module that owns its work and
is imported only when called, so ``segregation --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# name -> (module, function that adds arguments, function that runs)
_COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "demo": ("segregation.demo", "add_arguments", "run", "Run the offline showcase."),
    "protect": (
        "segregation.disclosure.cli",
        "add_arguments",
        "run",
        "Protect a CSV of area counts (primary and secondary suppression, audited).",
    ),
    "fetch": (
        "segregation.data.recipes",
        "add_arguments",
        "run",
        "Fetch a named DeSO/RegSO table from SCB's statistics API (cached, citable).",
    ),
    "indices": (
        "segregation.indices._cli",
        "add_arguments",
        "run",
        "Compute segregation indices from a CSV of area counts, per kommun or län.",
    ),
    "run": (
        "segregation.pipeline",
        "add_run_arguments",
        "run_command",
        "Run a batch from a TOML config: maps, PNGs and tables per kommun.",
    ),
    "typology": (
        "segregation.typology.cli",
        "add_arguments",
        "run",
        "Geodemographic types of the areas in a CSV: k choice, profiles, names, stability.",
    ),
    "reproduce": (
        "segregation.pipeline",
        "add_reproduce_arguments",
        "reproduce_command",
        "Re-run a manifest.json and compare every output.",
    ),
}


def _load(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


def build_parser() -> argparse.ArgumentParser:
    from segregation import __version__

    parser = argparse.ArgumentParser(
        prog="segregation",
        description="Residential segregation over Sweden's DeSO and RegSO areas.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, add_args, _, help_text) in _COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        try:
            _load(module, add_args)(p)
        except (ImportError, AttributeError):
            p.set_defaults(_unavailable=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``segregation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    if getattr(args, "_unavailable", False):
        print(f"segregation {args.command}: not available in this version.", file=sys.stderr)
        return 2
    module, _, run, _ = _COMMANDS[args.command]
    try:
        return int(_load(module, run)(args) or 0)
    except ValueError as exc:  # SegregationError and friends: plain words, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
