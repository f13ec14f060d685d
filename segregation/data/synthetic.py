"""Seeded synthetic area populations with spatial structure, for demos, tests and teaching.

:func:`synthetic` gives every area of a DeSO or RegSO layer plausible counts: population,
born abroad, persons by tenure, persons 20+ by national income quintile group, and the
three indicators of SCB's socioeconomic index. Neighbouring areas resemble each other and
a few clusters stand out, so segregation indices, maps and typologies have something to
find. The numbers are not statistics about real people: every frame says so in
``frame.attrs["synthetic"]``.

How the counts are made (all vectorised, one random generator):

1. Area positions are polygon centroids in EPSG:3006 (kommun centroids plus a small
   seeded jitter when the input has no geometry). An *urbanity* score is minus the
   standardised log polygon area (small polygons are dense places).
2. Two smooth Gaussian random fields are drawn over the centroids with random Fourier
   features, ``f(x) = sqrt(2/M) * sum_m cos(w_m . x + b_m)``, ``w_m ~ N(0, I / l^2)``, at a
   regional (120 km) and a local (4 km) length scale. A handful of Gaussian "hotspots"
   centred on urban areas adds the clusters that stand out.
3. A latent *deprivation* score mixes fields, hotspots and urbanity. Shares are
   multinomial logits of it; each category's intercept is calibrated so that the
   population-weighted expected share over all areas equals a national target
   (iterative proportional fitting of the intercepts).
4. Counts are drawn with ``Generator.multinomial`` and ``Generator.binomial`` from those
   shares, so every part sums exactly to its whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segregation.areas.codes import parse_codes
from segregation.errors import InvalidCodeError, SegregationError, describe_items

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["COLUMNS", "NATIONAL_SHARES", "describe", "synthetic"]

#: The columns of a synthetic frame, in order.
COLUMNS: tuple[str, ...] = (
    "kommunkod",
    "lanskod",
    "population",
    "born_abroad",
    "born_in_sweden",
    "hyresratt",
    "bostadsratt",
    "aganderatt",
    "income_q1",
    "income_q2",
    "income_q3",
    "income_q4",
    "income_q5",
    "population_20_64",
    "low_economic_standard",
    "low_education",
    "assistance_or_unemployment",
)

#: National targets for the expected shares, rounded from SCB's published figures for
#: recent years (population by age and region of birth 2023, persons by tenure in
#: "Boende i Sverige", low economic standard, förgymnasial education among 20-64 year olds
#: and the V3 indicator of the socioeconomic index). They set the level; the structure is
#: synthetic.
NATIONAL_SHARES: dict[str, float | tuple[float, ...]] = {
    "born_abroad": 0.206,
    "age_0_19_20_64_65plus": (0.226, 0.566, 0.208),
    "tenure_hyres_bostads_agande": (0.31, 0.23, 0.46),
    "income_quintiles": (0.2, 0.2, 0.2, 0.2, 0.2),
    "low_economic_standard": 0.145,
    "low_education": 0.115,
    "assistance_or_unemployment": 0.055,
}

# Typical population per area, by level: (median, log-sd, lower bound, upper bound).
# DeSO are designed for 700-2,700 inhabitants, RegSO span about 660-22,600.
_POPULATION = {
    "deso": (1650.0, 0.22, 700, 2700),
    "regso": (2600.0, 0.55, 663, 22622),
    "other": (1500.0, 0.45, 100, 50000),
}
_REGIONAL_SCALE_M = 120_000.0
_LOCAL_SCALE_M = 4_000.0
_N_FEATURES = 96


def synthetic(
    areas: pd.DataFrame | gpd.GeoDataFrame | pd.Index,
    seed: int | np.random.Generator | None = None,
    *,
    n_hotspots: int | None = None,
) -> pd.DataFrame:
    """Seeded synthetic per-area counts with spatial structure.

    Parameters
    ----------
    areas : GeoDataFrame, DataFrame or Index
        Areas indexed by DeSO or RegSO code (``desokod`` or ``regsokod``), such as
        :func:`segregation.load_regso` or :func:`segregation.load_deso` return. With a
        geometry, positions are polygon centroids and urbanity comes from polygon size;
        without one (a plain frame or an index of codes), positions are kommun centroids
        with a seeded jitter of a few kilometres.
    seed : int or numpy.random.Generator, optional
        Seed for :func:`numpy.random.default_rng`. The same seed gives the same frame;
        ``seed=0`` is a seed like any other. Without a seed, fresh entropy is drawn and
        recorded in ``attrs["synthetic"]["seed"]`` so the frame can be made again.
    n_hotspots : int, optional
        Number of clusters of high deprivation. By default one per 150 areas (at least 1).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``areas``, with integer columns (``int64``) ``population``,
        ``born_abroad``, ``born_in_sweden`` (the two sum to ``population``),
        ``hyresratt``, ``bostadsratt``, ``aganderatt`` (persons by tenure, summing to
        ``population``), ``income_q1`` ... ``income_q5`` (persons aged 20 or more by
        national income quintile group), ``population_20_64``, ``low_economic_standard``
        (denominator ``population``), ``low_education`` and
        ``assistance_or_unemployment`` (denominator ``population_20_64``), plus string
        columns ``kommunkod`` and ``lanskod``. ``attrs["synthetic"]`` records the seed,
        level, number of areas and national targets.

    Raises
    ------
    InvalidCodeError
        When the index does not hold DeSO or RegSO codes, or holds duplicates.

    Notes
    -----
    Expected national shares equal :data:`NATIONAL_SHARES` (intercepts are calibrated to
    them); realised shares differ by sampling noise only. Persons 20+ are
    ``sum(income_q1..q5)`` and always lie between ``population_20_64`` and
    ``population``.

    Examples
    --------
    >>> import segregation as seg
    >>> regso = seg.load_regso(kommun=["0180", "0114"])
    >>> frame = seg.synthetic(regso, seed=7)
    >>> frame.index.name, len(frame), frame.attrs["synthetic"]["seed"]
    ('regsokod', 139, 7)
    >>> bool((frame["born_abroad"] + frame["born_in_sweden"] == frame["population"]).all())
    True
    >>> frame.equals(seg.synthetic(regso, seed=7))
    True
    """
    index, level, kommunkod, lanskod = _area_codes(areas)
    if isinstance(seed, np.random.Generator):
        rng, recorded_seed = seed, None
    else:
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        rng, recorded_seed = np.random.default_rng(seed), seed
    n = len(index)
    xy, urban = _positions(areas, kommunkod, rng)

    # 1. population per area: log-normal around the level's typical size, a little larger
    # where it is dense.
    median, sigma, low, high = _POPULATION[level]
    log_pop = np.log(median) + sigma * (0.35 * urban + rng.standard_normal(n))
    population = np.clip(np.rint(np.exp(log_pop)), low, high).astype(np.int64)

    # 2. spatial structure: regional and local smooth fields, hotspots
    regional = _smooth_field(xy, _REGIONAL_SCALE_M, rng)
    local = _smooth_field(xy, _LOCAL_SCALE_M, rng)
    if n_hotspots is None:
        n_hotspots = max(1, round(n / 150))
    hot = _hotspots(xy, urban, n_hotspots, rng)
    deprivation = _standardise(
        0.45 * regional + 0.55 * local + 0.35 * urban + 1.6 * hot + 0.25 * rng.standard_normal(n)
    )
    weights = population.astype(float)

    # 3. shares, calibrated to national targets; 4. counts
    abroad_p = _binary_shares(
        0.8 * deprivation + 0.25 * urban + 0.3 * rng.standard_normal(n),
        weights,
        NATIONAL_SHARES["born_abroad"],
    )
    born_abroad = rng.binomial(population, abroad_p)

    # 0-19, 20-64, 65+: working ages in dense places, older persons outside them
    age_logits = np.column_stack(
        [0.1 * regional + 0.1 * deprivation, 0.15 * urban, -0.15 * urban - 0.15 * deprivation]
    )
    age_p = _calibrated_shares(age_logits, weights, NATIONAL_SHARES["age_0_19_20_64_65plus"])
    age = rng.multinomial(population, age_p)
    population_20_64 = age[:, 1]
    population_20plus = age[:, 1] + age[:, 2]

    tenure_logits = np.column_stack(
        [
            0.6 * deprivation + 0.6 * urban + 0.5 * rng.standard_normal(n),
            0.9 * urban - 0.3 * deprivation + 0.5 * rng.standard_normal(n),
            np.zeros(n),
        ]
    )
    tenure_p = _calibrated_shares(
        tenure_logits, weights, NATIONAL_SHARES["tenure_hyres_bostads_agande"]
    )
    tenure = rng.multinomial(population, tenure_p)

    # adjacent-category logits: higher deprivation shifts persons to lower quintile groups
    affluence = -deprivation + 0.5 * rng.standard_normal(n)
    income_logits = np.outer(affluence, np.arange(-2.0, 3.0) * 0.3)
    income_p = _calibrated_shares(
        income_logits, population_20plus.astype(float), NATIONAL_SHARES["income_quintiles"]
    )
    income = rng.multinomial(population_20plus, income_p)

    indicators = {}
    for name, slope, denominator in (
        ("low_economic_standard", 0.55, population),
        ("low_education", 0.5, population_20_64),
        ("assistance_or_unemployment", 0.65, population_20_64),
    ):
        eta = slope * deprivation + 0.3 * rng.standard_normal(n)
        p = _binary_shares(eta, denominator.astype(float), NATIONAL_SHARES[name])
        indicators[name] = rng.binomial(denominator, p)

    frame = pd.DataFrame(
        {
            "kommunkod": kommunkod,
            "lanskod": lanskod,
            "population": population,
            "born_abroad": born_abroad,
            "born_in_sweden": population - born_abroad,
            "hyresratt": tenure[:, 0],
            "bostadsratt": tenure[:, 1],
            "aganderatt": tenure[:, 2],
            **{f"income_q{k + 1}": income[:, k] for k in range(5)},
            "population_20_64": population_20_64,
            **indicators,
        },
        index=index,
    )
    for column in COLUMNS[2:]:
        frame[column] = frame[column].astype(np.int64)
    frame.attrs["synthetic"] = {
        "seed": recorded_seed,
        "generator": "segregation.data.synthetic",
        "level": level,
        "n_areas": n,
        "n_hotspots": int(n_hotspots),
        "national_shares": dict(NATIONAL_SHARES),
        "note": "Synthetic counts for demonstration: not statistics about real people.",
    }
    return frame


def _area_codes(
    areas: pd.DataFrame | pd.Index,
) -> tuple[pd.Index, str, np.ndarray, np.ndarray]:
    index = areas if isinstance(areas, pd.Index) else areas.index
    if len(index) == 0:
        raise SegregationError("synthetic() needs at least one area; got an empty input.")
    duplicated = index[index.duplicated()].unique()
    if len(duplicated):
        raise InvalidCodeError(
            f"{len(duplicated)} area codes occur more than once: {describe_items(duplicated)}. "
            "Give each area one row (dissolve split polygons first)."
        )
    parsed = parse_codes(pd.Series(index.astype(str), dtype=object))
    levels = parsed["level"].unique().tolist()
    wrong = parsed["level"].isin(["kommun", "lan", "riket"]).to_numpy()
    if wrong.any():
        raise InvalidCodeError(
            f"synthetic() makes counts for DeSO or RegSO areas, but {int(wrong.sum())} index "
            f"values are kommun or län codes: {describe_items(index[wrong])}. Index the frame "
            "by desokod or regsokod."
        )
    level = levels[0] if len(levels) == 1 else "other"
    return (
        index,
        level,
        parsed["kommunkod"].to_numpy(dtype=object),
        parsed["lanskod"].to_numpy(dtype=object),
    )


def _positions(
    areas: pd.DataFrame | pd.Index, kommunkod: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Centroids in metres (EPSG:3006) and a standardised urbanity score."""
    geometry = getattr(areas, "geometry", None) if isinstance(areas, pd.DataFrame) else None
    if geometry is not None and areas.crs is not None:
        if areas.crs.to_epsg() != 3006:
            geometry = geometry.to_crs(3006)
        import shapely

        values = geometry.to_numpy()
        centres = shapely.centroid(values)
        xy = shapely.get_coordinates(centres)
        log_area = np.log(np.maximum(shapely.area(values), 1.0))
        return xy, _standardise(-log_area)
    from segregation.areas.boundaries import load_kommuner

    kommun = load_kommuner()
    centres = kommun.geometry.representative_point()
    table = np.column_stack([centres.x.to_numpy(), centres.y.to_numpy()])
    position = kommun.index.get_indexer(kommunkod)
    xy = table[position] + rng.normal(0.0, 3000.0, size=(len(kommunkod), 2))
    # without polygons, areas in kommuner with many areas count as more urban
    _, inverse, counts = np.unique(kommunkod.astype(str), return_inverse=True, return_counts=True)
    return xy, _standardise(np.log(counts[inverse].astype(float)))


