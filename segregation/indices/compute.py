"""``compute`` and ``available``: every registered index, for every group of areas, in one call.

``compute`` validates the frame once (:mod:`segregation.indices._prepare`), sorts the areas so
that each group of areas (``by``) is contiguous, and calls each index's kernel once on the
whole count matrix. Spatial indices get a :class:`~segregation.indices._registry.Context`
built by :func:`segregation.indices.spatial.build_context`, imported only when needed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from segregation.disclosure._marks import protection_info
from segregation.errors import SegregationError, describe_items, warn
from segregation.indices import _registry
from segregation.indices._prepare import Prepared, prepare
from segregation.indices._registry import INDICES, Context, IndexSpec

__all__ = ["available", "compute"]


def available(kind: str | None = None) -> pd.DataFrame:
    """List the registered indices with their family, range, formula, reference and parameters.

    Parameters
    ----------
    kind : {"single", "multi", "ordered"}, optional
        Only indices of this kind: ``"single"`` take one group and its total (``group=``,
        ``total=``), ``"multi"`` and ``"ordered"`` several groups (``groups=``).

    Returns
    -------
    pandas.DataFrame
        Indexed by index name, with columns ``kind``, ``family``, ``min``, ``max``,
        ``formula``, ``params`` (defaults), ``spatial`` (needs geometry or weights),
        ``random`` (uses ``seed``) and ``reference``.

    Examples
    --------
    >>> import segregation as seg
    >>> table = seg.indices.available()
    >>> table.loc["dissimilarity", ["kind", "family", "formula"]].tolist()
    ['single', 'evenness', 'sum t_i |p_i - P| / (2 T P (1-P))']
    >>> table.loc["atkinson", "params"]
    {'b': 0.5}
    """
    rows = []
    for spec in INDICES.values():
        if kind is not None and spec.kind != kind:
            continue
        rows.append(
            {
                "name": spec.name,
                "kind": spec.kind,
                "family": spec.family,
                "min": spec.range[0],
                "max": spec.range[1],
                "formula": spec.formula,
                "params": dict(spec.params),
                "spatial": bool(spec.needs),
                "random": spec.random,
                "reference": spec.reference,
            }
        )
    return pd.DataFrame(rows).set_index("name")


def _has_geometry(frame: pd.DataFrame, geometry: Any) -> bool:
    if geometry is not None:
        return True
    try:
        return frame.geometry is not None  # a GeoDataFrame with an active geometry column
    except (AttributeError, ValueError):
        return False


def select_indices(
    indices: str | Sequence[str] | None, kind: str, *, spatial_ok: bool, ordered: bool
) -> list[IndexSpec]:
    """The specs to compute: those named, or every one that applies to ``kind``."""
    if indices is None:
        kinds = {kind} | ({"ordered"} if ordered and kind == "multi" else set())
        return [s for s in INDICES.values() if s.kind in kinds and (spatial_ok or not s.needs)]
    names = [indices] if isinstance(indices, str) else list(indices)
    specs = [_registry.get(n) for n in names]
    allowed = {"single": {"single"}, "multi": {"multi", "ordered"}}[kind]
    wrong = [s.name for s in specs if s.kind not in allowed]
    if wrong:
        how = "group= and total= (or against=)" if kind == "multi" else "groups=[...]"
        raise SegregationError(
            f"{describe_items(wrong)} need {how}; the counts given are for "
            f"{'several groups' if kind == 'multi' else 'one group'}. Compute them in a "
            "separate call."
        )
    return specs


def _check_params(specs: list[IndexSpec], params: dict[str, Any], spatial: bool) -> None:
    known = {p for s in specs for p in s.params}
    unknown = sorted(set(params) - known)
    if unknown and not spatial:
        names = ", ".join(sorted(known)) or "none"
        raise SegregationError(
            f"Unknown parameter(s) {describe_items(unknown)} for the indices requested. "
            f"Their parameters are: {names}. See seg.indices.available()."
        )


def run_kernels(
    prepared: Prepared,
    specs: list[IndexSpec],
    *,
    ctx: Context,
    seed: Any,
    params: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Call every kernel once; returns one array per index over *all* blocks (NaN if empty)."""
    n_blocks = len(prepared.labels)
    out: dict[str, np.ndarray] = {}
    # with a fixed seed, random indices would draw identical matrices: draw them once
    shared = {"draws": {}} if isinstance(seed, int | np.integer) else {}
    for spec in specs:
        values = np.full(n_blocks, np.nan)
        if len(prepared.starts):
            kwargs = {k: params[k] for k in spec.params if k in params}
            spec_ctx = ctx
            if spec.random:
                spec_ctx = dataclasses.replace(
                    ctx, rng=np.random.default_rng(seed), extra={**ctx.extra, **shared}
                )
            values[prepared.kept_blocks] = spec.kernel(
                prepared.counts, prepared.starts, spec_ctx, **kwargs
            )
        out[spec.name] = values
    return out


