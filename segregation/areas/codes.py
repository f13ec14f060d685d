"""DeSO, RegSO, kommun and län codes: parsing, validation and the hierarchy.

Code structure (SCB):

* DeSO, 9 characters, e.g. ``0114A0010``: län (1-2), kommun (1-4), category (5: ``A``
  mostly outside larger population centres, ``B`` in a tätort that is not the centralort,
  ``C`` in the kommun's centralort), running number (6-8), split digit (9).
* RegSO, 8 characters, e.g. ``0114R001``: kommun code, ``R``, three digits.
* kommun, 4 digits; län, 2 digits; ``00`` is the whole country (riket).

Tables that span two editions suffix the newer codes: ``0114A0010_DeSO2025``,
``0114R001_RegSO2025``. An unsuffixed code does not say its edition by itself.

The names of the 290 kommuner and 21 län ship in ``regions.csv`` beside this module
(SCB's public code list "Kommuner och län", unchanged since 2007 apart from spelling;
edition used: 2021).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from segregation.errors import EditionMismatchError, InvalidCodeError, describe_items

__all__ = [
    "DESO_EDITIONS",
    "LEVELS",
    "REGSO_EDITIONS",
    "add_edition_suffix",
    "check_single_edition",
    "kommuner",
    "lan",
    "parse_codes",
    "strip_edition",
]

LEVELS = ("deso", "regso", "kommun", "lan", "riket")
DESO_EDITIONS = (2018, 2025)
REGSO_EDITIONS = (2020, 2025)

# One pattern for every level; the named groups say which level matched.
_CODE_PATTERN = (
    r"^(?:"
    r"(?P<deso>(?P<deso_kommun>\d{4})(?P<category>[ABC])\d{4})(?:_DeSO(?P<deso_edition>\d{4}))?"
    r"|(?P<regso>(?P<regso_kommun>\d{4})R\d{3})(?:_RegSO(?P<regso_edition>\d{4}))?"
    r"|(?P<kommun>\d{4})"
    r"|(?P<lan>\d{2})"
    r")$"
)
_SUFFIX = {"deso": "_DeSO", "regso": "_RegSO"}


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    with resources.files("segregation.areas").joinpath("regions.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str)


def kommuner() -> pd.DataFrame:
    """The 290 kommuner with their län, indexed by ``kommunkod``.

    Examples
    --------
    >>> k = kommuner()
    >>> len(k), k.loc["0380", "kommunnamn"], k.loc["0380", "lansnamn"]
    (290, 'Uppsala', 'Uppsala län')
    """
    return _regions().set_index("kommunkod").copy()


def lan() -> pd.DataFrame:
    """The 21 län, indexed by ``lanskod``.

    Examples
    --------
    >>> lan().loc["20", "lansnamn"]
    'Dalarnas län'
    """
    frame = _regions()[["lanskod", "lansnamn"]].drop_duplicates()
    return frame.set_index("lanskod").sort_index()


def parse_codes(
    values: Iterable[object] | pd.Series,
    *,
    default_edition: int | None = None,
) -> pd.DataFrame:
    """Parse area codes of any level into their parts.

    Parameters
    ----------
    values : iterable of str or pandas.Series
        DeSO (``0114A0010``, ``0114A0010_DeSO2025``), RegSO (``0114R001``,
        ``0114R001_RegSO2025``), kommun (``0114``), län (``01``) or riket (``00``) codes,
        mixed freely. Surrounding white space is ignored.
    default_edition : int, optional
        Edition to report for unsuffixed DeSO and RegSO codes. By default the edition
        column is missing (``<NA>``) for them, since an unsuffixed code does not say it.

    Returns
    -------
    pandas.DataFrame
        One row per value, in the input order and with the input's index, with columns
        ``code`` (stripped input), ``base_code`` (without edition suffix), ``level``
        (``deso``, ``regso``, ``kommun``, ``lan`` or ``riket``), ``edition`` (nullable
        integer), ``kommunkod``, ``kommunnamn``, ``lanskod``, ``lansnamn`` and
        ``deso_category`` (``A``, ``B``, ``C`` for DeSO, missing otherwise).

    Raises
    ------
    InvalidCodeError
        When a value is malformed, or names a kommun or län that does not exist, or has a
        suffix of an edition that does not exist. The message lists the offending values
        and their positions.

    Examples
    --------
    >>> p = parse_codes(["0114A0010", "0380R012_RegSO2025", "2080", "20", "00"])
    >>> p[["level", "edition", "kommunkod", "lanskod", "deso_category"]]
        level  edition kommunkod lanskod deso_category
    0    deso     <NA>      0114      01             A
    1   regso     2025      0380      03          <NA>
    2  kommun     <NA>      2080      20          <NA>
    3     lan     <NA>      <NA>      20          <NA>
    4   riket     <NA>      <NA>      <NA>          <NA>
    >>> parse_codes(["0114A001"])
    Traceback (most recent call last):
    ...
    segregation.errors.InvalidCodeError: 1 malformed code: '0114A001' at position 0. ...
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    text = series.astype("string").str.strip()
    missing = text.isna()
    parts = text.fillna("").str.extract(_CODE_PATTERN)

    level = pd.Series(pd.NA, index=series.index, dtype="string")
    for name in ("deso", "regso", "kommun", "lan"):
        level = level.mask(parts[name].notna() & level.isna(), name)
    level = level.mask(text == "00", "riket")

    bad = level.isna() | missing
    if bad.any():
        _raise_malformed(text, bad)

    edition = parts["deso_edition"].fillna(parts["regso_edition"]).astype("Int64")
    kommunkod = parts["deso_kommun"].fillna(parts["regso_kommun"]).fillna(parts["kommun"])
    lanskod = kommunkod.str[:2].fillna(parts["lan"]).mask(level == "riket")
    base_code = parts["deso"].fillna(parts["regso"]).fillna(text)

    _check_editions(text, level, edition)
    _check_known(text, kommunkod, lanskod)

    if default_edition is not None:
        unsaid = level.isin(["deso", "regso"]) & edition.isna()
        edition = edition.mask(unsaid, default_edition)

    regions = _regions()
    kommun_names = regions.set_index("kommunkod")["kommunnamn"]
    lan_names = regions.drop_duplicates("lanskod").set_index("lanskod")["lansnamn"]
    out = pd.DataFrame(
        {
            "code": text,
            "base_code": base_code.astype("string"),
            "level": level,
            "edition": edition,
            "kommunkod": kommunkod.astype("string"),
            "kommunnamn": kommunkod.map(kommun_names).astype("string"),
            "lanskod": lanskod.astype("string"),
            "lansnamn": lanskod.map(lan_names).astype("string"),
            "deso_category": parts["category"].astype("string"),
        },
        index=series.index,
    )
    return out


