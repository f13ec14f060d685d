"""Comparing typologies: official against data-driven types, and types between years."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items
from segregation.typology.socioeconomic import AREA_TYPES

__all__ = ["crosstab_types", "match_labels", "transition_matrix"]


_NO_TYPE = {"en": "no type (index missing)", "sv": "ingen typ (index saknas)"}


def match_labels(table: np.ndarray) -> np.ndarray:
    """For each row of a k x k cross-tabulation, the column that best matches it.

    Hungarian matching (``scipy.optimize.linear_sum_assignment``) maximises the number of
    areas on the matched diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> match_labels(np.array([[1, 9], [8, 2]])).tolist()
    [1, 0]
    """
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(np.asarray(table), maximize=True)
    match = np.empty(len(rows), dtype=int)
    match[rows] = cols
    return match


def _aligned(official: pd.Series, types: pd.Series) -> tuple[pd.Series, pd.Series]:
    only_one = official.index.symmetric_difference(types.index)
    if len(only_one):
        raise SegregationError(
            f"{len(only_one)} areas have one typology but not the other "
            f"({describe_items(only_one)}). Give both for the same areas."
        )
    return official, types.reindex(official.index)


def crosstab_types(
    official: pd.Series,
    types: pd.Series,
    *,
    population: pd.Series | None = None,
    type_names: pd.Series | None = None,
    language: Literal["sv", "en"] = "sv",
) -> pd.DataFrame:
    """Cross-tabulate SCB's five area types against data-driven types.

    Parameters
    ----------
    official : Series
        SCB area type per area (1-5, from :func:`area_types`), indexed by area code.
    types : Series
        Data-driven type per area (for example ``GeodemographicTypology.labels_``).
    population : Series, optional
        Persons per area; adds a ``population`` block beside the ``areas`` block.
    type_names : Series, optional
        Name of each data-driven type (``type_names_["en"]``) used as column labels.
    language : {"sv", "en"}, default="sv"
        Language of the official type names in the row labels.

    Returns
    -------
    DataFrame
        Rows: the five official types ("1 Områden med stora ..."), a row "ingen typ (index
        saknas)" / "no type (index missing)" when some areas have no official type, and
        ``total``; columns: a MultiIndex (``areas`` | ``population``, data-driven type),
        with a ``total`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> official = pd.Series([1, 1, 3, 5], index=list("abcd"))
    >>> types = pd.Series([0, 0, 1, 1], index=list("abcd"))
    >>> table = crosstab_types(official, types, language="en")
    >>> table["areas"].loc["1 Areas with major socioeconomic challenges"].tolist()
    [2, 0, 2]
    """
    official, types = _aligned(official, types)
    names = {code: f"{code} {getattr(t, language)}" for code, t in AREA_TYPES.items()}
    labels = pd.Series(official, copy=False).astype("Int64").map(names)
    categories = list(names.values())
    if labels.isna().any():  # a missing index (SCB's ".."): its own row, after type 5
        categories.append(_NO_TYPE[language])
        labels = labels.fillna(_NO_TYPE[language])
    rows = pd.Categorical(labels, categories=categories)
    cols = types.to_numpy()
    if type_names is not None:
        present = sorted(set(cols))
        cols = pd.Categorical(
            types.map(type_names).to_numpy(), categories=[type_names[v] for v in present]
        )
    blocks = {"areas": pd.crosstab(rows, cols, margins=True, margins_name="total", dropna=False)}
    if population is not None:
        weights = population.reindex(official.index).to_numpy(dtype=float)
        blocks["population"] = pd.crosstab(
            rows,
            cols,
            values=weights,
            aggfunc="sum",
            margins=True,
            margins_name="total",
            dropna=False,
        ).fillna(0.0)
    table = pd.concat(blocks, axis=1)
    table.index.name = "official type"
    table.columns.names = ["measure", "type"]
    return table


def transition_matrix(
    labels_by_year: pd.DataFrame,
    from_year: object,
    to_year: object,
    *,
    normalize: bool = False,
) -> pd.DataFrame:
    """Areas moving between types from one year to another.

    Parameters
    ----------
    labels_by_year : DataFrame
        Types, areas x years (``GeodemographicTypology.labels_by_year_``).
    from_year, to_year
        Column labels of the two years.
    normalize : bool, default=False
        Give row shares (the probability of each destination type) instead of counts.

    Returns
    -------
    DataFrame
        Rows: type in ``from_year``; columns: type in ``to_year``; every type found in any
        year of ``labels_by_year`` (a type absent in both years has a row and column of 0).
        Areas missing in either year are left out and counted in ``attrs["n_missing"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> labels = pd.DataFrame({2020: [0, 0, 1, 1], 2023: [0, 1, 1, 1]})
    >>> transition_matrix(labels, 2020, 2023).to_numpy().tolist()
    [[1, 1], [0, 2]]
    """
    for year in (from_year, to_year):
        if year not in labels_by_year.columns:
            raise SegregationError(
                f"year {year!r} is not a column; years are {list(labels_by_year.columns)}."
            )
    pair = labels_by_year[[from_year, to_year]]
    present = pair.dropna()
    # every type of any year, so that a type empty in these two years still has its row
    types = sorted(pd.unique(labels_by_year.stack().dropna()))
    table = pd.crosstab(
        pd.Categorical(present[from_year].astype(int), categories=[int(t) for t in types]),
        pd.Categorical(present[to_year].astype(int), categories=[int(t) for t in types]),
        dropna=False,
        normalize="index" if normalize else False,
    )
    table.index.name, table.columns.name = f"type {from_year}", f"type {to_year}"
    table.attrs["n_missing"] = int(len(pair) - len(present))
    return table
