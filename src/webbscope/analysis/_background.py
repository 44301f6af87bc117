"""A fast 2-D background and its noise, close to photutils' `Background2D`.

The image is cut into `box` x `box` meshes. In each mesh a subsample (every `step`-th pixel
on both axes) is sigma-clipped (3 sigma about the median, up to 10 iterations, vectorised
across all meshes at once); the clipped median is the background and the clipped standard
deviation the noise.
The mesh values are median-filtered (`filter_size`) and interpolated bilinearly between mesh
centres to every pixel with two small matrix products. Meshes with too few finite pixels take
the median of the others, as `Background2D` fills them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage


@dataclass(frozen=True)
class Background:
    mesh: NDArray[np.float32]  # (nby, nbx) background per mesh
    mesh_rms: NDArray[np.float32]
    box: int
    shape: tuple[int, int]
    median: float
    median_rms: float

    def background(self) -> NDArray[np.float32]:
        return interpolate_mesh(self.mesh, self.box, self.shape)

    def rms(self) -> NDArray[np.float32]:
        return interpolate_mesh(self.mesh_rms, self.box, self.shape)


def mesh_axis(n: int, nodes: int, box: int) -> tuple[Any, Any, Any]:
    """For each of `n` pixels along an axis: the two mesh nodes around it and the weight of
    the second (bilinear between mesh centres, clamped beyond the outer centres)."""
    centres = (np.arange(nodes) + 0.5) * box - 0.5
    pos = np.interp(np.arange(n, dtype=np.float64), centres, np.arange(nodes, dtype=np.float64))
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, nodes - 1)
    return lo, hi, (pos - lo).astype(np.float32)


def interpolate_rows(
    cols: NDArray[np.float32], axis: tuple[Any, Any, Any], rows: slice
) -> NDArray[np.float32]:
    """Rows `rows` of the full image from `cols` (mesh rows already interpolated along x)."""
    lo, hi, f = (a[rows] for a in axis)
    return np.asarray(cols[lo] * (1 - f)[:, None] + cols[hi] * f[:, None], dtype=np.float32)


def interpolate_mesh(mesh: NDArray[Any], box: int, shape: tuple[int, int]) -> NDArray[np.float32]:
    """The mesh interpolated bilinearly to every pixel of an image of `shape`."""
    ny, nx = shape
    lo, hi, f = mesh_axis(nx, mesh.shape[1], box)
    m = mesh.astype(np.float32)
    cols = m[:, lo] * (1 - f) + m[:, hi] * f
    return interpolate_rows(cols, mesh_axis(ny, mesh.shape[0], box), slice(None))


def _clipped(blocks: NDArray[np.float32], sigma: float, iters: int) -> tuple[Any, Any, Any]:
    """Per-row sigma clipping about the median: (median, std, finite count) per row.

    Each row is sorted once (NaN last); what survives clipping is then always a contiguous
    run [lo, hi) of the sorted row, so every iteration needs only the run's median, its sums
    (from prefix sums) and two counts — no per-row Python work."""
    s = np.sort(blocks, axis=1)
    rows, width = s.shape
    finite = np.isfinite(s)
    clean = np.where(finite, s, 0.0).astype(np.float64)
    c1 = np.zeros((rows, width + 1))
    c2 = np.zeros((rows, width + 1))
    np.cumsum(clean, axis=1, out=c1[:, 1:])
    np.cumsum(clean * clean, axis=1, out=c2[:, 1:])
    r = np.arange(rows)
    lo = np.zeros(rows, dtype=np.int64)
    hi = finite.sum(axis=1).astype(np.int64)

    def moments(lo: Any, hi: Any) -> tuple[Any, Any, Any]:
        n = np.maximum(hi - lo, 1)
        a = np.minimum(lo + (n - 1) // 2, width - 1)
        b = np.minimum(lo + n // 2, width - 1)
        med = (s[r, a].astype(np.float64) + s[r, b]) / 2
        mean = (c1[r, hi] - c1[r, lo]) / n
        var = (c2[r, hi] - c2[r, lo]) / n - mean * mean
        return med, np.sqrt(np.maximum(var, 0.0)), hi - lo

    med, std, n = moments(lo, hi)
    for _ in range(iters):
        low = (med - sigma * std)[:, None]
        high = (med + sigma * std)[:, None]
        new_lo = (s < low).sum(axis=1)
        new_hi = (s <= high).sum(axis=1)
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            break
        lo, hi = new_lo, np.maximum(new_hi, new_lo)
        med, std, n = moments(lo, hi)
    empty = n == 0
    med[empty] = np.nan
    std[empty] = np.nan
    return med, std, n


def estimate_background(
    data: Any,
    box: int = 64,
    *,
    filter_size: int = 3,
    step: int = 2,
    sigma: float = 3.0,
    iters: int = 10,
    mask: NDArray[np.bool_] | None = None,
) -> Background:
    """The background mesh of a 2-D image (see the module's description)."""
    arr = np.asarray(data)
    ny, nx = arr.shape
    box = max(4, min(box, ny, nx))
    step = max(1, min(step, box // 4))
    nby, nbx = -(-ny // box), -(-nx // box)
    sub = np.asarray(arr[::step, ::step], dtype=np.float32)
    if mask is not None:
        sub = np.where(mask[::step, ::step], np.float32(np.nan), sub)
    b = box // step
    py, px = nby * b - sub.shape[0], nbx * b - sub.shape[1]
    if py or px:
        sub = np.pad(sub, ((0, py), (0, px)), constant_values=np.nan)
    blocks = sub.reshape(nby, b, nbx, b).transpose(0, 2, 1, 3).reshape(nby * nbx, b * b)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med, std, n = _clipped(blocks, sigma, iters)
    bad = (n < 0.1 * b * b) | ~np.isfinite(med)
    if bad.all():
        med[:] = 0.0
        std[:] = 1.0
    elif bad.any():
        med[bad] = np.median(med[~bad])
        std[bad] = np.median(std[~bad])
    mesh = med.reshape(nby, nbx).astype(np.float32)
    rms = std.reshape(nby, nbx).astype(np.float32)
    if filter_size > 1 and min(nby, nbx) >= filter_size:
        mesh = ndimage.median_filter(mesh, size=filter_size, mode="nearest")
        rms = ndimage.median_filter(rms, size=filter_size, mode="nearest")
    return Background(
        mesh=mesh,
        mesh_rms=rms,
        box=box,
        shape=(ny, nx),
        median=float(np.median(mesh)),
        median_rms=float(np.median(rms)),
    )
