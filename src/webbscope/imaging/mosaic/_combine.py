"""One block of a mosaic: reproject the overlapping windows of its inputs and combine them.

`compute_block` is a plain picklable function (a local process or a Dask worker runs it).
For each input touching the block it warps the input's values (and its weights, when the
input has a WHT or ERR map) onto the block with the fast path (the exact TAN homography,
`warp`), or `reproject_image` for other projections (SIP distortion, non-TAN grids). `warp`
reads only the windows of the memory-mapped input each 128-pixel tile needs, and the general
path only the window the block needs (`input_window`: the block's outline, sampled every
`WINDOW_STEP` output pixels, mapped through the WCS to input pixels, padded by `WINDOW_PAD`
for the interpolation kernel and clipped to the image), reprojected with the sliced WCS.

Weights follow `reproject_and_coadd`: an input's weight at an output pixel is its
(reprojected) weight map there, 1 without one, and 0 where the value or weight is NaN.

Combine methods:

- ``mean``: sum(w v) / sum(w);  ``sum``: sum(w v) (the weights are 1 without a weight map);
- ``median``, ``min``, ``max``: over the inputs covering the pixel (weight > 0);
- ``first`` / ``last``: the first / last input, in the given order, covering the pixel.

Sigma clipping (optional) drops, per pixel, values more than `clip_sigma` robust standard
deviations (1.4826 x MAD) from the median, `clip_iters` times, before the mean or median.
The weight map written beside the values is sum(w) over the values used.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import BadRequest
from webbscope.imaging._reproject import reproject_image, warp
from webbscope.imaging._wcs import pix2world, world2pix
from webbscope.imaging.mosaic._inputs import MosaicInput, close_files, open_pixels

#: Output pixels between the samples of a block's outline mapped into an input (general path).
WINDOW_STEP = 16
#: Input pixels added around the mapped outline: the bilinear kernel's neighbours and the
#: curvature of a distorted outline between samples.
WINDOW_PAD = 4

Combine = Literal["mean", "median", "sum", "min", "max", "first", "last"]
COMBINES: tuple[str, ...] = ("mean", "median", "sum", "min", "max", "first", "last")


@dataclass(frozen=True)
class CombineOptions:
    combine: Combine = "mean"
    use_weights: bool = True
    clip: bool = False
    clip_sigma: float = 3.0
    clip_iters: int = 3

    def __post_init__(self) -> None:
        if self.combine not in COMBINES:
            raise BadRequest(
                f"unknown combine {self.combine!r}; use one of {', '.join(COMBINES)}",
                code="invalid_combine",
            )

    @property
    def stacked(self) -> bool:
        return self.clip or self.combine not in ("mean", "sum")


def _shift(h: NDArray[np.float64], x0: int, y0: int) -> NDArray[np.float64]:
    place = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
    out: NDArray[np.float64] = h @ place
    return out


def _block_wcs(grid_header: str, x0: int, y0: int) -> object:
    from astropy.io import fits
    from astropy.wcs import WCS

    wcs = WCS(fits.Header.fromstring(grid_header))
    wcs.wcs.crpix = [wcs.wcs.crpix[0] - x0, wcs.wcs.crpix[1] - y0]
    wcs.wcs.set()
    return wcs


def _outline_samples(shape: tuple[int, int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(x, y) along the outer edges of a ``shape`` block's pixels, every `WINDOW_STEP`."""
    ny, nx = shape
    xs = np.unique(np.append(np.arange(-0.5, nx - 0.5, WINDOW_STEP), nx - 0.5))
    ys = np.unique(np.append(np.arange(-0.5, ny - 0.5, WINDOW_STEP), ny - 0.5))
    x = np.concatenate([xs, xs, np.full(len(ys), -0.5), np.full(len(ys), nx - 0.5)])
    y = np.concatenate([np.full(len(xs), -0.5), np.full(len(xs), ny - 0.5), ys, ys])
    return x, y