def _positions(mask: pd.Series) -> np.ndarray:
    return np.flatnonzero(mask.to_numpy())


def _raise_malformed(text: pd.Series, bad: pd.Series) -> None:
    pos = _positions(bad)
    shown = [f"{text.iloc[i]!r} at position {i}" for i in pos]
    noun = "code" if len(pos) == 1 else "codes"
    raise InvalidCodeError(
        f"{len(pos)} malformed {noun}: {describe_items(shown)}. "
        "Expected DeSO (e.g. '0114A0010' or '0114A0010_DeSO2025'), RegSO (e.g. '0114R001' "
        "or '0114R001_RegSO2025'), kommun ('0114'), län ('01') or riket ('00'). "
        "Codes read as numbers lose their leading zero: read the column with dtype=str."
    )


def _check_editions(text: pd.Series, level: pd.Series, edition: pd.Series) -> None:
    wrong = (
        (level == "deso") & edition.notna() & ~edition.isin(DESO_EDITIONS)
        | (level == "regso") & edition.notna() & ~edition.isin(REGSO_EDITIONS)
    ).fillna(False)
    if wrong.any():
        pos = _positions(wrong)
        shown = [f"{text.iloc[i]!r} at position {i}" for i in pos]
        raise InvalidCodeError(
            f"{len(pos)} codes name an edition that does not exist: {describe_items(shown)}. "
            f"DeSO editions are {DESO_EDITIONS}, RegSO editions {REGSO_EDITIONS}."
        )


