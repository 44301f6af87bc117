"""Reference grids for combining images: which celestial pixel grid the inputs go onto.

A `SkyGrid` is a celestial WCS and a shape (ny, nx). The choices composites (and mosaics)
offer:

- `finest_index`: the input with the smallest pixel (its own grid is used as is);
- a chosen input's grid (the caller picks it);
- `optimal_grid(..., cover="union")`: `reproject.mosaicking.find_optimal_celestial_wcs`
  (a TAN grid, north up, at the finest input resolution unless told) covering every input;
- `optimal_grid(..., cover="intersection")`: the same orientation and resolution, cropped
  to the bounding box of the region every input covers;
- `pixel_grid`: no WCS at all, for inputs of one shape whose pixels already line up.

`transform_grid` derives an output grid from a reference grid by an affine map of pixels
(crop, rotation, scale): for a linear (TAN without distortion) WCS the result is again exact.
Distortion of a chosen input's grid (SIP) is dropped from the output grid; inputs with
distortion still go through `reproject`. `ensure_overlap` raises ``no_overlap`` (422) when an
input misses the grid.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import Unprocessable
from webbscope.imaging._reproject import pixel_homography
from webbscope.imaging._wcs import celestial_wcs, local_scale_arcsec, pix2world, world2pix

Cover = Literal["union", "intersection"]
#: Coverage tests run on a version of the grid at most this many pixels a side.
COVERAGE_SIDE = 256


@dataclass(frozen=True, eq=False)
class SkyGrid:
    """A pixel grid on the sky (`wcs` None: plain pixels shared by inputs of one shape).

    `to_reference` maps this grid's pixels to the pixels of the grid it was derived from
    (the identity for a grid made directly); only pixel grids need it.
    """

    wcs: WCS | None
    shape: tuple[int, int]
    to_reference: NDArray[np.float64] = field(default_factory=lambda: np.eye(3))

    @property
    def ny(self) -> int:
        return int(self.shape[0])

    @property
    def nx(self) -> int:
        return int(self.shape[1])

    def pixel_scale_arcsec(self) -> float | None:
        if self.wcs is None:
            return None
        return local_scale_arcsec(self.wcs, (self.nx - 1) / 2.0, (self.ny - 1) / 2.0)

    def header(self) -> fits.Header:
        """The grid's WCS cards with NAXIS1/2 (an empty header for a pixel grid)."""
        out = fits.Header()
        out["NAXIS"] = 2
        out["NAXIS1"] = self.nx
        out["NAXIS2"] = self.ny
        if self.wcs is not None:
            out.update(self.wcs.to_header(relax=True))
        return out


def sky_grid(wcs_source: Any, shape: Sequence[int]) -> SkyGrid:
    """The grid of an image: its celestial WCS and its last two axes."""
    return SkyGrid(celestial_wcs(wcs_source), (int(shape[-2]), int(shape[-1])))


def pixel_grid(shape: Sequence[int]) -> SkyGrid:
    return SkyGrid(None, (int(shape[-2]), int(shape[-1])))


def finest_index(grids: Sequence[SkyGrid]) -> int:
    """The input with the smallest pixels (the first of equals)."""
    scales = [g.pixel_scale_arcsec() or math.inf for g in grids]
    return int(np.argmin(scales))


def linear_wcs(wcs: WCS) -> WCS:
    """`wcs` without distortion (SIP, lookup tables): its linear part and projection."""
    out = WCS(naxis=2)
    out.wcs.ctype = list(wcs.wcs.ctype)
    out.wcs.crval = list(wcs.wcs.crval)
    out.wcs.crpix = list(wcs.wcs.crpix)
    out.wcs.cdelt = list(wcs.wcs.get_cdelt())
    out.wcs.pc = wcs.wcs.get_pc()
    out.wcs.cunit = list(wcs.wcs.cunit)
    out.wcs.lonpole = wcs.wcs.lonpole
    out.wcs.latpole = wcs.wcs.latpole
    if wcs.wcs.radesys:
        out.wcs.radesys = wcs.wcs.radesys
    if np.isfinite(wcs.wcs.equinox):
        out.wcs.equinox = wcs.wcs.equinox
    ctype = [c.replace("-SIP", "") for c in out.wcs.ctype]
    out.wcs.ctype = ctype
    out.wcs.set()
    return out


def transform_grid(grid: SkyGrid, m: NDArray[np.float64], shape: Sequence[int]) -> SkyGrid:
    """The grid whose pixel p sits at pixel ``m @ (p, 1)`` of `grid` (m: 3 x 3 affine)."""
    m = np.asarray(m, dtype=np.float64)
    new_shape = (int(shape[0]), int(shape[1]))
    if grid.wcs is None:
        return SkyGrid(None, new_shape, grid.to_reference @ m)
    base = linear_wcs(grid.wcs)
    a, t = m[:2, :2], m[:2, 2]
    cd = base.wcs.get_pc() * base.wcs.get_cdelt()[:, None]
    new_cd = cd @ a
    crpix0 = np.asarray(base.wcs.crpix, dtype=np.float64) - 1.0
    new_crpix0 = np.linalg.solve(a, crpix0 - t)
    out = base.deepcopy()
    out.wcs.cdelt = [1.0, 1.0]
    out.wcs.pc = new_cd
    out.wcs.crpix = list(new_crpix0 + 1.0)
    out.wcs.set()
    out.pixel_shape = (new_shape[1], new_shape[0])
    return SkyGrid(out, new_shape)


