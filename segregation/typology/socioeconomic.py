"""SCB's socioeconomic index and the five official area types (områdestyper).

The index of an area is the mean of three shares, in percent, higher is worse:

    index = (V1 + V2 + V3) / 3

* V1: share of all persons with low economic standard (equivalised disposable income
  below 60 % of the national median);
* V2: share of 20-64-year-olds whose highest education is förgymnasial;
* V3: share of 20-64-year-olds with economic assistance for at least 10 months and/or
  unemployed for more than 6 months in the year.

Areas are then typed by how many standard deviations (SD) their index lies from the mean
(:func:`area_types`). The names of the five types are in :data:`AREA_TYPES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from segregation.disclosure._marks import protection_info
from segregation.errors import SegregationError, describe_items

__all__ = [
    "AREA_TYPES",
    "DEFAULT_CUTOFFS",
    "DESO_PROXIES",
    "AreaType",
    "area_type_labels",
    "area_types",
    "socioeconomic_index",
    "socioeconomic_index_deso",
]


class AreaType(NamedTuple):
    """One of SCB's five area types: number, official Swedish name, English name, short forms."""

    code: int
    sv: str
    en: str
    short_en: str
    short_sv: str


AREA_TYPES: dict[int, AreaType] = {
    1: AreaType(
        1,
        "Områden med stora socioekonomiska utmaningar",
        "Areas with major socioeconomic challenges",
        "major challenges",
        "stora utmaningar",
    ),
    2: AreaType(
        2,
        "Områden med socioekonomiska utmaningar",
        "Areas with socioeconomic challenges",
        "challenges",
        "utmaningar",
    ),
    3: AreaType(
        3,
        "Socioekonomiskt blandade områden",
        "Socioeconomically mixed areas",
        "mixed",
        "blandade",
    ),
    4: AreaType(
        4,
        "Områden med goda socioekonomiska förutsättningar",
        "Areas with good socioeconomic conditions",
        "good conditions",
        "goda förutsättningar",
    ),
    5: AreaType(
        5,
        "Områden med mycket goda socioekonomiska förutsättningar",
        "Areas with very good socioeconomic conditions",
        "very good conditions",
        "mycket goda förutsättningar",
    ),
}
"""SCB's five area types keyed by their official number (1 = major challenges)."""

#: Cut-offs in SD from the mean between types 5|4, 4|3, 3|2 and 2|1 (lower bound inclusive).
DEFAULT_CUTOFFS: tuple[float, float, float, float] = (-1.0, 0.0, 1.0, 2.0)

#: Proxies for V3 at DeSO level, where SCB does not publish V3 itself.
DESO_PROXIES: dict[str, str] = {
    "not_employed_20_64": (
        "share of 20-64-year-olds not gainfully employed (förvärvsarbetande) in November, "
        "SCB's DeSO labour-market status table (TAB6680)"
    ),
    "assistance_or_unemployment": (
        "share of 20-64-year-olds with economic assistance and/or long unemployment, from "
        "own register data aggregated to DeSO (not published by SCB at DeSO level)"
    ),
    "regso_v3": (
        "V3 of the RegSO that contains the DeSO, assigned to every DeSO in it (SCB's RegSO "
        "value; hides differences between the DeSO of one RegSO)"
    ),
}

_INDICATORS = ("low_economic_standard", "low_education", "assistance_or_unemployment")


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        raise SegregationError(
            f"column {name!r} (for {role}) is not in the frame; columns are "
            f"{describe_items(frame.columns, limit=10)}. Pass {role}=<column name>."
        )
    values = pd.to_numeric(frame[name], errors="coerce")
    bad = frame.index[values.isna() & frame[name].notna()]
    if len(bad):
        raise SegregationError(
            f"{len(bad)} rows have a non-numeric {name!r} ({describe_items(bad)}). "
            "Convert SCB's '..' markers to missing values first (seg.read_scb does this)."
        )
    return values.astype(float)


def _check_missing(values: pd.Series, name: str, missing: str) -> None:
    rows = values.index[values.isna()]
    if len(rows) and missing == "raise":
        raise SegregationError(
            f"{len(rows)} rows have no value for {name!r} ({describe_items(rows)}). "
            "Drop or impute them, or pass missing='propagate' to get a missing index there."
        )