def _check_known(text: pd.Series, kommunkod: pd.Series, lanskod: pd.Series) -> None:
    regions = _regions()
    unknown = (kommunkod.notna() & ~kommunkod.isin(regions["kommunkod"])) | (
        lanskod.notna() & ~lanskod.isin(regions["lanskod"])
    )
    if unknown.any():
        pos = _positions(unknown)
        shown = [f"{text.iloc[i]!r} at position {i}" for i in pos]
        raise InvalidCodeError(
            f"{len(pos)} codes name a kommun or län that does not exist: "
            f"{describe_items(shown)}. See segregation.areas.kommuner() for the 290 kommuner."
        )


def strip_edition(values: Iterable[object] | pd.Series) -> pd.Series:
    """Remove ``_DeSO2025``/``_RegSO2025`` style suffixes, keeping everything else.

    Examples
    --------
    >>> strip_edition(["0114A0010_DeSO2025", "0114R001"]).tolist()
    ['0114A0010', '0114R001']
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return series.astype("string").str.strip().str.replace(r"_(?:DeSO|RegSO)\d{4}$", "", regex=True)


def add_edition_suffix(values: Iterable[object] | pd.Series, edition: int) -> pd.Series:
    """Add SCB's edition suffix to DeSO and RegSO codes (other levels are left unchanged).

    Examples
    --------
    >>> add_edition_suffix(["0114A0010", "0114R001", "0114"], 2025).tolist()
    ['0114A0010_DeSO2025', '0114R001_RegSO2025', '0114']
    """
    parsed = parse_codes(values)
    suffix = parsed["level"].map(_SUFFIX).fillna("")
    tail = np.where(suffix != "", suffix + str(edition), "")
    return (parsed["base_code"] + pd.Series(tail, index=parsed.index)).astype("string")


def check_single_edition(parsed: pd.DataFrame) -> int | None:
    """Return the one edition said by suffixed codes, or raise if editions are mixed.

    ``parsed`` is the output of :func:`parse_codes`. Unsuffixed codes count as the older
    edition (2018 for DeSO, 2020 for RegSO) only when suffixed codes are present too, since
    that is how SCB writes tables that span both editions.

    Raises
    ------
    EditionMismatchError
        When DeSO or RegSO codes of two editions are present; the message names examples of
        both and how to move one edition to the other.

    Examples
    --------
    >>> check_single_edition(parse_codes(["0114A0010_DeSO2025", "0114A0020_DeSO2025"]))
    2025
    >>> check_single_edition(parse_codes(["0114A0010_DeSO2025", "0114A0020"]))
    Traceback (most recent call last):
    ...
    segregation.errors.EditionMismatchError: Codes of two editions are mixed: ...
    """
    areas = parsed[parsed["level"].isin(["deso", "regso"])]
    if areas.empty:
        return None
    said = areas["edition"]
    if said.isna().all():
        return None
    if said.isna().any() or said.dropna().nunique() > 1:
        new = areas.loc[said.notna(), "code"]
        old = (
            areas.loc[said.isna(), "code"]
            if said.isna().any()
            else areas.loc[said != said.max(), "code"]
        )
        raise EditionMismatchError(
            f"Codes of two editions are mixed: {len(new)} suffixed (e.g. {describe_items(new, 3)}) "
            f"and {len(old)} of another edition (e.g. {describe_items(old, 3)}). The same code can "
            "name different areas in different editions; select one edition, or move the older "
            "codes with segregation.areas.crosswalk before joining."
        )
    return int(said.iloc[0])
