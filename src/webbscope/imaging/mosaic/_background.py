"""Background matching: additive offsets solved over the overlaps by least squares.

As Montage and `reproject.mosaicking` do: for each overlapping pair (i, j) the difference
d_ij = median(v_i - v_j) over the pixels both cover is measured on a coarse version of the
output grid (at most `SIDE` pixels a side, bilinear samples at the coarse pixel centres);
then the offsets o minimise sum (o_i - o_j - d_ij)^2 with sum(o) = 0 (or o_ref = 0), and
each input's values are corrected by subtracting o_i. Inputs in no overlap get 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging._reproject import reproject_image, warp
from webbscope.imaging._skygrid import transform_grid
from webbscope.imaging.mosaic._inputs import open_pixels
from webbscope.imaging.mosaic._plan import MosaicPlan

SIDE = 1024
MIN_PIXELS = 25


def _coarse_values(
    plan: MosaicPlan, index: int, k: int, shape: tuple[int, int]
) -> NDArray[np.float32]:
    item, h = plan.inputs[index], plan.homographies[index]
    data, _ = open_pixels(item)
    off = (k - 1) / 2.0
    m = np.array([[k, 0.0, off], [0.0, k, off], [0.0, 0.0, 1.0]])
    if h is not None:
        return warp(data, h @ m, shape)
    coarse = transform_grid(plan.grid, m, shape)
    return reproject_image(np.asarray(data[...]), item.wcs(), coarse.wcs, shape).data


def solve_offsets(
    pairs: Sequence[tuple[int, int, float]], n: int, reference: int | None = None
) -> NDArray[np.float64]:
    """Least-squares offsets from measured differences d_ij = o_i - o_j."""
    if not pairs:
        return np.zeros(n)
    rows = []
    rhs = []
    for i, j, d in pairs:
        r = np.zeros(n)
        r[i], r[j] = 1.0, -1.0
        rows.append(r)
        rhs.append(d)
    c = np.zeros(n)
    if reference is None:
        involved = sorted({i for i, _, _ in pairs} | {j for _, j, _ in pairs})
        c[involved] = 1.0
    else:
        c[reference] = 1.0
    rows.append(c * max(1.0, math.sqrt(len(pairs))))
    rhs.append(0.0)
    sol, *_ = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)
    return np.asarray(sol, dtype=np.float64)


def background_offsets(plan: MosaicPlan, reference: int | None = None) -> list[float]:
    """Each input's additive offset (subtract it) from its overlaps (see the module notes)."""
    n = len(plan.inputs)
    if n < 2 or not plan.overlaps:
        return [0.0] * n
    k = max(1, math.ceil(max(plan.grid.nx, plan.grid.ny) / SIDE))
    shape = (math.ceil(plan.grid.ny / k), math.ceil(plan.grid.nx / k))
    cache: dict[int, NDArray[np.float32]] = {}

    def values(i: int) -> NDArray[np.float32]:
        if i not in cache:
            cache[i] = _coarse_values(plan, i, k, shape)
        return cache[i]

    measured = []
    for a, b, _ in plan.overlaps:
        va, vb = values(a), values(b)
        both = np.isfinite(va) & np.isfinite(vb)
        if int(both.sum()) < MIN_PIXELS:
            continue
        measured.append((a, b, float(np.median(va[both] - vb[both]))))
    return [float(o) for o in solve_offsets(measured, n, reference)]
