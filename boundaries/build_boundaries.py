"""Build the embedded default boundaries from SCB's original RegSO 2025 layer.

Usage::

    python boundaries/build_boundaries.py --source ../shared/data/boundaries/regso_2025.gpkg
    python boundaries/build_boundaries.py --source wfs      # download from SCB's WFS first

Writes, beside this script:

* ``regso_2025.parquet``: the 3,363 RegSO of edition 2025, simplified with
  ``shapely.coverage_simplify`` so that neighbours keep shared edges (no gaps, no overlaps);
* ``kommuner.parquet`` and ``lan.parquet``: the 290 kommuner and 21 län dissolved from the
  simplified RegSO with ``shapely.coverage_union_all``, so every layer lines up exactly;
* ``MANIFEST.json``: source, licence, sha256 of the original and of every output, tolerance,
  counts and the command that rebuilt them.

Source: SCB, Regionala statistikområden (RegSO) 2025, open data under CC0
(attribution "Källa: SCB").
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
DEFAULT_TOLERANCE = 60.0  # metres, EPSG:3006
WFS_URL = (
    "https://geodata.scb.se/geoserver/stat/wfs?service=WFS&version=2.0.0&request=GetFeature"
    "&typeNames=stat:RegSO_2025&outputFormat=geopackage&srsName=EPSG:3006"
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dissolve_coverage(frame: gpd.GeoDataFrame, by: str, keep: list[str]) -> gpd.GeoDataFrame:
    """Union a valid polygon coverage per group with the fast coverage union."""
    rows = []
    for key, part in frame.groupby(by, sort=True):
        geom = shapely.coverage_union_all(part.geometry.values)
        rows.append({by: key, **{c: part[c].iloc[0] for c in keep}, "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)


def build(source: Path, out: Path, tolerance: float) -> dict:
    original = gpd.read_file(source)
    if original.crs is None or original.crs.to_epsg() != 3006:
        original = original.to_crs(3006)
    if len(original) != 3363:
        raise SystemExit(f"expected 3,363 RegSO in {source}, found {len(original)}")
    geoms = shapely.make_valid(original.geometry.values)
    simplified = shapely.coverage_simplify(geoms, tolerance)
    if not shapely.is_valid(simplified).all() or not shapely.coverage_is_valid(simplified):
        raise SystemExit("simplified RegSO do not form a valid coverage; lower the tolerance")

    regso = gpd.GeoDataFrame(
        {
            "regsokod": original["regsokod"].astype(str),
            "regsonamn": original["regsonamn"].astype(str),
            "kommunkod": original["kommunkod"].astype(str),
            "lanskod": original["lanskod"].astype(str),
            "area_km2": np.round(shapely.area(geoms) / 1e6, 4),
        },
        geometry=simplified,
        crs="EPSG:3006",
    ).sort_values("regsokod", ignore_index=True)
    kommuner = dissolve_coverage(regso, "kommunkod", ["lanskod"])
    lan = dissolve_coverage(regso, "lanskod", [])

    out.mkdir(parents=True, exist_ok=True)
    files = {
        "regso_2025.parquet": regso,
        "kommuner.parquet": kommuner,
        "lan.parquet": lan,
    }
    for name, frame in files.items():
        frame.to_parquet(out / name, compression="zstd", index=False, write_covering_bbox=False)

    manifest = {
        "source": "Källa: SCB. Regionala statistikområden (RegSO), edition 2025 (layer RegSO_2025)",
        "licence": "CC0 1.0 (SCB open geodata); attribution 'Källa: SCB'",
        "original": {
            "file": source.name,
            "sha256": sha256(source),
            "features": len(original),
            "coordinates": int(shapely.get_num_coordinates(geoms).sum()),
        },
        "method": "shapely.coverage_simplify (topology kept), kommun/län by coverage_union_all",
        "tolerance_m": tolerance,
        "crs": "EPSG:3006",
        "built": dt.date.today().isoformat(),
        "build_command": f"python boundaries/build_boundaries.py --tolerance {tolerance:g}",
        "versions": {"shapely": shapely.__version__, "geopandas": gpd.__version__},
        "outputs": {
            name: {
                "sha256": sha256(out / name),
                "features": len(frame),
                "coordinates": int(shapely.get_num_coordinates(frame.geometry.values).sum()),
                "bytes": (out / name).stat().st_size,
            }
            for name, frame in files.items()
        },
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def download_wfs(target: Path) -> Path:
    import pooch

    return Path(pooch.retrieve(WFS_URL, known_hash=None, fname=target.name, path=target.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        default=str(HERE.parent.parent / "shared" / "data" / "boundaries" / "regso_2025.gpkg"),
        help="SCB's RegSO 2025 layer (GeoPackage), or 'wfs' to download it from SCB",
    )
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    parser.add_argument("--out", default=str(HERE))
    args = parser.parse_args(argv)
    source = Path(args.source)
    if args.source == "wfs":
        source = download_wfs(Path(args.out) / ".cache" / "RegSO_2025.gpkg")
    manifest = build(source, Path(args.out), args.tolerance)
    total = sum(o["bytes"] for o in manifest["outputs"].values())
    print(f"wrote {len(manifest['outputs'])} layers, {total / 1e6:.2f} MB in all, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