def _share(
    frame: pd.DataFrame,
    column: str,
    role: str,
    denominator: str | None,
    unit: str,
    missing: str,
) -> pd.Series:
    """One indicator as a share in percent, validated."""
    values = _column(frame, column, role)
    _check_missing(values, column, missing)
    if (values < 0).any():
        rows = values.index[values < 0]
        raise SegregationError(
            f"{len(rows)} rows have a negative {column!r} ({describe_items(rows)}); "
            "shares and counts must be >= 0."
        )
    if denominator is not None:
        totals = _column(frame, denominator, f"the denominator of {role}")
        _check_missing(totals, denominator, missing)
        over = values.index[(values > totals).to_numpy()]
        if len(over):
            raise SegregationError(
                f"{len(over)} rows have {column!r} > {denominator!r} ({describe_items(over)}). "
                "Check that the count and its denominator are not swapped."
            )
        zero = values.index[(totals == 0).to_numpy()]
        if len(zero):
            raise SegregationError(
                f"{len(zero)} rows have {denominator!r} = 0 ({describe_items(zero)}), so "
                f"the share of {role} is undefined. Drop these areas or merge them."
            )
        return 100.0 * values / totals
    top = {"percent": 100.0, "fraction": 1.0}[unit]
    over = values.index[values > top]
    if len(over):
        hint = (
            "Values look like counts: pass population= / population_20_64= as denominators."
            if unit == "percent"
            else "Values look like percent: pass unit='percent'."
        )
        raise SegregationError(
            f"{len(over)} rows have {column!r} > {top:g} ({describe_items(over)}), "
            f"which is not a share in {unit}. {hint}"
        )
    return values * (100.0 / top)


def _check_option(name: str, value: object, options: Sequence[object]) -> None:
    if value not in options:
        raise SegregationError(f"{name} must be one of {list(options)}; got {value!r}.")


def socioeconomic_index(
    frame: pd.DataFrame,
    *,
    low_economic_standard: str = "low_economic_standard",
    low_education: str = "low_education",
    assistance_or_unemployment: str = "assistance_or_unemployment",
    population: str | None = None,
    population_20_64: str | None = None,
    unit: Literal["percent", "fraction"] = "percent",
    missing: Literal["raise", "propagate"] = "raise",
) -> pd.Series:
    """SCB's socioeconomic index: the mean of three shares, in percent (higher is worse).

    Parameters
    ----------
    frame : DataFrame
        One row per area, indexed by area code.
    low_economic_standard, low_education, assistance_or_unemployment : str
        Columns holding V1, V2 and V3, as shares (see ``unit``) or, when the denominators
        are given, as counts of persons.
    population : str, optional
        Column with all persons, the denominator of V1. When given, V1 is read as a count.
    population_20_64 : str, optional
        Column with persons aged 20-64, the denominator of V2 and V3. When given, V2 and V3
        are read as counts.
    unit : {"percent", "fraction"}, default="percent"
        Scale of shares given directly (SCB publishes percent).
    missing : {"raise", "propagate"}, default="raise"
        A missing indicator (for example SCB's ``..``) raises, or gives a missing index.

    Returns
    -------
    Series
        ``socioeconomic_index`` in percent, same index as ``frame``.

    Raises
    ------
    SegregationError
        A column is missing, a value is negative, non-numeric or missing, a share exceeds
        100 %, or a count exceeds its denominator; the message names the rows.

    Notes
    -----
    index = (V1 + V2 + V3) / 3, with V1 = low economic standard / population and
    V2, V3 = count / population aged 20-64, each in percent (SCB, table AA0003F
    "IntGr5Socio", note on the index).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame(
    ...     {"low_economic_standard": [30, 5], "population": [100, 200],
    ...      "low_education": [15, 4], "assistance_or_unemployment": [15, 2],
    ...      "population_20_64": [50, 100]},
    ...     index=["0180R001", "0180R002"])
    >>> socioeconomic_index(frame, population="population", population_20_64="population_20_64")
    0180R001    30.000000
    0180R002     2.833333
    Name: socioeconomic_index, dtype: float64
    """
    _check_option("unit", unit, ("percent", "fraction"))
    _check_option("missing", missing, ("raise", "propagate"))
    columns = (low_economic_standard, low_education, assistance_or_unemployment)
    denominators = (population, population_20_64, population_20_64)
    shares = [
        _share(frame, column, role, denominator, unit, missing)
        for column, role, denominator in zip(columns, _INDICATORS, denominators, strict=True)
    ]
    # index = (V1 + V2 + V3) / 3; a missing V propagates as NaN
    index = (shares[0] + shares[1] + shares[2]) / 3.0
    index.name = "socioeconomic_index"
    # computed from suppressed or perturbed counts? say so (maps and tables show it)
    index.attrs["protection"] = protection_info(frame) or None
    index.attrs["synthetic"] = frame.attrs.get("synthetic")
    return index


