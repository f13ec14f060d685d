"""Multigroup aspatial indices (Reardon & Firebaugh 2002) and mutual information.

Every kernel takes ``counts`` of shape ``(n_units, K)`` (or ``(n_draws, n_units, K)``), one
column per group, rows sorted so that each block of areas is contiguous from ``starts``, and
returns one value per block. Notation: ``t_i`` the area's population (row sum), ``T`` the
block's, ``p_ik`` the share of group ``k`` in area ``i``, ``P_k`` in the block,
``I = sum_k P_k (1 - P_k)`` (Simpson's interaction) and ``E = -sum_k P_k ln P_k`` (entropy).

A group absent from a block (``P_k = 0``) contributes nothing there: ``0 ln 0 = 0`` and its
terms are left out, so an empty category (e.g. no äganderätt in a central kommun) gives the
index of the groups that are present rather than NaN.

Examples
--------
Three areas, two groups:

>>> import numpy as np
>>> counts = np.array([[10.0, 10.0], [0.0, 20.0], [10.0, 0.0]])
>>> multi_dissimilarity(counts, np.array([0]), None)
array([0.66666667])
>>> mutual_information(counts, np.array([0]), None).round(6)
array([0.395753])
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from segregation.indices._blocks import (
    block_cumsum_before,
    block_ids,
    block_sum,
    expand,
    row_sum,
    xlogy,
)
from segregation.indices._registry import Context, IndexSpec, register

__all__ = [
    "diversity_entropy",
    "local_mutual_information",
    "multi_dissimilarity",
    "multi_gini",
    "mutual_information",
    "normalized_exposure",
    "relative_diversity",
    "simpson_concentration",
    "simpson_interaction",
    "squared_coefficient_of_variation",
    "theil_h",
]


class _Parts:
    """Block sums and shares of a count matrix; the per-area shares only when a kernel asks."""

    def __init__(self, counts: np.ndarray, starts: np.ndarray) -> None:
        self.groups = np.swapaxes(counts, -1, -2)  # (..., K, n) counts, unit axis last
        self.t = row_sum(counts)  # (..., n) area populations
        self.n = self.t.shape[-1]
        self.starts = starts
        # block sums along the contiguous unit axis of ``counts``: (..., n_blocks, K)
        block = np.add.reduceat(counts, starts, axis=-2)
        self.big_t = row_sum(block)  # (..., n_blocks) block populations
        with np.errstate(invalid="ignore", divide="ignore"):
            self.shares = np.swapaxes(block / self.big_t[..., None], -1, -2)  # (..., K, blocks)

    @cached_property
    def unit_shares(self) -> np.ndarray:
        """``p_ik``, shape ``(..., K, n)``; 0 in empty (simulated) areas."""
        t = self.t[..., None, :]
        out = np.zeros(self.groups.shape)
        return np.divide(self.groups, t, out=out, where=t > 0)

    @cached_property
    def expanded_shares(self) -> np.ndarray:
        """``P_k`` of each area's block, shape ``(..., K, n)``."""
        return expand(self.shares, self.starts, self.n)


def _parts(counts: np.ndarray, starts: np.ndarray) -> _Parts:
    return _Parts(counts, starts)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return a / b


def _squared_gaps(c: _Parts, starts: np.ndarray) -> np.ndarray:
    """``sum_i t_i (p_ik - P_k)^2 / T`` for each group and block: ``(..., K, n_blocks)``."""
    gap = c.unit_shares - c.expanded_shares
    return _divide(block_sum(c.t[..., None, :] * gap**2, starts), c.big_t[..., None, :])


