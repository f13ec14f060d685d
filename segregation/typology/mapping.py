"""Maps of area types: SCB's five types and data-driven types, as layers of one map.

Thin wrappers over :func:`segregation.maps.explore` and :func:`segregation.maps.plot`: they
build the frame of readable type names ("2 high share rented, low income") and say which
column is SCB's area type (fixed palette and official names) and which is a category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from segregation.errors import SegregationError, describe_items

if TYPE_CHECKING:
    import folium
    from matplotlib.figure import Figure

__all__ = ["explore_types", "plot_types", "types_frame"]

_LAYER_NAMES = {
    "en": {"area_type": "SCB area type", "geodemographic_type": "Data-driven type"},
    "sv": {"area_type": "SCB:s områdestyp", "geodemographic_type": "Datadriven typ"},
}


def _layer_names(official: pd.Series | None, language: str) -> dict[str, str]:
    """Layer names; SCB's layer says which proxy stood in for V3 (DeSO types)."""
    names = dict(_LAYER_NAMES[language])
    proxy = None if official is None else official.attrs.get("v3_proxy")
    if proxy:
        note = "V3 proxy" if language == "en" else "V3 ersatt med"
        names["area_type"] += f" ({note}: {proxy})"
    return names


def _named(typology: Any, language: str) -> pd.Series:
    """Data-driven types of a fitted typology as "number name" strings, by area code."""
    types = getattr(typology, "types_", None)
    if types is None:
        raise SegregationError(
            "the typology has no types_ per area: fit it on a DataFrame indexed by area code."
        )
    names = typology.type_names_[language]
    labels = [f"{t} {names[t]}" for t in range(typology.n_types_)]
    return pd.Series(
        pd.Categorical([labels[t] for t in types], categories=labels),
        index=types.index,
        name="geodemographic_type",
    )


def types_frame(
    typology: Any = None,
    *,
    official: pd.Series | None = None,
    language: Literal["en", "sv"] = "en",
) -> pd.DataFrame:
    """One frame with ``area_type`` (SCB, 1-5) and/or ``geodemographic_type`` (named).

    Examples
    --------
    >>> import pandas as pd
    >>> official = pd.Series([1, 5], index=["0180R001", "0180R002"])
    >>> types_frame(official=official)["area_type"].tolist()
    [1, 5]
    """
    if language not in _LAYER_NAMES:
        raise SegregationError(f"language must be 'en' or 'sv'; got {language!r}.")
    columns = {}
    if official is not None:
        columns["area_type"] = pd.Series(
            pd.Categorical(official.astype("Int64"), categories=[1, 2, 3, 4, 5], ordered=True),
            index=official.index,
        )
    if typology is not None:
        columns["geodemographic_type"] = _named(typology, language)
    if not columns:
        raise SegregationError("give a fitted typology, official area types, or both.")
    frame = pd.DataFrame(columns)
    if len(columns) == 2:
        one_sided = columns["area_type"].index.symmetric_difference(
            columns["geodemographic_type"].index
        )
        if len(one_sided):
            raise SegregationError(
                f"{len(one_sided)} areas have one typology but not the other "
                f"({describe_items(one_sided)}). Give both for the same areas."
            )
    return frame


def explore_types(
    typology: Any = None,
    *,
    official: pd.Series | None = None,
    language: Literal["en", "sv"] = "en",
    title: str | None = None,
    **explore_kwargs: Any,
) -> folium.Map:
    """An interactive map with SCB's area types and the data-driven types as layers.

    Parameters
    ----------
    typology : GeodemographicTypology, optional
        Fitted on a frame indexed by area code.
    official : Series, optional
        SCB area types (1-5) by area code, e.g. from :func:`area_types`.
    language : {"en", "sv"}, default="en"
        Language of the type names and layer names (SCB's names are always Swedish in the
        legend, as the official ones).
    title : str, optional
        Map title.
    **explore_kwargs
        Passed to :func:`segregation.maps.explore` (``areas=`` for DeSO, ``tiles=``, ...).

    Returns
    -------
    folium.Map
    """
    from segregation.maps import explore

    frame = types_frame(typology, official=official, language=language)
    return explore(
        frame,
        list(frame.columns),
        kind={"area_type": "area_type", "geodemographic_type": "category"},
        labels=_layer_names(official, language),
        title=title,
        **explore_kwargs,
    )


def plot_types(
    typology: Any = None,
    *,
    official: pd.Series | None = None,
    language: Literal["en", "sv"] = "en",
    title: str | None = None,
    **plot_kwargs: Any,
) -> Figure:
    """A static map of the data-driven types (or, without a typology, SCB's area types)."""
    from segregation.maps import plot

    frame = types_frame(typology, official=official, language=language)
    column = "geodemographic_type" if typology is not None else "area_type"
    return plot(
        frame,
        column,
        kind={column: "category" if typology is not None else "area_type"},
        label=_layer_names(official, language)[column],
        title=title,
        **plot_kwargs,
    )
