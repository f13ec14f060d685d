"""``segregation indices``: compute indices from a CSV of area counts on the command line.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> args = parser.parse_args(["areas.csv", "--group", "abroad", "--total", "population"])
>>> args.by, args.indices
(None, None)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``segregation indices``."""
    parser.add_argument("csv", type=Path, help="one row per area, area codes in the first column")
    counts = parser.add_argument_group("counts (give --group with --total/--against, or --groups)")
    counts.add_argument("--group", help="column of the group of interest")
    counts.add_argument("--total", help="column of each area's total population")
    counts.add_argument("--against", help="column of a second group to compare with")
    counts.add_argument("--groups", nargs="+", help="columns of several groups")
    parser.add_argument("--indices", nargs="+", help="index names (default: all that apply)")
    parser.add_argument("--by", help="groups of areas, e.g. kommunkod or lanskod")
    parser.add_argument("--ordered", action="store_true", help="also the ordered-group indices")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random indices (0)")
    parser.add_argument("--out", type=Path, help="write the result as CSV here (default: print)")
    parser.add_argument("--list", action="store_true", help="list the indices and exit")


def run(args: argparse.Namespace) -> int:
    """Read the CSV, compute, and print or write the tidy result."""
    import pandas as pd

    from segregation.indices import available, compute

    if args.list:
        print(available()[["kind", "family", "min", "max", "formula"]].to_string())
        return 0
    # read as text: codes keep their leading zeros, counts are checked (and '..' named) later
    frame = pd.read_csv(args.csv, dtype=str)
    frame = frame.set_index(frame.columns[0])
    result = compute(
        frame, group=args.group, total=args.total, against=args.against, groups=args.groups,
        indices=args.indices, by=args.by, ordered=args.ordered, seed=args.seed,
    )  # fmt: skip
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(args.out)
        print(f"wrote {len(result)} rows to {args.out}", file=sys.stderr)
    else:
        print(result.to_csv(), end="")
    return 0
