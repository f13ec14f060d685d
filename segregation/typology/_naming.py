"""Readable names for data-driven types, built from their standardised profiles.

A type's profile is the mean z-score of each input over the type's areas. Its name lists the
inputs that stand out most (|z| >= a threshold, at most three, largest first), each with a
level word: "very high" (z >= 1.5), "high" (z >= threshold), "low", "very low". Names come in
English and Swedish; Swedish adjectives agree with the noun's gender ("hög andel",
"högt index").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["FEATURE_LABELS", "feature_label", "name_types"]

# column -> (English noun phrase, Swedish noun phrase, Swedish noun is neuter)
FEATURE_LABELS: dict[str, tuple[str, str, bool]] = {
    "born_abroad": ("share born abroad", "andel utrikes födda", False),
    "hyresratt": ("share rented", "andel hyresrätter", False),
    "rented": ("share rented", "andel hyresrätter", False),
    "bostadsratt": ("share tenant-owned", "andel bostadsrätter", False),
    "tenant_owned": ("share tenant-owned", "andel bostadsrätter", False),
    "aganderatt": ("share owner-occupied", "andel äganderätter", False),
    "owner_occupied": ("share owner-occupied", "andel äganderätter", False),
    "mean_wage_income": ("income", "löneinkomst", False),
    "wage_income": ("income", "löneinkomst", False),
    "income": ("income", "inkomst", False),
    "low_economic_standard": ("share low economic standard", "andel låg ekonomisk standard", False),
    "low_education": ("share low education", "andel förgymnasialt utbildade", False),
    "assistance_or_unemployment": (
        "share assistance or unemployment",
        "andel bistånd eller arbetslöshet",
        False,
    ),
    "socioeconomic_index": ("socioeconomic index", "socioekonomiskt index", True),
    "population": ("population", "befolkning", False),
    "income_q1": ("share in lowest income quintile", "andel i lägsta inkomstkvintilen", False),
    "income_q5": ("share in highest income quintile", "andel i högsta inkomstkvintilen", False),
}

_LEVELS_EN = {2: "very high", 1: "high", -1: "low", -2: "very low"}
_LEVELS_SV = {2: "mycket hög", 1: "hög", -1: "låg", -2: "mycket låg"}
_AVERAGE = ("close to average on all inputs", "nära genomsnittet på alla variabler")


def feature_label(
    column: str, labels: Mapping[str, tuple[str, str, bool]] | None = None
) -> tuple[str, str, bool]:
    """English and Swedish noun phrase for a column (``share_`` prefixes are ignored).

    Examples
    --------
    >>> feature_label("share_born_abroad")[:2]
    ('share born abroad', 'andel utrikes födda')
    >>> feature_label("median_age")[:2]
    ('median age', 'median age')
    """
    table = {**FEATURE_LABELS, **(labels or {})}
    for key in (column, column.removeprefix("share_"), column.removeprefix("andel_")):
        if key in table:
            return table[key]
    plain = column.replace("_", " ")
    return plain, plain, False


def _level(z: float, threshold: float) -> int:
    if z >= max(1.5, threshold):
        return 2
    if z >= threshold:
        return 1
    if z <= -max(1.5, threshold):
        return -2
    return -1


def name_types(
    profiles: pd.DataFrame,
    *,
    threshold: float = 0.5,
    max_terms: int = 3,
    labels: Mapping[str, tuple[str, str, bool]] | None = None,
) -> pd.DataFrame:
    """English and Swedish names for each row (type) of a table of mean z-scores.

    Examples
    --------
    >>> import pandas as pd
    >>> profiles = pd.DataFrame({"hyresratt": [1.2, -0.9], "born_abroad": [1.6, -0.1],
    ...                          "mean_wage_income": [-0.8, 0.2]}, index=[0, 1])
    >>> names = name_types(profiles)
    >>> names.loc[0, "en"]
    'very high share born abroad, high share rented, low income'
    >>> names.loc[1, "sv"]
    'låg andel hyresrätter'
    """
    values = profiles.to_numpy(dtype=float)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")
    english, swedish = [], []
    for row, ranking in zip(values, order, strict=True):
        terms_en, terms_sv = [], []
        for j in ranking[:max_terms]:
            if abs(row[j]) < threshold:
                break
            level = _level(row[j], threshold)
            en, sv, neuter = feature_label(str(profiles.columns[j]), labels)
            terms_en.append(f"{_LEVELS_EN[level]} {en}")
            word = _LEVELS_SV[level]
            terms_sv.append(f"{word}t {sv}" if neuter else f"{word} {sv}")
        english.append(", ".join(terms_en) or _AVERAGE[0])
        swedish.append(", ".join(terms_sv) or _AVERAGE[1])
    names = pd.DataFrame({"en": english, "sv": swedish}, index=profiles.index)
    # equal names get the type number, so that every type's name is unique
    for column in ("en", "sv"):
        duplicated = names[column].duplicated(keep=False)
        suffix = " (type " if column == "en" else " (typ "
        names.loc[duplicated, column] = [
            f"{name}{suffix}{label})"
            for name, label in zip(
                names.loc[duplicated, column], names.index[duplicated], strict=True
            )
        ]
    return names