def _standardise(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else np.zeros_like(values)


def _smooth_field(xy: np.ndarray, length_scale: float, rng: np.random.Generator) -> np.ndarray:
    """A stationary Gaussian random field with squared-exponential covariance.

    Random Fourier features: ``f(x) = sqrt(2/M) sum_m cos(w_m . x + b_m)`` with
    ``w_m ~ N(0, I / l^2)`` and ``b_m ~ U(0, 2 pi)`` has covariance
    ``exp(-|x - y|^2 / (2 l^2))`` as M grows (Rahimi & Recht 2007).
    """
    omega = rng.normal(0.0, 1.0 / length_scale, size=(2, _N_FEATURES))
    phase = rng.uniform(0.0, 2 * np.pi, size=_N_FEATURES)
    centred = xy - xy.mean(axis=0)
    return np.sqrt(2.0 / _N_FEATURES) * np.cos(centred @ omega + phase).sum(axis=1)


def _hotspots(
    xy: np.ndarray, urban: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """Sum of Gaussian bumps centred on areas drawn with weight exp(2 * urbanity)."""
    weight = np.exp(2.0 * urban)
    count = min(count, len(xy))
    centres = rng.choice(len(xy), size=count, replace=False, p=weight / weight.sum())
    radius = rng.uniform(1500.0, 4000.0, size=count)
    height = rng.uniform(0.6, 1.0, size=count)
    d2 = ((xy[:, None, :] - xy[centres][None, :, :]) ** 2).sum(axis=2)
    return (height * np.exp(-d2 / (2 * radius**2))).sum(axis=1)


def _calibrated_shares(
    logits: np.ndarray, weights: np.ndarray, target: tuple[float, ...], iterations: int = 60
) -> np.ndarray:
    """Softmax shares whose weighted mean over areas equals ``target``.

    Intercepts ``a_k`` are updated by ``a_k += log(target_k / achieved_k)``, iterative
    proportional fitting of the margins, which converges for a multinomial logit.
    """
    target_arr = np.asarray(target, dtype=float)
    intercept = np.log(target_arr)
    total = weights.sum()
    for _ in range(iterations):
        z = logits + intercept
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        achieved = (weights @ p) / total if total > 0 else target_arr
        intercept += np.log(target_arr / np.maximum(achieved, 1e-300))
    z = logits + intercept
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def _binary_shares(eta: np.ndarray, weights: np.ndarray, target: float) -> np.ndarray:
    logits = np.column_stack([eta, np.zeros_like(eta)])
    return _calibrated_shares(logits, weights, (target, 1.0 - target))[:, 0]


def describe(frame: pd.DataFrame) -> dict[str, Any]:
    """National shares of a synthetic frame (for docs and sanity checks).

    Examples
    --------
    >>> import segregation as seg
    >>> shares = describe(seg.synthetic(seg.load_regso(lan="03"), seed=1))
    >>> 0.1 < shares["born_abroad"] < 0.35
    True
    """
    total = frame["population"].sum()
    adults = frame["population_20_64"].sum()
    return {
        "population": int(total),
        "born_abroad": float(frame["born_abroad"].sum() / total),
        "hyresratt": float(frame["hyresratt"].sum() / total),
        "low_economic_standard": float(frame["low_economic_standard"].sum() / total),
        "low_education": float(frame["low_education"].sum() / adults),
        "assistance_or_unemployment": float(frame["assistance_or_unemployment"].sum() / adults),
    }
