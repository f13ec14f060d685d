"""The one registry of indices: every index is listed here exactly once.

An index is a pure kernel over a count matrix, vectorised over blocks of areas
(e.g. the areas of each kommun). The contract every kernel follows:

``kernel(counts, starts, ctx, **params) -> ndarray of shape (n_blocks,)``

* ``counts``: float ndarray of shape ``(n_units, n_columns)``, rows sorted so that each
  block of areas is contiguous. Single-group indices get two columns ``(x_i, t_i)`` (the
  group and the total it is compared with); multigroup and ordered indices get one column
  per group, and the total is the row sum.
* ``starts``: int ndarray of shape ``(n_blocks,)``, the first row of each block (as for
  ``np.add.reduceat``); ``starts[0] == 0``.
* ``ctx``: a :class:`Context` with what spatial kernels need (sparse weights restricted to
  pairs within one block, centroids, areas, perimeters, a random generator). Aspatial
  kernels ignore it.
* Input is already validated by the public wrapper: no negative counts, no group larger
  than its total, no empty units (units with zero population are removed and counted
  before the kernel is called).

Kernels whose spec sets ``batched=True`` also accept a leading axis of draws: ``counts`` of
shape ``(n_draws, n_units, n_columns)`` gives ``(n_draws, n_blocks)``. Inference and
bias-corrected indices run such kernels once on all simulated count matrices, with no
Python loop per draw. ``random=True`` marks kernels that draw from ``ctx.rng``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = ["INDICES", "Context", "IndexSpec", "get", "register"]

Kind = Literal["single", "multi", "ordered"]


@dataclass
class Context:
    """What spatial and random kernels may need beside the counts (all rows in kernel order)."""

    weights: Any = None  # scipy.sparse CSR (n_units, n_units), zero across blocks
    centroids: np.ndarray | None = None  # (n_units, 2), metres, EPSG:3006
    area: np.ndarray | None = None  # (n_units,), square metres
    perimeter: np.ndarray | None = None  # (n_units,), metres
    shared_boundary: Any = None  # scipy.sparse CSR of shared edge lengths
    rng: np.random.Generator | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexSpec:
    """Everything the library knows about one index."""

    name: str
    family: str
    kind: Kind
    kernel: Callable[..., np.ndarray]
    range: tuple[float, float]
    reference: str
    formula: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    needs: frozenset[str] = frozenset()
    description: str = ""
    batched: bool = False  # kernel accepts counts of shape (n_draws, n_units, n_columns)
    random: bool = False  # kernel draws from ctx.rng (compute passes a fresh seeded generator)


INDICES: dict[str, IndexSpec] = {}


def register(spec: IndexSpec) -> IndexSpec:
    """Add an index to the registry; a name can be registered only once."""
    if spec.name in INDICES:
        raise ValueError(f"index {spec.name!r} is already registered")
    INDICES[spec.name] = spec
    return spec


def get(name: str) -> IndexSpec:
    """Return the spec of a registered index, or raise naming the known ones."""
    try:
        return INDICES[name]
    except KeyError:
        known = ", ".join(sorted(INDICES))
        raise ValueError(f"Unknown index {name!r}. Known indices: {known}.") from None
