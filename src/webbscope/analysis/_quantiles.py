"""Exact percentiles of large arrays, faster than `np.percentile`.

`np.percentile` (and `np.partition` with many ranks) costs about ten single-rank partitions
for the dozen ranks a set of percentiles needs. Here the ranks are found by divide and
conquer: one partition at the middle needed rank splits the copy in two, and each half is
searched only for the ranks that fall in it, so the work shrinks by half at every level. The
answer is the same as `np.percentile(values, q)` (linear interpolation between the closest
ranks), which the tests check.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

SMALL = 200_000


def _select(
    work: NDArray[np.floating], ranks: list[int], offset: int, out: dict[int, float]
) -> None:
    """The values at sorted `ranks` (relative to `offset`) of `work`, partitioned in place."""
    if not ranks:
        return
    mid = len(ranks) // 2
    k = ranks[mid] - offset
    work.partition(k)
    out[ranks[mid]] = float(work[k])
    _select(work[:k], ranks[:mid], offset, out)
    _select(work[k + 1 :], ranks[mid + 1 :], offset + k + 1, out)


def percentiles(values: NDArray[np.floating], qs: Sequence[float]) -> NDArray[np.float64]:
    """`np.percentile(values, qs)` for finite 1-D `values` (not empty)."""
    q = np.asarray(qs, dtype=np.float64)
    n = int(values.size)
    if n < SMALL:
        return np.asarray(np.percentile(values, q), dtype=np.float64)
    pos = q / 100.0 * (n - 1)
    below = np.floor(pos).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    ranks = sorted({int(r) for r in np.concatenate([below, above])})
    found: dict[int, float] = {}
    _select(np.array(values, copy=True), ranks, 0, found)
    vb = np.array([found[int(r)] for r in below])
    va = np.array([found[int(r)] for r in above])
    return np.asarray(vb + (va - vb) * (pos - below), dtype=np.float64)


def sorted_percentiles(ordered: NDArray[np.floating], qs: Sequence[float]) -> NDArray[np.float64]:
    """`np.percentile(values, qs)` read off `ordered`, the finite values already sorted
    (numpy's vectorised sort of float32 beats the partitions above when many ranks are read,
    and gives the minimum, maximum and median with them)."""
    q = np.asarray(qs, dtype=np.float64)
    n = int(ordered.size)
    pos = q / 100.0 * (n - 1)
    below = np.floor(pos).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    vb = ordered[below].astype(np.float64)
    va = ordered[above].astype(np.float64)
    return np.asarray(vb + (va - vb) * (pos - below), dtype=np.float64)
