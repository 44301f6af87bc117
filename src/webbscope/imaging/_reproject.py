"""Reprojection: map an image onto another celestial pixel grid.

Public API (re-exported by `webbscope.imaging`; composites use it, and so will mosaics):

- `pixel_homography(wcs_in, wcs_out)`: the exact 3 x 3 projective transform taking a 0-based
  pixel of `wcs_out` to the pixel of `wcs_in` that sees the same sky, or None when the fast
  path does not apply. Two gnomonic (TAN) projections without distortion, in the same
  celestial frame, differ by exactly such a transform: pixel -> tangent plane is affine,
  the tangent plane -> the unit sphere is ``(xi, eta) -> (-eta, xi, 180/pi)`` up to scale in
  the projection's native frame, native -> celestial is a rotation, and back again.
- `warp(data, H, shape_out, method=...)`: resample `data` at ``H @ (x, y, 1)`` for every
  output pixel. ``"bilinear"`` interpolates exactly as `reproject_interp` (order 1) does,
  edge rule included (coordinates within half a pixel outside the image are clamped to the
  edge pixel; further out is NaN). ``"flux"`` averages ``n x n`` bilinear samples over each
  output pixel's footprint (n from the local scale ratio, at most `MAX_SUBSAMPLES`): the mean
  surface brightness over the pixel, so the integral of the image is conserved when the
  output pixels are coarser than the input's. Work is done in 128-pixel output tiles, each
  reading only the window of `data` its corners bound (memory maps are not read whole).
  4096 x 4096 bilinear takes ~0.25 s on these machines (`reproject_interp`: 12-16 s).
- `reproject_image(data, wcs_in, wcs_out, shape_out, method=...)`: the fast path when
  `pixel_homography` applies, else the `reproject` package (the reference and the general
  path: other projections, SIP and other distortions, other frames such as galactic):
  ``bilinear``/``interp`` -> `reproject_interp`, ``flux``/``adaptive`` ->
  `reproject_adaptive(conserve_flux=True)`, ``exact`` -> `reproject_exact`. Returns a
  `Reprojection` (float32 values, NaN where not covered; float32 footprint 0-1; which path).

Pixel conventions are those of `webbscope.imaging._wcs` (0-based FITS pixels, y up).
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import BadRequest
from webbscope.imaging._wcs import as_wcs

Method = Literal["bilinear", "flux", "interp", "adaptive", "exact"]
METHODS: tuple[str, ...] = ("bilinear", "flux", "interp", "adaptive", "exact")
#: Largest supersampling per axis of the flux-conserving kernel.
MAX_SUBSAMPLES = 8
#: Output tiles are this many pixels a side (their temporaries stay in the CPU cache).
TILE_OUT = 128
_R2D = 180.0 / math.pi


@dataclass(frozen=True)
class Reprojection:
    """Values on the output grid (NaN where not covered), the footprint (0-1) and the path
    taken: ``"fast"`` (the exact projective transform) or ``"reproject"``."""

    data: NDArray[np.float32]
    footprint: NDArray[np.float32]
    path: Literal["fast", "reproject", "identity"]


# -- the exact transform between two TAN grids ------------------------------------------------


def _frame(wcs: WCS) -> tuple[str, str, float | None]:
    ctype = str(wcs.wcs.ctype[0])[:4].rstrip("-")
    radesys = str(wcs.wcs.radesys or "").strip().upper() or "ICRS"
    equinox = float(wcs.wcs.equinox) if np.isfinite(wcs.wcs.equinox) else None
    if ctype != "RA":
        radesys, equinox = "", None
    return ctype, radesys, equinox


def is_plain_tan(wcs: WCS) -> bool:
    """A 2-axis gnomonic projection (RA/Dec or another lon/lat pair) without distortion."""
    if wcs.naxis != 2 or not wcs.has_celestial:
        return False
    if wcs.sip is not None or wcs.cpdis1 is not None or wcs.cpdis2 is not None:
        return False
    if wcs.det2im1 is not None or wcs.det2im2 is not None:
        return False
    ctype = [str(c) for c in wcs.wcs.ctype]
    if not (ctype[0].endswith("-TAN") and ctype[1].endswith("-TAN")):
        return False
    if int(wcs.wcs.lng) != 0 or int(wcs.wcs.lat) != 1:
        return False
    units = [str(u) for u in wcs.wcs.cunit]
    return all(u in ("", "deg") for u in units) and not len(wcs.wcs.get_pv())


def _unit(lon_deg: float, lat_deg: float) -> NDArray[np.float64]:
    lon, lat = math.radians(lon_deg), math.radians(lat_deg)
    return np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])


def _native_to_celestial(wcs: WCS) -> NDArray[np.float64]:
    """The rotation taking native Cartesian directions to celestial ones (columns: the
    celestial directions of the native x, y and z axes), from Calabretta & Greisen (2002)
    eq. 2 with the reference point at the native pole (zenithal projections)."""
    ra0, dec0 = (float(v) for v in wcs.wcs.crval)
    phi_p = math.radians(float(wcs.wcs.lonpole))
    dp = math.radians(dec0)

    def celestial(phi_deg: float, theta_deg: float) -> NDArray[np.float64]:
        phi, theta = math.radians(phi_deg), math.radians(theta_deg)
        dphi = phi - phi_p
        cdp, sdp, cdphi = math.cos(dp), math.sin(dp), math.cos(dphi)
        lon = math.radians(ra0) + math.atan2(
            -math.cos(theta) * math.sin(dphi),
            math.sin(theta) * cdp - math.cos(theta) * sdp * cdphi,
        )
        sin_lat = math.sin(theta) * sdp + math.cos(theta) * cdp * cdphi
        lat = math.asin(max(-1.0, min(1.0, sin_lat)))
        return _unit(math.degrees(lon), math.degrees(lat))

    return np.column_stack([celestial(0.0, 0.0), celestial(90.0, 0.0), celestial(0.0, 90.0)])


def _pixel_to_plane(wcs: WCS) -> NDArray[np.float64]:
    """Affine 3 x 3: 0-based pixel (x, y, 1) -> intermediate world coordinates (deg, 1)."""
    cdelt = np.asarray(wcs.wcs.get_cdelt(), dtype=np.float64)
    cd = np.asarray(wcs.wcs.get_pc(), dtype=np.float64) * cdelt[:, None]
    crpix0 = np.asarray(wcs.wcs.crpix, dtype=np.float64) - 1.0
    m = np.eye(3)
    m[:2, :2] = cd
    m[:2, 2] = -cd @ crpix0
    return m


#: Intermediate world coordinates (deg) -> native Cartesian direction (up to scale).
_PLANE_TO_NATIVE = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, _R2D]])


def pixel_homography(wcs_in: Any, wcs_out: Any) -> NDArray[np.float64] | None:
    """H with ``(x_in, y_in, w) = H @ (x_out, y_out, 1)`` (divide by w; w <= 0 is behind the
    input's tangent plane), or None when either WCS is not a plain TAN or the frames differ."""
    a, b = as_wcs(wcs_in), as_wcs(wcs_out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        if a.naxis != 2 and a.has_celestial:
            a = a.celestial
        if b.naxis != 2 and b.has_celestial:
            b = b.celestial
    if not (is_plain_tan(a) and is_plain_tan(b)) or _frame(a) != _frame(b):
        return None
    a.wcs.set()
    b.wcs.set()
    forward = _native_to_celestial(b) @ _PLANE_TO_NATIVE @ _pixel_to_plane(b)
    back = np.linalg.inv(_pixel_to_plane(a)) @ np.linalg.inv(_PLANE_TO_NATIVE)
    h: NDArray[np.float64] = back @ _native_to_celestial(a).T @ forward
    return h / h[2, 2] if abs(h[2, 2]) > 1e-300 else h


# -- resampling ----------------------------------------------------------------------------------


def _corners(h: NDArray[np.float64], x0: int, y0: int, x1: int, y1: int) -> NDArray[np.float64]:
    """Input (u, v, w) of the corners of output pixels [x0, x1) x [y0, y1) (as 3 x 4)."""
    xs = np.array([x0 - 0.5, x1 - 0.5, x0 - 0.5, x1 - 0.5])
    ys = np.array([y0 - 0.5, y0 - 0.5, y1 - 0.5, y1 - 0.5])
    out: NDArray[np.float64] = h @ np.vstack([xs, ys, np.ones(4)])
    return out


def _tile_window(
    h: NDArray[np.float64], x0: int, y0: int, x1: int, y1: int, shape: tuple[int, int], pad: float
) -> tuple[int, int, int, int, bool] | None:
    """The input rows and columns a tile of output touches (a projective map sends the
    tile's rectangle to a quadrilateral: its corners bound it), whether the tile lies inside
    the input's interior (no edge rule needed), or None when it misses the input."""
    q = _corners(h, x0, y0, x1, y1)
    if (q[2] <= 0).any():
        return 0, shape[0], 0, shape[1], False
    u, v = q[0] / q[2], q[1] / q[2]
    ny, nx = shape
    ulo, uhi = float(u.min()) - pad, float(u.max()) + pad
    vlo, vhi = float(v.min()) - pad, float(v.max()) + pad
    if uhi < -0.5 or vhi < -0.5 or ulo > nx - 0.5 or vlo > ny - 0.5:
        return None
    inside = ulo >= 0.0 and vlo >= 0.0 and uhi < nx - 1.0 and vhi < ny - 1.0
    wx0, wy0 = max(0, math.floor(ulo)), max(0, math.floor(vlo))
    wx1, wy1 = min(nx, math.floor(uhi) + 2), min(ny, math.floor(vhi) + 2)
    return wy0, wy1, wx0, wx1, inside


def _coords(
    shape: tuple[int, int],
    hl: NDArray[np.float64],
    tw: int,
    th: int,
    inside: bool,
    bounds: tuple[float, float, float, float],
    ox: float,
    oy: float,
) -> tuple[NDArray[np.intp], NDArray[np.float32], NDArray[np.float32], Any, int, int]:
    """Where a `tw` x `th` tile's bilinear samples fall in a window of `shape` through `hl`
    (output tile pixel -> window pixel): flat index of each sample's lower-left neighbour,
    the fractions, the mask of samples outside the image (or None), and the neighbour
    steps. `bounds` = the image's (xmin, xmax, ymin, ymax) in window pixels; outside the
    interior reproject_interp's edge rule applies."""
    xs = np.arange(tw, dtype=np.float64) + ox
    ys = np.arange(th, dtype=np.float64) + oy
    w = hl[2, 0] * xs[None, :] + (hl[2, 1] * ys + hl[2, 2])[:, None]
    u = hl[0, 0] * xs[None, :] + (hl[0, 1] * ys + hl[0, 2])[:, None]
    u /= w
    v = hl[1, 0] * xs[None, :] + (hl[1, 1] * ys + hl[1, 2])[:, None]
    v /= w
    hgt, wid = shape
    out_side = None
    if not inside:
        xmin, xmax, ymin, ymax = bounds
        with np.errstate(invalid="ignore"):
            out_side = ~(
                (u >= xmin - 0.5) & (u <= xmax + 0.5) & (v >= ymin - 0.5) & (v <= ymax + 0.5)
            )
            out_side |= w <= 0
        np.clip(u, xmin, xmax, out=u)
        np.clip(v, ymin, ymax, out=v)
        np.nan_to_num(u, copy=False)
        np.nan_to_num(v, copy=False)
        np.clip(u, 0.0, wid - 1.0, out=u)
        np.clip(v, 0.0, hgt - 1.0, out=v)
    xi = u.astype(np.intp)
    yi = v.astype(np.intp)
    if not inside or wid < 2 or hgt < 2:
        np.minimum(xi, max(0, wid - 2), out=xi)
        np.minimum(yi, max(0, hgt - 2), out=yi)
    fx = np.subtract(u, xi, dtype=np.float32, casting="unsafe")
    fy = np.subtract(v, yi, dtype=np.float32, casting="unsafe")
    idx = yi
    idx *= wid
    idx += xi
    dx = 1 if wid > 1 else 0
    dy = wid if hgt > 1 else 0
    return idx, fx, fy, out_side, dx, dy


def _gather(
    src: NDArray[np.float32],
    where: tuple[NDArray[np.intp], NDArray[np.float32], NDArray[np.float32], Any, int, int],
) -> NDArray[np.float32]:
    """Bilinear samples of the window `src` at `where` (from `_coords`)."""
    idx, fx, fy, out_side, dx, dy = where
    flat = src.ravel()
    a = flat.take(idx)
    top = flat.take(idx + dx)
    top -= a
    top *= fx
    top += a
    low = idx + dy
    c = flat.take(low)
    bot = flat.take(low + dx)
    bot -= c
    bot *= fx
    bot += c
    bot -= top
    bot *= fy
    bot += top
    if out_side is not None:
        bot[out_side] = np.nan
    result: NDArray[np.float32] = bot
    return result


def _sample(
    src: NDArray[np.float32],
    hl: NDArray[np.float64],
    tw: int,
    th: int,
    inside: bool,
    bounds: tuple[float, float, float, float],
    ox: float,
    oy: float,
) -> NDArray[np.float32]:
    """Bilinear samples of the window `src` for a `tw` x `th` tile through `hl` (output tile
    pixel -> window pixel); see `_coords`."""
    where = _coords(src.shape, hl, tw, th, inside, bounds, ox, oy)
    return _gather(src, where)


def _warp_tile(
    data: Any,
    whole: NDArray[np.float32] | None,
    h: NDArray[np.float64],
    x0: int,
    y0: int,
    x1: int,
    y1: int,
    offsets: list[float],
    out: NDArray[np.float32],
    footprint: NDArray[np.float32] | None,
    also: Any = None,
    also_out: NDArray[np.float32] | None = None,
) -> None:
    shape = (int(data.shape[-2]), int(data.shape[-1]))
    found = _tile_window(h, x0, y0, x1, y1, shape, 1.0)
    if found is None:
        out[y0:y1, x0:x1] = np.nan
        if footprint is not None:
            footprint[y0:y1, x0:x1] = 0.0
        if also_out is not None:
            also_out[y0:y1, x0:x1] = np.nan
        return
    wy0, wy1, wx0, wx1, inside = found
    if whole is not None:
        src = whole[wy0:wy1, wx0:wx1]
        src = src if src.flags.c_contiguous else np.ascontiguousarray(src)
    else:
        src = np.ascontiguousarray(np.asarray(data[wy0:wy1, wx0:wx1]), dtype=np.float32)
    shift = np.array([[1.0, 0.0, -wx0], [0.0, 1.0, -wy0], [0.0, 0.0, 1.0]])
    place = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
    hl = shift @ h @ place
    bounds = (-wx0, shape[1] - 1.0 - wx0, -wy0, shape[0] - 1.0 - wy0)
    tw, th = x1 - x0, y1 - y0
    if len(offsets) == 1:
        where = _coords(src.shape, hl, tw, th, inside, bounds, 0.0, 0.0)
        sample = _gather(src, where)
        out[y0:y1, x0:x1] = sample
        if footprint is not None:
            footprint[y0:y1, x0:x1] = np.isfinite(sample)
        if also is not None and also_out is not None:
            other = np.ascontiguousarray(np.asarray(also[wy0:wy1, wx0:wx1]), dtype=np.float32)
            also_out[y0:y1, x0:x1] = _gather(other, where)
        return
    total = np.zeros((th, tw), dtype=np.float32)
    count = np.zeros((th, tw), dtype=np.float32)
    for oy in offsets:
        for ox in offsets:
            sample = _sample(src, hl, tw, th, inside, bounds, ox, oy)
            good = np.isfinite(sample)
            np.copyto(sample, np.float32(0.0), where=~good)
            total += sample
            count += good
    with np.errstate(invalid="ignore", divide="ignore"):
        total /= count
    out[y0:y1, x0:x1] = total
    if footprint is not None:
        footprint[y0:y1, x0:x1] = count / np.float32(len(offsets) ** 2)


def _subsamples(h: NDArray[np.float64], shape_out: tuple[int, int]) -> int:
    """Input pixels per output pixel along a side at the output's centre, rounded up."""
    cy, cx = (shape_out[0] - 1) / 2.0, (shape_out[1] - 1) / 2.0
    pts = np.array([[cx, cy, 1.0], [cx + 1, cy, 1.0], [cx, cy + 1, 1.0]]).T
    q = h @ pts
    q = q[:2] / q[2]
    jac = np.column_stack([q[:, 1] - q[:, 0], q[:, 2] - q[:, 0]])
    ratio = math.sqrt(abs(float(np.linalg.det(jac))))
    return int(max(1, min(MAX_SUBSAMPLES, math.ceil(ratio - 1e-9))))


def default_workers() -> int:
    """Threads per warp: one. The tiles' numpy calls are short, so threads mostly wait for
    the GIL (measured: 2 threads slower than 1 on these 2-core machines); run channels or
    blocks in parallel instead."""
    return 1


def warp(
    data: Any,
    h: NDArray[np.float64],
    shape_out: tuple[int, int],
    *,
    method: Literal["bilinear", "flux"] = "bilinear",
    subsamples: int | None = None,
    workers: int | None = None,
    out: NDArray[np.float32] | None = None,
    footprint: NDArray[np.float32] | None = None,
    also: Any = None,
    also_out: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """Resample 2-D `data` (array, memmap or `ScaledArray`) at ``H @ (x, y, 1)`` of every
    pixel of an output of `shape_out`; float32, NaN where not covered (see the module notes).

    `footprint`, when given, receives the covered fraction of each output pixel. `also`
    (bilinear only): a second array of the same shape (a weight map) sampled at the same
    coordinates into `also_out`, sharing the coordinate work.
    """
    if method not in ("bilinear", "flux"):
        raise BadRequest(f"warp method is bilinear or flux, not {method!r}", code="invalid_method")
    if also is not None and (method != "bilinear" or also_out is None):
        raise BadRequest("a second array is warped bilinearly into also_out", code="invalid_method")
    ny, nx = int(shape_out[0]), int(shape_out[1])
    if out is None:
        out = np.empty((ny, nx), dtype=np.float32)
    if ny == 0 or nx == 0:
        return out
    h = np.asarray(h, dtype=np.float64)
    n_sub = 1 if method == "bilinear" else (subsamples or _subsamples(h, (ny, nx)))
    offsets = [0.0] if n_sub == 1 else [(k + 0.5) / n_sub - 0.5 for k in range(n_sub)]
    whole = None
    if (
        isinstance(data, np.ndarray)
        and not isinstance(data, np.memmap)
        and data.dtype == np.float32
        and data.dtype.isnative
        and data.flags.c_contiguous
    ):
        whole = data
    t = TILE_OUT
    rows = [(y, min(ny, y + t)) for y in range(0, ny, t)]
    n_workers = min(workers or default_workers(), len(rows))

    def run(band: tuple[int, int]) -> None:
        y0, y1 = band
        for x in range(0, nx, t):
            _warp_tile(
                data, whole, h, x, y0, min(nx, x + t), y1, offsets, out, footprint, also, also_out
            )

    if n_workers <= 1:
        for band in rows:
            run(band)
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            list(pool.map(run, rows))
    return out


# -- choosing the path --------------------------------------------------------------------------


def reproject_image(
    data: Any,
    wcs_in: Any,
    wcs_out: Any,
    shape_out: tuple[int, int],
    *,
    method: Method = "bilinear",
    workers: int | None = None,
) -> Reprojection:
    """`data` (2-D) with `wcs_in` on the grid `wcs_out` x `shape_out` (see the module notes)."""
    if method not in METHODS:
        raise BadRequest(
            f"unknown reprojection method {method!r}; use one of {', '.join(METHODS)}",
            code="invalid_method",
        )
    shape_out = (int(shape_out[0]), int(shape_out[1]))
    if method in ("bilinear", "flux"):
        h = pixel_homography(wcs_in, wcs_out)
        if h is not None:
            fp = np.empty(shape_out, dtype=np.float32)
            kind: Literal["bilinear", "flux"] = "flux" if method == "flux" else "bilinear"
            values = warp(data, h, shape_out, method=kind, workers=workers, footprint=fp)
            return Reprojection(values, fp, "fast")
    return _general(data, wcs_in, wcs_out, shape_out, method)


def _general(
    data: Any, wcs_in: Any, wcs_out: Any, shape_out: tuple[int, int], method: str
) -> Reprojection:
    from reproject import reproject_adaptive, reproject_exact, reproject_interp

    array = np.asarray(data[...], dtype=np.float32)
    a, b = as_wcs(wcs_in), as_wcs(wcs_out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if a.naxis != 2:
            a = a.celestial
        if b.naxis != 2:
            b = b.celestial
        if method in ("bilinear", "interp"):
            values, fp = reproject_interp((array, a), b, shape_out=shape_out, order="bilinear")
        elif method in ("flux", "adaptive"):
            values, fp = reproject_adaptive(
                (array, a), b, shape_out=shape_out, conserve_flux=True, boundary_mode="strict"
            )
        else:
            values, fp = reproject_exact((array, a), b, shape_out=shape_out)
    return Reprojection(
        np.asarray(values, dtype=np.float32), np.asarray(fp, dtype=np.float32), "reproject"
    )
