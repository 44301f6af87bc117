"""Celestial footprint, centre, pixel scale and spectral axis from a header's WCS.

Positions are ICRS whatever the frame of the WCS (converted with astropy's coordinates).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import (
    ICRS,
    BarycentricMeanEcliptic,
    BaseCoordinateFrame,
    Galactic,
    SkyCoord,
    Supergalactic,
)
from astropy.time import Time
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales, wcs_to_celestial_frame

from webbscope.domain.fits_metadata import SpectralAxis

Corner = tuple[float, float]


def header_wcs(header: Any, fobj: Any = None) -> WCS | None:
    """The WCS a header describes (SIP and other distortions included), or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        try:
            return WCS(header, fobj=fobj, relax=True)
        except Exception:
            return None


def celestial_part(wcs: WCS | None) -> WCS | None:
    """The two celestial axes of a WCS (SIP kept), or None if it has none."""
    if wcs is None or not wcs.has_celestial:
        return None
    if wcs.naxis == 2:
        return wcs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        try:
            return wcs.celestial
        except Exception:  # wcslib cannot separate them (a rotated spectral axis, ...)
            return None


def sky_frame(wcs: WCS) -> BaseCoordinateFrame | None:
    """The astropy frame of a celestial WCS's longitude and latitude, or None when it is not
    one on the sky (helioprojective, planetary, ...).

    Equatorial axes follow RADESYS and EQUINOX (ICRS, FK5, FK4, ...), as astropy reads them;
    ecliptic axes are the barycentric mean ecliptic of EQUINOX (J2000 without one).
    """
    kind = str(wcs.wcs.ctype[int(max(0, wcs.wcs.lng))])[:4].rstrip("-").upper()
    try:
        if kind == "RA":
            return wcs_to_celestial_frame(wcs)
        if kind == "GLON":
            return Galactic()
        if kind == "SLON":
            return Supergalactic()
        if kind == "ELON":
            equinox = float(wcs.wcs.equinox) if math.isfinite(wcs.wcs.equinox) else 2000.0
            return BarycentricMeanEcliptic(equinox=Time(equinox, format="jyear"))
    except Exception:  # an equinox or system astropy cannot use
        return None
    return None


def _lonlat(wcs: WCS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ICRS right ascension and declination of pixels, in degrees (NaN where undefined)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        world = wcs.all_pix2world(np.column_stack([x, y]), 0)
        lon_axis, lat_axis = _celestial_order(wcs)
        lon, lat = world[:, lon_axis], world[:, lat_axis]
        frame = sky_frame(wcs)
        if frame is None:
            raise ValueError("the WCS is not on the celestial sphere")
        if isinstance(frame, ICRS) or not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
            return lon, lat
        icrs = SkyCoord(lon * u.deg, lat * u.deg, frame=frame).icrs
        return icrs.ra.deg, icrs.dec.deg


def _celestial_order(wcs: WCS) -> tuple[int, int]:
    lng, lat = int(wcs.wcs.lng), int(wcs.wcs.lat)
    return (lng, lat) if lng >= 0 and lat >= 0 else (0, 1)


def footprint_from_wcs(wcs: WCS | None, nx: int, ny: int) -> list[Corner] | None:
    """The four corners (ra, dec) in degrees (ICRS) of an nx x ny image, RA in [0, 360).

    A WCS in another frame (galactic, FK4, FK5, ecliptic, ...) is converted to ICRS; one
    that is not on the sky (see `sky_frame`) has no footprint.

    Corners are the outer edges of the corner pixels, in the order (0, 0), (0, ny), (nx, ny),
    (nx, 0) in pixel space; distortion (SIP) is applied. None when not computable.
    """
    cel = celestial_part(wcs)
    if cel is None or nx <= 0 or ny <= 0:
        return None
    x = np.array([-0.5, -0.5, nx - 0.5, nx - 0.5])
    y = np.array([-0.5, ny - 0.5, ny - 0.5, -0.5])
    try:
        ra, dec = _lonlat(cel, x, y)
    except Exception:
        return None
    if not (np.all(np.isfinite(ra)) and np.all(np.isfinite(dec))):
        return None
    return [(float(r % 360.0), float(d)) for r, d in zip(ra, dec, strict=True)]


def center_from_wcs(wcs: WCS | None, nx: int, ny: int) -> Corner | None:
    """(ra, dec) in degrees (ICRS) of the centre of an nx x ny image (see `footprint_from_wcs`)."""
    cel = celestial_part(wcs)
    if cel is None:
        return None
    try:
        ra, dec = _lonlat(cel, np.array([(nx - 1) / 2]), np.array([(ny - 1) / 2]))
    except Exception:
        return None
    if not (math.isfinite(ra[0]) and math.isfinite(dec[0])):
        return None
    return float(ra[0] % 360.0), float(dec[0])


def pixel_scale_arcsec(wcs: WCS | None) -> float | None:
    """Mean linear pixel scale (square root of the pixel area) in arcseconds."""
    cel = celestial_part(wcs)
    if cel is None:
        return None
    try:
        scales = proj_plane_pixel_scales(cel)
    except Exception:
        return None
    units = [u.Unit(str(c) or "deg") for c in cel.wcs.cunit]
    arcsec = [float((s * unit).to_value(u.arcsec)) for s, unit in zip(scales, units, strict=True)]
    value = math.sqrt(abs(arcsec[0] * arcsec[1]))
    return float(f"{value:.10g}") if math.isfinite(value) and value > 0 else None


def spectral_axis(wcs: WCS | None, header: Any, axes: tuple[int, ...]) -> SpectralAxis | None:
    """The spectral axis of a cube (header order `axes` = NAXIS1..n), in the header's units."""
    if len(axes) < 3:
        return None
    index = int(wcs.wcs.spec) if wcs is not None and wcs.wcs.spec >= 0 else 2
    if index >= len(axes):
        return None
    fits_axis = index + 1
    size = int(axes[index])
    ctype = _text(header.get(f"CTYPE{fits_axis}"))
    cunit = _text(header.get(f"CUNIT{fits_axis}"))
    first = last = None
    if wcs is not None and wcs.wcs.spec >= 0 and size > 0:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyWarning)
                spec = wcs.sub([fits_axis])
                values = spec.all_pix2world(np.array([[0.0], [size - 1.0]]), 0)[:, 0]
                wcs_unit = u.Unit(str(spec.wcs.cunit[0]) or "")
                if cunit:
                    values = (values * wcs_unit).to_value(
                        u.Unit(cunit, parse_strict="silent"), equivalencies=u.spectral()
                    )
            if np.all(np.isfinite(values)):
                first, last = float(values[0]), float(values[1])
        except Exception:
            first = last = None
    return SpectralAxis(axis=fits_axis, ctype=ctype, cunit=cunit, size=size, first=first, last=last)


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None