def simpson_interaction(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Simpson's interaction ``I = sum_k P_k (1 - P_k)``: the chance that two persons drawn at
    random from the block belong to different groups (a diversity measure, not segregation).

    Examples
    --------
    >>> simpson_interaction(np.array([[10.0, 10.0], [0.0, 20.0]]), np.array([0]), None)
    array([0.375])
    """
    shares = _parts(counts, starts).shares
    return (shares * (1 - shares)).sum(axis=-2)


def simpson_concentration(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None
) -> np.ndarray:
    """Simpson's concentration ``sum_k P_k^2`` (``= 1 - I``): the chance that two persons drawn
    at random belong to the same group.

    Examples
    --------
    >>> simpson_concentration(np.array([[10.0, 10.0], [0.0, 20.0]]), np.array([0]), None)
    array([0.625])
    """
    return (_parts(counts, starts).shares ** 2).sum(axis=-2)


def diversity_entropy(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, normalized: bool = False
) -> np.ndarray:
    """Entropy of the block's composition, ``E = -sum_k P_k ln P_k`` (Theil 1972).

    With ``normalized=True`` divided by ``ln K``, ``K`` the number of groups present in the
    block, so that it lies between 0 and 1.

    Examples
    --------
    >>> diversity_entropy(np.array([[10.0, 10.0], [0.0, 20.0]]), np.array([0]), None)
    array([0.56233514])
    """
    c = _parts(counts, starts)
    shares = c.shares
    value = _entropy(c)
    if normalized:
        present = (shares > 0).sum(axis=-2)
        value = _divide(value, np.log(present))
    return value


def multi_dissimilarity(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Multigroup dissimilarity, ``D = sum_k sum_i t_i |p_ik - P_k| / (2 T I)``. Range 0 to 1.

    With two groups it equals the two-group dissimilarity.

    Examples
    --------
    >>> multi_dissimilarity(np.array([[10.0, 0.0], [0.0, 10.0]]), np.array([0]), None)
    array([1.])
    """
    c = _parts(counts, starts)
    gap = np.abs(c.groups - c.t[..., None, :] * c.expanded_shares)
    interaction = (c.shares * (1 - c.shares)).sum(axis=-2)
    return _divide(block_sum(gap, starts).sum(axis=-2), 2 * c.big_t * interaction)


def multi_gini(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Multigroup Gini, ``G = sum_k sum_i sum_j t_i t_j |p_ik - p_jk| / (2 T^2 I)``.

    Computed per group by sorting each block by ``p_ik`` (``O(K n log n)``, no ``n x n``
    matrix). Range 0 to 1.

    Examples
    --------
    >>> multi_gini(np.array([[10.0, 10.0], [0.0, 20.0], [10.0, 0.0]]), np.array([0]), None)
    array([0.83333333])
    """
    c = _parts(counts, starts)
    key = block_ids(starts, c.n) * 2.0 + c.unit_shares  # by block, then by p_ik
    order = np.argsort(key, axis=-1, kind="stable")
    xs = np.take_along_axis(c.groups, order, axis=-1)
    ts = np.take_along_axis(np.broadcast_to(c.t[..., None, :], xs.shape), order, axis=-1)
    # sum_{i<j} t_i t_j (p_jk - p_ik) = sum_j (x_jk W_j - t_j S_jk), sorted by p_.k
    pairs = xs * block_cumsum_before(ts, starts) - ts * block_cumsum_before(xs, starts)
    interaction = (c.shares * (1 - c.shares)).sum(axis=-2)
    return _divide(block_sum(pairs, starts).sum(axis=-2), c.big_t**2 * interaction)


def mutual_information(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None, base: float = np.e
) -> np.ndarray:
    """Mutual information index, ``M = sum_i (t_i / T) sum_k p_ik log(p_ik / P_k)``.

    Natural log by default (nats); ``base=2`` gives bits. Range 0 to ``log K``.
    Additively decomposable: see :func:`segregation.indices.decompose`.

    Examples
    --------
    >>> counts = np.array([[10.0, 0.0], [0.0, 10.0]])
    >>> mutual_information(counts, np.array([0]), None)
    array([0.69314718])
    >>> mutual_information(counts, np.array([0]), None, base=2)
    array([1.])
    """
    c = _parts(counts, starts)
    return _divide(_mutual_information_nats(c), c.big_t * np.log(base))


def _mutual_information_nats(c: _Parts) -> np.ndarray:
    """``T M`` in nats per block: ``sum_i sum_k x_ik ln(p_ik / P_k)``, with ``0 ln 0 = 0``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = c.unit_shares / c.expanded_shares
    return block_sum(xlogy(c.groups, ratio).sum(axis=-2), c.starts)


def _entropy(c: _Parts) -> np.ndarray:
    """``E = -sum_k P_k ln P_k`` per block."""
    return -xlogy(c.shares, c.shares).sum(axis=-2)


def local_mutual_information(counts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each area's local segregation ``ls_i = sum_k p_ik ln(p_ik / P_k)`` (nats), shape ``(n,)``.

    ``sum_i (t_i / T) ls_i = M`` within every block.

    Examples
    --------
    >>> local_mutual_information(np.array([[10.0, 0.0], [5.0, 5.0]]), np.array([0]))
    array([0.28768207, 0.14384104])
    """
    c = _parts(counts, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = c.unit_shares / c.expanded_shares
    return xlogy(c.unit_shares, ratio).sum(axis=-2)


def theil_h(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Theil's information theory index, ``H = M / E``: mutual information relative to the
    entropy of the block's composition. Range 0 to 1.

    Examples
    --------
    >>> theil_h(np.array([[10.0, 0.0], [0.0, 10.0]]), np.array([0]), None)
    array([1.])
    """
    c = _parts(counts, starts)
    return _divide(_mutual_information_nats(c), c.big_t * _entropy(c))


def normalized_exposure(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Normalised exposure, ``P = sum_k sum_i t_i (p_ik - P_k)^2 / (T (1 - P_k))``. Range 0-1.

    Examples
    --------
    >>> normalized_exposure(np.array([[10.0, 0.0], [0.0, 10.0]]), np.array([0]), None)
    array([1.])
    """
    c = _parts(counts, starts)
    return _divide(_squared_gaps(c, starts), 1 - c.shares).sum(axis=-2)


def relative_diversity(counts: np.ndarray, starts: np.ndarray, ctx: Context | None) -> np.ndarray:
    """Relative diversity, ``R = sum_k sum_i t_i (p_ik - P_k)^2 / (T I)``. Range 0 to 1.

    Examples
    --------
    >>> relative_diversity(np.array([[10.0, 10.0], [0.0, 20.0], [10.0, 0.0]]), np.array([0]), None)
    array([0.5])
    """
    c = _parts(counts, starts)
    interaction = (c.shares * (1 - c.shares)).sum(axis=-2)
    return _divide(_squared_gaps(c, starts).sum(axis=-2), interaction)


def squared_coefficient_of_variation(
    counts: np.ndarray, starts: np.ndarray, ctx: Context | None
) -> np.ndarray:
    """Squared coefficient of variation, ``C = sum_k sum_i t_i (p_ik - P_k)^2 / (T (K-1) P_k)``.

    ``K`` counts the groups present in the block; absent groups contribute nothing. Range 0
    to 1.

    Examples
    --------
    >>> squared_coefficient_of_variation(
    ...     np.array([[10.0, 0.0], [0.0, 10.0]]), np.array([0]), None)
    array([1.])
    """
    c = _parts(counts, starts)
    present = c.shares > 0
    per_group = np.where(present, _divide(_squared_gaps(c, starts), c.shares), 0.0)
    return _divide(per_group.sum(axis=-2), present.sum(axis=-2) - 1)


_RF = "Reardon & Firebaugh (2002), Sociol. Methodol. 32:33-67"

for _spec in [
    IndexSpec(
        "multi_dissimilarity", "evenness", "multi", multi_dissimilarity, (0.0, 1.0), _RF,
        "sum_k sum_i t_i |p_ik - P_k| / (2 T I)", batched=True,
    ),
    IndexSpec(
        "multi_gini", "evenness", "multi", multi_gini, (0.0, 1.0), _RF,
        "sum_k sum_i sum_j t_i t_j |p_ik - p_jk| / (2 T^2 I)", batched=True,
    ),
    IndexSpec(
        "theil_h", "evenness", "multi", theil_h, (0.0, 1.0),
        "Theil (1972), Statistical Decomposition Analysis; " + _RF, "M / E", batched=True,
    ),
    IndexSpec(
        "mutual_information", "evenness", "multi", mutual_information, (0.0, np.inf),
        "Theil & Finizza (1971); Mora & Ruiz-Castillo (2011), Sociol. Methodol. 41:159-194",
        "sum_i (t_i / T) sum_k p_ik log(p_ik / P_k)", params={"base": float(np.e)},
        batched=True,
    ),
    IndexSpec(
        "normalized_exposure", "exposure", "multi", normalized_exposure, (0.0, 1.0), _RF,
        "sum_k sum_i t_i (p_ik - P_k)^2 / (T (1 - P_k))", batched=True,
    ),
    IndexSpec(
        "relative_diversity", "evenness", "multi", relative_diversity, (0.0, 1.0),
        "Carlson (1992); " + _RF, "sum_k sum_i t_i (p_ik - P_k)^2 / (T I)", batched=True,
    ),
    IndexSpec(
        "squared_coefficient_of_variation", "evenness", "multi",
        squared_coefficient_of_variation, (0.0, 1.0), _RF,
        "sum_k sum_i t_i (p_ik - P_k)^2 / (T (K - 1) P_k)", batched=True,
    ),
    IndexSpec(
        "diversity_entropy", "diversity", "multi", diversity_entropy, (0.0, np.inf),
        "Theil (1972); " + _RF, "-sum_k P_k ln P_k", params={"normalized": False},
        batched=True,
    ),
    IndexSpec(
        "simpson_concentration", "diversity", "multi", simpson_concentration, (0.0, 1.0), _RF,
        "sum_k P_k^2", batched=True,
    ),
    IndexSpec(
        "simpson_interaction", "diversity", "multi", simpson_interaction, (0.0, 1.0), _RF,
        "sum_k P_k (1 - P_k)", batched=True,
    ),
]:  # fmt: skip
    register(_spec)