def _run_smoothed(
    prepared: Prepared,
    specs: list[IndexSpec],
    *,
    ctx: Context,
    seed: Any,
    params: dict[str, Any],
    explicit: Any,
) -> dict[str, np.ndarray]:
    """Reardon & O'Sullivan: aspatial indices on kernel-smoothed local environments.

    With ``kernel=`` every aspatial index is computed on ``W @ counts`` (not rounded), while
    the explicitly spatial indices keep the raw counts and use the weights themselves.
    """
    from segregation.indices.spatial import smooth_counts

    random = [s.name for s in specs if s.random and not s.needs]
    if random and explicit is not None:
        raise SegregationError(
            f"{describe_items(random)} draw whole persons and cannot run on kernel-smoothed "
            "counts. Leave them out, or compute them without kernel=."
        )
    if random:
        warn(f"Left out {', '.join(random)}: they draw whole persons, not smoothed counts.")
    local = [s for s in specs if not s.needs and not s.random]
    spatial = [s for s in specs if s.needs]
    smoothed = dataclasses.replace(prepared, counts=smooth_counts(prepared.counts, ctx))
    values = run_kernels(smoothed, local, ctx=ctx, seed=seed, params=params)
    values.update(run_kernels(prepared, spatial, ctx=ctx, seed=seed, params=params))
    return {s.name: values[s.name] for s in specs if s.name in values}


def _report_undefined(prepared: Prepared, values: dict[str, np.ndarray]) -> None:
    """Warn once about indices that are undefined (NaN) in groups of areas with population."""
    has_people = prepared.n_areas > 0
    for name, v in values.items():
        bad = np.flatnonzero(has_people & ~np.isfinite(v))
        if len(bad):
            where = (
                f"{len(bad)} groups of areas ({describe_items(prepared.labels[bad])})"
                if prepared.by is not None or len(prepared.labels) > 1
                else "the areas given"
            )
            spatial = bool(INDICES[name].needs) if name in INDICES else False
            cause = (
                "a single area, areas without neighbours, or a group that is absent or "
                "makes up everyone"
                if spatial
                else "the group is absent there or makes up everyone (for several groups: "
                "only one group is present)"
            )
            warn(f"{name} is undefined for {where}: {cause}. Those rows are NaN.")
    empty = np.flatnonzero(prepared.n_areas == 0)
    if len(empty):
        warn(
            f"{len(empty)} groups of areas have no population at all "
            f"({describe_items(prepared.labels[empty])}); their indices are NaN."
        )


