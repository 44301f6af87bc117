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
    work: NDArray[np.floating],
    ranks: list[int],
    offset: int,
    out: dict[int, float],
    after: dict[int, float],
    upper: float | None = None,
) -> None:
    """The values at sorted `ranks` (relative to `offset`) of `work`, partitioned in place;
    `after` gets the value at the next rank too: the smallest of the part above, or, at the
    end of `work`, `upper` (the value just above all of `work`)."""
    if not ranks:
        return
    mid = len(ranks) // 2
    k = ranks[mid] - offset
    work.partition(k)
    out[ranks[mid]] = float(work[k])
    if k + 1 < work.size:
        after[ranks[mid]] = float(work[k + 1 :].min())
    elif upper is not None:
        after[ranks[mid]] = upper
    _select(work[:k], ranks[:mid], offset, out, after, float(work[k]))
    _select(work[k + 1 :], ranks[mid + 1 :], offset + k + 1, out, after, upper)


def select_percentiles(work: NDArray[np.floating], qs: Sequence[float]) -> NDArray[np.float64]:
    """`np.percentile(work, qs)` for finite 1-D `work` (not empty), which is reordered in
    place (pass a copy you own). Each percentile needs the value at one rank and the next
    one; the next one is the minimum of the part above the first, a scan, not a partition."""
    q = np.asarray(qs, dtype=np.float64)
    n = int(work.size)
    pos = q / 100.0 * (n - 1)
    below = np.floor(pos).astype(np.int64)
    found: dict[int, float] = {}
    after: dict[int, float] = {}
    _select(work, sorted({int(r) for r in below}), 0, found, after)
    vb = np.array([found[int(r)] for r in below])
    va = np.array([after.get(int(r), found[int(r)]) for r in below])
    return np.asarray(vb + (va - vb) * (pos - below), dtype=np.float64)


def percentiles(values: NDArray[np.floating], qs: Sequence[float]) -> NDArray[np.float64]:
    """`np.percentile(values, qs)` for finite 1-D `values` (not empty)."""
    if int(values.size) < SMALL:
        return np.asarray(np.percentile(values, np.asarray(qs, dtype=np.float64)), dtype=np.float64)
    return select_percentiles(np.array(values, copy=True), qs)
