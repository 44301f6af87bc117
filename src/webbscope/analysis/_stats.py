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

Speed: only the region's bounding-box cutout is read (a view for float32 data). The weights
are kept sparse (`RegionWeights`): pixels wholly inside weigh 1 and are not listed, and for
every shape the exact overlaps are computed only on the tiles its edge crosses (a circle's
tiles are classified from their corners; an ellipse's, rectangle's or polygon's from samples
of its outline). The median and
percentiles come from partitions of the region's own copy of its values, not a sort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import astropy.units as u
import numpy as np
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_area
from numpy.typing import NDArray
from regions import (
    CirclePixelRegion,
    EllipsePixelRegion,
    PixCoord,
    PixelRegion,
    PointPixelRegion,
    PolygonPixelRegion,
    RectanglePixelRegion,
)
from regions._geometry import (
    circle_overlap_grid,
    ellipse_overlap_grid,
    polygon_overlap_grid,
    rectangle_overlap_grid,
)

from webbscope.analysis._quantiles import select_percentiles
from webbscope.analysis._regions import check_overlaps

DEFAULT_PERCENTILES = (1.0, 5.0, 25.0, 75.0, 95.0, 99.0)
MAX_PERCENTILES = 20
_MJY_SR = u.MJy / u.sr


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


@dataclass(frozen=True)
class RegionWeights:
    """A region's pixels on an image: the cutout slices, the "center" mask (shaped like the
    cutout) and the exact overlap weights, kept sparse: every pixel of the "center" mask that
    is not listed in `edge_idx` has weight 1; the pixels listed (flat indices into the
    cutout, with weights `edge_w`) are the ones on the region's edge. `exact` gives the
    dense weights when a caller needs them."""

    ys: slice
    xs: slice
    center: NDArray[np.bool_]
    edge_idx: NDArray[np.intp]
    edge_w: NDArray[np.float64]

    @property
    def exact(self) -> NDArray[np.float64]:
        w = self.center.astype(np.float64)
        w.flat[self.edge_idx] = self.edge_w
        return w


#: Side of the tiles a large circle's cutout is cut into: only tiles on the circle's edge get
#: the exact overlap computation; the others are wholly inside (weight 1) or outside.
_TILE = 64


def _edge_center(
    region: PixelRegion, w: NDArray[np.float64], y0: int, x0: int
) -> NDArray[np.bool_]:
    """The "center" test for pixels of exact weights `w` (cutout origin y0, x0): a pixel
    wholly inside has its centre inside, one wholly outside has not; only the partly
    covered pixels need the test."""
    center = w >= 1.0
    ey, ex = np.nonzero((w > 0.0) & ~center)
    if ey.size:
        center[ey, ex] = region.contains(PixCoord(ex + x0, ey + y0))
    return center