def _coarse(grid: SkyGrid) -> tuple[int, int, int]:
    step = max(1, math.ceil(max(grid.nx, grid.ny) / COVERAGE_SIDE))
    return step, math.ceil(grid.ny / step), math.ceil(grid.nx / step)


def coverage_mask(grid: SkyGrid, other: SkyGrid) -> tuple[NDArray[np.bool_], int]:
    """Which pixels of a coarse version of `grid` (every `step`-th pixel) fall inside the
    pixel rectangle of `other`; and the step."""
    step, cny, cnx = _coarse(grid)
    ys, xs = np.mgrid[0:cny, 0:cnx]
    x = (xs.ravel() * step).astype(np.float64)
    y = (ys.ravel() * step).astype(np.float64)
    if grid.wcs is None or other.wcs is None:
        u, v = x, y
    else:
        h = pixel_homography(other.wcs, grid.wcs)
        if h is not None:
            q = h @ np.vstack([x, y, np.ones_like(x)])
            with np.errstate(invalid="ignore", divide="ignore"):
                u, v = np.where(q[2] > 0, q[0] / q[2], np.nan), q[1] / q[2]
        else:
            lon, lat = pix2world(grid.wcs, x, y)
            u, v = world2pix(other.wcs, lon, lat)
    with np.errstate(invalid="ignore"):
        inside = (u >= -0.5) & (u <= other.nx - 0.5) & (v >= -0.5) & (v <= other.ny - 0.5)
    return inside.reshape(cny, cnx), step


def ensure_overlap(grid: SkyGrid, inputs: Sequence[SkyGrid], names: Sequence[str]) -> None:
    """422 ``no_overlap`` naming the inputs that do not reach `grid` at all."""
    missing = [
        name for g, name in zip(inputs, names, strict=True) if not coverage_mask(grid, g)[0].any()
    ]
    if missing:
        raise Unprocessable(
            f"these inputs do not overlap the composite's grid: {', '.join(missing)}",
            code="no_overlap",
            details={"inputs": missing},
        )


def optimal_grid(
    inputs: Sequence[SkyGrid],
    cover: Cover = "union",
    *,
    resolution_arcsec: float | None = None,
) -> SkyGrid:
    """A north-up TAN grid covering the union (or the intersection) of the inputs, at the
    finest input's resolution unless `resolution_arcsec` is given."""
    from reproject.mosaicking import find_optimal_celestial_wcs

    pairs = [(g.shape, g.wcs) for g in inputs if g.wcs is not None]
    if not pairs:
        raise Unprocessable("the inputs have no celestial WCS", code="no_celestial_wcs")
    scale = resolution_arcsec or min(g.pixel_scale_arcsec() or math.inf for g in inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        wcs, shape = find_optimal_celestial_wcs(pairs, resolution=scale / 3600.0 * _deg())
    union = SkyGrid(linear_wcs(wcs), (int(shape[0]), int(shape[1])))
    if cover == "union":
        return union
    both: NDArray[np.bool_] | None = None
    step = 1
    for g in inputs:
        mask, step = coverage_mask(union, g)
        both = mask if both is None else both & mask
    assert both is not None
    if not both.any():
        raise Unprocessable(
            "the inputs have no region in common", code="no_overlap", details={"cover": cover}
        )
    rows, cols = np.flatnonzero(both.any(axis=1)), np.flatnonzero(both.any(axis=0))
    y0, y1 = max(0, (rows[0] - 1) * step), min(union.ny, (rows[-1] + 1) * step + 1)
    x0, x1 = max(0, (cols[0] - 1) * step), min(union.nx, (cols[-1] + 1) * step + 1)
    m = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0], [0.0, 0.0, 1.0]])
    return transform_grid(union, m, (y1 - y0, x1 - x0))


def _deg() -> Any:
    from astropy import units as u

    return u.deg


def grid_corners(grid: SkyGrid) -> list[tuple[float, float]]:
    """(ra, dec) of the grid's four outer corners (for the composite record's footprint)."""
    if grid.wcs is None:
        return []
    x = np.array([-0.5, grid.nx - 0.5, grid.nx - 0.5, -0.5])
    y = np.array([-0.5, -0.5, grid.ny - 0.5, grid.ny - 0.5])
    lon, lat = pix2world(grid.wcs, x, y)
    return [(float(a) % 360.0, float(b)) for a, b in zip(lon, lat, strict=True)]
