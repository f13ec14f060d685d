"""Validate a frame of area counts once and turn it into the sorted count matrix kernels take.

Everything public in :mod:`segregation.indices` (``compute``, ``decompose``, ``test``) goes
through :func:`prepare`: it checks the columns, rejects missing, negative and impossible
counts with a message naming the areas, sorts the areas so that each group of areas (``by``)
is contiguous, and removes areas with zero population, counting them per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segregation.errors import SegregationError, describe_items
from segregation.indices._blocks import row_sum

__all__ = ["InvalidCountError", "Prepared", "prepare", "resolve_by"]

_DERIVABLE = {"kommunkod", "lanskod"}


class InvalidCountError(SegregationError):
    """Counts are missing, negative, not numbers, or a group exceeds its total."""


@dataclass
class Prepared:
    """A validated count matrix in kernel order, and what is needed to report on it."""

    counts: np.ndarray  # (n_kept, n_columns), rows of each block contiguous, no empty rows
    starts: np.ndarray  # (n_blocks_kept,), first row of each non-empty block
    kept_blocks: np.ndarray  # (n_blocks_kept,), position of each kept block in `labels`
    labels: pd.Index  # label of every block (non-empty or not), sorted
    n_areas: np.ndarray  # (n_blocks,), areas with population in each block
    n_empty: np.ndarray  # (n_blocks,), areas with zero population, excluded
    n_persons: np.ndarray  # (n_blocks,), persons (sum of totals) in each block
    rows: np.ndarray  # (n_kept,), position in the input frame of each kept row
    kind: str  # "single" or "multi"
    columns: list[str]  # names of the count columns (single: group, total)
    by: str | None

    def block_of_row(self) -> np.ndarray:
        """Index into ``labels`` of every kept row."""
        sizes = np.diff(np.append(self.starts, len(self.counts)))
        return np.repeat(self.kept_blocks, sizes)


def _area_labels(frame: pd.DataFrame, positions: np.ndarray) -> list[str]:
    return [str(v) for v in frame.index[positions]]


def _check_columns(frame: pd.DataFrame, names: Sequence[str], role: str) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise SegregationError(
            f"{role} column(s) {describe_items(repr(m) for m in missing)} not in the frame. "
            f"Available columns: {describe_items((repr(c) for c in frame.columns), limit=12)}."
        )


def _numeric(frame: pd.DataFrame, name: str) -> np.ndarray:
    column = frame[name]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
        values = column.to_numpy(dtype=float)  # plain NumPy numbers: NaN is the only gap
    elif pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if values.min(initial=0.0) >= 0 and np.isfinite(values.max(initial=0.0)):
        return values  # no NaN (min and max would be NaN), no infinity, nothing negative
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        shown = [
            f"{lab} ({column.iloc[i]!r})"
            for lab, i in zip(_area_labels(frame, bad), bad, strict=True)
        ]
        raise InvalidCountError(
            f"{len(bad)} areas have a missing or non-numeric count in {name!r}: "
            f"{describe_items(shown)}. SCB exports mark protected values with '..': decide "
            "explicitly what they mean (fillna, or drop the areas) before computing indices."
        )
    negative = np.flatnonzero(values < 0)
    if len(negative):
        shown = [
            f"{lab} ({values[i]:g})"
            for lab, i in zip(_area_labels(frame, negative), negative, strict=True)
        ]
        raise InvalidCountError(
            f"{len(negative)} areas have a negative count in {name!r}: {describe_items(shown)}. "
            "Counts of persons or dwellings cannot be negative; check the source."
        )
    return values


_AREA_CODE = r"\d{4}(?:[ABC]\d{4}(?:_DeSO\d{4})?|R\d{3}(?:_RegSO\d{4})?)"


def _codes_prefix(index: pd.Index, by: str) -> pd.Series:
    """``kommunkod`` or ``lanskod`` of DeSO/RegSO codes in the index.

    Well-formed codes of known kommuner take the fast path (their first four or two
    characters); anything else goes through :func:`~segregation.areas.codes.parse_codes`,
    which names the offending codes.
    """
    from segregation.areas.codes import kommuner, parse_codes

    codes = pd.Series(index.astype(str), index=index)
    kommun = codes.str[:4]
    if codes.str.fullmatch(_AREA_CODE).all() and kommun.isin(kommuner().index).all():
        return kommun if by == "kommunkod" else codes.str[:2]
    return parse_codes(codes)[by]


def resolve_by(frame: pd.DataFrame, by: object) -> pd.Series | None:
    """Return one block label per row, from a column, a Series, or codes in the index.

    ``by="kommunkod"`` or ``"lanskod"`` that is not a column is read from area codes in the
    frame's index (DeSO or RegSO codes, with or without edition suffix).
    """
    if by is None:
        return None
    if isinstance(by, pd.Series):
        if not by.index.equals(frame.index):
            by = by.reindex(frame.index)
        values = by
    elif isinstance(by, str) and by in frame.columns:
        values = frame[by]
    elif isinstance(by, str) and by in _DERIVABLE:
        values = _codes_prefix(frame.index, by)
    else:
        raise SegregationError(
            f"by={by!r} is neither a column of the frame nor derivable from the index. Use a "
            f"column name, a Series aligned with the frame, or one of {sorted(_DERIVABLE)} "
            "with DeSO or RegSO codes as the index."
        )
    if not isinstance(values, pd.Series):  # every branch above is aligned with the rows
        values = pd.Series(values, index=frame.index)
    if values.hasnans:
        missing = np.flatnonzero(values.isna().to_numpy())
        raise SegregationError(
            f"{len(missing)} areas have no value for by={getattr(values, 'name', by)!r}: "
            f"{describe_items(_area_labels(frame, missing))}. Fill the column or drop the areas."
        )
    return values


def _factorize(values: pd.Series, name: object) -> tuple[np.ndarray, pd.Index]:
    """Integer code of every row and the sorted labels, as ``pd.factorize(sort=True)``.

    Areas usually come in code order, so their labels appear already sorted: then the
    labels need no sorting and the codes no remapping.

    Examples
    --------
    >>> codes, labels = _factorize(pd.Series(["0180", "0114", "0180"]), "kommunkod")
    >>> codes.tolist(), labels.tolist()
    ([1, 0, 1], ['0114', '0180'])
    """
    codes, uniques = values.array.factorize()  # (the public ExtensionArray method)
    labels = pd.Index(uniques, name=name)
    ordered = labels.to_numpy(dtype=object)  # (a string Index is slow to check for order)
    try:
        in_order = len(labels) < 2 or bool((ordered[1:] > ordered[:-1]).all())
    except TypeError:  # labels of mixed types: let pandas order them
        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(codes, dtype=np.intp), pd.Index(uniques, name=name)
    if not in_order:
        order = labels.argsort()
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        codes, labels = rank[codes], labels[order]
    return np.asarray(codes, dtype=np.intp), labels


def prepare(
    frame: pd.DataFrame,
    *,
    group: str | None = None,
    total: str | None = None,
    against: str | None = None,
    groups: Sequence[str] | None = None,
    by: object = None,
    integer: bool = False,
) -> Prepared:
    """Validate and sort counts for the kernels.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per area; the index holds area codes.
    group, total, against : str, optional
        Single group: ``group`` compared with ``total`` (its total population), or with
        ``against`` (another group: the total is then ``group + against``).
    groups : sequence of str, optional
        Several groups, one column each; the total is their sum.
    by : str or pandas.Series, optional
        Groups of areas, computed in one pass.
    integer : bool, default=False
        Require whole-number counts (needed by random draws).

    Returns
    -------
    Prepared
    """
    if not isinstance(frame, pd.DataFrame):
        raise SegregationError(
            f"Expected a pandas DataFrame of counts, got {type(frame).__name__}. "
            "Build one with one row per area and one column per count."
        )
    if groups is not None and group is not None:
        raise SegregationError(
            "Give either group= (with total= or against=) or groups=[...], not both."
        )
    if groups is not None:
        if isinstance(groups, str) or len(groups) < 2:
            raise SegregationError(
                f"groups= needs a list of at least two columns, got {groups!r}. For one group "
                "against its total use group= and total=."
            )
        if len(set(groups)) != len(groups):
            raise SegregationError(f"groups= lists a column twice: {list(groups)!r}.")
        if total is not None or against is not None:
            raise SegregationError(
                "With groups=[...] the total is the sum of the groups; drop total=/against=."
            )
        columns = list(groups)
        _check_columns(frame, columns, "Group")
        counts = np.column_stack([_numeric(frame, c) for c in columns])
        kind = "multi"
    elif group is not None:
        if (total is None) == (against is None):
            raise SegregationError(
                "With group= give exactly one of total= (the population the group is part of) "
                "or against= (a second group: the total is then group + against)."
            )
        other = total if total is not None else against
        _check_columns(frame, [group, other], "Count")
        x = _numeric(frame, group)
        y = _numeric(frame, other)
        if against is not None:
            t = x + y
            columns = [group, f"{group}+{against}"]
        else:
            t = y
            columns = [group, total]
            over = np.flatnonzero(x > t)
            if len(over):
                shown = [
                    f"{lab} ({x[i]:g} > {t[i]:g})"
                    for lab, i in zip(_area_labels(frame, over), over, strict=True)
                ]
                raise InvalidCountError(
                    f"{len(over)} areas have {group!r} larger than {total!r}: "
                    f"{describe_items(shown)}. Check that group= and total= are not swapped, "
                    "and that both columns count the same population and year."
                )
        counts = np.column_stack([x, t])
        kind = "single"
    else:
        raise SegregationError(
            "Say which counts to use: group= with total= or against=, or groups=[...]."
        )

    if integer:
        fractional = np.flatnonzero(np.any(counts != np.round(counts), axis=1))
        if len(fractional):
            raise InvalidCountError(
                f"{len(fractional)} areas have counts that are not whole numbers: "
                f"{describe_items(_area_labels(frame, fractional))}. Random allocation and "
                "bootstrap draw persons, so they need whole counts; round them explicitly."
            )

    block = resolve_by(frame, by)
    if block is None:
        codes = np.zeros(len(frame), dtype=np.intp)
        labels = pd.RangeIndex(1)
    else:
        codes, labels = _factorize(block, name=by if isinstance(by, str) else block.name)
    n_blocks = len(labels)

    population = row_sum(counts) if kind == "multi" else counts[:, 1]
    empty = population == 0
    n_empty = np.bincount(codes[empty], minlength=n_blocks)
    n_persons = np.bincount(codes, weights=population, minlength=n_blocks)

    # areas already in block order (as SCB sorts them) are not sorted again
    keep = np.flatnonzero(~empty) if empty.any() else np.arange(len(codes))
    kept_codes = codes[keep]
    if len(keep) > 1 and np.any(kept_codes[1:] < kept_codes[:-1]):
        keep = keep[np.argsort(kept_codes, kind="stable")]
    order = keep
    n_areas = np.bincount(kept_codes, minlength=n_blocks)
    kept_blocks = np.flatnonzero(n_areas > 0)
    sizes = n_areas[kept_blocks]
    starts = (np.cumsum(sizes) - sizes).astype(np.intp)
    return Prepared(
        counts=counts[order],
        starts=starts,
        kept_blocks=kept_blocks,
        labels=labels,
        n_areas=n_areas,
        n_empty=n_empty,
        n_persons=n_persons,
        rows=order,
        kind=kind,
        columns=columns,
        by=by if isinstance(by, str) else None,
    )
