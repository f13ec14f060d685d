"""Classes and colours of mapped values, shared by the interactive and the static map.

A numeric column is cut by a classification scheme (quantiles by default) into classes
coloured from a sequential colormap; area types get a fixed colour-blind-safe palette and
SCB's Swedish names; other categories the Okabe-Ito palette. Labels use Swedish number
formatting (decimal comma).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items

__all__ = [
    "AREA_TYPE_COLORS",
    "CATEGORY_COLORS",
    "MISSING_COLOR",
    "SCHEMES",
    "Classification",
    "area_type_names",
    "classify",
    "fisher_jenks",
    "format_number",
]

#: Classification schemes (name -> mapclassify class). ``natural_breaks`` is Fisher-Jenks,
#: the exact (deterministic) optimum, not mapclassify's k-means ``NaturalBreaks``.
SCHEMES: dict[str, str] = {
    "quantiles": "Quantiles",
    "natural_breaks": "FisherJenks",
    "equal_interval": "EqualInterval",
    "user": "UserDefined",
}

#: Area types 1-5, ColorBrewer RdYlBu with 5 classes (rated colour-blind safe by ColorBrewer):
#: red for large socioeconomic challenges, blue for very good conditions.
AREA_TYPE_COLORS: dict[int, str] = {
    1: "#d7191c",
    2: "#fdae61",
    3: "#ffffbf",
    4: "#abd9e9",
    5: "#2c7bb6",
}

#: Other categories: the Okabe-Ito palette (distinguishable with every common colour-vision
#: deficiency), then repeated.
CATEGORY_COLORS: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)

#: Fill of areas without a value (missing or suppressed); suppressed ones are also hatched.
MISSING_COLOR = "#d9d9d9"

# SCB's names, used until (or if) segregation.typology does not provide them.
_AREA_TYPE_NAMES = {
    1: "Områden med stora socioekonomiska utmaningar",
    2: "Områden med socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade områden",
    4: "Områden med goda socioekonomiska förutsättningar",
    5: "Områden med mycket goda socioekonomiska förutsättningar",
}


def area_type_names() -> dict[int, str]:
    """The official Swedish names of the five area types, by type number.

    Examples
    --------
    >>> area_type_names()[3]
    'Socioekonomiskt blandade områden'
    """
    try:
        from segregation.typology import AREA_TYPES
    except ImportError:  # pragma: no cover - the typology module ships with the package
        return dict(_AREA_TYPE_NAMES)
    return {int(code): str(getattr(t, "sv", t)) for code, t in AREA_TYPES.items()}


@dataclass
class Classification:
    """Classes of one column: a colour and a legend label per class, a class per area.

    ``classes`` holds -1 for areas without a value.
    """

    column: str
    kind: str
    classes: np.ndarray
    colors: list[str]
    labels: list[str]
    bins: np.ndarray | None = None
    scheme: str | None = None
    decimals: int = 0
    texts: list[str] = field(default_factory=list)


def _decimals(values: np.ndarray) -> int:
    """Decimals for legend labels: two significant digits over the range of the values."""
    finite = values[np.isfinite(values)]
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    if spread <= 0:
        spread = abs(float(finite[0])) if finite.size and finite[0] != 0 else 1.0
    return int(np.clip(1 - np.floor(np.log10(spread)), 0, 4))


def format_number(value: float, decimals: int) -> str:
    """Swedish number format: decimal comma, a space between thousands, a real minus sign.

    Examples
    --------
    >>> format_number(12345.678, 1)
    '12 345,7'
    >>> format_number(-0.25, 2)
    '−0,25'
    """
    if not np.isfinite(value):
        return "–"
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{abs(rounded):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return ("−" if rounded < 0 else "") + text


def fisher_jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of the ``k`` classes that minimise the within-class sum of squares.

    The exact Fisher (1958) / Jenks optimum by dynamic programming over the sorted values,
    O(k n^2) arithmetic in blocks of whole-array steps (mapclassify's ``FisherJenks`` gives
    the same bounds but needs numba to be fast).

    Examples
    --------
    >>> fisher_jenks(np.array([1.0, 2.0, 3.0, 10.0, 11.0, 30.0]), 3).tolist()
    [3.0, 11.0, 30.0]
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    k = int(min(k, len(np.unique(x))))
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    cost = np.full((k, n), np.inf)
    start_of = np.zeros((k, n), dtype=int)
    cost[0] = s2[1:] - s1[1:] ** 2 / np.arange(1, n + 1)
    starts = np.arange(n)[:, None]
    for j in range(1, k):
        for lo in range(0, n, 512):  # blocks of class ends keep the matrix small
            ends = np.arange(lo, min(lo + 512, n))[None, :]
            count = ends - starts + 1
            total = s1[ends + 1] - s1[starts]
            with np.errstate(divide="ignore", invalid="ignore"):
                # within-class sum of squares of x[m..i]: S2 - S1^2 / count
                within = (s2[ends + 1] - s2[starts]) - total * total / count
            previous = np.where(starts >= 1, cost[j - 1][np.maximum(starts - 1, 0)], np.inf)
            candidate = np.where((starts >= j) & (count >= 1), previous + within, np.inf)
            best = np.argmin(candidate, axis=0)
            cost[j, ends[0]] = candidate[best, np.arange(ends.shape[1])]
            start_of[j, ends[0]] = best
    ends, end = [], n - 1
    for j in range(k - 1, -1, -1):
        ends.append(end)
        end = start_of[j, end] - 1
    return x[np.array(ends[::-1])]


def _sequential(cmap: str, n: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if cmap not in colormaps:
        raise SegregationError(
            f"cmap={cmap!r} is not a matplotlib colormap; use a sequential one such as "
            "'YlGnBu' (the default), 'viridis', 'Blues' or 'OrRd' (see matplotlib.colormaps)."
        )
    colormap = colormaps[cmap]
    if n == 1:
        return [to_hex(colormap(0.6))]
    return [to_hex(colormap(x)) for x in np.linspace(0.12, 0.95, n)]


def classify(
    values: pd.Series | np.ndarray,
    *,
    kind: str = "numeric",
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    cmap: str = "YlGnBu",
    column: str = "",
    decimals: int | None = None,
) -> Classification:
    """Put the areas of one column into classes with colours and legend labels.

    Parameters
    ----------
    values : Series or ndarray of shape (n_areas,)
    kind : {"numeric", "area_type", "category"}, default="numeric"
    scheme : {"quantiles", "natural_breaks", "equal_interval", "user"}, default="quantiles"
        How numeric values are cut (mapclassify). ``bins`` implies ``"user"``.
    k : int, default=5
        Number of classes (numeric schemes other than ``"user"``).
    bins : sequence of float, optional
        Upper bounds of the classes; the last class also takes larger values.
    cmap : str, default="YlGnBu"
        A matplotlib colormap for numeric values (ColorBrewer YlGnBu is colour-blind safe).
    decimals : int, optional
        Decimals in legend labels and value texts; by default two significant digits of
        the range in the legend and one more in the texts (tooltips), none for whole
        numbers.

    Examples
    --------
    >>> c = classify(np.array([1.5, 2.0, 3.5, 4.0, np.nan]), scheme="user", bins=[2, 4])
    >>> c.classes.tolist(), c.labels, c.texts[:2]
    ([0, 0, 1, 1, -1], ['1,5 – 2,0', '2,0 – 4,0'], ['1,50', '2,00'])
    >>> classify(np.array([0, 3, 12, 40]), scheme="user", bins=[5, 40]).labels  # counts
    ['0 – 5', '5 – 40']
    >>> classify(np.array([1, 3, 5]), kind="area_type").labels[0]
    'Områden med stora socioekonomiska utmaningar'
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise SegregationError(f"k must be a whole number of classes >= 1, got {k!r}.")
    series = pd.Series(values).reset_index(drop=True)
    if kind == "area_type":
        return _classify_area_types(series, column)
    if kind == "category":
        present = series.dropna()
        order = (
            list(series.cat.categories)
            if isinstance(series.dtype, pd.CategoricalDtype)
            else sorted(present.unique(), key=str)
        )
        lookup = {v: i for i, v in enumerate(order)}
        classes = series.map(lookup).fillna(-1).to_numpy(dtype=int)
        colors = [CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i in range(len(order))]
        texts = ["" if pd.isna(v) else str(v) for v in series]
        return Classification(column, kind, classes, colors, [str(v) for v in order], texts=texts)

    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(numbers)
    if not finite.any():  # everything missing or suppressed: no classes, only the gaps
        empty = np.full(len(numbers), -1, dtype=int)
        return Classification(column, kind, empty, [], [], texts=["–"] * len(numbers))
    # tooltips carry one decimal more than the legend, unless decimals are given;
    # whole numbers (counts) are printed without decimals
    whole = bool(np.all(numbers[finite] == np.round(numbers[finite])))
    auto = 0 if whole else _decimals(numbers)
    text_decimals = (auto + (not whole)) if decimals is None else decimals
    decimals = auto if decimals is None else decimals
    if bins is not None:
        scheme = "user"
    if scheme not in SCHEMES:
        raise SegregationError(f"scheme must be one of {list(SCHEMES)}, got {scheme!r}.")
    if scheme == "user" and bins is None:
        raise SegregationError("scheme='user' needs bins=, e.g. bins=[10, 20, 40].")
    import mapclassify

    data = numbers[finite]
    if scheme == "user":
        upper = np.asarray(sorted(bins), dtype=float)
        if upper[-1] < data.max():
            upper = np.append(upper, data.max())
    elif np.unique(data).size <= 1:
        upper = np.array([data.max()])
    else:
        n = int(min(k, np.unique(data).size))
        import warnings

        if scheme == "natural_breaks":
            upper = fisher_jenks(data, n)
        else:
            with warnings.catch_warnings():  # quantiles with ties: fewer classes
                warnings.simplefilter("ignore")
                upper = np.asarray(getattr(mapclassify, SCHEMES[scheme])(data, k=n).bins, float)
        upper = np.unique(upper)
    classes = np.full(len(numbers), -1, dtype=int)
    # class j holds bins[j-1] < x <= bins[j]; the first class starts at the minimum
    classes[finite] = np.minimum(np.searchsorted(upper, data, side="left"), len(upper) - 1)
    lower = np.concatenate([[min(data.min(), upper[0])], upper[:-1]])
    labels = [
        f"{format_number(lo, decimals)} – {format_number(hi, decimals)}"
        for lo, hi in zip(lower, upper, strict=True)
    ]
    texts = [format_number(v, text_decimals) for v in numbers]
    return Classification(
        column,
        kind,
        classes,
        _sequential(cmap, len(upper)),
        labels,
        bins=upper,
        scheme=scheme,
        decimals=decimals,
        texts=texts,
    )


def _classify_area_types(series: pd.Series, column: str) -> Classification:
    names = area_type_names()
    by_name = {v: k for k, v in names.items()}
    series = series.astype(object)
    numbers = pd.to_numeric(series, errors="coerce")
    as_text = series.astype("string").map(by_name)
    types = numbers.where(numbers.notna(), as_text.astype("Float64"))
    known = types.isna() | types.isin(list(names))
    bad = series.notna() & ~(known & types.notna())
    if bad.any() or not known.all():
        bad_values = series[bad | ~known].unique()
        raise SegregationError(
            f"Column {column!r} holds values that are not area types 1-5: "
            f"{describe_items(bad_values)}. Give the type number or its Swedish name."
        )
    classes = (types.fillna(0).to_numpy(dtype=int) - 1).astype(int)
    texts = ["" if c < 0 else names[c + 1] for c in classes]
    return Classification(
        column,
        "area_type",
        classes,
        [AREA_TYPE_COLORS[t] for t in range(1, 6)],
        [names[t] for t in range(1, 6)],
        texts=texts,
    )
