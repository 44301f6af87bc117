"""Celestial WCS helpers shared by the grid, measurements and exports.

Pixel coordinates everywhere in `webbscope.imaging` are 0-based FITS pixel coordinates
unless a name says otherwise: x along a row (numpy axis -1), y along a column (numpy axis
-2, increasing upwards: FITS row 0 is the bottom of the picture), pixel centres at
integers. `fits_to_display` and `display_to_fits` convert to and from the north-up
picture the tiles show: (u, v) in source-pixel units from its top-left corner.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS, Sip
from numpy.typing import NDArray

from webbscope.errors import Unprocessable

#: FITS keywords of a celestial WCS (linear part, projection, frame and SIP distortion).
SPATIAL_WCS_KEY = re.compile(
    r"^(WCSAXES|WCSNAME|CRPIX\d|CRVAL\d|CDELT\d|CTYPE\d|CUNIT\d|CROTA\d|CD\d_\d|PC\d_\d|"
    r"PV\d_\d+|PS\d_\d+|LONPOLE|LATPOLE|RADESYS|EQUINOX|[AB]P?_\d+_\d+|[AB]P?_ORDER|"
    r"[AB]_DMAX)$"
)


def as_wcs(source: Any) -> WCS:
    """A WCS from a WCS, an astropy Header or a dict of cards (`Unprocessable`, code
    ``invalid_wcs``, when wcslib refuses it)."""
    if isinstance(source, WCS):
        return source
    header = source if isinstance(source, fits.Header) else fits.Header(dict(source))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        try:
            return WCS(header, relax=True)
        except Exception as exc:  # wcslib refuses inconsistent axes, units, projections
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise Unprocessable(
                f"the image's WCS cannot be used: {first[:200]}", code="invalid_wcs"
            ) from None


def celestial_wcs(source: Any, pixel_axes: tuple[int, int] | None = None) -> WCS:
    """The two celestial axes of `source` (see `as_wcs`), distortions kept.

    `pixel_axes` (0-based FITS axes: x, y) names the two axes an image is shown along when
    others were dropped (`viewed_axes`); the WCS of exactly those axes is returned, and it
    must be celestial. Raises `Unprocessable` (code ``no_celestial_wcs``) when there is none.
    """
    wcs = as_wcs(source)
    if not wcs.has_celestial:
        raise Unprocessable("the image has no celestial WCS", code="no_celestial_wcs")
    if pixel_axes is not None and wcs.naxis > 2:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyWarning)
                shown = wcs.sub([pixel_axes[0] + 1, pixel_axes[1] + 1])
        except Exception:
            shown = None
        if shown is None or not shown.has_celestial:
            raise Unprocessable(
                "the axes the image is shown along are not its celestial ones",
                code="no_celestial_wcs",
            )
        return shown
    if wcs.naxis == 2:
        return wcs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        try:
            return wcs.celestial
        except Exception:  # wcslib cannot separate them (a rotated spectral axis, ...)
            raise Unprocessable(
                "the image's celestial axes cannot be separated from its other axes",
                code="no_celestial_wcs",
            ) from None


def frame_name(wcs: WCS) -> tuple[str, bool]:
    """The name of a celestial WCS's frame as the viewer labels it, and whether it is
    equatorial: its RADESYS (``ICRS``, ``FK5``, ``FK4``, ...) for RA/Dec axes, else
    ``galactic``, ``ecliptic``, ``supergalactic`` or the axis type in lower case."""
    ctype = str(wcs.wcs.ctype[lonlat_axes(wcs)[0]])
    if ctype.startswith("RA"):
        return (str(wcs.wcs.radesys).strip() or "ICRS"), True
    names = {"GLON": "galactic", "ELON": "ecliptic", "SLON": "supergalactic"}
    kind = ctype[:4].rstrip("-")
    return names.get(kind, kind.lower() or "unknown"), False


def lonlat_axes(wcs: WCS) -> tuple[int, int]:
    lng, lat = int(wcs.wcs.lng), int(wcs.wcs.lat)
    return (lng, lat) if lng >= 0 and lat >= 0 else (0, 1)


def pix2world(
    wcs: WCS, x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lon, lat) in degrees of 0-based pixel coordinates, distortions applied."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", AstropyWarning)
        world = wcs.all_pix2world(np.column_stack([x, y]), 0)
    lon_axis, lat_axis = lonlat_axes(wcs)
    return world[:, lon_axis], world[:, lat_axis]


def world2pix(
    wcs: WCS, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """0-based pixel coordinates of (lon, lat) in degrees; NaN where not computable."""
    lon_axis, lat_axis = lonlat_axes(wcs)
    world = np.empty((len(lon), 2))
    world[:, lon_axis] = lon
    world[:, lat_axis] = lat
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", AstropyWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if wcs.sip is not None or wcs.cpdis1 is not None or wcs.det2im1 is not None:
            pix = wcs.all_world2pix(world, 0, quiet=True)
        else:
            pix = wcs.wcs_world2pix(world, 0)
    return pix[:, 0], pix[:, 1]


def local_scale_arcsec(wcs: WCS, x: float, y: float) -> float:
    """Angular size of one pixel (geometric mean of both axes) at pixel (x, y), arcsec."""
    lon, lat = pix2world(wcs, np.array([x, x + 1.0, x]), np.array([y, y, y + 1.0]))
    sx = _separation_deg(lon[0], lat[0], lon[1], lat[1])
    sy = _separation_deg(lon[0], lat[0], lon[2], lat[2])
    return math.sqrt(sx * sy) * 3600.0


def _separation_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (Vincenty formula, stable at all separations)."""
    l1, b1, l2, b2 = map(math.radians, (lon1, lat1, lon2, lat2))
    dl = l2 - l1
    num = math.hypot(
        math.cos(b2) * math.sin(dl),
        math.cos(b1) * math.sin(b2) - math.sin(b1) * math.cos(b2) * math.cos(dl),
    )
    den = math.sin(b1) * math.sin(b2) + math.cos(b1) * math.cos(b2) * math.cos(dl)
    return math.degrees(math.atan2(num, den))


