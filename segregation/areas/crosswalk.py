"""Crosswalks between area layers: DeSO to RegSO, and one edition to another.

SCB publishes a DeSO-RegSO key per edition pair ("Koppling DeSO och RegSO") but no
population-weighted correspondence between editions. Here a crosswalk is computed from the
polygons themselves: the area of every intersection between a source and a target area,
found through a spatial index (shapely's STRtree), never a dense all-pairs comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from segregation.areas.codes import parse_codes
from segregation.errors import CRSError, InvalidCodeError, describe_items

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Crosswalk", "DesoRegsoKey", "deso_to_regso", "overlap_table", "read_deso_regso_key"]


def _projected(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise CRSError(f"{name} has no CRS; set it (e.g. .set_crs(3006)) before a crosswalk.")
    if frame.crs.is_geographic:
        return frame.to_crs(3006)
    return frame


def overlap_table(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area of every intersection between source and target polygons.

    Parameters
    ----------
    source, target : geopandas.GeoDataFrame
        Indexed by area code. Reprojected to EPSG:3006 if geographic; ``target`` is
        reprojected to ``source``'s CRS if they differ.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target``, ``overlap_m2``, ``share_of_source`` and
        ``share_of_target``, one row per intersecting pair with positive area, sorted by
        source and decreasing overlap.
    """
    import shapely

    source = _projected(source, "source")
    target = _projected(target, "target")
    if target.crs != source.crs:
        target = target.to_crs(source.crs)
    src_geoms = source.geometry.to_numpy()
    tgt_geoms = target.geometry.to_numpy()
    tree = shapely.STRtree(tgt_geoms)
    src_idx, tgt_idx = tree.query(src_geoms, predicate="intersects")
    overlap = shapely.area(shapely.intersection(src_geoms[src_idx], tgt_geoms[tgt_idx]))
    table = pd.DataFrame(
        {
            "source": source.index.to_numpy()[src_idx],
            "target": target.index.to_numpy()[tgt_idx],
            "overlap_m2": overlap,
            "share_of_source": overlap / shapely.area(src_geoms)[src_idx],
            "share_of_target": overlap / shapely.area(tgt_geoms)[tgt_idx],
        }
    )
    table = table[table["overlap_m2"] > 0]
    return table.sort_values(["source", "overlap_m2"], ascending=[True, False], ignore_index=True)


@dataclass
class Crosswalk:
    """A many-to-one key by largest overlap, with the full overlap table behind it.

    Attributes
    ----------
    key : pandas.Series
        Source code -> target code of the largest overlap.
    overlaps : pandas.DataFrame
        Every intersecting pair (see :func:`overlap_table`).
    report : pandas.DataFrame
        Source areas whose largest overlap covers less than ``1 - tolerance`` of them
        (split between targets), with ``target``, ``share`` and ``other_targets``; and
        source areas that meet no target at all (``target`` missing).
    """

    key: pd.Series
    overlaps: pd.DataFrame
    report: pd.DataFrame

    def __repr__(self) -> str:
        return (
            f"Crosswalk({len(self.key)} areas -> {self.key.nunique()} areas, "
            f"{len(self.report)} reported as split or unmatched)"
        )


def deso_to_regso(
    deso: gpd.GeoDataFrame,
    regso: gpd.GeoDataFrame | None = None,
    *,
    tolerance: float = 0.05,
) -> Crosswalk:
    """Key every DeSO to the RegSO it overlaps most, and report DeSO split between RegSO.

    DeSO nest in RegSO within one edition pair, so with matching editions nearly every DeSO
    lies wholly in one RegSO (small shares elsewhere come from simplified boundaries). Across
    editions (DeSO 2018 to RegSO 2025) some DeSO are split, and the report says by how much.

    Parameters
    ----------
    deso : geopandas.GeoDataFrame
        DeSO polygons indexed by ``desokod`` (e.g. from :func:`~segregation.load_deso`).
    regso : geopandas.GeoDataFrame, optional
        RegSO polygons indexed by ``regsokod``; the embedded RegSO 2025 by default.
    tolerance : float, default=0.05
        A DeSO is reported as split when its largest overlap is below ``1 - tolerance`` of
        its area. The default allows for the embedded, simplified RegSO, whose edges sit up
        to about 60 m from the originals; with full-detail layers 0.01 is a good choice.

    Returns
    -------
    Crosswalk
        ``.key`` (desokod -> regsokod), ``.overlaps`` and ``.report``.
    """
    if regso is None:
        from segregation.areas.boundaries import load_regso

        regso = load_regso()
    overlaps = overlap_table(deso, regso)
    best = overlaps.drop_duplicates("source", keep="first").set_index("source")
    key = best["target"].reindex(deso.index)
    key.index.name, key.name = "desokod", "regsokod"

    others = (
        overlaps[overlaps.duplicated("source", keep="first")]
        .assign(
            text=lambda t: (
                t["target"] + " (" + (100 * t["share_of_source"]).round(1).astype(str) + " %)"
            )
        )
        .groupby("source")["text"]
        .agg("; ".join)
    )
    share = best["share_of_source"].reindex(deso.index)
    report = pd.DataFrame(
        {
            "regsokod": key,
            "share": share,
            "other_regso": others.reindex(deso.index),
        }
    )
    report["reason"] = np.where(report["regsokod"].isna(), "overlaps no RegSO", "split")
    report = report[report["regsokod"].isna() | (report["share"] < 1 - tolerance)]
    report.index.name = "desokod"
    return Crosswalk(key=key, overlaps=overlaps, report=report)


