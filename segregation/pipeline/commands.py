"""``segregation run`` and ``segregation reproduce``: argument parsing and printed reports."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_reproduce_arguments", "add_run_arguments", "reproduce_command", "run_command"]


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``segregation run``."""
    parser.add_argument("config", nargs="?", help="TOML config file (see --template)")
    parser.add_argument("--out", help="output folder (required with a config)")
    parser.add_argument("--workers", type=int, help="processes that draw maps (default: config)")
    parser.add_argument(
        "--fresh", action="store_true", help="forget an interrupted run in --out and start over"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--template", action="store_true", help="print a config with every key and its default"
    )


def run_command(args: argparse.Namespace) -> int:
    """Run a batch and print where the outputs are."""
    from segregation.pipeline.config import ConfigError, config_template
    from segregation.pipeline.runner import run

    if args.template:
        print(config_template())
        return 0
    if not args.config or not args.out:
        raise ConfigError(
            "give a config file and --out DIR, e.g. segregation run run.toml --out out"
        )
    try:
        result = run(
            args.config, args.out, workers=args.workers, progress=not args.quiet, fresh=args.fresh
        )
    except KeyboardInterrupt:
        print(
            f"\nInterrupted. Finished kommuner are kept in {args.out}; run the same command "
            "again to resume.",
            file=sys.stderr,
        )
        return 130
    if result.resumed:
        print(
            f"Resumed: {len(result.resumed)} kommuner were already done, drew {len(result.drawn)}."
        )
    print(
        f"{len(result.units)} {'kommuner' if len(result.units[0]) == 4 else 'län'}, "
        f"{len(result.outputs)} files in {result.out}/ "
        f"({result.seconds:.1f} s)."
    )
    print(
        f"Manifest: {result.manifest}  (check it later with: segregation reproduce {result.manifest})"
    )
    return 0


def add_reproduce_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``segregation reproduce``."""
    parser.add_argument("manifest", help="manifest.json of an earlier run (or its folder)")
    parser.add_argument("--out", help="keep the new run here (default: a temporary folder)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check the files beside the manifest against it (no new run)",
    )
    parser.add_argument("--workers", type=int, help="processes that draw maps")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def reproduce_command(args: argparse.Namespace) -> int:
    """Re-run a manifest, print one line per file; exit 0 only when all are identical."""
    from segregation.pipeline.replay import check, reproduce

    if args.check:
        report = check(args.manifest)
    else:
        report = reproduce(args.manifest, args.out, workers=args.workers, progress=not args.quiet)
    for line in report.lines():
        print(line)
    sys.stdout.flush()
    return 0 if report.identical else 1
