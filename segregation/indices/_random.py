"""Seeded random draws of whole count matrices, vectorised over areas, blocks and draws.

Two ways of drawing persons, both without a Python loop per area or per draw:

* random allocation: every area keeps its population ``t_i`` and each person belongs to a
  group with the block's overall shares, ``x_i ~ Binomial(t_i, P)`` (one group) or
  ``x_i ~ Multinomial(t_i, P_1..P_K)`` (several groups);
* bootstrap (Allen et al. 2015): each group's members are redistributed over the areas of
  their block in proportion to where they live, ``(x_1k..x_nk) ~ Multinomial(X_k, x_ik/X_k)``.
  Blocks of different sizes are padded with zero-probability cells so one call to
  ``Generator.multinomial`` draws every block and group at once.

Draws are generated in chunks so that a chunk never holds more than about
``_CHUNK_CELLS`` numbers; the chunks are consecutive calls on the same generator, so the
numbers for a seed do not depend on the chunk size (a test checks it).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from segregation.indices._blocks import block_ids, block_sizes, block_sum, expand

__all__ = ["allocation_draws", "bootstrap_draws", "chunks"]

_CHUNK_CELLS = 2_000_000


def chunks(n_draws: int, cells_per_draw: int) -> Iterator[int]:
    """Sizes of consecutive chunks of draws, each within the memory budget.

    Examples
    --------
    >>> list(chunks(5, 1_000_000))
    [2, 2, 1]
    """
    step = max(1, _CHUNK_CELLS // max(1, cells_per_draw))
    done = 0
    while done < n_draws:
        size = min(step, n_draws - done)
        yield size
        done += size


def allocation_draws(
    rng: np.random.Generator, counts: np.ndarray, starts: np.ndarray, kind: str, size: int
) -> np.ndarray:
    """Counts under random allocation: shape ``(size, n_units, n_columns)``.

    Single group (``counts`` is ``(x, t)``): ``x_i ~ Binomial(t_i, X/T)`` and ``t_i`` kept.
    Several groups: ``row_i ~ Multinomial(t_i, (P_1, ..., P_K))`` of the block.
    """
    n = counts.shape[0]
    if kind == "single":
        x, t = counts[:, 0], counts[:, 1]
        share = expand(block_sum(x, starts) / block_sum(t, starts), starts, n)
        sim = rng.binomial(t.astype(np.int64), share, size=(size, n)).astype(float)
        return np.stack([sim, np.broadcast_to(t, sim.shape)], axis=-1)
    t = counts.sum(axis=1)
    shares = block_sum(counts.T, starts) / block_sum(t, starts)  # (K, n_blocks)
    pvals = expand(shares, starts, n).T  # (n, K)
    pvals = pvals / pvals.sum(axis=1, keepdims=True)
    return rng.multinomial(t.astype(np.int64), pvals, size=(size, n)).astype(float)


def _block_multinomial(
    rng: np.random.Generator, totals: np.ndarray, probs: np.ndarray, starts: np.ndarray, size: int
) -> np.ndarray:
    """Draw ``totals[k, b]`` persons over the units of block ``b`` with ``probs[k, i]``.

    ``totals`` is ``(K, n_blocks)``, ``probs`` is ``(K, n_units)`` (summing to one within each
    block); returns ``(size, K, n_units)``. Blocks are padded to a common width with
    zero-probability cells; to keep the padding small, blocks of similar size (widths up to
    the same power of two) are drawn together, one call per such class and chunk.
    """
    n_groups, n = probs.shape
    sizes = block_sizes(starts, n)
    ids = block_ids(starts, n)
    pos = np.arange(n) - starts[ids]
    width_class = np.ceil(np.log2(sizes)).astype(int)
    out = np.empty((size, n_groups, n))
    for cls in np.unique(width_class):
        blocks = np.flatnonzero(width_class == cls)
        units = np.flatnonzero(width_class[ids] == cls)
        local = np.searchsorted(blocks, ids[units])
        width = int(sizes[blocks].max())
        padded = np.zeros((n_groups, len(blocks), width))
        padded[:, local, pos[units]] = probs[:, units]
        class_totals = totals[:, blocks].astype(np.int64)
        done = 0
        # consecutive calls on the same generator: the numbers do not depend on the chunks
        for step in chunks(size, n_groups * len(blocks) * width):
            draws = rng.multinomial(class_totals, padded, size=(step, n_groups, len(blocks)))
            out[done : done + step, :, units] = draws[:, :, local, pos[units]]
            done += step
    return out


def bootstrap_draws(
    rng: np.random.Generator, counts: np.ndarray, starts: np.ndarray, kind: str, size: int
) -> np.ndarray:
    """Bootstrap counts: every group redistributed over its block's units, ``(size, n, cols)``.

    Single group: the group and its complement ``t - x`` are each drawn, and the total is
    their sum (Allen et al. 2015). Several groups: every group is drawn.
    """
    if kind == "single":
        x, t = counts[:, 0], counts[:, 1]
        parts = np.stack([x, t - x])  # (2, n)
    else:
        parts = counts.T  # (K, n)
    totals = block_sum(parts, starts)  # (K, n_blocks)
    with np.errstate(invalid="ignore", divide="ignore"):
        probs = parts / expand(totals, starts, parts.shape[1])
    probs = np.nan_to_num(probs)  # a group absent from a block draws nobody there
    draws = _block_multinomial(rng, totals, probs, starts, size)  # (size, K, n)
    if kind == "single":
        return np.stack([draws[:, 0], draws[:, 0] + draws[:, 1]], axis=-1)
    return np.moveaxis(draws, 1, -1)