def result_frame(prepared: Prepared, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """The tidy result: one row per group of areas, one column per index, then counts."""
    columns = {
        **values,
        "n_areas": prepared.n_areas,
        "n_empty": prepared.n_empty,
        "n_persons": prepared.n_persons,
    }
    return pd.DataFrame(columns, index=prepared.labels, copy=False)


def provenance(frame: pd.DataFrame) -> dict[str, Any]:
    """What results computed from ``frame`` must say about its counts.

    ``protection``: how they were suppressed or perturbed (``None`` for raw counts);
    ``synthetic``: the seed and settings of synthetic counts (``None`` for real ones).
    """
    return {
        "protection": protection_info(frame) or None,
        "synthetic": frame.attrs.get("synthetic"),
    }


def compute(
    frame: pd.DataFrame,
    *,
    group: str | None = None,
    total: str | None = None,
    groups: Sequence[str] | None = None,
    indices: str | Sequence[str] | None = None,
    by: str | pd.Series | None = None,
    weights: Any = None,
    kernel: str | None = None,
    bandwidth: float | None = None,
    geometry: Any = None,
    seed: int | np.random.SeedSequence | None = None,
    against: str | None = None,
    ordered: bool = False,
    **params: Any,
) -> pd.DataFrame:
    """Compute segregation indices for one or many groups of areas in one vectorised pass.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        One row per area (DeSO, RegSO, ...), area codes as the index, one column per count.
    group : str, optional
        Column of the group of interest, for single-group indices. Give with ``total``
        (the population the group is part of) or ``against`` (a second group).
    total : str, optional
        Column of each area's total population.
    groups : sequence of str, optional
        Columns of several groups (at least two), for multigroup and ordered indices; the
        total is their sum. List ordered categories (e.g. income quintile groups) from
        lowest to highest.
    indices : str or sequence of str, optional
        Names from :func:`available`. Default: every index that applies to the counts given
        (single-group ones with ``group=``, multigroup ones with ``groups=``, ordered ones
        too when ``ordered=True``, spatial ones only when geometry or weights are given).
    by : str or pandas.Series, optional
        Groups of areas, e.g. ``"kommunkod"`` or ``"lanskod"``: a column, a Series aligned
        with the frame, or a level derivable from DeSO/RegSO codes in the index. Every group
        is computed in the same pass. Default: all areas together (one row).
    weights, kernel, bandwidth, geometry
        Passed to the spatial engine for spatial indices. With ``kernel=`` (and
        ``bandwidth=`` in metres) every aspatial index is computed on kernel-smoothed local
        environments, Reardon & O'Sullivan's spatial version of it (counts not rounded);
        random indices, which draw whole persons, are left out.
    seed : int, optional
        Seeds the random indices (modified and bias-corrected ones): the same seed gives the
        same numbers. Each random index starts from its own ``default_rng(seed)``, so a value
        does not depend on which other indices are computed. Default: unseeded.
    against : str, optional
        Column of a second group: compare ``group`` with ``against`` rather than with the
        total (e.g. born abroad against born in Sweden). The total is ``group + against``.
    ordered : bool, default=False
        With ``indices=None``, also compute the ordered-category indices for ``groups``.
    **params
        Index parameters, e.g. ``b=0.5`` (atkinson), ``base=2`` (mutual_information),
        ``n_sim=500`` (modified indices), ``thresholds=1000`` (concentration_profile).

    Returns
    -------
    pandas.DataFrame
        One row per group of areas (index named after ``by``; a single row ``0`` when
        ``by`` is None), one column per index, and ``n_areas`` (areas with population),
        ``n_empty`` (areas with zero population, left out) and ``n_persons``.

    Raises
    ------
    SegregationError
        Missing columns, unknown index or parameter, an index of the wrong kind.
    InvalidCountError
        Missing, negative or non-numeric counts, or a group larger than its total; the
        message names the areas.

    Warns
    -----
    SegregationWarning
        When an index is undefined for some groups of areas (NaN there), e.g. a kommun
        where the group is absent.

    Examples
    --------
    >>> import pandas as pd
    >>> import segregation as seg
    >>> areas = pd.DataFrame(
    ...     {"abroad": [10, 0, 10, 0], "total": [20, 20, 10, 0]},
    ...     index=["0114R001", "0114R002", "0114R003", "0114R004"],
    ... )
    >>> seg.indices.compute(areas, group="abroad", total="total",
    ...                     indices=["dissimilarity", "isolation"])
       dissimilarity  isolation  n_areas  n_empty  n_persons
    0       0.666667       0.75        3        1       50.0

    Born abroad against the rest, per kommun:

    >>> areas["sweden"] = areas["total"] - areas["abroad"]
    >>> seg.indices.compute(areas, group="abroad", against="sweden", by="kommunkod",
    ...                     indices="dissimilarity")
               dissimilarity  n_areas  n_empty  n_persons
    kommunkod
    0114            0.666667        3        1       50.0
    """
    spatial_ok = weights is not None or _has_geometry(frame, geometry)
    kind = "multi" if groups is not None else "single"
    specs = select_indices(indices, kind, spatial_ok=spatial_ok, ordered=ordered)
    needs_context = weights is not None or kernel is not None or any(s.needs for s in specs)
    _check_params(specs, params, needs_context)

    integer = any(s.random for s in specs)
    prepared = prepare(
        frame, group=group, total=total, against=against, groups=groups, by=by,
        integer=integer and indices is not None,
    )  # fmt: skip
    if integer and indices is None:
        whole = np.all(prepared.counts == np.round(prepared.counts))
        if not whole:
            skipped = [s.name for s in specs if s.random]
            warn(
                f"Counts are not whole numbers, so the random indices ({', '.join(skipped)}) "
                "were not computed: they draw persons. Round the counts to include them."
            )
            specs = [s for s in specs if not s.random]

    ctx = Context()
    if needs_context:
        from segregation.indices.spatial import build_context

        kernel_frame = frame.iloc[prepared.rows]
        ctx = build_context(
            kernel_frame, prepared.starts, weights=weights, kernel=kernel,
            bandwidth=bandwidth, geometry=geometry, **params,
        )  # fmt: skip
    if kernel is not None:
        values = _run_smoothed(prepared, specs, ctx=ctx, seed=seed, params=params, explicit=indices)
    else:
        values = run_kernels(prepared, specs, ctx=ctx, seed=seed, params=params)
    _report_undefined(prepared, values)
    result = result_frame(prepared, values)
    result.attrs["segregation"] = {
        "group": group,
        "total": total,
        "against": against,
        "groups": list(groups) if groups is not None else None,
        "by": prepared.by,
        "seed": seed if isinstance(seed, int | None) else repr(seed),
        "params": {k: v for k, v in params.items() if isinstance(v, int | float | str | None)},
        **provenance(frame),
    }
    return result
