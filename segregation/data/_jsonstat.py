"""json-stat2 datasets (what PxWeb returns for ``outputFormat=json-stat2``) as tidy frames.

Used by :class:`segregation.data.pxweb.PxWebClient` for API responses and by
:func:`segregation.read_scb` for downloaded ``.json`` files.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items

__all__ = ["frame_from_jsonstat"]


def _measure_kind(measure: str | None) -> str:
    from segregation.data.scb_files import _measure

    return _measure(measure or "")["kind"] if measure else "other"


def frame_from_jsonstat(data: dict[str, Any]) -> pd.DataFrame:
    """A tidy frame from a json-stat2 dataset (what PxWeb returns for ``json-stat2``).

    The region (geo) dimension keeps its codes, other dimensions get their labels; the time
    dimension becomes ``year`` (when its codes are years) and the metric dimension becomes
    ``measure`` (dropped into ``attrs`` when there is only one).

    Examples
    --------
    >>> data = {"version": "2.0", "class": "dataset", "label": "Folkmängd",
    ...     "id": ["Region", "Tid"], "size": [2, 1], "role": {"time": ["Tid"], "geo": ["Region"]},
    ...     "dimension": {
    ...         "Region": {"label": "region", "category": {"index": {"0114R001": 0, "0114R002": 1},
    ...             "label": {"0114R001": "Bollstanäs", "0114R002": "Hammarby-Vaxmyra"}}},
    ...         "Tid": {"label": "år", "category": {"index": {"2023": 0}}}},
    ...     "value": [5920, None], "status": {"1": ".."}}
    >>> frame_from_jsonstat(data)
         region  year  value
    0  0114R001  2023   5920
    1  0114R002  2023   <NA>
    """
    if data.get("class") != "dataset" or "dimension" not in data:
        raise SegregationError(
            "Not a json-stat2 dataset: expected class 'dataset' with 'id', 'size' and "
            f"'dimension', got keys {describe_items(sorted(data), 10)}."
        )
    ids: list[str] = list(data["id"])
    sizes = [int(s) for s in data["size"]]
    role = data.get("role", {})
    time_ids = set(role.get("time", []))
    metric_ids = set(role.get("metric", []))
    geo_ids = set(role.get("geo", [])) | {i for i in ids if i.casefold() == "region"}
    n = int(np.prod(sizes)) if sizes else 0
    values = data.get("value", [])
    if isinstance(values, dict):
        dense = np.full(n, np.nan)
        keys = np.fromiter((int(k) for k in values), dtype=np.int64, count=len(values))
        dense[keys] = np.array(list(values.values()), dtype=float)  # None -> nan
    else:
        if len(values) != n:
            raise SegregationError(
                f"The json-stat2 dataset has {len(values)} values but its dimensions "
                f"{dict(zip(ids, sizes, strict=True))} make {n} cells."
            )
        dense = np.array(values, dtype=float)  # None -> nan
    status = data.get("status") or {}
    flags = np.full(n, None, dtype=object)
    if isinstance(status, list):
        flags[: len(status)] = status
    elif isinstance(status, str):
        flags[:] = status
    elif status:
        flags[np.fromiter((int(k) for k in status), dtype=np.int64)] = list(status.values())

    grids = np.unravel_index(np.arange(n), sizes) if n else [np.array([], int)] * len(ids)
    columns: dict[str, Any] = {}
    labels: dict[str, dict[str, str]] = {}
    measure = None
    for dim, grid in zip(ids, grids, strict=True):
        info = data["dimension"][dim]
        category = info.get("category", {})
        index = category.get("index")
        if index is None:
            codes = list(category.get("label", {}))
        elif isinstance(index, dict):
            codes = sorted(index, key=index.get)
        else:
            codes = list(index)
        names = category.get("label", {})
        name = str(info.get("label") or dim)
        labels[name] = {c: names.get(c, c) for c in codes}
        if dim in time_ids and all(re.fullmatch(r"\d{4}", c) for c in codes):
            columns["year"] = np.array([int(c) for c in codes])[grid]
        elif dim in metric_ids and len(codes) == 1:
            measure = names.get(codes[0], codes[0])
        elif dim in geo_ids:
            columns[name] = np.array(codes, dtype=object)[grid]
        else:
            columns[name] = np.array([names.get(c, c) for c in codes], dtype=object)[grid]
    order = [c for c in columns if c != "year"] + (["year"] if "year" in columns else [])
    frame = pd.DataFrame({c: columns[c] for c in order})
    counts = pd.Series(flags, dtype=object).dropna().value_counts()
    whole = dense[~np.isnan(dense)]
    frame["value"] = (
        pd.array(np.where(np.isnan(dense), None, dense), dtype="Int64")
        if whole.size and np.all(np.mod(whole, 1) == 0)
        else dense
    )
    unit = None
    for dim in metric_ids:
        units = data["dimension"][dim].get("category", {}).get("unit", {})
        if len(units) == 1:
            unit = next(iter(units.values())).get("base")
    region = next((str(data["dimension"][d].get("label") or d) for d in ids if d in geo_ids), None)
    frame.attrs.update(
        {
            "measure": measure,
            "unit": unit,
            "kind": _measure_kind(measure),
            "region": region or (order[0] if order else None),
            "labels": labels,
            "title": data.get("label"),
            "updated": data.get("updated"),
            "report": {
                "format": "json-stat2",
                "rows": len(frame),
                "missing": {str(k): int(v) for k, v in counts.items()},
                "empty": int(np.isnan(dense).sum() - counts.sum()),
                "dash_zero": 0,
            },
        }
    )
    return frame
