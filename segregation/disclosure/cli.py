"""``segregation protect``: protect a CSV of area counts and write the long table."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from segregation.areas.codes import LEVELS
from segregation.errors import SegregationError

__all__ = ["add_arguments", "run"]

# columns that hold codes, not counts, even when they read as numbers
_CODE_COLUMNS = {"deso", "desokod", "regso", "regsokod", "kommun", "kommunkod", "lan", "lanskod"}


# how SCB's tables mark withheld or missing counts
_MARKERS = {"..", "."}


def _holds_counts(column: pd.Series) -> bool:
    """True when any value is a number or SCB's '..' marker (text such as names: False)."""
    if pd.to_numeric(column, errors="coerce").notna().any():
        return True
    return bool(column.astype("string").str.strip().isin(_MARKERS).any())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``segregation protect``."""
    parser.add_argument("input", help="CSV of area counts: one row per DeSO or RegSO")
    parser.add_argument("--area-column", required=True, help="column with the DeSO or RegSO codes")
    parser.add_argument(
        "--categories",
        nargs="*",
        help="category columns (default: every other numeric column)",
    )
    parser.add_argument("--regso-column", help="column mapping each DeSO to its RegSO")
    parser.add_argument("--min-count", type=int, default=5, help="smallest publishable count")
    parser.add_argument(
        "--zeros", choices=["published", "sensitive"], default="published", help="zero policy"
    )
    parser.add_argument(
        "--levels", nargs="*", choices=list(LEVELS), help="levels to publish (default: all)"
    )
    parser.add_argument("--out", required=True, help="output CSV: level,code,category,value,status")


def run(args: argparse.Namespace) -> int:
    """Read, protect, audit and write; print a one-line summary."""
    from segregation.disclosure import protect

    frame = pd.read_csv(args.input, dtype={args.area_column: str}, sep=None, engine="python")
    if args.area_column not in frame.columns:
        raise SegregationError(
            f"--area-column {args.area_column!r} is not in {args.input}; columns are "
            f"{list(frame.columns)}."
        )
    if args.levels and "regso" in args.levels and not args.regso_column:
        first = str(frame[args.area_column].iloc[0]) if len(frame) else ""
        if "R" not in first[4:5]:  # DeSO codes: the RegSO of each must be given
            raise SegregationError(
                "--levels regso needs --regso-column: DeSO codes do not contain their RegSO. "
                "Add a column with each DeSO's RegSO code (SCB's 'Koppling DeSO och RegSO')."
            )
    frame = frame.set_index(args.area_column)
    keep = [args.regso_column] if args.regso_column else []
    if args.categories:
        missing = [c for c in args.categories if c not in frame.columns]
        if missing:
            raise SegregationError(f"--categories {missing} are not columns of {args.input}.")
        cats = list(args.categories)
    else:
        # a column with any number in it is counts: SCB's '..' markers among them must
        # raise (naming the rows), never drop the category without a word
        cats = [
            c
            for c in frame.columns
            if c not in keep and str(c).lower() not in _CODE_COLUMNS and _holds_counts(frame[c])
        ]
        dropped = [c for c in frame.columns if c not in cats and c not in keep]
        if dropped:
            print(f"note: not categories (codes or text): {dropped}")
    result = protect(
        frame[cats + keep],
        args.min_count,
        levels=args.levels,
        regso=args.regso_column,
        zeros=args.zeros,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(out)
    print(
        f"{out}: {len(result.long)} cells, {result.n_primary} primary and "
        f"{result.n_secondary} secondary suppressions; every sensitive cell passed the audit."
    )
    return 0
