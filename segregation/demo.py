"""The offline showcase run by ``make demo`` (``segregation demo --out out/demo``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the synthetic data")


def run(args: argparse.Namespace) -> int:
    from segregation.areas.boundaries import load_kommuner, load_lan, load_regso

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    regso = load_regso()
    kommuner = load_kommuner()
    lan = load_lan()

    summary = (
        regso.groupby(["lanskod", "lansnamn"])
        .agg(kommuner=("kommunkod", "nunique"), regso=("regsonamn", "size"))
        .reset_index()
    )
    print(f"Embedded boundaries: {len(regso):,} RegSO (edition 2025) in {len(kommuner)} kommuner")
    print(f"and {len(lan)} län, EPSG:{regso.crs.to_epsg()}. Källa: SCB.\n")
    print(summary.to_string(index=False))

    layers = {"regso_2025.gpkg": regso, "kommuner.gpkg": kommuner, "lan.gpkg": lan}
    for name, frame in layers.items():
        frame.to_file(out / name, driver="GPKG")
    summary.to_csv(out / "areas_per_lan.csv", index=False)
    print(f"\nWrote {', '.join(layers)} and areas_per_lan.csv to {out}/")
    print("Open the .gpkg files in QGIS, or in Python with geopandas.read_file().")
    return 0
