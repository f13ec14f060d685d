"""The offline showcase run by ``make demo`` (``segregation demo --out out/demo``).

The demo is an ordinary batch run (:func:`segregation.pipeline.run`) of every kommun on
seeded synthetic data over the embedded RegSO 2025 boundaries, so it needs no network:

* a national map of the five RegSO area types (from synthetic indicators, marked as such);
* an interactive map and a PNG of one kommun (Uppsala by default);
* the segregation indices of all 290 kommuner in one table;
* ``manifest.json``, with which ``segregation reproduce`` checks every file again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "demo_config", "run"]

_INDICES = ["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson"]


def demo_config(kommun: str = "0380", seed: int = 2025) -> dict[str, Any]:
    """The config of the demo run: all kommuner, maps for one, a national map.

    Examples
    --------
    >>> cfg = demo_config("1480", seed=1)
    >>> cfg["outputs"]["maps_for"], cfg["input"]["seed"], cfg["run"]["kommuner"]
    (['1480'], 1, 'all')
    """
    return {
        "run": {"title": "deso-segregation demo (synthetic data)", "kommuner": "all"},
        "input": {"source": "synthetic", "seed": seed},
        "indices": {"names": _INDICES, "group": "born_abroad", "total": "population"},
        "typology": {"enabled": True},
        "disclosure": {"enabled": True, "threshold": 5},
        "outputs": {
            "html": True,
            "png": True,
            "areas_csv": False,
            "indices_csv": False,
            "summary": True,
            "national_map": True,
            "national_png": True,
            "maps_for": [kommun],
            "map_columns": ["area_type", "socioeconomic_index", "born_abroad_share"],
        },
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``segregation demo``."""
    parser.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the synthetic data")
    parser.add_argument(
        "--kommun", default="0380", help="kommun that gets a map and a PNG (default: 0380 Uppsala)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes (default: 2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run the demo and print what it made and how to open it."""
    import pandas as pd

    from segregation.areas.codes import kommuner
    from segregation.pipeline import run as run_batch
    from segregation.pipeline.stages import kommun_folder

    out = Path(args.out)
    names = kommuner()
    if args.kommun not in names.index:
        from segregation.errors import InvalidCodeError

        raise InvalidCodeError(
            f"--kommun {args.kommun!r} is not a kommun code; e.g. 0380 (Uppsala), 0180 "
            "(Stockholm), 1480 (Göteborg). See segregation.kommuner()."
        )
    result = run_batch(
        demo_config(args.kommun, args.seed),
        out,
        workers=args.workers,
        progress=not args.quiet,
        fresh=True,
    )
    name = names.loc[args.kommun, "kommunnamn"]
    folder = out / "kommuner" / kommun_folder(args.kommun, name)
    summary = pd.read_csv(out / "summary" / "indices.csv", dtype={"kommunkod": str})
    top = summary.nlargest(5, "dissimilarity")[["kommunkod", "kommunnamn", "dissimilarity"]]

    print(f"\nSynthetic data over SCB's RegSO 2025 boundaries, seed {args.seed}: these are")
    print("not statistics about real people. Boundaries: Källa: SCB.\n")
    print("Most segregated kommuner (born abroad vs everyone, dissimilarity index):")
    for row in top.itertuples(index=False):
        print(f"  {row.kommunkod} {row.kommunnamn:<16} D = {row.dissimilarity:.3f}")
    rows = [
        ("National map of RegSO area types", out / "summary" / "national_map.html"),
        ("The same as a PNG", out / "summary" / "national_map.png"),
        (f"Map of {name} kommun", folder / "map.html"),
        (f"PNG of {name} kommun", folder / "map.png"),
        (f"Indices of all {len(summary)} kommuner", out / "summary" / "indices.csv"),
        ("The same as a page with links", out / "index.html"),
        ("Indices over all of Sweden", out / "summary" / "all_areas.csv"),
        ("Manifest (inputs, versions, hashes)", result.manifest),
    ]
    print(f"\nWrote {len(result.outputs)} files and their manifest in {result.seconds:.1f} s:")
    for label, path in rows:
        print(f"  {label:<38} {path}")
    print("\nOpen the .html maps in a web browser (they work offline), for example:")
    print(f"  python -m webbrowser {(out / 'summary' / 'national_map.html').resolve().as_uri()}")
    print("Open the CSV in a spreadsheet or with pandas.read_csv(); check the run with:")
    print(f"  segregation reproduce {result.manifest}")
    return 0
