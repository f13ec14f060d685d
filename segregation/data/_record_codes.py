"""Records that carry an area code: validate it and move other editions' codes.

Work is done once per distinct code, not per record. A code of another edition is moved
with the crosswalk when one is given (even where the same code exists in the areas, since a
code kept between editions may cover another area); what cannot be moved one to one is
reported with its reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segregation.areas.codes import _CODE_PATTERN, parse_codes

__all__: list[str] = []


def _code_targets(
    values: pd.Series, level: str, codes: pd.Index, crosswalk: Any, edition: int | None
) -> tuple[pd.Series, pd.Series]:
    """Target code and reason for each distinct code (work is per distinct value)."""
    from segregation.areas.codes import kommuner

    text = values.astype("string").str.strip()
    well_formed = text.str.fullmatch(_CODE_PATTERN).fillna(False).astype(bool)
    digits = text.str.extract(r"^(\d{2,4})")[0]
    known_kommun = set(kommuner().index)
    known_lan = {k[:2] for k in known_kommun} | {"00"}
    prefix_ok = digits.map(
        lambda d: isinstance(d, str) and (d in known_lan if len(d) == 2 else d in known_kommun)
    ).astype(bool)
    good = well_formed & prefix_ok
    target = pd.Series(pd.NA, index=values.index, dtype="string")
    reason = pd.Series(pd.NA, index=values.index, dtype="string")
    reason[text.isna()] = "missing code"
    reason[text.notna() & ~good] = "malformed code"
    if not good.any():
        return target, reason
    parsed = parse_codes(text[good])
    base, lvl, ed = parsed["base_code"], parsed["level"], parsed["edition"]
    if level in ("kommun", "lan"):
        up = parsed["kommunkod"] if level == "kommun" else parsed["lanskod"]
        target[good] = up
        reason[good & target.isna()] = "coarser than areas"
        return target, reason

    key, split = _crosswalk_key(crosswalk)
    given = text[good]
    same_edition = pd.Series(True, index=given.index)
    if edition is not None:
        same_edition = (ed.isna() | ed.eq(edition)).fillna(True).astype(bool)
    # The crosswalk comes first: a code it keys (as written, or plain unless the suffix says
    # the areas' own edition) is moved, even where the same code exists in the areas,
    # since a code kept between editions may cover another area (METHODS: 687 DeSO).
    by_text = given.isin(key.index)
    suffixed = ed.notna().to_numpy()
    own_suffix = ed.eq(edition).fillna(False).to_numpy() if edition is not None else suffixed
    via = by_text | (base.isin(key.index) & ~own_suffix)
    direct = ~via & (lvl == level) & same_edition & base.isin(codes)
    lookup = given.where(by_text, base)
    is_split = via & lookup.isin(split)
    moved = base.where(direct, lookup.map(key).where(via)).astype("string").mask(is_split)
    stray = moved.notna() & ~moved.isin(codes)  # a crosswalk target that is not in the areas
    moved = moved.mask(stray)
    why = pd.Series(pd.NA, index=given.index, dtype="string").mask(is_split, "not one to one")
    why = why.mask(stray, "unknown code")
    unplaced = moved.isna() & why.isna()
    coarser = ["regso", "kommun", "lan", "riket"] if level == "deso" else ["kommun", "lan", "riket"]
    why = why.mask(unplaced & lvl.isin(coarser), "coarser than areas")
    other = (lvl == level) & ~same_edition & base.isin(codes)
    why = why.mask(unplaced & why.isna() & other, "other edition")
    why = why.mask(moved.isna() & why.isna(), "unknown code")
    target[good] = moved
    reason[good] = why
    return target, reason


def _crosswalk_key(crosswalk: Any) -> tuple[pd.Series, set]:
    if crosswalk is None:
        return pd.Series(dtype="string"), set()
    if isinstance(crosswalk, pd.Series):
        return crosswalk.astype("string"), set()
    report = crosswalk.report
    if "reason" in report.columns:
        report = report[report["reason"] == "split"]
    return crosswalk.key.dropna().astype("string"), set(report.index.astype(str))


def _assign_codes(
    frame: pd.DataFrame,
    prepared: tuple[str, pd.Index, Any],
    code: str,
    crosswalk: Any,
    edition: int | None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    level, codes, _ = prepared
    if code not in frame.columns:
        raise KeyError(f"Column {code!r} not in the records; they have {list(frame.columns)}.")
    values = frame[code]
    inverse, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    uniq = pd.Series(np.append(uniques.astype(object), None))  # last slot: missing
    target, reason = _code_targets(uniq, level, codes, crosswalk, edition)
    inverse = np.where(inverse < 0, len(uniq) - 1, inverse)
    if level in ("deso", "regso"):
        categories = codes
    else:  # every kommun (or län), so that all partitions share one categorical type
        from segregation.areas.codes import kommuner

        every = kommuner().index.astype(str)
        categories = pd.Index(sorted(set(every if level == "kommun" else every.str[:2])))
    per_record = target.to_numpy(dtype=object, na_value=None)[inverse]
    data = frame.copy()
    data[level] = pd.Categorical(per_record, categories=categories.astype(object))
    why = reason.to_numpy(dtype=object, na_value=None)[inverse]
    return data, why, np.zeros(len(frame), dtype=bool)
