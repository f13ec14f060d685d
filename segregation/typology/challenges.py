"""Counts of particular challenges per area, in the manner of SCB's 2024 analysis.

SCB's "fördjupad analys om utanförskap" (2024) marked, for each RegSO, which of six
indicators (ill health, benefit dependency, crime, weak labour-market establishment, weak
school results, overcrowding) were a particular challenge, and called three or more a large
combined problem. :func:`challenge_counts` does the same for any set of indicators, each
with its own threshold: an absolute value, a percentile, or a number of SD from the mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items

__all__ = ["challenge_counts"]

_RELATIVE = re.compile(r"^(?:p(?P<pct>\d+(?:\.\d+)?)|mean(?P<sign>[+-])(?P<sd>\d+(?:\.\d+)?)sd)$")


def _threshold(values: pd.Series, spec: float | str, column: str) -> float:
    """Resolve ``spec`` (a number, ``"p90"`` or ``"mean+1sd"``) to a value of ``column``."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return float(spec)
    match = _RELATIVE.match(str(spec).replace(" ", "").lower())
    if match is None:
        raise SegregationError(
            f"threshold {spec!r} for {column!r} is not understood; use a number, a "
            "percentile such as 'p90', or SD from the mean such as 'mean+1sd'."
        )
    present = values.dropna().to_numpy()
    if match["pct"] is not None:
        pct = float(match["pct"])
        if not 0 <= pct <= 100:
            raise SegregationError(f"percentile in {spec!r} must be in [0, 100].")
        return float(np.percentile(present, pct))
    sign = 1.0 if match["sign"] == "+" else -1.0
    return float(present.mean() + sign * float(match["sd"]) * present.std(ddof=1))


def challenge_counts(
    frame: pd.DataFrame,
    challenges: Mapping[str, tuple[str, float | str]],
    *,
    min_challenges: int = 3,
    missing: Literal["raise", "not_counted"] = "raise",
) -> pd.DataFrame:
    """Which indicators are a challenge in each area, how many, and a flag for many.

    Parameters
    ----------
    frame : DataFrame
        One row per area, one column per indicator.
    challenges : mapping of column -> (direction, threshold)
        ``direction`` is ``"above"`` (a challenge when the value is >= threshold) or
        ``"below"`` (a challenge when the value is <= threshold). ``threshold`` is a number,
        a percentile over the areas (``"p90"``) or SD from the mean (``"mean+1sd"``).
    min_challenges : int, default=3
        The number of challenges from which an area has a large combined problem (SCB 2024:
        at least three of six).
    missing : {"raise", "not_counted"}, default="raise"
        A missing indicator raises, or is not counted (``n_assessed`` then says how many
        indicators were assessed).

    Returns
    -------
    DataFrame
        One boolean column ``challenge_<column>`` per indicator, ``combination`` (the
        indicators that are a challenge, joined by " + " in the order given; "" for none),
        ``n_challenges``, ``n_assessed`` and ``large_combined_challenge``
        (``n_challenges >= min_challenges``). ``combination.value_counts()`` gives the
        classes by number and kind of challenges, as in SCB's analysis.
        ``attrs["thresholds"]`` holds the resolved thresholds.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unemployed": [2.0, 9.0, 12.0], "school_pass": [90.0, 60.0, 55.0],
    ...                       "crowded": [5.0, 30.0, 10.0]}, index=["a", "b", "c"])
    >>> result = challenge_counts(frame, {"unemployed": ("above", 8), "school_pass":
    ...     ("below", 70), "crowded": ("above", 25)}, min_challenges=3)
    >>> result[["n_challenges", "large_combined_challenge"]]
       n_challenges  large_combined_challenge
    a             0                     False
    b             3                      True
    c             2                     False
    """
    if not challenges:
        raise SegregationError(
            "challenges is empty; give at least one column -> (direction, threshold)."
        )
    absent = [c for c in challenges if c not in frame.columns]
    if absent:
        raise SegregationError(
            f"{len(absent)} indicator columns are not in the frame ({describe_items(absent)})."
        )
    if missing not in ("raise", "not_counted"):
        raise SegregationError(f"missing must be 'raise' or 'not_counted'; got {missing!r}.")
    out = pd.DataFrame(index=frame.index)
    assessed = np.zeros(len(frame), dtype=int)
    thresholds: dict[str, float] = {}
    for column, spec in challenges.items():
        if not (isinstance(spec, tuple) and len(spec) == 2 and spec[0] in ("above", "below")):
            raise SegregationError(
                f"challenge for {column!r} must be (direction, threshold) with direction "
                f"'above' or 'below'; got {spec!r}."
            )
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        absent_rows = frame.index[values.isna()]
        if len(absent_rows) and missing == "raise":
            raise SegregationError(
                f"{len(absent_rows)} areas have no value for {column!r} "
                f"({describe_items(absent_rows)}). Fill them, or pass missing='not_counted'."
            )
        value = _threshold(values, spec[1], column)
        thresholds[column] = value
        hit = values >= value if spec[0] == "above" else values <= value
        out[f"challenge_{column}"] = hit.fillna(False).astype(bool)
        assessed += values.notna().to_numpy()
    flags = out.to_numpy(dtype=bool)
    # which challenges, as one label per area (SCB grouped areas by number and kind)
    names = np.asarray(list(challenges), dtype=object)
    out["combination"] = [" + ".join(names[row]) for row in flags]
    out["n_challenges"] = flags.sum(axis=1)
    out["n_assessed"] = assessed
    out["large_combined_challenge"] = out["n_challenges"] >= min_challenges
    out.attrs["thresholds"] = thresholds
    out.attrs["min_challenges"] = min_challenges
    return out