def input_window(
    wcs_in: Any, block_wcs: Any, shape: tuple[int, int], image_shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """The input rows and columns ``(y0, y1, x0, x1)`` a block of `shape` on `block_wcs`
    needs (see the module notes); the whole image where a sample cannot be mapped, None
    when the block misses the input. A continuous one-to-one map sends the block's interior
    inside the image of its outline, so the outline bounds the window."""
    ny, nx = image_shape
    x, y = _outline_samples(shape)
    lon, lat = pix2world(block_wcs, x, y)
    u, v = world2pix(wcs_in, lon, lat)
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        return 0, ny, 0, nx
    ulo, uhi = float(u.min()) - WINDOW_PAD, float(u.max()) + WINDOW_PAD
    vlo, vhi = float(v.min()) - WINDOW_PAD, float(v.max()) + WINDOW_PAD
    if uhi < -0.5 or vhi < -0.5 or ulo > nx - 0.5 or vlo > ny - 0.5:
        return None
    x0, y0 = max(0, math.floor(ulo)), max(0, math.floor(vlo))
    x1, y1 = min(nx, math.ceil(uhi) + 1), min(ny, math.ceil(vhi) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return y0, y1, x0, x1


def _general_path(
    item: MosaicInput,
    data: Any,
    wmap: Any | None,
    grid_header: str,
    box: tuple[int, int, int, int],
    use_weights: bool,
) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
    """(values, weights or None) through `reproject_image` on the input's window only."""
    y0, y1, x0, x1 = box
    shape = (y1 - y0, x1 - x0)
    wcs_in = item.wcs()
    assert wcs_in is not None  # the plan refuses inputs without one
    bwcs = _block_wcs(grid_header, x0, y0)
    window = input_window(wcs_in, bwcs, shape, item.image_shape)
    if window is None:
        return np.full(shape, np.nan, np.float32), None
    wy0, wy1, wx0, wx1 = window
    cut = (slice(wy0, wy1), slice(wx0, wx1))
    wcs_cut = wcs_in.slice(cut)
    values = reproject_image(np.asarray(data[cut], dtype=np.float32), wcs_cut, bwcs, shape).data
    weights = None
    if use_weights and wmap is not None:
        cutw = np.asarray(wmap[cut], dtype=np.float32)
        weights = reproject_image(cutw, wcs_cut, bwcs, shape).data
    return values, weights


def reproject_input(
    item: MosaicInput,
    h: NDArray[np.float64] | None,
    grid_header: str,
    box: tuple[int, int, int, int],
    use_weights: bool,
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """(values, weights) of one input on the block ``(y0, y1, x0, x1)``; weight 0 where the
    input does not cover or its value is NaN."""
    y0, y1, x0, x1 = box
    shape = (y1 - y0, x1 - x0)
    data, wmap = open_pixels(item)
    if h is not None:
        hb = _shift(h, x0, y0)
        if use_weights and wmap is not None:
            weights = np.empty(shape, dtype=np.float32)
            values = warp(data, hb, shape, also=wmap, also_out=weights)
        else:
            values, weights = warp(data, hb, shape), None
    else:
        values, weights = _general_path(item, data, wmap, grid_header, box, use_weights)
    bad = ~np.isfinite(values)
    if weights is None:
        w = np.ones(shape, dtype=np.float32)
    else:
        w = weights
        bad |= ~np.isfinite(w)
        np.maximum(w, 0.0, out=w)
    w[bad] = 0.0
    values[bad] = np.nan
    return values, w


def _clip_mask(values: NDArray[np.float32], sigma: float, iters: int) -> NDArray[np.bool_]:
    """True where a value survives sigma clipping along axis 0 (NaN never survives)."""
    keep = np.isfinite(values)
    for _ in range(max(1, iters)):
        v = np.where(keep, values, np.nan)
        with np.errstate(invalid="ignore"), _quiet():
            med = np.nanmedian(v, axis=0)
            mad = np.nanmedian(np.abs(v - med), axis=0) * 1.4826
        with np.errstate(invalid="ignore"):
            new = keep & ~(np.abs(values - med) > sigma * mad)
        if (new == keep).all():
            break
        keep = new
    return keep


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def combine_stack(
    values: NDArray[np.float32], weights: NDArray[np.float32], opts: CombineOptions
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Combine a stack (n x ny x nx) of values with weights (0 = not covered)."""
    covered = weights > 0
    if opts.clip and opts.combine in ("mean", "median", "sum"):
        covered &= _clip_mask(np.where(covered, values, np.nan), opts.clip_sigma, opts.clip_iters)
    w = np.where(covered, weights, np.float32(0.0))
    wsum = w.sum(axis=0, dtype=np.float32)
    v = np.where(covered, values, np.nan)
    method = opts.combine
    with np.errstate(invalid="ignore", divide="ignore"), _quiet():
        if method == "mean":
            out = np.nansum(v * w, axis=0, dtype=np.float32) / wsum
        elif method == "sum":
            out = np.nansum(v * w, axis=0, dtype=np.float32)
            out[wsum <= 0] = np.nan
        elif method == "median":
            out = np.nanmedian(v, axis=0)
        elif method == "min":
            out = np.nanmin(v, axis=0)
        elif method == "max":
            out = np.nanmax(v, axis=0)
        else:
            order = range(len(v)) if method == "last" else range(len(v) - 1, -1, -1)
            out = np.full(v.shape[1:], np.nan, dtype=np.float32)
            wsum = np.zeros(v.shape[1:], dtype=np.float32)
            for i in order:
                take = covered[i]
                out[take] = v[i][take]
                wsum[take] = w[i][take]
    out = np.asarray(out, dtype=np.float32)
    out[wsum <= 0] = np.nan
    return out, wsum


def compute_block(
    inputs: Sequence[MosaicInput],
    homographies: Sequence[NDArray[np.float64] | None],
    offsets: Sequence[float],
    grid_header: str,
    box: tuple[int, int, int, int],
    opts: CombineOptions,
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """(values, weight sum) of the block ``(y0, y1, x0, x1)`` (NaN where nothing covers)."""
    try:
        return _compute(inputs, homographies, offsets, grid_header, box, opts)
    finally:
        close_files()  # unmaps the inputs: resident memory stays one block's worth


def _compute(
    inputs: Sequence[MosaicInput],
    homographies: Sequence[NDArray[np.float64] | None],
    offsets: Sequence[float],
    grid_header: str,
    box: tuple[int, int, int, int],
    opts: CombineOptions,
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    y0, y1, x0, x1 = box
    shape = (y1 - y0, x1 - x0)
    if not inputs:
        return np.full(shape, np.nan, np.float32), np.zeros(shape, np.float32)
    if not opts.stacked:
        total = np.zeros(shape, dtype=np.float32)
        wsum = np.zeros(shape, dtype=np.float32)
        wsum_tmp = np.empty(shape, dtype=np.float32)
        for item, h, off in zip(inputs, homographies, offsets, strict=True):
            v, w = reproject_input(item, h, grid_header, box, opts.use_weights)
            v *= w  # NaN where not covered (w is 0 there)
            if off:
                np.multiply(w, np.float32(off), out=wsum_tmp)
                v -= wsum_tmp
            np.add(total, v, out=total, where=w > 0)
            wsum += w
        with np.errstate(invalid="ignore", divide="ignore"):
            out = total / wsum if opts.combine == "mean" else total
        out[wsum <= 0] = np.nan
        return out.astype(np.float32, copy=False), wsum
    vs = np.empty((len(inputs), *shape), dtype=np.float32)
    ws = np.empty((len(inputs), *shape), dtype=np.float32)
    for k, (item, h, off) in enumerate(zip(inputs, homographies, offsets, strict=True)):
        v, w = reproject_input(item, h, grid_header, box, opts.use_weights)
        if off:
            v -= np.float32(off)
        vs[k], ws[k] = v, w
    return combine_stack(vs, ws, opts)
