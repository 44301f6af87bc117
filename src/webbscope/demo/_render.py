"""Render the sky (extended scene plus compact sources) through a WCS onto a pixel grid."""

from __future__ import annotations

import math
import warnings

import numpy as np
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from webbscope.demo._catalogue import Catalogue
from webbscope.demo._scene import Scene
from webbscope.demo._sky import to_standard
from webbscope.demo._targets import Target

SR_PER_ARCSEC2 = (math.pi / 180.0 / 3600.0) ** 2
MOFFAT_BETA = 2.5
_CHUNK_PIXELS = 1 << 18
_MAIN_SPIKES = (30.0, 90.0, 150.0, 210.0, 270.0, 330.0)
_STRUT_SPIKES = (0.0, 180.0)


def pixel_area_sr(scale_arcsec: float) -> float:
    return scale_arcsec**2 * SR_PER_ARCSEC2


def field_coords(
    wcs: WCS, x: np.ndarray, y: np.ndarray, target: Target, field_arcsec: float
) -> tuple[np.ndarray, np.ndarray]:
    """Field-unit offsets (u east, v north) from the target of 0-based pixel positions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        world = wcs.celestial.all_pix2world(np.column_stack([x.ravel(), y.ravel()]), 0)
    xi, eta = to_standard(world[:, 0], world[:, 1], target.ra, target.dec)
    return (xi / field_arcsec).reshape(x.shape), (eta / field_arcsec).reshape(x.shape)


def render_scene(
    scene: Scene,
    wavelength_um: float,
    wcs: WCS,
    shape: tuple[int, int],
    target: Target,
    field_arcsec: float,
) -> np.ndarray:
    """Surface brightness (MJy/sr) of the extended scene on an (ny, nx) grid."""
    ny, nx = shape
    out = np.empty((ny, nx))
    rows = max(1, _CHUNK_PIXELS // max(nx, 1))
    xs = np.arange(nx, dtype=float)
    for y0 in range(0, ny, rows):
        y1 = min(ny, y0 + rows)
        x, y = np.meshgrid(xs, np.arange(y0, y1, dtype=float))
        u, v = field_coords(wcs, x, y, target, field_arcsec)
        out[y0:y1] = scene.surface_brightness(u, v, wavelength_um)
    return out


def moffat_alpha(fwhm: float, beta: float = MOFFAT_BETA) -> float:
    return fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))


def psf_stamp(
    dx0: float,
    dy0: float,
    radius: int,
    fwhm: float,
    axis_ratio: float = 1.0,
    pa_rad: float = 0.0,
    spikes: float = 0.0,
    spike_angle_deg: float = 0.0,
) -> np.ndarray:
    """A (2r+1)^2 stamp of a unit-flux elliptical Moffat (plus diffraction spikes).

    (dx0, dy0) is the source's offset from the stamp's central pixel. Truncation at the
    stamp edge loses the far wings, as a real finite aperture would.
    """
    sub = 3 if fwhm < 2.5 else 1
    offsets = (np.arange(sub) + 0.5) / sub - 0.5
    axis = (np.arange(-radius, radius + 1)[:, None] + offsets[None, :]).ravel()
    dx, dy = np.meshgrid(axis - dx0, axis - dy0)
    c, s = math.cos(pa_rad), math.sin(pa_rad)
    xr = dx * c + dy * s
    yr = (-dx * s + dy * c) / axis_ratio
    alpha = moffat_alpha(fwhm)
    norm = (MOFFAT_BETA - 1.0) / (math.pi * alpha**2 * axis_ratio)
    profile = norm * (1.0 + (xr**2 + yr**2) / alpha**2) ** (-MOFFAT_BETA)
    if spikes > 0:
        spike = np.zeros_like(profile)
        width = 0.45 * fwhm
        for angles, weight in ((_MAIN_SPIKES, 1.0), (_STRUT_SPIKES, 0.3)):
            for angle in angles:
                a = math.radians(angle + spike_angle_deg)
                along = dx * math.cos(a) + dy * math.sin(a)
                perp = -dx * math.sin(a) + dy * math.cos(a)
                decay = (1.0 + np.clip(along, 0, None) / fwhm) ** -1.8
                spike += weight * (along > 0) * decay * np.exp(-0.5 * (perp / width) ** 2)
        spike *= 1.0 / float(spike.sum())
        profile = (1.0 - spikes) * profile + spikes * spike * (sub * sub)
    n = 2 * radius + 1
    return np.asarray(profile.reshape(n, sub, n, sub).mean(axis=(1, 3)))


def render_sources(
    image: np.ndarray,
    wcs: WCS,
    catalogue: Catalogue,
    wavelength_um: float,
    fwhm_arcsec: float,
    scale_arcsec: float,
    noise: float,
    spike_angle_deg: float = 0.0,
) -> None:
    """Add the catalogue's sources to `image` (MJy/sr), in place."""
    ny, nx = image.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        pix = wcs.celestial.all_world2pix(np.column_stack([catalogue.ra, catalogue.dec]), 0)
    total = catalogue.flux(wavelength_um) * 1e-6 / pixel_area_sr(scale_arcsec)
    fwhm_psf = fwhm_arcsec / scale_arcsec
    for i in range(len(catalogue)):
        x, y = float(pix[i, 0]), float(pix[i, 1])
        fwhm = math.hypot(fwhm_psf, catalogue.size_arcsec[i] / scale_arcsec)
        q = float(catalogue.axis_ratio[i])
        peak = total[i] * 0.61 / (fwhm**2 * q)
        snr = max(peak / noise, 1.0)
        bright = catalogue.size_arcsec[i] == 0 and snr > 300
        radius = int(np.clip(fwhm * (2.5 + 3.0 * math.log10(snr)), 4, 110 if bright else 50))
        if not (-radius <= x < nx + radius and -radius <= y < ny + radius):
            continue
        ix, iy = round(x), round(y)
        stamp = psf_stamp(
            x - ix,
            y - iy,
            radius,
            fwhm,
            q,
            math.radians(float(catalogue.pa_deg[i])),
            spikes=0.12 if bright else 0.0,
            spike_angle_deg=spike_angle_deg,
        )
        x0, y0 = ix - radius, iy - radius
        sx0, sy0 = max(0, -x0), max(0, -y0)
        sx1 = min(stamp.shape[1], nx - x0)
        sy1 = min(stamp.shape[0], ny - y0)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        image[y0 + sy0 : y0 + sy1, x0 + sx0 : x0 + sx1] += total[i] * stamp[sy0:sy1, sx0:sx1]