@dataclass
class DesoRegsoKey:
    """SCB's published DeSO-RegSO key: ``key`` (desokod -> regsokod) and ``names``."""

    key: pd.Series
    names: pd.Series


_KEY_COLUMNS = {
    "deso": ("desokod", "deso", "deso_kod", "deso-kod", "deso kod"),
    "regso": ("regsokod", "regso", "regso_kod", "regso-kod", "regso kod"),
    "name": ("regsonamn", "regso_namn", "regso-namn", "regso namn", "regsonamn 2025", "namn"),
}


def read_deso_regso_key(path: str | Path, *, sheet_name: int | str = 0) -> DesoRegsoKey:
    """Read SCB's key file "Koppling DeSO och RegSO" (Excel or CSV).

    The file has a DeSO code column, a RegSO code column and a RegSO name column under
    any of SCB's usual headings (case and spacing ignored); header rows above the table
    are skipped.

    Raises
    ------
    InvalidCodeError
        When a column is missing, a code is malformed, or a DeSO has two RegSO.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        raw = pd.read_excel(path, sheet_name=sheet_name, header=None, dtype=str)
    else:
        raw = pd.read_csv(
            path, header=None, dtype=str, sep=None, engine="python", encoding="utf-8-sig"
        )

    def norm(value: object) -> str:
        return " ".join(str(value).strip().lower().replace("\u00a0", " ").split())

    header_row = None
    for i in range(min(len(raw), 30)):
        cells = {norm(v) for v in raw.iloc[i].tolist()}
        if cells & set(_KEY_COLUMNS["deso"]) and cells & set(_KEY_COLUMNS["regso"]):
            header_row = i
            break
    if header_row is None:
        raise InvalidCodeError(
            f"{path.name}: found no header row with a DeSO code column ({', '.join(_KEY_COLUMNS['deso'])}) "
            f"and a RegSO code column ({', '.join(_KEY_COLUMNS['regso'])})."
        )
    table = raw.iloc[header_row + 1 :].copy()
    table.columns = [norm(c) for c in raw.iloc[header_row]]
    table = table.dropna(how="all")

    def pick(kind: str) -> str | None:
        return next((c for c in _KEY_COLUMNS[kind] if c in table.columns), None)

    deso_col, regso_col, name_col = pick("deso"), pick("regso"), pick("name")
    deso_codes = parse_codes(table[deso_col].reset_index(drop=True))
    regso_codes = parse_codes(table[regso_col].reset_index(drop=True))
    for parsed, level in ((deso_codes, "deso"), (regso_codes, "regso")):
        wrong = parsed["level"] != level
        if wrong.any():
            raise InvalidCodeError(
                f"{path.name}: {int(wrong.sum())} values in the {level} column are not {level} "
                f"codes: {describe_items(parsed.loc[wrong, 'code'])}."
            )
    key = pd.Series(
        regso_codes["base_code"].to_numpy(),
        index=pd.Index(deso_codes["base_code"], name="desokod"),
        name="regsokod",
    )
    conflicting = key.groupby(level=0).nunique()
    conflicting = conflicting[conflicting > 1]
    if len(conflicting):
        raise InvalidCodeError(
            f"{path.name}: {len(conflicting)} DeSO are keyed to more than one RegSO: "
            f"{describe_items(conflicting.index)}."
        )
    key = key[~key.index.duplicated()]
    names = pd.Series(dtype="string", name="regsonamn")
    if name_col is not None:
        names = pd.Series(
            table[name_col].to_numpy(),
            index=pd.Index(regso_codes["base_code"], name="regsokod"),
            name="regsonamn",
        )
        names = names[~names.index.duplicated()]
    return DesoRegsoKey(key=key, names=names)
