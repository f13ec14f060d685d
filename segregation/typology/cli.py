"""``segregation typology``: a geodemographic typology of the areas in a CSV file.

The CSV has one row per area, the area code in the first column and the indicators in the
others. The command writes the types per area (with their English and Swedish names), the
k-selection table, the profiles, the bootstrap stability and, with ``--map``, an offline
HTML map.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from segregation.errors import SegregationError, describe_items

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``segregation typology``."""
    parser.add_argument("input", type=Path, help="CSV: area code in the first column")
    parser.add_argument("--columns", help="comma-separated indicator columns (default: all)")
    parser.add_argument("--n-types", default="auto", help="'auto' (default) or a number")
    parser.add_argument(
        "--method", default="kmeans", choices=["kmeans", "ward", "gmm", "contiguous_ward"]
    )
    parser.add_argument("--scale", default="standard", choices=["standard", "robust"])
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--bootstrap", type=int, default=50, help="bootstrap draws (0: none)")
    parser.add_argument("--map", action="store_true", help="also write types.html")
    parser.add_argument("--out", type=Path, default=Path("out/typology"), help="output folder")


def run(args: argparse.Namespace) -> int:
    """Fit, then write ``types.csv``, ``k_selection.csv``, ``profiles.csv``, ``stability.csv``."""
    from segregation.typology.cluster import GeodemographicTypology

    frame = pd.read_csv(args.input, index_col=0, dtype={0: str})
    columns = args.columns.split(",") if args.columns else list(frame.columns)
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise SegregationError(
            f"{len(absent)} columns are not in {args.input.name} ({describe_items(absent)}); "
            f"its columns are {describe_items(frame.columns, limit=10)}."
        )
    n_types = args.n_types if args.n_types == "auto" else int(args.n_types)
    X = frame[columns]
    if args.method == "contiguous_ward":
        import segregation as seg

        X = seg.load_regso()[["geometry"]].join(X, how="inner")
    model = GeodemographicTypology(
        n_types=n_types, method=args.method, scale=args.scale, random_state=args.seed
    ).fit(X)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = model.type_names_
    types = pd.DataFrame(
        {
            "type": model.types_,
            "name_en": names["en"].reindex(model.labels_).to_numpy(),
            "name_sv": names["sv"].reindex(model.labels_).to_numpy(),
        }
    )
    types.to_csv(out / "types.csv", index_label=frame.index.name or "area")
    if model.k_selection_ is not None:
        model.k_selection_.to_csv(out / "k_selection.csv", index=False)
    model.profiles_.join(names).join(model.sizes_).to_csv(out / "profiles.csv")
    print(model.k_choice_)
    for t, row in names.iterrows():
        print(f"type {t} ({model.sizes_[t]} areas): {row['en']} | {row['sv']}")
    if args.bootstrap:
        stability = model.bootstrap_stability(X, n_bootstrap=args.bootstrap)
        stability.to_csv(out / "stability.csv")
        print(f"bootstrap ARI overall {stability.loc['overall', 'ari']:.3f}")
    if args.map:
        from segregation.typology.mapping import explore_types

        explore_types(model, title="Typology").save(out / "types.html")
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}")
    return 0