def socioeconomic_index_deso(
    frame: pd.DataFrame,
    *,
    proxy: str,
    proxy_column: str | None = None,
    regso_v3: pd.Series | None = None,
    deso_regso_key: pd.Series | None = None,
    low_economic_standard: str = "low_economic_standard",
    low_education: str = "low_education",
    population: str | None = None,
    population_20_64: str | None = None,
    unit: Literal["percent", "fraction"] = "percent",
    missing: Literal["raise", "propagate"] = "raise",
) -> pd.Series:
    """The socioeconomic index at DeSO level, with a named proxy for V3.

    SCB publishes V1 and V2 per DeSO but not V3 (long-term assistance or unemployment).
    This variant takes V3 from a proxy that must be named; the proxy and its description
    travel with the result in ``result.attrs["v3_proxy"]`` so tables and maps can say it.

    Parameters
    ----------
    frame : DataFrame
        One row per DeSO, indexed by DeSO code.
    proxy : str
        One of :data:`DESO_PROXIES`: ``"not_employed_20_64"``,
        ``"assistance_or_unemployment"`` (own register data) or ``"regso_v3"``.
    proxy_column : str, optional
        Column with the proxy; default: the proxy's name.
    regso_v3 : Series, optional
        With ``proxy="regso_v3"``: V3 per RegSO in percent, indexed by RegSO code, given to
        every DeSO through ``deso_regso_key`` (instead of a column of ``frame``).
    deso_regso_key : Series, optional
        DeSO code -> RegSO code, e.g. ``seg.deso_to_regso(deso).key`` or the ``key`` of
        ``seg.read_deso_regso_key``; needed with ``regso_v3``.
    low_economic_standard, low_education, population, population_20_64, unit, missing
        As in :func:`socioeconomic_index`.

    Returns
    -------
    Series
        ``socioeconomic_index_deso`` in percent, with ``attrs["v3_proxy"]`` and
        ``attrs["v3_proxy_description"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame(
    ...     {"low_economic_standard": [12.0], "low_education": [9.0],
    ...      "not_employed_20_64": [21.0]}, index=["0114A0010"])
    >>> result = socioeconomic_index_deso(frame, proxy="not_employed_20_64")
    >>> float(result.iloc[0]), result.attrs["v3_proxy"]
    (14.0, 'not_employed_20_64')
    """
    _check_option("proxy", proxy, tuple(DESO_PROXIES))
    if regso_v3 is None:
        index = socioeconomic_index(
            frame,
            low_economic_standard=low_economic_standard,
            low_education=low_education,
            assistance_or_unemployment=proxy_column or proxy,
            population=population,
            population_20_64=population_20_64,
            unit=unit,
            missing=missing,
        )
    else:
        _check_option("missing", missing, ("raise", "propagate"))
        v3 = _regso_v3_per_deso(frame.index, proxy, regso_v3, deso_regso_key)
        shares = [
            _share(
                frame, low_economic_standard, "low_economic_standard", population, unit, missing
            ),
            _share(frame, low_education, "low_education", population_20_64, unit, missing),
            # RegSO V3 is a share in percent, as SCB publishes it
            _share(v3.to_frame(), "regso_v3", "regso_v3", None, "percent", missing),
        ]
        index = (shares[0] + shares[1] + shares[2]) / 3.0
        index.attrs["protection"] = protection_info(frame) or None
    index.name = "socioeconomic_index_deso"
    index.attrs["v3_proxy"] = proxy
    index.attrs["v3_proxy_description"] = DESO_PROXIES[proxy]
    return index


