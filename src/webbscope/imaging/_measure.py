"""Measurements for the viewer: pixel values, world coordinates, spaxel spectra, cutouts.

Points are 0-based FITS pixel coordinates (x, y) (see `webbscope.imaging._wcs`); the pixel
holding a point is ``(floor(x + 0.5), floor(y + 0.5))``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import Angle
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import BadRequest, NotFound, PayloadTooLarge, Unprocessable
from webbscope.imaging._source import ImageData, ScaledArray, hdu_image
from webbscope.imaging._wcs import as_wcs, celestial_wcs, frame_name, pix2world

Point = tuple[float, float]
MAX_POINTS = 10_000


@dataclass(frozen=True)
class WorldPoint:
    """Sky position of a pixel: degrees, and sexagesimal text (RA in hours for
    equatorial frames; degrees otherwise)."""

    ra: float
    dec: float
    ra_text: str
    dec_text: str
    frame: str


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Values of a cube along its spectral axis at one spaxel (or a box mean)."""

    wavelength: NDArray[np.float64]
    values: NDArray[np.float64]
    wavelength_unit: str
    x: int
    y: int


def _points(points: Sequence[Point] | NDArray[Any]) -> NDArray[np.float64]:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) > MAX_POINTS:
        raise BadRequest(
            f"at most {MAX_POINTS} points per request, not {len(pts)}", code="too_many_points"
        )
    return pts


def pixel_index(x: float, y: float) -> tuple[int, int]:
    """(column, row) of the pixel containing point (x, y)."""
    return math.floor(x + 0.5), math.floor(y + 0.5)