def downsampled_wcs(wcs: WCS, scale: int) -> WCS:
    """The WCS of an image reduced by `scale` x `scale` blocks anchored at pixel 0
    (tile levels, thumbnails, exports): reduced pixel i covers source pixels
    ``[i * scale, (i + 1) * scale)``."""
    if scale == 1:
        return wcs.deepcopy()
    out = wcs.deepcopy()
    s = float(scale)
    crpix = (np.asarray(wcs.wcs.crpix) + s / 2.0 - 0.5) / s
    out.wcs.crpix = crpix
    if out.wcs.has_cd():
        out.wcs.cd = np.asarray(wcs.wcs.cd) * s
    else:
        out.wcs.cdelt = np.asarray(wcs.wcs.cdelt) * s
    if wcs.sip is not None:
        # u = s u' in source pixels, so A_pq u^p v^q = s * (A_pq s^(p+q-1)) u'^p v'^q.
        def rescale(m: NDArray[np.float64] | None) -> NDArray[np.float64] | None:
            if m is None:
                return None
            p, q = np.indices(m.shape)
            return np.asarray(m) * s ** (p + q - 1.0)

        sip = wcs.sip
        out.sip = Sip(rescale(sip.a), rescale(sip.b), rescale(sip.ap), rescale(sip.bp), crpix)
    if wcs.pixel_shape is not None:
        nx, ny = wcs.pixel_shape
        out.pixel_shape = (-(-int(nx) // scale), -(-int(ny) // scale))
    out.wcs.set()
    return out


def fits_to_display(x: float, y: float, shape: tuple[int, ...]) -> tuple[float, float]:
    """FITS pixel (x, y) -> (u, v) from the top-left corner of the north-up picture."""
    return x + 0.5, shape[-2] - 0.5 - y


def display_to_fits(u: float, v: float, shape: tuple[int, ...]) -> tuple[float, float]:
    """(u, v) from the top-left corner of the north-up picture -> FITS pixel (x, y)."""
    return u - 0.5, shape[-2] - 0.5 - v


def cdelt_crota(wcs: WCS) -> tuple[float, float, float] | None:
    """(cdelt1, cdelt2, crota2 in degrees) equivalent to the linear part of `wcs`, or None
    when the matrix is skewed (Calabretta & Greisen 2002, section 6.2)."""
    pc = wcs.wcs.get_pc()
    cdelt = wcs.wcs.get_cdelt()
    cd11, cd12 = cdelt[0] * pc[0, 0], cdelt[0] * pc[0, 1]
    cd21, cd22 = cdelt[1] * pc[1, 0], cdelt[1] * pc[1, 1]
    rho_a = math.atan2(cd21, cd11) if cd21 > 0 else (0.0 if cd21 == 0 else math.atan2(-cd21, -cd11))
    rho_b = math.atan2(cd12, -cd22) if cd12 > 0 else (0.0 if cd12 == 0 else math.atan2(-cd12, cd22))
    diff = abs(rho_a - rho_b)
    if diff > math.pi:
        diff -= 2 * math.pi
    if diff > 1e-10:
        return None
    rho = 0.5 * (rho_a + rho_b)
    if abs(math.cos(rho)) > 0.5:
        cdelt1, cdelt2 = cd11 / math.cos(rho), cd22 / math.cos(rho)
    else:
        cdelt1, cdelt2 = cd21 / math.sin(rho), -cd12 / math.sin(rho)
    return float(cdelt1), float(cdelt2), math.degrees(rho) % 360.0