def _regso_v3_per_deso(
    deso: pd.Index, proxy: str, regso_v3: pd.Series, key: pd.Series | None
) -> pd.Series:
    """V3 of each DeSO's RegSO, by DeSO code; errors name DeSO without a RegSO."""
    if proxy != "regso_v3":
        raise SegregationError(
            f"regso_v3= is the value of proxy='regso_v3'; got proxy={proxy!r}. Pass "
            "proxy='regso_v3', or give the proxy as a column of the frame."
        )
    if key is None:
        raise SegregationError(
            "regso_v3= needs deso_regso_key= (DeSO code -> RegSO code), e.g. "
            "seg.deso_to_regso(deso).key or seg.read_deso_regso_key(path).key."
        )
    regso = key.reindex(deso)
    unkeyed = deso[regso.isna().to_numpy()]
    if len(unkeyed):
        raise SegregationError(
            f"{len(unkeyed)} DeSO have no RegSO in deso_regso_key ({describe_items(unkeyed)}). "
            "Use a key of the same DeSO edition."
        )
    absent = pd.Index(regso.unique()).difference(regso_v3.index)
    if len(absent):
        raise SegregationError(
            f"{len(absent)} RegSO of these DeSO are not in regso_v3 ({describe_items(absent)}). "
            "Give V3 for every RegSO (missing values as NaN)."
        )
    return pd.Series(regso.map(regso_v3).to_numpy(dtype=float), index=deso, name="regso_v3")


def _weighted_mean_sd(
    values: np.ndarray, weights: np.ndarray | None, ddof: int
) -> tuple[float, float]:
    if weights is None:
        return float(values.mean()), float(values.std(ddof=ddof))
    mean = float(np.average(values, weights=weights))
    # weighted SD: sqrt(sum w (x - mean)^2 / sum w); frequency weights with ddof
    variance = float(np.sum(weights * (values - mean) ** 2) / (weights.sum() - ddof))
    return mean, variance**0.5


def area_types(
    index: pd.Series,
    *,
    cutoffs: Sequence[float] = DEFAULT_CUTOFFS,
    weights: pd.Series | None = None,
    base: pd.Series | tuple[float, float] | None = None,
    base_weights: pd.Series | None = None,
    ddof: int = 1,
) -> pd.Series:
    """SCB's five area types from the socioeconomic index, by SD from the mean.

    With mean m and standard deviation s of the index (over ``index`` itself, or over a
    fixed ``base``) and the default cut-offs (-1, 0, 1, 2):

    ======  ==========================  =============================================
    type    index in                    name
    ======  ==========================  =============================================
    1       [m + 2s, inf)               Områden med stora socioekonomiska utmaningar
    2       [m + 1s, m + 2s)            Områden med socioekonomiska utmaningar
    3       [m, m + 1s)                 Socioekonomiskt blandade områden
    4       [m - 1s, m)                 Områden med goda socioekonomiska förutsättningar
    5       (-inf, m - 1s)              Områden med mycket goda socioekonomiska förutsättningar
    ======  ==========================  =============================================

    Parameters
    ----------
    index : Series
        Socioeconomic index per area (from :func:`socioeconomic_index`), higher is worse.
    cutoffs : sequence of 4 floats, default=(-1, 0, 1, 2)
        Increasing bounds in SD from the mean between types 5|4, 4|3, 3|2 and 2|1; an index
        exactly at a bound belongs to the worse type. These cut-offs are confirmed by
        third-party code, not by SCB itself.
    weights : Series, optional
        Population per area: mean and SD population-weighted. Default: every area counts
        once (unweighted), which is this library's default; SCB does not state which.
    base : Series or (mean, sd), optional
        A fixed base (for example the index of a base year, or its mean and SD) so that types
        stay comparable over time. Default: the mean and SD of ``index`` itself.
    base_weights : Series, optional
        Weights for a ``base`` Series (default: ``weights``, which must then cover every
        area of ``base``). Without either, the base's mean and SD are unweighted.
    ddof : int, default=1
        Delta degrees of freedom of the SD (1: sample SD as in R's ``sd`` and pandas). With
        weights, the SD is sqrt(sum w (x - m)^2 / (sum w - ddof)) (frequency weights).

    Returns
    -------
    Series
        Ordered categorical with categories ``[1, 2, 3, 4, 5]`` (SCB's numbering), named
        ``area_type``. ``attrs`` holds ``mean``, ``sd``, ``cutoffs`` and ``thresholds``
        (index values of the bounds), and ``v3_proxy`` when the index is a DeSO index from
        :func:`socioeconomic_index_deso`. A missing index gives a missing type.

    Examples
    --------
    >>> import pandas as pd
    >>> index = pd.Series([5.0, 10.0, 15.0, 20.0, 25.0, 30.0], index=list("abcdef"))
    >>> types = area_types(index, base=(15.0, 5.0))
    >>> types.tolist()
    [5, 4, 3, 2, 1, 1]
    >>> types.attrs["thresholds"]
    [10.0, 15.0, 20.0, 25.0]
    """
    cuts = np.asarray(cutoffs, dtype=float)
    if cuts.shape != (4,) or not np.all(np.diff(cuts) > 0):
        raise SegregationError(
            f"cutoffs must be 4 increasing numbers (SD from the mean between types 5|4, 4|3, "
            f"3|2 and 2|1); got {list(cutoffs)!r}."
        )
    values = pd.to_numeric(index, errors="raise").astype(float)
    if isinstance(base, tuple):
        if len(base) != 2 or not base[1] > 0:
            raise SegregationError(f"base must be (mean, sd) with sd > 0; got {base!r}.")
        mean, sd = float(base[0]), float(base[1])
        weighted = None
    else:
        reference = values if base is None else pd.to_numeric(base).astype(float)
        # weights of a base Series: base_weights, else the weights (which must cover it)
        ref_weights = weights if base is None or base_weights is None else base_weights
        if ref_weights is not None:
            ref_weights = _aligned_weights(reference, ref_weights)
        keep = reference.notna().to_numpy()
        if keep.sum() < 2:
            raise SegregationError(
                f"the mean and SD need at least 2 areas with an index; got {int(keep.sum())}."
            )
        mean, sd = _weighted_mean_sd(
            reference.to_numpy()[keep],
            None if ref_weights is None else ref_weights[keep],
            ddof,
        )
        weighted = ref_weights is not None
        if not sd > 0:
            raise SegregationError(
                "the index has SD 0 over the reference areas, so no types can be set; "
                "pass base=(mean, sd) from another year."
            )
    thresholds = mean + cuts * sd
    # number of bounds at or below the index: 0 -> type 5, ..., 4 -> type 1
    position = np.searchsorted(thresholds, values.to_numpy(), side="right")
    codes = np.where(values.isna().to_numpy(), np.nan, 5 - position)
    result = pd.Series(
        pd.Categorical(codes, categories=[1, 2, 3, 4, 5], ordered=True),
        index=index.index,
        name="area_type",
    )
    # a DeSO index says which proxy stands in for V3; its types say it too
    for name in ("v3_proxy", "v3_proxy_description"):
        if name in index.attrs:
            result.attrs[name] = index.attrs[name]
    result.attrs.update(
        protection=index.attrs.get("protection"),
        synthetic=index.attrs.get("synthetic"),
        mean=mean,
        sd=sd,
        cutoffs=cuts.tolist(),
        thresholds=thresholds.tolist(),
        weighted=weighted,
        ddof=ddof,
    )
    return result