def pixel_values(
    data: ImageData, points: Sequence[Point] | NDArray[Any]
) -> list[int | float | None]:
    """The value at each (x, y) of 2-D `data`; None outside the image, where NaN/inf, or at
    an integer image's BLANK.

    Integer images give exact Python integers (64-bit and unsigned ones included, whose values
    a float would round); others give floats. One vectorised read: only the addressed pixels of
    a memory map are touched (a tile-compressed section, as `hdu_image` gives for compressed
    HDUs, is read point by point).
    """
    if data.ndim != 2:
        raise BadRequest(
            "pixel_values needs a 2-D array (one plane of a cube)", code="image_not_2d"
        )
    pts = _points(points)
    ny, nx = data.shape
    with np.errstate(invalid="ignore"):
        ix = np.floor(pts[:, 0] + 0.5)
        iy = np.floor(pts[:, 1] + 0.5)
    inside = np.isfinite(ix) & np.isfinite(iy) & (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    out: list[int | float | None] = [None] * len(pts)
    if inside.any():
        cols, rows = ix[inside].astype(np.intp), iy[inside].astype(np.intp)
        if isinstance(data, ScaledArray):
            values = _numbers(np.asarray(data.raw[rows, cols]), data)
        elif isinstance(data, np.ndarray):
            values = _numbers(np.asarray(data[rows, cols]))
        else:  # a tile-compressed section takes basic indexes only: one read per point
            values = _numbers(
                np.array([np.asarray(data[r, c]) for r, c in zip(rows, cols, strict=True)])
            )
        for i, value in zip(np.flatnonzero(inside), values, strict=True):
            out[int(i)] = value
    return out


def _numbers(raw: NDArray[Any], scaled: ScaledArray | None = None) -> list[int | float | None]:
    """Read values as Python numbers: integers exactly (also stored integers offset by an
    integer BZERO, as unsigned ones are), everything else as finite floats or None."""
    if raw.dtype.kind in "iu":
        zero = 0 if scaled is None else scaled.bzero
        if scaled is None or (scaled.bscale == 1.0 and float(zero).is_integer()):
            blank = None if scaled is None else scaled.blank
            offset = int(zero)
            return [None if v == blank else v + offset for v in (int(r) for r in raw.tolist())]
    floats = np.asarray(scaled.convert(raw) if scaled is not None else raw, dtype=np.float64)
    return [float(v) if math.isfinite(v) else None for v in floats.tolist()]


def world_coords(
    wcs: Any, points: Sequence[Point] | NDArray[Any], *, precision: int = 2
) -> list[WorldPoint | None]:
    """Sky coordinates of pixel points (batch; distortions applied); None where undefined.

    `wcs` may be a cube's: its celestial axes are used. RA text is ``hh:mm:ss.ss`` with
    `precision` decimals of a second of time, Dec ``+dd:mm:ss.s`` with one decimal fewer
    (a second of time is 15 arcseconds, so both resolve about the same angle).
    """
    cel = celestial_wcs(wcs)
    pts = _points(points)
    if len(pts) == 0:
        return []
    lon, lat = pix2world(cel, pts[:, 0], pts[:, 1])
    frame, equatorial = frame_name(cel)
    ok = np.isfinite(lon) & np.isfinite(lat)
    out: list[WorldPoint | None] = [None] * len(pts)
    if not ok.any():
        return out
    lon_ok, lat_ok = lon[ok] % 360.0, lat[ok]
    lon_angle, lat_angle = Angle(lon_ok, u.deg), Angle(lat_ok, u.deg)
    if equatorial:
        lon_text = lon_angle.to_string(unit=u.hourangle, sep=":", precision=precision, pad=True)
    else:
        lon_text = lon_angle.to_string(
            unit=u.deg, sep=":", precision=max(0, precision - 1), pad=True
        )
    lat_text = lat_angle.to_string(
        unit=u.deg, sep=":", precision=max(0, precision - 1), pad=True, alwayssign=True
    )
    for j, i in enumerate(np.flatnonzero(ok)):
        out[int(i)] = WorldPoint(
            ra=float(lon_ok[j]),
            dec=float(lat_ok[j]),
            ra_text=str(np.atleast_1d(lon_text)[j]),
            dec_text=str(np.atleast_1d(lat_text)[j]),
            frame=frame,
        )
    return out


def _spectral_axis(wcs: WCS | None, n: int) -> tuple[NDArray[np.float64], str]:
    """World values of the `n` planes, converted to micrometres for wavelengths."""
    if wcs is None or not wcs.has_spectral:
        return np.arange(n, dtype=np.float64), "pixel"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            spec = wcs.sub(["spectral"])
            values = np.asarray(spec.all_pix2world(np.arange(n, dtype=np.float64), 0)[0])
        unit = u.Unit(spec.wcs.cunit[0]) if str(spec.wcs.cunit[0]) else u.one
    except Exception:  # a spectral axis wcslib cannot evaluate: number the planes
        return np.arange(n, dtype=np.float64), "pixel"
    if unit.physical_type == "length":
        return (values * unit).to_value(u.um), "um"
    if unit.physical_type == "frequency":
        return (values * unit).to_value(u.GHz), "GHz"
    return values, unit.to_string()


#: Elements read at once by `spaxel_spectrum` (as float32: 4 MiB).
SPECTRUM_CHUNK = 1 << 20


def _spectrum_sums(
    cube: ImageData, y0: int, y1: int, x0: int, x1: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per plane, the sum (float64) and count of the finite values of ``cube[:, y0:y1,
    x0:x1]``, read as float32 in chunks of planes of at most `SPECTRUM_CHUNK` elements."""
    nw = int(cube.shape[0])
    per_plane = max(1, (y1 - y0) * (x1 - x0))
    step = max(1, SPECTRUM_CHUNK // per_plane)
    sums = np.zeros(nw, dtype=np.float64)
    counts = np.zeros(nw, dtype=np.int64)
    for w0 in range(0, nw, step):
        w1 = min(nw, w0 + step)
        block = np.asarray(cube[w0:w1, y0:y1, x0:x1], dtype=np.float32).reshape(w1 - w0, -1)
        finite = np.isfinite(block)
        counts[w0:w1] = finite.sum(axis=1)
        sums[w0:w1] = np.where(finite, block, np.float32(0.0)).sum(axis=1, dtype=np.float64)
    return sums, counts


def spaxel_spectrum(
    cube: ImageData, x: float, y: float, wcs: Any = None, *, box: int = 1
) -> Spectrum:
    """The spectrum of a (wavelength, y, x) cube at pixel (x, y).

    `box` > 1 averages a box x box square of spaxels centred there (NaN ignored). Only
    those spaxels are read from a memory map. Wavelengths come from the cube's spectral
    WCS axis (micrometres for wavelength axes), or are plane numbers without one.
    Raises `NotFound` (code ``spaxel_out_of_range``) outside the cube.
    """
    if cube.ndim != 3:
        raise BadRequest("spaxel_spectrum needs a 3-D cube", code="not_a_cube")
    if not 1 <= box <= 99:
        raise BadRequest("box must be 1 to 99 spaxels", code="invalid_box")
    nw, ny, nx = cube.shape
    ix, iy = pixel_index(x, y)
    if not (0 <= ix < nx and 0 <= iy < ny):
        raise NotFound(
            f"spaxel ({x}, {y}) is outside the {nx} x {ny} cube", code="spaxel_out_of_range"
        )
    half = box // 2
    x0, x1 = max(0, ix - half), min(nx, ix - half + box)
    y0, y1 = max(0, iy - half), min(ny, iy - half + box)
    sums, counts = _spectrum_sums(cube, y0, y1, x0, x1)
    values = np.full(nw, np.nan)
    np.divide(sums, counts, out=values, where=counts > 0)
    try:
        cube_wcs = None if wcs is None else as_wcs(wcs)
    except Unprocessable:
        cube_wcs = None
    wavelength, unit = _spectral_axis(cube_wcs, nw)
    return Spectrum(wavelength=wavelength, values=values, wavelength_unit=unit, x=ix, y=iy)


_WCS_KEY = re.compile(
    r"^(WCSAXES[A-Z]?|CRPIX\d+[A-Z]?|CRVAL\d+[A-Z]?|CDELT\d+[A-Z]?|CTYPE\d+[A-Z]?|"
    r"CUNIT\d+[A-Z]?|CROTA\d+|CD\d+_\d+[A-Z]?|PC\d+_\d+[A-Z]?|PV\d+_\d+[A-Z]?|"
    r"PS\d+_\d+[A-Z]?|LONPOLE[A-Z]?|LATPOLE[A-Z]?|RADESYS[A-Z]?|EQUINOX[A-Z]?|"
    r"A_ORDER|B_ORDER|AP_ORDER|BP_ORDER|A_DMAX|B_DMAX|[AB]P?_\d+_\d+|NAXIS\d*|"
    r"CRDER\d+|CSYER\d+|SPECSYS|SSYSOBS|VELOSYS|RESTFRQ|RESTWAV|MJDREF[IF]?|"
    r"BSCALE|BZERO|BLANK|LTV\d|LTM\d_\d)$"
)


def _sky_wcs(source: Any) -> WCS | None:
    """The celestial WCS of `source`, or None when there is none."""
    if source is None:
        return None
    try:
        return celestial_wcs(source)
    except Unprocessable:
        return None


_STRUCTURAL = frozenset(
    {
        "SIMPLE",
        "XTENSION",
        "BITPIX",
        "EXTEND",
        "PCOUNT",
        "GCOUNT",
        "CHECKSUM",
        "DATASUM",
        "S_REGION",
    }
)


def cutout(
    source: Any,
    centre: Any,
    size: Any,
    *,
    wcs: Any = None,
    mode: str = "trim",
    max_pixels: int | None = None,
) -> tuple[NDArray[Any], fits.Header]:
    """A cutout of a 2-D image as (data, header), with `astropy.nddata.Cutout2D`.

    `source` is an astropy ImageHDU (its header supplies the WCS and the other keywords
    kept in the cutout's header) or a 2-D array with `wcs`. `centre` is a pixel (x, y) or
    a SkyCoord; `size` pixels (int or (ny, nx)) or an angular Quantity. ``mode="trim"``
    cuts at the image edge, ``"partial"`` pads with NaN (float data only). The header's
    WCS is the cutout's, and LTV1/LTV2 record the offset of its origin in the image
    (image pixel = cutout pixel - LTV). Scaled integer data is read as stored and scaled
    for the cutout alone. More than `max_pixels` pixels raise `PayloadTooLarge`.
    """
    base_header: fits.Header | None = None
    if isinstance(source, fits.PrimaryHDU | fits.ImageHDU | fits.CompImageHDU):
        base_header = source.header.copy()
        data: ImageData = hdu_image(source)
        if wcs is None:
            wcs = source.header
    else:
        data = source
    if data.ndim != 2:
        raise BadRequest("cutouts are of 2-D images (one plane of a cube)", code="image_not_2d")
    cel = _sky_wcs(wcs)
    if mode not in ("trim", "partial"):
        raise BadRequest(f"mode must be trim or partial, not {mode!r}", code="invalid_mode")
    scaled = data if isinstance(data, ScaledArray) else None
    raw = scaled.raw if scaled is not None else data
    if mode == "partial" and np.dtype(raw.dtype).kind != "f":
        raise BadRequest("partial cutouts need float data", code="invalid_mode")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            cut = Cutout2D(raw, centre, size, wcs=cel, mode=mode, fill_value=np.nan, copy=False)
    except (ValueError, TypeError) as exc:
        raise Unprocessable(f"cutout not possible: {exc}", code="cutout_outside") from None
    ny, nx = cut.shape
    if max_pixels is not None and ny * nx > max_pixels:
        raise PayloadTooLarge(
            f"a {nx} x {ny} cutout is over the {max_pixels}-pixel limit",
            code="cutout_too_large",
            details={"pixels": ny * nx, "max_pixels": max_pixels},
        )
    values = scaled.convert(np.asarray(cut.data)) if scaled is not None else np.array(cut.data)
    if not values.dtype.isnative:
        values = values.astype(values.dtype.newbyteorder("="))
    header = fits.Header()
    if base_header is not None:
        for card in base_header.cards:
            keyword = card.keyword
            if keyword and keyword not in _STRUCTURAL and not _WCS_KEY.match(keyword):
                header.append(card)
    if cut.wcs is not None:
        header.update(cut.wcs.to_header(relax=True))
    # Where cutout pixel (0, 0) lies in the image (negative when padded beyond the edge).
    x0 = cut.input_position_original[0] - cut.input_position_cutout[0]
    y0 = cut.input_position_original[1] - cut.input_position_cutout[1]
    header["LTV1"] = (-float(x0), "image pixel = cutout pixel - LTV1")
    header["LTV2"] = (-float(y0), "image pixel = cutout pixel - LTV2")
    return values, header