def _circle_weights(region: CirclePixelRegion, shape: tuple[int, int]) -> RegionWeights:
    """Exact circle weights computed tile by tile: tiles wholly inside or outside the circle
    are classified from their corners, only the tiles on the edge go through the exact
    overlap code (the same code `to_mask(mode="exact")` runs for the whole box)."""
    cx, cy, r = float(region.center.x), float(region.center.y), float(region.radius)
    iy0, iy1, ix0, ix1 = _box(region, shape)
    h, w = iy1 - iy0, ix1 - ix0
    ty, tx = -(-h // _TILE), -(-w // _TILE)
    # Tile edges in pixel-edge coordinates relative to the centre.
    ey = np.minimum(np.arange(ty + 1) * _TILE, h) + iy0 - 0.5 - cy
    ex = np.minimum(np.arange(tx + 1) * _TILE, w) + ix0 - 0.5 - cx
    ylo, yhi = ey[:-1, None], ey[1:, None]
    xlo, xhi = ex[None, :-1], ex[None, 1:]
    far = np.maximum(np.abs(ylo), np.abs(yhi)) ** 2 + np.maximum(np.abs(xlo), np.abs(xhi)) ** 2
    near_y = np.where((ylo <= 0) & (yhi >= 0), 0.0, np.minimum(np.abs(ylo), np.abs(yhi)))
    near_x = np.where((xlo <= 0) & (xhi >= 0), 0.0, np.minimum(np.abs(xlo), np.abs(xhi)))
    near = near_y**2 + near_x**2
    # A small margin keeps rounding from calling a tile on the edge wholly in or out.
    inner = far < r * r * (1 - 1e-9)
    edge = ~inner & (near < r * r * (1 + 1e-9))

    def overlap(j: int, i: int, nx: int, ny: int) -> NDArray[np.float64]:
        grid = circle_overlap_grid(
            float(ex[i]), float(ex[i + 1]), float(ey[j]), float(ey[j + 1]), nx, ny, r, 1, 1
        )
        return np.asarray(grid)

    return _assemble(region, (iy0, iy1, ix0, ix1), inner, edge, overlap)


def _box(region: PixelRegion, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The region's bounding box cut to the image: iy0, iy1, ix0, ix1."""
    ny, nx = shape
    bbox = region.bounding_box
    return max(bbox.iymin, 0), min(bbox.iymax, ny), max(bbox.ixmin, 0), min(bbox.ixmax, nx)


def _assemble(
    region: PixelRegion,
    box: tuple[int, int, int, int],
    inner: NDArray[np.bool_],
    edge: NDArray[np.bool_],
    overlap: Callable[[int, int, int, int], NDArray[np.float64]],
) -> RegionWeights:
    """Sparse weights from a tile classification of the cutout `box`: `inner` tiles weigh 1,
    `edge` tiles get `overlap(j, i, nx, ny)` (their exact overlap fractions), all others 0;
    then the "center" test of the partly covered pixels, in one call."""
    iy0, iy1, ix0, ix1 = box
    h, w = iy1 - iy0, ix1 - ix0
    center = np.repeat(np.repeat(inner, _TILE, axis=0), _TILE, axis=1)[:h, :w]
    idx: list[NDArray[np.intp]] = []
    wts: list[NDArray[np.float64]] = []
    for j, i in zip(*np.nonzero(edge), strict=True):
        y0, y1 = j * _TILE, min((j + 1) * _TILE, h)
        x0, x1 = i * _TILE, min((i + 1) * _TILE, w)
        frac = overlap(int(j), int(i), x1 - x0, y1 - y0)
        center[y0:y1, x0:x1] = frac >= 1.0
        ly, lx = np.nonzero((frac > 0.0) & (frac < 1.0))
        idx.append((ly + y0) * w + (lx + x0))
        wts.append(frac[ly, lx])
    edge_idx = np.concatenate(idx) if idx else np.zeros(0, dtype=np.intp)
    edge_w = np.concatenate(wts) if wts else np.zeros(0)
    py, px = np.divmod(edge_idx, w)
    center[py, px] = region.contains(PixCoord(px + ix0, py + iy0))
    return RegionWeights(slice(iy0, iy1), slice(ix0, ix1), center, edge_idx, edge_w)


def _outline(region: PixelRegion) -> NDArray[np.float64] | None:
    """A closed outline of `region` as (n, 2) x, y vertices in order (the first repeated at the
    end), or None for a shape with no tiled path."""
    if isinstance(region, PolygonPixelRegion):
        v = np.column_stack([np.asarray(region.vertices.x), np.asarray(region.vertices.y)])
    elif isinstance(region, RectanglePixelRegion):
        v = np.asarray(region.corners, dtype=np.float64)
    elif isinstance(region, EllipsePixelRegion):
        a, b = 0.5 * float(region.width), 0.5 * float(region.height)
        theta = float(region.angle.to_value(u.radian))
        n = max(16, int(np.ceil(2 * np.pi * max(a, b) / (_TILE / 4))))
        t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        ex, ey = a * np.cos(t), b * np.sin(t)
        c, s_ = np.cos(theta), np.sin(theta)
        v = np.column_stack(
            [float(region.center.x) + ex * c - ey * s_, float(region.center.y) + ex * s_ + ey * c]
        )
    else:
        return None
    return np.vstack([v, v[:1]]).astype(np.float64)


def _tile_overlap(
    region: PixelRegion, x0: float, x1: float, y0: float, y1: float, nx: int, ny: int
) -> NDArray[np.float64]:
    """Exact overlap fractions of `region` with the ny x nx pixels whose edges span x0..x1 and
    y0..y1 (absolute pixel-edge coordinates): the code `to_mask(mode="exact")` runs."""
    if isinstance(region, PolygonPixelRegion):
        vx = np.asarray(region.vertices.x, dtype=float)
        vy = np.asarray(region.vertices.y, dtype=float)
        return np.asarray(polygon_overlap_grid(x0, x1, y0, y1, nx, ny, vx, vy, 1, 1))
    cx, cy = float(region.center.x), float(region.center.y)
    theta = float(region.angle.to_value(u.radian))
    if isinstance(region, RectanglePixelRegion):
        grid = rectangle_overlap_grid(
            x0 - cx, x1 - cx, y0 - cy, y1 - cy, nx, ny,
            float(region.width), float(region.height), theta, 1, 1,
        )  # fmt: skip
        return np.asarray(grid)
    grid = ellipse_overlap_grid(
        x0 - cx, x1 - cx, y0 - cy, y1 - cy, nx, ny,
        0.5 * float(region.width), 0.5 * float(region.height), theta, 1, 1,
    )  # fmt: skip
    return np.asarray(grid)


def _outlined_weights(
    region: PixelRegion, outline: NDArray[np.float64], shape: tuple[int, int]
) -> RegionWeights:
    """Exact weights of an ellipse, rectangle or polygon computed tile by tile. The outline is
    sampled every quarter tile and the tiles holding a sample, with their neighbours, are the
    only ones the edge can cross; every other tile lies wholly on one side of the edge, so
    the test of one point tells whether it is wholly in (weight 1) or out."""
    iy0, iy1, ix0, ix1 = _box(region, shape)
    h, w = iy1 - iy0, ix1 - ix0
    ty, tx = -(-h // _TILE), -(-w // _TILE)
    seg = np.diff(outline, axis=0)
    steps = np.maximum(1, np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / (_TILE / 4))).astype(int)
    frac = np.concatenate([np.arange(k) / k for k in steps])
    start = np.repeat(outline[:-1], steps, axis=0)
    pts = start + np.repeat(seg, steps, axis=0) * frac[:, None]
    # Tile of each sample (pixel-edge coordinates relative to the cutout), kept in range.
    ti = np.floor((pts[:, 0] + 0.5 - ix0) / _TILE).astype(int)
    tj = np.floor((pts[:, 1] + 0.5 - iy0) / _TILE).astype(int)
    near = np.zeros((ty + 2, tx + 2), dtype=bool)
    keep = (ti >= -1) & (ti <= tx) & (tj >= -1) & (tj <= ty)
    near[tj[keep] + 1, ti[keep] + 1] = True
    grown = near.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(near, dy, axis=0), dx, axis=1)
    edge = grown[1:-1, 1:-1]
    # Tiles the edge cannot cross: in or out by the centre of their first pixel.
    jj, ii = np.nonzero(~edge)
    inner = np.zeros((ty, tx), dtype=bool)
    if jj.size:
        inner[jj, ii] = region.contains(PixCoord(ii * _TILE + ix0, jj * _TILE + iy0))

    def overlap(j: int, i: int, nx: int, ny: int) -> NDArray[np.float64]:
        x0, y0 = i * _TILE + ix0 - 0.5, j * _TILE + iy0 - 0.5
        return _tile_overlap(region, x0, x0 + nx, y0, y0 + ny, nx, ny)

    return _assemble(region, (iy0, iy1, ix0, ix1), inner, edge, overlap)


def region_weights(region: PixelRegion, shape: tuple[int, int]) -> RegionWeights:
    """Exact and centre weights of `region` over an image of `shape` (ny, nx); raises 422
    `region_outside` if it misses the image."""
    ny, nx = shape
    check_overlaps(region, nx, ny)
    if isinstance(region, PointPixelRegion):
        ix = int(np.floor(float(region.center.x) + 0.5))
        iy = int(np.floor(float(region.center.y) + 0.5))
        return RegionWeights(
            slice(iy, iy + 1), slice(ix, ix + 1), np.ones((1, 1), dtype=bool),
            np.zeros(0, dtype=np.intp), np.zeros(0),
        )  # fmt: skip
    if isinstance(region, CirclePixelRegion):
        return _circle_weights(region, shape)
    outline = _outline(region)
    if outline is not None:
        return _outlined_weights(region, outline, shape)
    exact = region.to_mask(mode="exact")
    big, small = exact.get_overlap_slices(shape)
    if big is None:  # pragma: no cover - check_overlaps ran first
        raise ValueError("no overlap")
    w = np.asarray(exact.data[small], dtype=np.float64)
    center = _edge_center(region, w, big[0].start, big[1].start)
    edge_idx = np.flatnonzero((w > 0.0) & (w < 1.0))
    return RegionWeights(big[0], big[1], center, edge_idx, w.ravel()[edge_idx])


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
    # A view of the cutout when the image is float32 already (no copy of the image).
    cut = np.asarray(data[rw.ys, rw.xs], dtype=np.float32)
    inside = rw.center
    pixels = int(np.count_nonzero(inside))
    values = cut[inside]  # a copy of the region's values: ours to reorder
    ok = np.isfinite(values)
    if not ok.all():
        values = values[ok]
    nan_pixels = pixels - int(values.size)
    # Exact-overlap sums: the centre pixels off the edge weigh 1, so the sum is that of
    # `values` with the edge pixels' centre values swapped for their weighted ones.
    ry, rx = np.divmod(rw.edge_idx, cut.shape[1])
    ev = cut[ry, rx].astype(np.float64)
    eok = np.isfinite(ev)
    ecenter = inside[ry, rx]
    ein = ecenter & eok
    area_pix = float(pixels - np.count_nonzero(ecenter) + rw.edge_w.sum())
    ew = np.where(eok, rw.edge_w, 0.0)
    evz = np.where(eok, ev, 0.0)
    sum_area = float(values.size - np.count_nonzero(ein) + ew.sum())
    any_finite = sum_area > 0
    v64 = values.astype(np.float64)
    vsum = float(v64.sum())
    total = None
    if any_finite:
        total = vsum - float(evz[ein].sum()) + float(np.dot(evz, ew))
    sum_err = None
    if error is not None and any_finite:
        err = np.asarray(error[rw.ys, rw.xs], dtype=np.float64)
        e2 = np.where(np.isfinite(cut) & np.isfinite(err), err * err, 0.0)
        flat2 = e2[ry, rx]
        core = float(e2[inside].sum()) - float(flat2[ein].sum())
        sum_err = float(np.sqrt(core + float(np.dot(flat2, ew))))
    pa = pixel_area_arcsec2(wcs)
    stats: dict[str, Any] = {"mean": None, "median": None, "std": None, "min": None, "max": None}
    pct: dict[str, float | None] = {_percentile_key(q): None for q in qs}
    if values.size:
        mean = vsum / values.size
        stats["mean"] = _finite(mean)
        v64 -= mean
        stats["std"] = _finite(np.sqrt(np.dot(v64, v64) / values.size))
        stats["min"] = _finite(values.min())
        stats["max"] = _finite(values.max())
        # `values` is this function's own copy (a boolean index): partitioned in place.
        found = select_percentiles(values, [50.0, *qs])
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