def _aligned_weights(values: pd.Series, weights: pd.Series) -> np.ndarray:
    missing = values.index.difference(weights.index)
    if len(missing):
        raise SegregationError(
            f"{len(missing)} areas have an index but no weight ({describe_items(missing)}). "
            "Pass weights for every area."
        )
    aligned = pd.to_numeric(weights.reindex(values.index)).astype(float)
    bad = aligned.index[(aligned < 0) | aligned.isna()]
    if len(bad):
        raise SegregationError(
            f"{len(bad)} areas have a negative or missing weight ({describe_items(bad)})."
        )
    return aligned.to_numpy()


def area_type_labels(
    types: pd.Series, *, language: Literal["sv", "en"] = "sv", short: bool = False
) -> pd.Series:
    """Names of area types, as an ordered categorical in SCB's order.

    Examples
    --------
    >>> import pandas as pd
    >>> types = pd.Series(pd.Categorical([1, 3], categories=[1, 2, 3, 4, 5], ordered=True))
    >>> area_type_labels(types, language="en", short=True).tolist()
    ['1 major challenges', '3 mixed']
    >>> area_type_labels(types, short=True).tolist()
    ['1 stora utmaningar', '3 blandade']
    """
    _check_option("language", language, ("sv", "en"))
    field = f"short_{language}" if short else language
    names: Mapping[int, str] = {
        code: (f"{code} {getattr(t, field)}" if short else getattr(t, field))
        for code, t in AREA_TYPES.items()
    }
    labels = [names[code] for code in sorted(names)]
    values = pd.Series(types, copy=False).astype("Int64").map(names)
    return pd.Series(
        pd.Categorical(values, categories=labels, ordered=True), index=types.index, name=types.name
    )
