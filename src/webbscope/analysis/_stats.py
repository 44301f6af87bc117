"""Statistics of the pixels in a region, as photutils' `ApertureStats` measures them.

- ``sum`` weights each pixel by its exact overlap with the region (``sum_method='exact'``);
  ``sum_area`` is the sum of those weights over the finite pixels.
- ``mean``, ``median``, ``std``, ``min``, ``max`` and the percentiles use the pixels whose
  centres are in the region ("center" method: weights 0 or 1), NaN and inf left out.
- ``pixels`` counts those pixels, ``nan_pixels`` the non-finite ones among them.
- ``area_pix`` is the region's exact area on the image (pixels²), ``area_arcsec2`` the same in
  arcsec² from the WCS pixel area at the region's centre, and for data in MJy/sr
  ``flux_jy`` is the integrated flux density ``sum * pixel area (sr) * 1e6``.

An area with no finite pixel gives its counts and nulls, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import astropy.units as u
import numpy as np
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_area
from numpy.typing import NDArray
from regions import PixCoord, PixelRegion, PointPixelRegion

from webbscope.analysis._quantiles import percentiles as exact_percentiles
from webbscope.analysis._regions import check_overlaps

DEFAULT_PERCENTILES = (1.0, 5.0, 25.0, 75.0, 95.0, 99.0)
MAX_PERCENTILES = 20
_MJY_SR = u.MJy / u.sr


@dataclass(frozen=True)
class RegionWeights:
    """A region's pixels on an image: the cutout slices, exact overlap weights and the
    "center" mask (both shaped like the cutout)."""

    ys: slice
    xs: slice
    exact: NDArray[np.float64]
    center: NDArray[np.bool_]


@dataclass(frozen=True)
class RegionStats:
    pixels: int
    nan_pixels: int
    sum: float | None
    sum_err: float | None
    sum_area: float
    mean: float | None
    median: float | None
    std: float | None
    min: float | None
    max: float | None
    percentiles: dict[str, float | None] = field(default_factory=dict)
    area_pix: float = 0.0
    area_arcsec2: float | None = None
    pixel_area_arcsec2: float | None = None
    flux_jy: float | None = None
    flux_jy_err: float | None = None
    bunit: str | None = None


def region_weights(region: PixelRegion, shape: tuple[int, int]) -> RegionWeights:
    """Exact and centre weights of `region` over an image of `shape` (ny, nx); raises 422
    `region_outside` if it misses the image."""
    ny, nx = shape
    check_overlaps(region, nx, ny)
    if isinstance(region, PointPixelRegion):
        ix = int(np.floor(float(region.center.x) + 0.5))
        iy = int(np.floor(float(region.center.y) + 0.5))
        one = np.ones((1, 1))
        return RegionWeights(slice(iy, iy + 1), slice(ix, ix + 1), one, one.astype(bool))
    exact = region.to_mask(mode="exact")
    big, small = exact.get_overlap_slices(shape)
    if big is None:  # pragma: no cover - check_overlaps ran first
        raise ValueError("no overlap")
    w = exact.data[small]
    # A pixel wholly inside has its centre inside, one wholly outside has not: only the
    # partly covered pixels on the edge need the centre test ("center" method).
    center = w >= 1.0
    ey, ex = np.nonzero((w > 0.0) & ~center)
    if ey.size:
        px = PixCoord(ex + big[1].start, ey + big[0].start)
        center[ey, ex] = region.contains(px)
    return RegionWeights(big[0], big[1], w, center)


def _percentile_key(q: float) -> str:
    return f"{q:g}"


def pixel_area_arcsec2(wcs: WCS | None) -> float | None:
    """The pixel area in arcsec² from the WCS (at its reference point), or None."""
    if wcs is None:
        return None
    try:
        area = float(proj_plane_pixel_area(wcs)) * 3600.0**2
    except (ValueError, TypeError):
        return None
    return area if np.isfinite(area) and area > 0 else None


def is_mjy_per_sr(bunit: str | None) -> bool:
    if not bunit:
        return False
    try:
        return bool(u.Unit(bunit, parse_strict="silent") == _MJY_SR)
    except (ValueError, TypeError):
        return False


def _finite(value: Any) -> float | None:
    v = float(value)
    return v if np.isfinite(v) else None


def region_stats(
    data: Any,
    region: PixelRegion,
    *,
    wcs: WCS | None = None,
    bunit: str | None = None,
    error: Any = None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> RegionStats:
    """Statistics of a 2-D image (numpy array or memory map) inside `region`.

    `error` (the ERR extension, same shape) gives ``sum_err`` as photutils does:
    sqrt(Σ weight · err²) over the finite pixels.
    """
    qs = [float(q) for q in percentiles][:MAX_PERCENTILES]
    if any(not 0 <= q <= 100 for q in qs):
        from webbscope.errors import Unprocessable

        raise Unprocessable("percentiles must be between 0 and 100", code="invalid_percentiles")
    shape = (int(data.shape[-2]), int(data.shape[-1]))
    rw = region_weights(region, shape)
    cut = np.asarray(data[rw.ys, rw.xs], dtype=np.float32)
    finite = np.isfinite(cut)
    area_pix = float(rw.exact.sum())
    inside = rw.center
    pixels = int(inside.sum())
    values = cut[inside & finite]
    nan_pixels = pixels - int(values.size)
    wf = np.where(finite, rw.exact, 0.0)
    sum_area = float(wf.sum())
    any_finite = sum_area > 0
    total = None
    if any_finite:
        clean = np.where(finite, cut, np.float32(0.0)).astype(np.float64).ravel()
        total = float(np.dot(clean, wf.ravel()))
    sum_err = None
    if error is not None and any_finite:
        err = np.asarray(error[rw.ys, rw.xs], dtype=np.float64)
        ok = finite & np.isfinite(err)
        sum_err = float(np.sqrt(np.sum(np.where(ok, err * err * rw.exact, 0.0))))
    pa = pixel_area_arcsec2(wcs)
    stats: dict[str, Any] = {"mean": None, "median": None, "std": None, "min": None, "max": None}
    pct: dict[str, float | None] = {_percentile_key(q): None for q in qs}
    if values.size:
        stats["mean"] = _finite(values.mean(dtype=np.float64))
        stats["std"] = _finite(values.std(dtype=np.float64))
        stats["min"] = _finite(values.min())
        stats["max"] = _finite(values.max())
        found = exact_percentiles(values, [50.0, *qs])
        stats["median"] = _finite(found[0])
        pct = {_percentile_key(q): _finite(v) for q, v in zip(qs, found[1:], strict=True)}
    flux = flux_err = None
    if pa is not None and is_mjy_per_sr(bunit):
        sr = pa * (u.arcsec**2).to(u.sr)
        flux = None if total is None else total * sr * 1e6
        flux_err = None if sum_err is None else sum_err * sr * 1e6
    return RegionStats(
        pixels=pixels,
        nan_pixels=nan_pixels,
        sum=total,
        sum_err=sum_err,
        sum_area=sum_area,
        percentiles=pct,
        area_pix=area_pix,
        area_arcsec2=None if pa is None else area_pix * pa,
        pixel_area_arcsec2=pa,
        flux_jy=flux,
        flux_jy_err=flux_err,
        bunit=bunit,
        **stats,
    )
