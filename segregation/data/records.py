"""Own person-level records: assign them to areas, count them, and publish protected tables.

Three verbs, each taking a pandas frame or a ``dask.dataframe`` collection:

* :func:`assign` gives every record the DeSO or RegSO that contains its coordinates (or
  checks and moves the code it already carries), and reports every record it could not
  assign with its row number and the reason;
* :func:`aggregate` counts records per area and category at every level of the hierarchy
  (DeSO, RegSO, kommun, län, riket) in one call;
* :func:`publish` goes from records to a protected table, with rates per area withheld when
  their numerator or denominator is suppressed.

:func:`aggregate` and :func:`publish` live in :mod:`segregation.data._counts` and are
re-exported here.

Boundary rule: a point that lies in several areas (on a shared edge or vertex, or in an
overlap of two polygons) goes to the one with the smallest area code. The rule depends only
on the point and the layer, never on the order of rows or partitions.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from segregation.data._counts import aggregate, publish
from segregation.data._record_codes import _assign_codes
from segregation.errors import CRSError, InvalidCodeError, UnmatchedError, describe_items, warn

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["REASONS", "SWEDEN_EXTENT", "Assignment", "aggregate", "assign", "publish"]

#: Sweden in EPSG:3006 (xmin, ymin, xmax, ymax): the bounds of all RegSO plus about 10 km.
SWEDEN_EXTENT = (235_000.0, 6_100_000.0, 932_000.0, 7_682_000.0)

#: Why a record was not assigned (the ``reason`` column of :attr:`Assignment.report`).
REASONS: dict[str, str] = {
    "missing coordinates": "x or y is missing or not a number",
    "looks like degrees": "the CRS is projected but x, y look like longitude, latitude",
    "swapped axes": "outside Sweden as given, inside Sweden with x and y exchanged",
    "outside Sweden": "outside Sweden's extent in EPSG:3006",
    "in no area": "inside Sweden's extent but in no polygon (sea, a neighbouring country, "
    "or outside the areas given)",
    "missing code": "the code column is empty",
    "malformed code": "not a DeSO, RegSO, kommun or län code, or an unknown kommun",
    "unknown code": "well formed but not an area of the layer, or moved by the crosswalk to none",
    "coarser than areas": "a code of a larger area (kommun, län; RegSO for DeSO areas)",
    "other edition": "a code of another edition than the areas, and no crosswalk moves it",
    "not one to one": "the crosswalk splits the area between several target areas",
}
_CHUNK = 1_000_000  # points per spatial query: bounds memory, not a loop per record
_MIN_PER_JOB = 50_000  # fewer points per thread are not worth a thread
# GEOS builds a prepared polygon's point index lazily, and that is not thread-safe: one
# point-in-polygon stage at a time per process, each thread owning its own polygons
_GEOS_LOCK = threading.Lock()
_LEVEL_OF_INDEX = {"desokod": "deso", "regsokod": "regso", "kommunkod": "kommun", "lanskod": "lan"}


def _is_dask(obj: object) -> bool:
    return type(obj).__module__.split(".")[0] in {"dask", "dask_expr", "dask_geopandas"}


@dataclass
class Assignment:
    """Records with their area, and a report of every record that was not assigned.

    Attributes
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        The records, unchanged and in input order, with a new categorical column named after
        the level (``deso`` or ``regso``); missing where not assigned.
    report : pandas.DataFrame or dask.dataframe.DataFrame
        One row per record not assigned: ``row`` (0-based position in the input),
        ``index`` (its index label), ``reason`` (see :data:`REASONS`) and the offending
        ``x``, ``y`` or ``code``.
    level : str
        ``"deso"`` or ``"regso"`` (or ``"kommun"``/``"lan"`` for code records).
    n_records : int
        Records in the input; ``n_records == n_assigned + len(report)``.
    n_on_boundary : int
        Points that lay in more than one area and went to the smallest code.
    """

    data: Any
    report: Any
    level: str
    n_records: int | None = None
    n_on_boundary: int | None = None
    _lazy: dict = field(default_factory=dict, repr=False)

    @property
    def n_assigned(self) -> int:
        """Records that received an area."""
        return int(self.n_records - len(self.report))

    def summary(self) -> pd.Series:
        """Counts of unassigned records by reason (empty when all were assigned)."""
        return self.report["reason"].value_counts().rename("records")

    def compute(self, **kwargs: Any) -> Assignment:
        """Compute a Dask assignment in one pass; returns the in-memory :class:`Assignment`."""
        if not self._lazy:
            return self
        import dask

        lazy = self._lazy
        data, report, sizes, ties = dask.compute(
            self.data, self.report, lazy["sizes"], lazy["ties"], **kwargs
        )
        offsets = np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))])
        report = report.assign(row=offsets[report["partition"].to_numpy()] + report["row"])
        report = report.drop(columns="partition").sort_values("row", ignore_index=True)
        out = Assignment(data, report, self.level, int(offsets[-1]), int(ties))
        _apply_policy(out, lazy["on_unassigned"])
        return out

    def persist(self, **kwargs: Any) -> Assignment:
        """Keep a Dask assignment in (cluster) memory, so that ``.data`` used several times
        (``aggregate``, ``publish``, ``.compute()``) assigns each partition only once."""
        if not self._lazy:
            return self
        lazy = self._lazy
        combined = lazy["combined"].persist(**kwargs)
        return _lazy_assignment(
            combined, lazy["spec"], self.level, lazy["on_unassigned"], lazy["report_part"]
        )

    def __repr__(self) -> str:
        if self._lazy:
            return f"Assignment(level={self.level!r}, lazy Dask collection; call .compute())"
        return (
            f"Assignment(level={self.level!r}, {self.n_assigned:,} of {self.n_records:,} "
            f"records assigned, {len(self.report):,} reported, "
            f"{self.n_on_boundary:,} on a shared boundary)"
        )


# ----------------------------------------------------------------------------- areas


def _prepare_areas(areas: gpd.GeoDataFrame | str | None) -> tuple[str, pd.Index, Any]:
    """Level, sorted codes and prepared polygons (in code order) of an area layer."""
    import shapely

    if areas is None:
        from segregation.areas.boundaries import load_regso

        areas = load_regso()
    if isinstance(areas, str):
        if areas in ("kommun", "lan"):
            return areas, pd.Index([], dtype=object), None
        raise ValueError(f"areas must be a GeoDataFrame, None, 'kommun' or 'lan'; got {areas!r}.")
    level = _LEVEL_OF_INDEX.get(areas.index.name)
    if level not in ("deso", "regso"):
        raise InvalidCodeError(
            f"The areas must be indexed by 'desokod' or 'regsokod', got {areas.index.name!r}. "
            "Use seg.load_regso(), seg.load_deso() or seg.read_areas(path)."
        )
    if areas.crs is None:
        raise CRSError("The areas have no CRS: set it, e.g. areas.set_crs(3006).")
    if areas.crs.to_epsg() != 3006:
        areas = areas.to_crs(3006)
    areas = areas.sort_index()
    geoms = np.asarray(areas.geometry.array)
    shapely.prepare(geoms)
    return level, pd.Index(areas.index.astype(str), name=areas.index.name), geoms


def _layer_edition(areas: Any) -> int | None:
    """Edition of an area layer: 2025 for the embedded RegSO, else from SCB's ``version``
    attribute (``"2018_v2"``) when the layer has one edition; ``None`` when unknown."""
    if areas is None:
        return 2025
    if isinstance(areas, str) or "version" not in getattr(areas, "columns", ()):
        return None
    years = areas["version"].astype("string").str.extract(r"^(\d{4})", expand=False).unique()
    return int(years[0]) if len(years) == 1 and pd.notna(years[0]) else None


def _n_jobs(n_jobs: int | None, n_points: int) -> int:
    """Threads to use: ``None`` or -1 means every core this process may run on."""
    if n_jobs is None or n_jobs == -1:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        wanted = wanted or os.cpu_count() or 1
    elif isinstance(n_jobs, int | np.integer) and not isinstance(n_jobs, bool) and n_jobs >= 1:
        wanted = int(n_jobs)
    else:
        raise ValueError(f"n_jobs must be a positive int, -1 or None (all cores), got {n_jobs!r}.")
    return max(1, min(wanted, -(-n_points // _MIN_PER_JOB)))


def _candidates(xs: np.ndarray, ys: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """(point, area) pairs whose bounding boxes meet; a tree of its own for each thread."""
    import shapely

    return shapely.STRtree(geoms).query(shapely.points(xs, ys))


def _contains(
    geoms: np.ndarray, area_idx: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """Whether point i lies in (or on the edge of) polygon ``area_idx[i]``."""
    import shapely

    return shapely.intersects_xy(geoms[area_idx], xs, ys)


def _locate(
    x: np.ndarray, y: np.ndarray, geoms: np.ndarray, n_jobs: int | None = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the area containing each point (-1 if none, smallest index on ties), and
    whether the point lay in more than one area.

    ``geoms`` are sorted by code, so the smallest index is the smallest code. Boundaries
    count as inside (``intersects``), so a point on a shared edge is in both candidates and
    the rule picks one.

    With ``n_jobs`` threads (shapely releases the GIL), each thread queries its own share of
    the points, then tests the candidate pairs of its own share of the polygons
    (``area % n_jobs``), so that no prepared polygon is used by two threads at once. The
    result does not depend on ``n_jobs``.
    """
    import shapely

    with _GEOS_LOCK:  # a no-op when prepared; needed after unpickling on a Dask worker,
        shapely.prepare(geoms)  # whose threads share one copy of the polygons
    found = np.full(len(x), -1, dtype=np.int64)
    ties = np.zeros(len(x), dtype=bool)
    jobs = _n_jobs(n_jobs, min(len(x), _CHUNK))
    pool = ThreadPoolExecutor(jobs, thread_name_prefix="assign") if jobs > 1 else None
    run = pool.map if pool is not None else map
    try:
        for start in range(0, len(x), _CHUNK):  # chunks of a million points, vectorised inside
            xs, ys = x[start : start + _CHUNK], y[start : start + _CHUNK]
            cut = np.linspace(0, len(xs), jobs + 1).astype(np.int64)
            blocks = [(xs[a:b], ys[a:b]) for a, b in pairwise(cut)]
            pairs = list(run(_candidates, *zip(*blocks, strict=True), [geoms] * jobs))
            point_idx = np.concatenate([p + a for (p, _), a in zip(pairs, cut, strict=False)])
            area_idx = np.concatenate([q for _, q in pairs])
            owner = area_idx % jobs
            shares = [np.flatnonzero(owner == j) for j in range(jobs)]
            hit = np.zeros(len(point_idx), dtype=bool)
            with _GEOS_LOCK:
                tests = run(
                    _contains,
                    [geoms] * jobs,
                    [area_idx[s] for s in shares],
                    [xs[point_idx[s]] for s in shares],
                    [ys[point_idx[s]] for s in shares],
                )
                for share, inside in zip(shares, tests, strict=True):
                    hit[share] = inside
            point_idx, area_idx = point_idx[hit], area_idx[hit]
            order = np.lexsort((area_idx, point_idx))
            point_idx, area_idx = point_idx[order], area_idx[order]
            first = np.ones(len(point_idx), dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            found[start + point_idx[first]] = area_idx[first]
            ties[start : start + _CHUNK] = np.bincount(point_idx, minlength=len(xs)) > 1
    finally:
        if pool is not None:
            pool.shutdown()
    return found, ties


def _in_extent(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xmin, ymin, xmax, ymax = SWEDEN_EXTENT
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def _coordinates(frame: pd.DataFrame, x: str | None, y: str | None) -> tuple[np.ndarray, ...]:
    if x is None and y is None and hasattr(frame, "geometry"):
        import shapely

        geoms = np.asarray(frame.geometry.array)
        is_point = shapely.get_type_id(geoms) == 0
        xs = np.where(is_point, shapely.get_x(geoms), np.nan)
        ys = np.where(is_point, shapely.get_y(geoms), np.nan)
        return xs.astype(float), ys.astype(float)
    if x is None or y is None:
        raise ValueError("Give both x= and y= (column names), or pass a GeoDataFrame of points.")
    missing = [c for c in (x, y) if c not in frame.columns]
    if missing:
        raise KeyError(
            f"Column(s) {describe_items(missing)} not in the records; they have "
            f"{describe_items(list(frame.columns), 10)}."
        )
    xs = pd.to_numeric(frame[x], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ys = pd.to_numeric(frame[y], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return xs, ys


def _assign_points(
    frame: pd.DataFrame,
    prepared: tuple[str, pd.Index, Any],
    x: str | None,
    y: str | None,
    crs: Any,
    n_jobs: int | None = 1,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The in-memory kernel: one frame (or one Dask partition) of records with coordinates.

    Returns the records with the area column, the reason of each record not assigned
    (``None`` where assigned) and whether each point lay in more than one area.
    """
    from pyproj import CRS, Transformer

    level, codes, geoms = prepared
    from_geometry = x is None and y is None and hasattr(frame, "geometry")
    if crs is None and from_geometry and frame.crs is None:
        raise CRSError(
            "The points have no CRS: set it (e.g. gdf.set_crs(3006) for SWEREF 99 TM, "
            "gdf.set_crs(4326) for WGS 84) or pass crs=."
        )
    source = CRS.from_user_input(crs if crs is not None else getattr(frame, "crs", None) or 3006)
    xin, yin = _coordinates(frame, x, y)
    missing = ~(np.isfinite(xin) & np.isfinite(yin))
    if source.to_epsg() == 3006:
        project = None
        xs, ys = xin, yin
    else:
        project = Transformer.from_crs(source, "EPSG:3006", always_xy=True).transform
        xs, ys = (np.asarray(v, dtype=float) for v in project(xin, yin))
    inside = ~missing & _in_extent(xs, ys)
    outside = ~missing & ~inside
    if project is None:
        swapped_xy = (yin[outside], xin[outside])
    else:
        swapped_xy = tuple(np.asarray(v, dtype=float) for v in project(yin[outside], xin[outside]))
    swapped = np.zeros(len(xs), dtype=bool)
    swapped[np.flatnonzero(outside)] = _in_extent(*swapped_xy)
    degrees = outside & ~swapped & (np.abs(xin) <= 180) & (np.abs(yin) <= 90)
    degrees &= not source.is_geographic

    found = np.full(len(xs), -1, dtype=np.int64)
    idx_inside = np.flatnonzero(inside)
    found[idx_inside], ties = _locate(xs[idx_inside], ys[idx_inside], geoms, n_jobs)

    reason = np.full(len(xs), None, dtype=object)
    reason[inside & (found < 0)] = "in no area"
    reason[outside] = "outside Sweden"
    reason[degrees] = "looks like degrees"
    reason[swapped] = "swapped axes"
    reason[missing] = "missing coordinates"

    data = frame.copy()
    data[level] = pd.Categorical.from_codes(found, categories=codes.astype(object))
    on_boundary = np.zeros(len(xs), dtype=bool)
    on_boundary[idx_inside] = ties
    return data, reason, on_boundary


# ----------------------------------------------------------------------------- assign


def assign(
    records: Any,
    areas: gpd.GeoDataFrame | Literal["kommun", "lan"] | None = None,
    *,
    x: str | None = None,
    y: str | None = None,
    crs: Any = None,
    code: str | None = None,
    crosswalk: Any = None,
    edition: int | None = None,
    on_unassigned: Literal["warn", "raise", "ignore"] = "warn",
    n_jobs: int | None = None,
) -> Assignment:
    """Give every record the DeSO or RegSO that contains it, and report the rest.

    Records come either with coordinates (``x=``, ``y=`` columns, or a GeoDataFrame of
    points) or with a code they already carry (``code=``). A point goes to the polygon that
    contains it through a spatial index (shapely's STRtree, vectorised). A point that lies
    in several areas (on a shared edge or vertex) goes to the area with the smallest code.
    No record is dropped: every record not assigned is listed in ``.report`` with its row
    number and reason.

    Parameters
    ----------
    records : pandas.DataFrame, geopandas.GeoDataFrame or dask.dataframe.DataFrame
        Person-level records. A Dask collection is assigned partition by partition and
        gives the same result as the in-memory path (call ``.compute()`` on the result).
    areas : geopandas.GeoDataFrame, "kommun", "lan" or None
        Polygons indexed by ``desokod`` or ``regsokod`` (from :func:`~segregation.load_regso`,
        :func:`~segregation.load_deso` or :func:`~segregation.read_areas`). Default: the
        embedded RegSO 2025 (simplified, edges within about 60 m of SCB's; pass the
        full-detail layer for points near edges). ``"kommun"``/``"lan"`` only with ``code=``.
    x, y : str, optional
        Columns of easting and northing (or longitude and latitude). Not needed for a
        GeoDataFrame of points.
    crs : anything pyproj accepts, default: the GeoDataFrame's CRS, else EPSG:3006
        CRS of the coordinates, e.g. ``4326`` for WGS 84 or ``3006`` for SWEREF 99 TM.
    code : str, optional
        Column of DeSO, RegSO (either edition, with or without SCB's ``_DeSO2025`` suffix),
        kommun or län codes, used instead of coordinates.
    crosswalk : Crosswalk or pandas.Series, optional
        Moves codes of another level or edition to the areas, e.g.
        ``seg.areas.crosswalk.deso_to_regso(deso_2018, regso_2025)``; codes it reports as
        split are reported here as ``"not one to one"``.
    edition : int, optional
        Edition of ``areas``; codes suffixed with another edition need a crosswalk.
        Default: read from SCB's ``version`` attribute of the layer (``"2018_v2"``), 2025
        for the embedded RegSO, else unknown (suffixes are then not checked).
    on_unassigned : {"warn", "raise", "ignore"}, default="warn"
        What to do when records are reported. With ``"raise"`` an
        :class:`~segregation.UnmatchedError` names them.
    n_jobs : int, optional
        Threads for the point-in-polygon work (shapely releases the GIL): ``None`` or -1
        uses every core the process may run on, 1 runs in the calling thread. The result
        does not depend on it. On a Dask collection it applies within each partition.

    Returns
    -------
    Assignment
        ``.data`` (records plus a categorical ``deso``/``regso`` column), ``.report``,
        ``.n_records``, ``.n_on_boundary`` and ``.summary()``.

    Raises
    ------
    CRSError
        When more than half of the records with coordinates are swapped, outside Sweden or
        look like degrees: the message names the likely mistake and the fix.

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> records = pd.DataFrame({"x": [674_000.0, 6_580_000.0, None], "y": [6_580_000.0, 674_000.0, 1.0]})
    >>> result = seg.assign(records, x="x", y="y", on_unassigned="ignore")
    >>> result.data["regso"].tolist()
    ['0180R058', nan, nan]
    >>> result.report[["row", "reason"]]
       row               reason
    0    1         swapped axes
    1    2  missing coordinates
    """
    if on_unassigned not in ("warn", "raise", "ignore"):
        raise ValueError(
            f"on_unassigned must be 'warn', 'raise' or 'ignore', got {on_unassigned!r}."
        )
    if code is None and isinstance(areas, str):
        raise ValueError(f"areas={areas!r} needs records with codes: pass code=COLUMN.")
    prepared = _prepare_areas(areas)
    if edition is None and code is not None:
        edition = _layer_edition(areas)
    if code is not None:
        kernel, args = _assign_codes, (prepared, code, crosswalk, edition)
    else:
        if crs is None and _is_dask(records) and getattr(records, "crs", None) is not None:
            crs = records.crs
        _n_jobs(n_jobs, 0)  # checks the value before any work
        kernel, args = _assign_points, (prepared, x, y, crs, n_jobs)
    spec = ("code", code) if code is not None else ("xy", x, y)
    if _is_dask(records):
        return _assign_dask(records, kernel, args, spec, prepared[0], on_unassigned)
    data, reason, on_boundary = kernel(records, *args)
    report = _report(records, reason, spec)
    result = Assignment(data, report, prepared[0], len(records), int(on_boundary.sum()))
    _apply_policy(result, on_unassigned)
    return result


def _report(frame: pd.DataFrame, reason: np.ndarray, spec: tuple) -> pd.DataFrame:
    """One row per record with a reason: position, index label, reason, offending values."""
    bad = np.flatnonzero(pd.notna(reason))
    out = {
        "row": bad.astype(np.int64),
        "index": frame.index.to_numpy()[bad],
        "reason": pd.Categorical(reason[bad], categories=list(REASONS)),
    }
    if spec[0] == "code":
        out["code"] = frame[spec[1]].to_numpy()[bad]
    else:
        out["x"], out["y"] = _coordinates(frame.iloc[bad], spec[1], spec[2])
    return pd.DataFrame(out)


_HIDDEN = ["_segregation_reason", "_segregation_boundary"]


def _assign_dask(
    records: Any, kernel: Any, args: tuple, spec: tuple, level: str, policy: str
) -> Assignment:
    """The in-memory kernel once per partition; row numbers are fixed up at compute()."""

    import dask

    def assign_part(frame: pd.DataFrame, args: tuple) -> pd.DataFrame:
        data, reason, on_boundary = kernel(frame, *args)
        reason = pd.Categorical(reason, categories=list(REASONS))
        return data.assign(**dict(zip(_HIDDEN, (reason, on_boundary), strict=True)))

    def report_part(frame: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
        reason = frame[_HIDDEN[0]].to_numpy(dtype=object, na_value=None)
        number = partition_info["number"] if partition_info else 0
        return _report(frame, reason, spec).assign(partition=np.int64(number))

    # the area layer goes into the graph once, as one key, not once per partition
    shared = dask.delayed(args, pure=True)
    meta = assign_part(records._meta, args)
    combined = records.map_partitions(assign_part, shared, meta=meta)
    return _lazy_assignment(combined, spec, level, policy, report_part)


def _lazy_assignment(
    combined: Any, spec: tuple, level: str, policy: str, report_part: Any
) -> Assignment:
    meta = report_part(combined._meta)
    lazy = {
        "combined": combined,
        "sizes": combined.map_partitions(len),
        "ties": combined[_HIDDEN[1]].sum(),
        "on_unassigned": policy,
        "spec": spec,
        "report_part": report_part,
    }
    data = combined.drop(columns=_HIDDEN)
    report = combined.map_partitions(report_part, meta=meta)
    return Assignment(data, report, level, _lazy=lazy)


def _apply_policy(result: Assignment, policy: str) -> None:
    report = result.report
    if "x" in report.columns and result.n_records:
        counts = report["reason"].value_counts()
        with_coords = result.n_records - int(counts.get("missing coordinates", 0))
        gross = {r: int(counts.get(r, 0)) for r in ("swapped axes", "looks like degrees")}
        gross["outside Sweden"] = int(counts.get("outside Sweden", 0))
        worst = max(gross, key=gross.get)
        if with_coords and sum(gross.values()) > with_coords / 2:
            fix = {
                "swapped axes": "x and y are exchanged: pass x= the easting (or longitude) "
                "column and y= the northing (or latitude) column",
                "looks like degrees": "the coordinates look like longitude/latitude: pass crs=4326",
                "outside Sweden": "check crs= (the coordinates' CRS) and the x=/y= columns",
            }[worst]
            rows = report.loc[report["reason"] == worst, "row"]
            raise CRSError(
                f"{sum(gross.values()):,} of {with_coords:,} records with coordinates fall "
                f"outside Sweden ({gross['swapped axes']:,} swapped axes, "
                f"{gross['looks like degrees']:,} look like degrees, "
                f"{gross['outside Sweden']:,} outside Sweden), e.g. rows "
                f"{describe_items(rows.tolist())}. Most likely {fix}."
            )
    if report.empty or policy == "ignore":
        return
    by_reason = "; ".join(
        f"{n:,} {reason} (rows {describe_items(report.loc[report['reason'] == reason, 'row'])})"
        for reason, n in report["reason"].value_counts().items()
        if n
    )
    message = (
        f"{len(report):,} of {result.n_records:,} records were not assigned to a "
        f"{result.level}: {by_reason}. They are listed in .report with row number and reason."
    )
    if policy == "raise":
        raise UnmatchedError(message)
    warn(message)
