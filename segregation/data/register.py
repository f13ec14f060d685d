"""A seeded synthetic person register over real area polygons, for tests and benchmarks.

Persons are placed uniformly inside real RegSO (or DeSO) polygons, as many per area as a
population column says (or in proportion to it), and given attributes drawn from stated
distributions. Placement is exact and vectorised: every polygon is cut into triangles
(constrained Delaunay), a triangle is drawn with probability proportional to its area and
a point uniformly inside it, so no point falls outside its area and no rejection loop is
needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items, warn

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["AGE_GROUPS", "BENEFIT_RATES", "SEX", "regso_population", "synthetic_register"]

#: Sex shares, Sweden 31 Dec 2023 (SCB population statistics, rounded).
SEX: dict[str, float] = {"K": 0.497, "M": 0.503}
#: Age-group shares, Sweden 31 Dec 2023 (SCB population statistics, rounded).
AGE_GROUPS: dict[str, float] = {"0-19": 0.226, "20-64": 0.567, "65+": 0.207}
#: Share born abroad used when no area shares are given (SCB, 2023: about 20 %).
BORN_ABROAD_SHARE = 0.204
#: Probability of the illustrative outcome ``benefit`` by (age group, born abroad).
#: Stated, not estimated: they give rates that differ between areas as real ones do.
BENEFIT_RATES: dict[tuple[str, bool], float] = {
    ("0-19", False): 0.01,
    ("0-19", True): 0.02,
    ("20-64", False): 0.06,
    ("20-64", True): 0.12,
    ("65+", False): 0.02,
    ("65+", True): 0.04,
}


def _normalise_label(text: pd.Series) -> pd.Series:
    dashes = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212]")
    return (
        text.astype("string")
        .str.replace(dashes, "-", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(r"\s*-\s*", "-", regex=True)
        .str.replace(r"\(\s+", "(", regex=True)
        .str.replace(r"\s+\)", ")", regex=True)
        .str.strip()
        .str.casefold()
    )


def regso_population(
    path: str | Path, *, year: int = 2023, areas: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Persons and persons born in Sweden per RegSO, from SCB's export by RegSO label.

    SCB's exports name a RegSO ``Kommunnamn (RegSO-namn)``. Labels are matched to the
    names of ``areas`` after trimming, folding case and unifying dashes; labels that still
    do not match (spelling changes, and areas that changed between editions) are named in a
    warning and left out, and the areas without a label get no population. Labels of
    kommuner that have no area in ``areas`` are ignored.

    Parameters
    ----------
    path : str or path
        SCB's table "Folkmängd efter region, födelseregion och kön" by RegSO (columns
        ``region``, ``födelseregion``, ``kön``, ``Antal YEAR``...).
    year : int, default=2023
    areas : geopandas.GeoDataFrame, optional
        RegSO with ``regsonamn`` and ``kommunnamn``; the embedded RegSO 2025 by default.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``regsokod``: ``total`` and ``born_in_sweden``; ``attrs["unmatched"]``
        lists the labels that matched no area.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import segregation as seg
    >>> text = (
    ...     '"region","födelseregion","kön","Antal 2023"\\n'
    ...     '"Upplands Väsby (Bollstanäs )","Sverige","totalt",4843\\n'
    ...     '"Upplands Väsby (Bollstanäs )","totalt","totalt",5920\\n'
    ... )
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "regso.csv"
    >>> _ = path.write_text(text, encoding="utf-8")
    >>> regso_population(path, areas=seg.load_regso(kommun="0114")).loc["0114R001"].tolist()
    [5920, 4843]
    """
    if areas is None:
        from segregation.areas.boundaries import load_regso

        areas = load_regso()
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype={"region": str})
    column = f"Antal {year}"
    if column not in raw.columns:
        years = [c.removeprefix("Antal ") for c in raw.columns if c.startswith("Antal ")]
        raise SegregationError(f"{Path(path).name} has no year {year}; it has {years}.")
    wanted = raw[raw["kön"].str.casefold() == "totalt"]
    table = wanted.pivot_table(
        index="region", columns="födelseregion", values=column, aggfunc="sum"
    ).rename(columns={"totalt": "total", "Sverige": "born_in_sweden"})
    labels = areas["kommunnamn"].astype(str) + " (" + areas["regsonamn"].astype(str) + ")"
    by_label = pd.Series(areas.index, index=_normalise_label(labels).to_numpy())
    by_label = by_label[~by_label.index.duplicated(keep=False)]
    keys = _normalise_label(pd.Series(table.index, index=table.index))
    code = keys.map(by_label)
    # labels of kommuner outside ``areas`` are out of scope, not unmatched
    in_scope = keys.str.extract(r"^(.*?) \(", expand=False).isin(
        set(_normalise_label(areas["kommunnamn"].astype(str)))
    )
    unmatched = table.index[(code.isna() & in_scope).to_numpy()].tolist()
    out = table.loc[code.notna().to_numpy(), ["total", "born_in_sweden"]]
    out.index = pd.Index(code.dropna().to_numpy(), name="regsokod")
    out = out.groupby(level=0).sum().astype(np.int64)
    if unmatched:
        warn(
            f"{len(unmatched)} RegSO labels of {Path(path).name} match no area name and are "
            f"left out: {describe_items(unmatched, 8)}."
        )
    out.attrs["unmatched"] = unmatched
    return out


