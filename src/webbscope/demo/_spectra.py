"""An IFU `_s3d` cube and the `_x1d` spectrum extracted from it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy.io import fits

from webbscope.demo._catalogue import Catalogue
from webbscope.demo._io import image_hdu, primary_hdu
from webbscope.demo._keywords import Exposure, primary_cards
from webbscope.demo._render import field_coords, pixel_area_sr, psf_stamp
from webbscope.demo._scene import Scene, sed_value
from webbscope.demo._sky import ARCSEC, Cards, footprint_region, make_wcs
from webbscope.fits import DQ_FLAGS

CUBE_SHAPE = (481, 29, 33)  # (wavelength, y, x): non-square on purpose
WAVE_START_UM = 2.87
WAVE_STEP_UM = 0.005
SPAXEL_ARCSEC = 0.1
APERTURE_ARCSEC = 0.35


@dataclass(frozen=True)
class CubePlan:
    exposure: Exposure
    crval: tuple[float, float]


@dataclass(frozen=True)
class Cube:
    sci: np.ndarray
    err: np.ndarray
    dq: np.ndarray
    wavelength: np.ndarray
    pixar_sr: float


def wavelengths(n: int = CUBE_SHAPE[0]) -> np.ndarray:
    return WAVE_START_UM + WAVE_STEP_UM * np.arange(n)


def cube_wcs_cards(crval: tuple[float, float], shape: tuple[int, int, int]) -> Cards:
    _nw, ny, nx = shape
    s = SPAXEL_ARCSEC * ARCSEC
    return [
        ("WCSAXES", 3, "number of World Coordinate System axes"),
        ("CRPIX1", (nx + 1) / 2.0, "axis 1 coordinate of the reference pixel"),
        ("CRPIX2", (ny + 1) / 2.0, "axis 2 coordinate of the reference pixel"),
        ("CRPIX3", 1.0, "axis 3 coordinate of the reference pixel"),
        ("CRVAL1", float(crval[0]), "[deg] first axis value at the reference pixel"),
        ("CRVAL2", float(crval[1]), "[deg] second axis value at the reference pixel"),
        ("CRVAL3", WAVE_START_UM, "[um] third axis value at the reference pixel"),
        ("CTYPE1", "RA---TAN", "Axis 1 type"),
        ("CTYPE2", "DEC--TAN", "Axis 2 type"),
        ("CTYPE3", "WAVE", "Axis 3 type"),
        ("CUNIT1", "deg", "first spatial axis units"),
        ("CUNIT2", "deg", "second spatial axis units"),
        ("CUNIT3", "um", "spectral axis units"),
        ("CDELT1", s, "[deg] first axis increment per pixel"),
        ("CDELT2", s, "[deg] second axis increment per pixel"),
        ("CDELT3", WAVE_STEP_UM, "[um] third axis increment per pixel"),
        ("PC1_1", -1.0, "linear transformation matrix element"),
        ("PC1_2", 0.0, "linear transformation matrix element"),
        ("PC1_3", 0.0, "linear transformation matrix element"),
        ("PC2_1", 0.0, "linear transformation matrix element"),
        ("PC2_2", 1.0, "linear transformation matrix element"),
        ("PC2_3", 0.0, "linear transformation matrix element"),
        ("PC3_1", 0.0, "linear transformation matrix element"),
        ("PC3_2", 0.0, "linear transformation matrix element"),
        ("PC3_3", 1.0, "linear transformation matrix element"),
        ("RADESYS", "ICRS", "name of the coordinate reference frame"),
        ("SPECSYS", "BARYCENT", "spectral reference frame"),
    ]


def make_s3d(
    plan: CubePlan,
    scene: Scene,
    catalogue: Catalogue,
    field_arcsec: float,
    rng: np.random.Generator,
) -> tuple[list[Any], Cube]:
    """A level-3 IFU cube (SCI, ERR, DQ) with continuum, emission lines and point sources."""
    band = plan.exposure.band
    nw, ny, nx = CUBE_SHAPE
    lam = wavelengths(nw)
    wcs_cards = cube_wcs_cards(plan.crval, CUBE_SHAPE)
    wcs = make_wcs(wcs_cards, CUBE_SHAPE)
    cel = wcs.celestial

    x, y = np.meshgrid(np.arange(nx, dtype=float), np.arange(ny, dtype=float))
    u, v = field_coords(cel, x, y, plan.exposure.target, field_arcsec)
    maps = scene.maps(u, v)
    cube = np.zeros(CUBE_SHAPE)
    for name, sed in scene.seds.items():
        cube += sed_value(sed, lam)[:, None, None] * maps[name][None]
    for line in scene.lines:
        profile = np.exp(-0.5 * ((lam - line.wavelength_um) / line.sigma_um) ** 2)
        cube += (line.peak * profile)[:, None, None] * maps[line.component][None]

    pixar = pixel_area_sr(SPAXEL_ARCSEC)
    pix = cel.all_world2pix(np.column_stack([catalogue.ra, catalogue.dec]), 0)
    fwhm = band.fwhm_arcsec / SPAXEL_ARCSEC
    radius = 8
    ice = 1.0 - 0.6 * np.exp(-0.5 * ((lam - 4.27) / 0.012) ** 2)
    for i in range(len(catalogue)):
        px, py = float(pix[i, 0]), float(pix[i, 1])
        if not (-radius <= px < nx + radius and -radius <= py < ny + radius):
            continue
        ratio = lam / 2.0
        spectrum = catalogue.flux2[i] * ratio ** catalogue.alpha[i]
        spectrum = spectrum * np.exp(-catalogue.tau2[i] * ratio**-1.7)
        if catalogue.kind[i] == "yso":
            spectrum = spectrum * ice
        ix, iy = round(px), round(py)
        stamp = psf_stamp(px - ix, py - iy, radius, fwhm)
        x0, y0 = ix - radius, iy - radius
        sx0, sy0 = max(0, -x0), max(0, -y0)
        sx1, sy1 = min(stamp.shape[1], nx - x0), min(stamp.shape[0], ny - y0)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        sb = spectrum * 1e-6 / pixar
        cube[:, y0 + sy0 : y0 + sy1, x0 + sx0 : x0 + sx1] += (
            sb[:, None, None] * stamp[None, sy0:sy1, sx0:sx1]
        )

    sigma = band.noise * (1.0 + 0.4 * ((lam - 4.0) / 1.2) ** 2)
    err = np.sqrt(sigma[:, None, None] ** 2 + 0.002 * np.abs(cube))
    sci = cube + err * rng.standard_normal(CUBE_SHAPE)

    # The IFU slices cover a tilted square; spaxels outside it are empty.
    phi = math.radians(12.0)
    cx, cy = (nx - 1) / 2.0, (ny - 1) / 2.0
    du = (x - cx) * math.cos(phi) + (y - cy) * math.sin(phi)
    dv = -(x - cx) * math.sin(phi) + (y - cy) * math.cos(phi)
    valid = (np.abs(du) <= 0.43 * nx) & (np.abs(dv) <= 0.43 * ny)
    dq = np.zeros(CUBE_SHAPE, dtype=np.uint32)
    dq[:, ~valid] = DQ_FLAGS["DO_NOT_USE"] | DQ_FLAGS["NON_SCIENCE"]
    sci[:, ~valid] = np.nan
    err[:, ~valid] = np.nan

    sci_cards: Cards = [
        ("BUNIT", "MJy/sr", "physical units of the array values"),
        ("XPOSURE", band.exptime, "[s] Effective exposure time"),
        ("PIXAR_SR", pixar, "Nominal pixel area in steradians"),
        ("PIXAR_A2", round(SPAXEL_ARCSEC**2, 8), "Nominal pixel area in arcsec^2"),
        ("SRCTYPE", "EXTENDED", "Source type used for calibration"),
    ]
    sci_cards += wcs_cards
    sci_cards.append(("S_REGION", footprint_region(wcs, nx, ny), "spatial extent"))
    hdus = [
        primary_hdu(primary_cards(plan.exposure)),
        image_hdu("SCI", sci.astype(np.float32), sci_cards),
        image_hdu("ERR", err.astype(np.float32), [("BUNIT", "MJy/sr", "units")]),
        image_hdu("DQ", dq),
    ]
    return hdus, Cube(
        sci=sci.astype(np.float32),
        err=err.astype(np.float32),
        dq=dq,
        wavelength=lam,
        pixar_sr=pixar,
    )


def make_x1d(exposure: Exposure, cube: Cube) -> list[Any]:
    """A level-3 spectrum: an aperture sum over the centre of the cube (EXTRACT1D table)."""
    nw, ny, nx = cube.sci.shape
    y, x = np.mgrid[0:ny, 0:nx]
    r = np.hypot(x - (nx - 1) / 2.0, y - (ny - 1) / 2.0) * SPAXEL_ARCSEC
    aperture = r <= APERTURE_ARCSEC
    sb = cube.sci[:, aperture].astype(float)
    err = cube.err[:, aperture].astype(float)
    good = np.isfinite(sb)
    n_good = good.sum(axis=1)
    flux_mjy = np.where(good, sb, 0.0).sum(axis=1) * cube.pixar_sr
    flux_err = np.sqrt(np.where(good, err**2, 0.0).sum(axis=1)) * cube.pixar_sr
    with np.errstate(invalid="ignore", divide="ignore"):
        surf = np.where(n_good > 0, flux_mjy / cube.pixar_sr / np.maximum(n_good, 1), np.nan)
        sb_err = np.where(n_good > 0, flux_err / cube.pixar_sr / np.maximum(n_good, 1), np.nan)
    dq = np.where(n_good < aperture.sum(), DQ_FLAGS["DO_NOT_USE"], 0).astype(np.uint32)
    columns = [
        fits.Column(name="WAVELENGTH", format="D", unit="um", array=cube.wavelength),
        fits.Column(name="FLUX", format="D", unit="Jy", array=flux_mjy * 1e6),
        fits.Column(name="FLUX_ERROR", format="D", unit="Jy", array=flux_err * 1e6),
        fits.Column(name="SURF_BRIGHT", format="D", unit="MJy/sr", array=surf),
        fits.Column(name="SB_ERROR", format="D", unit="MJy/sr", array=sb_err),
        fits.Column(name="DQ", format="J", bzero=2**31, array=dq),
        fits.Column(name="BACKGROUND", format="D", unit="MJy/sr", array=np.zeros(nw)),
        fits.Column(name="NPIXELS", format="D", array=n_good.astype(float)),
    ]
    table = fits.BinTableHDU.from_columns(columns, name="EXTRACT1D")
    for key, value, comment in (
        ("SRCTYPE", "POINT", "Source type used for calibration"),
        ("EXTR_X", (nx - 1) / 2.0, "[pixel] x centre of the extraction aperture"),
        ("EXTR_Y", (ny - 1) / 2.0, "[pixel] y centre of the extraction aperture"),
        ("EXTR_R", APERTURE_ARCSEC, "[arcsec] radius of the extraction aperture"),
    ):
        table.header[key] = (value, comment)
    return [primary_hdu(primary_cards(exposure)), table]