def _population(population: Any, areas: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series | None]:
    """Persons per area (and share born abroad, if given), aligned to ``areas``."""
    share = None
    if isinstance(population, pd.DataFrame):
        if "total" not in population.columns:
            raise SegregationError(
                f"population has no 'total' column; it has {list(population.columns)}. "
                "Pass a Series of persons per area, or a frame with 'total'."
            )
        if "born_in_sweden" in population.columns:
            share = 1 - population["born_in_sweden"] / population["total"].where(
                population["total"] > 0
            )
        population = population["total"]
    counts = pd.to_numeric(pd.Series(population), errors="coerce")
    unknown = counts.index.difference(areas.index)
    if len(unknown):
        raise SegregationError(
            f"{len(unknown)} areas of the population are not in the area layer: "
            f"{describe_items(unknown)}. Use polygons of the same level and edition."
        )
    bad = counts.isna() | (counts < 0)
    if bad.any():
        raise SegregationError(
            f"{int(bad.sum())} areas have a missing or negative population: "
            f"{describe_items(counts.index[bad])}."
        )
    counts = counts.reindex(areas.index, fill_value=0)
    if share is not None:
        share = share.reindex(areas.index).fillna(BORN_ABROAD_SHARE).clip(0, 1)
    return counts, share


def _points_in(geoms: np.ndarray, owner: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniform random point inside ``geoms[owner[i]]`` for every i (triangulation)."""
    import shapely

    used, local = np.unique(owner, return_inverse=True)
    triangles = shapely.constrained_delaunay_triangles(geoms[used])
    parts, part_of = shapely.get_parts(triangles, return_index=True)
    corners = shapely.get_coordinates(parts).reshape(len(parts), 4, 2)[:, :3]
    cumulative = np.cumsum(shapely.area(parts))
    ends = np.searchsorted(part_of, np.arange(len(used)), side="right") - 1
    starts = np.searchsorted(part_of, np.arange(len(used)), side="left")
    before = np.where(starts > 0, cumulative[starts - 1], 0.0)
    size = cumulative[ends] - before
    # triangle with probability proportional to its area, within the person's area
    target = before[local] + rng.random(len(owner)) * size[local]
    tri = np.clip(np.searchsorted(cumulative, target, side="right"), starts[local], ends[local])
    r1, r2 = rng.random(len(owner)), rng.random(len(owner))
    flip = r1 + r2 > 1  # fold the unit square onto the triangle
    r1, r2 = np.where(flip, 1 - r1, r1), np.where(flip, 1 - r2, r2)
    a, b, c = corners[tri, 0], corners[tri, 1], corners[tri, 2]
    return a + r1[:, None] * (b - a) + r2[:, None] * (c - a)


def synthetic_register(
    population: pd.Series | pd.DataFrame,
    *,
    n: int | None = None,
    areas: gpd.GeoDataFrame | None = None,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """A seeded synthetic person register: persons placed in real polygons with attributes.

    Parameters
    ----------
    population : pandas.Series or pandas.DataFrame
        Persons per area, indexed by the codes of ``areas`` (any population column: real
        counts from SCB, or your own). A frame needs ``total``; with ``born_in_sweden`` the
        share born abroad follows each area's real share.
    n : int, optional
        Number of persons. Default: the sum of ``population`` (one person per person).
        Otherwise persons are drawn into areas in proportion to it (multinomial).
    areas : geopandas.GeoDataFrame, optional
        Polygons indexed by area code in EPSG:3006; the embedded RegSO 2025 by default.
    seed : int or numpy.random.Generator, optional
        The same seed gives the same register.

    Returns
    -------
    pandas.DataFrame
        One row per person, in random order: ``person_id``, ``x``, ``y`` (EPSG:3006, metres),
        ``home`` (the area the person was placed in, categorical), ``sex`` (:data:`SEX`),
        ``age_group`` (:data:`AGE_GROUPS`), ``born_abroad`` (the area's share, or 20.4 %)
        and ``benefit`` (:data:`BENEFIT_RATES` by age group and birth country).

    Examples
    --------
    >>> import pandas as pd
    >>> people = synthetic_register(pd.Series({"0114R001": 30, "0114R002": 20}), seed=1)
    >>> len(people), people["home"].value_counts()[["0114R001", "0114R002"]].tolist()
    (50, [30, 20])
    >>> people.columns.tolist()
    ['person_id', 'x', 'y', 'home', 'sex', 'age_group', 'born_abroad', 'benefit']
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if areas is None:
        from segregation.areas.boundaries import load_regso

        areas = load_regso()
    if areas.crs is None or areas.crs.to_epsg() != 3006:
        areas = areas.to_crs(3006) if areas.crs is not None else areas
    counts, share_abroad = _population(population, areas)
    weights = counts.to_numpy(dtype=float)
    if n is None:
        per_area = np.round(weights).astype(np.int64)
    else:
        if weights.sum() <= 0:
            raise SegregationError("The population sums to zero: there is nobody to draw.")
        per_area = rng.multinomial(int(n), weights / weights.sum())
    owner = np.repeat(np.arange(len(areas)), per_area)
    owner = owner[rng.permutation(len(owner))]
    geoms = np.asarray(areas.geometry.array)
    xy = _points_in(geoms, owner, rng) if len(owner) else np.empty((0, 2))

    total = len(owner)
    sex = rng.choice(len(SEX), size=total, p=list(SEX.values()))
    age = rng.choice(len(AGE_GROUPS), size=total, p=list(AGE_GROUPS.values()))
    p_abroad = (
        np.full(total, BORN_ABROAD_SHARE)
        if share_abroad is None
        else share_abroad.to_numpy(dtype=float)[owner]
    )
    abroad = rng.random(total) < p_abroad
    rate = np.array([[BENEFIT_RATES[(a, b)] for b in (False, True)] for a in AGE_GROUPS])
    benefit = rng.random(total) < rate[age, abroad.astype(int)]
    codes = pd.Index(areas.index.astype(str))
    return pd.DataFrame(
        {
            "person_id": np.arange(1, total + 1, dtype=np.int64),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "home": pd.Categorical.from_codes(owner, categories=codes),
            "sex": pd.Categorical.from_codes(sex, categories=list(SEX)),
            "age_group": pd.Categorical.from_codes(age, categories=list(AGE_GROUPS)),
            "born_abroad": abroad,
            "benefit": benefit,
        }
    )
