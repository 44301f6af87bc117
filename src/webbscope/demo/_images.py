"""Level-3 `_i2d` mosaics and level-2 `_cal` exposures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy.wcs import WCS

from webbscope.demo._catalogue import Catalogue
from webbscope.demo._io import image_hdu, primary_hdu
from webbscope.demo._keywords import Exposure, primary_cards
from webbscope.demo._render import (
    SR_PER_ARCSEC2,
    pixel_area_sr,
    render_scene,
    render_sources,
)
from webbscope.demo._scene import Scene, sed_value
from webbscope.demo._sky import Cards, footprint_region, make_wcs, sip_cards, tan_cards
from webbscope.fits import DQ_FLAGS

DO_NOT_USE = DQ_FLAGS["DO_NOT_USE"]
SATURATED = DQ_FLAGS["SATURATED"]


@dataclass(frozen=True)
class ImagePlan:
    """Where a demo image points and how it is laid out."""

    exposure: Exposure
    crval: tuple[float, float]
    rotation_deg: float
    shape: tuple[int, int]
    footprint_angle_deg: float = 8.0
    background_offset: float = 0.0


def n_pixels(field_arcsec: float, scale_arcsec: float) -> int:
    return max(16, round(field_arcsec / scale_arcsec))


def _truth(
    plan: ImagePlan,
    wcs: WCS,
    scene: Scene,
    catalogue: Catalogue,
    field_arcsec: float,
    spike_angle_deg: float,
) -> np.ndarray:
    band = plan.exposure.band
    truth = render_scene(scene, band.pivot_um, wcs, plan.shape, plan.exposure.target, field_arcsec)
    truth += plan.background_offset
    render_sources(
        truth,
        wcs,
        catalogue,
        band.pivot_um,
        band.fwhm_arcsec,
        band.pixel_scale,
        band.noise,
        spike_angle_deg,
    )
    return truth


def _variances(
    truth: np.ndarray, coverage: np.ndarray, noise: float, background: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(VAR_POISSON, VAR_RNOISE, VAR_FLAT) for a depth map `coverage` (1 = full depth)."""
    depth = np.maximum(coverage, 1e-3)
    var_rnoise = noise**2 / depth
    var_poisson = np.clip(truth, 0.0, None) * (noise**2 / max(background, 1e-3)) / depth
    var_flat = (0.004 * truth) ** 2
    return var_poisson, var_rnoise, var_flat


def _science_cards(
    plan: ImagePlan,
    wcs_cards: Cards,
    wcs: WCS,
    extra: Cards = (),  # type: ignore[assignment]
) -> Cards:
    band = plan.exposure.band
    ny, nx = plan.shape
    cards: Cards = [
        ("BUNIT", "MJy/sr", "physical units of the array values"),
        ("XPOSURE", band.exptime, "[s] Effective exposure time"),
        ("TELAPSE", plan.exposure.duration, "[s] Total duration of exposure"),
        ("PIXAR_SR", pixel_area_sr(band.pixel_scale), "Nominal pixel area in steradians"),
        ("PIXAR_A2", round(band.pixel_scale**2, 8), "Nominal pixel area in arcsec^2"),
    ]
    cards += extra or []
    cards += wcs_cards
    cards.append(("S_REGION", footprint_region(wcs, nx, ny), "spatial extent of the observation"))
    return cards


def make_i2d(
    plan: ImagePlan,
    scene: Scene,
    catalogue: Catalogue,
    field_arcsec: float,
    rng: np.random.Generator,
) -> list[Any]:
    """A level-3 resampled image: SCI, ERR, DQ, WHT, CON, VAR_POISSON/RNOISE/FLAT."""
    band = plan.exposure.band
    ny, nx = plan.shape
    wcs_cards = tan_cards(plan.crval, plan.shape, band.pixel_scale, plan.rotation_deg)
    wcs = make_wcs(wcs_cards, plan.shape)
    truth = _truth(plan, wcs, scene, catalogue, field_arcsec, plan.rotation_deg - 20.0)

    # The combined exposures cover a rotated rectangle; outside it the mosaic is empty.
    yy, xx = np.mgrid[0:ny, 0:nx].astype(float)
    phi = math.radians(plan.footprint_angle_deg)
    cx, cy = (nx - 1) / 2.0, (ny - 1) / 2.0
    du = (xx - cx) * math.cos(phi) + (yy - cy) * math.sin(phi)
    dv = -(xx - cx) * math.sin(phi) + (yy - cy) * math.cos(phi)
    hu, hv = 0.47 * nx, 0.47 * ny
    valid = (np.abs(du) <= hu) & (np.abs(dv) <= hv)
    edge = np.minimum((hu - np.abs(du)) / nx, (hv - np.abs(dv)) / ny)
    coverage = 0.55 + 0.45 * np.clip(edge / 0.04, 0.0, 1.0)
    gap = np.zeros(plan.shape, dtype=bool)
    if band.channel == "SHORT":  # the gaps between the four short-wavelength detectors
        gap = (np.abs(du) < 0.012 * nx) | (np.abs(dv) < 0.012 * ny)
        coverage = np.where(gap, coverage * 0.5, coverage)
    background = float(sed_value(scene.seds["background"], band.pivot_um))
    var_p, var_r, var_f = _variances(truth, coverage, band.noise, background)
    err = np.sqrt(var_p + var_r + var_f)
    sci = truth + err * rng.standard_normal(plan.shape)

    dq = np.zeros(plan.shape, dtype=np.uint32)
    outlier = rng.random(plan.shape) < 2e-4
    dq[outlier] |= DQ_FLAGS["OUTLIER"]
    saturated = truth > band.saturation
    dq[saturated] |= DO_NOT_USE | SATURATED
    dq[~valid] = DO_NOT_USE | DQ_FLAGS["NON_SCIENCE"]
    empty = ~valid | saturated
    for array in (sci, err, var_p, var_r, var_f):
        array[empty] = np.nan
    wht = np.where(valid, band.exptime * coverage, 0.0)
    wht[saturated] = 0.0
    con = np.where(valid, np.where(gap, 5, 15), 0).astype(np.int32)[np.newaxis]

    variance_cards: Cards = [("BUNIT", "(MJy/sr)**2", "physical units of the array values")]
    return [
        primary_hdu(primary_cards(plan.exposure)),
        image_hdu("SCI", sci.astype(np.float32), _science_cards(plan, wcs_cards, wcs)),
        image_hdu(
            "ERR", err.astype(np.float32), [("BUNIT", "MJy/sr", "physical units of the array")]
        ),
        image_hdu("DQ", dq),
        image_hdu("WHT", wht.astype(np.float32)),
        image_hdu("CON", con),
        image_hdu("VAR_POISSON", var_p.astype(np.float32), variance_cards),
        image_hdu("VAR_RNOISE", var_r.astype(np.float32), variance_cards),
        image_hdu("VAR_FLAT", var_f.astype(np.float32), variance_cards),
    ]


def _pixel_area_map(wcs: WCS, shape: tuple[int, int]) -> np.ndarray:
    """Relative pixel area from the SIP distortion (the Jacobian of pixel -> focal plane)."""
    ny, nx = shape
    area = np.empty(shape)
    xs = np.arange(nx, dtype=float)
    rows = max(1, (1 << 17) // nx)
    for y0 in range(0, ny, rows):
        x, y = np.meshgrid(xs, np.arange(y0, min(ny, y0 + rows), dtype=float))
        pts = np.column_stack([x.ravel(), y.ravel()])
        half = np.array([0.5, 0.0])
        fx0, fx1 = wcs.sip_pix2foc(pts - half, 0), wcs.sip_pix2foc(pts + half, 0)
        fy0, fy1 = wcs.sip_pix2foc(pts - half[::-1], 0), wcs.sip_pix2foc(pts + half[::-1], 0)
        jx, jy = fx1 - fx0, fy1 - fy0
        det = jx[:, 0] * jy[:, 1] - jx[:, 1] * jy[:, 0]
        area[y0 : y0 + x.shape[0]] = np.abs(det).reshape(x.shape)
    return area


def make_cal(
    plan: ImagePlan,
    scene: Scene,
    catalogue: Catalogue,
    field_arcsec: float,
    rng: np.random.Generator,
) -> list[Any]:
    """A level-2 calibrated detector image with SIP distortion: SCI, ERR, DQ, AREA, VAR_*."""
    band = plan.exposure.band
    _ny, nx = plan.shape
    wcs_cards = tan_cards(
        plan.crval, plan.shape, band.pixel_scale, plan.rotation_deg, cd=True, sip=True
    )
    wcs_cards += sip_cards(rng, nx)
    wcs = make_wcs(wcs_cards, plan.shape)
    truth = _truth(plan, wcs, scene, catalogue, field_arcsec, 0.0)
    area = _pixel_area_map(wcs, plan.shape)

    background = float(sed_value(scene.seds["background"], band.pivot_um))
    noise = band.noise * 4.0  # one exposure, not a combination of several
    var_p, var_r, var_f = _variances(truth, np.ones(plan.shape), noise, background)
    err = np.sqrt(var_p + var_r + var_f)
    sci = truth + err * rng.standard_normal(plan.shape)

    dq = np.zeros(plan.shape, dtype=np.uint32)
    ref = np.ones(plan.shape, dtype=bool)
    ref[4:-4, 4:-4] = False
    dq[ref] |= DQ_FLAGS["REFERENCE_PIXEL"] | DO_NOT_USE
    draw = rng.random(plan.shape)
    hot = draw < 5e-4
    dead = (draw >= 5e-4) & (draw < 7e-4)
    warm = (draw >= 7e-4) & (draw < 3.7e-3)
    jump = (draw >= 3.7e-3) & (draw < 5.7e-3)
    dq[hot] |= DQ_FLAGS["HOT"] | DO_NOT_USE
    dq[dead] |= DQ_FLAGS["DEAD"] | DO_NOT_USE
    dq[warm] |= DQ_FLAGS["WARM"]
    dq[jump] |= DQ_FLAGS["JUMP_DET"]
    sci[warm] += 5 * noise
    saturated = truth > band.saturation
    dq[saturated] |= DO_NOT_USE | SATURATED
    unusable = (dq & DO_NOT_USE) != 0
    for array in (sci, err, var_p, var_r, var_f):
        array[unusable] = np.nan

    photometry: Cards = [
        ("PHOTMJSR", 0.2158, "Flux density (MJy/steradian) producing 1 cps"),
        ("PHOTUJA2", 0.2158 * 1e12 * SR_PER_ARCSEC2, "Average flux density (uJy/arcsec2) per cps"),
    ]
    variance_cards: Cards = [("BUNIT", "(MJy/sr)**2", "physical units of the array values")]
    return [
        primary_hdu(primary_cards(plan.exposure)),
        image_hdu("SCI", sci.astype(np.float32), _science_cards(plan, wcs_cards, wcs, photometry)),
        image_hdu(
            "ERR", err.astype(np.float32), [("BUNIT", "MJy/sr", "physical units of the array")]
        ),
        image_hdu("DQ", dq),
        image_hdu("AREA", area.astype(np.float32)),
        image_hdu("VAR_POISSON", var_p.astype(np.float32), variance_cards),
        image_hdu("VAR_RNOISE", var_r.astype(np.float32), variance_cards),
        image_hdu("VAR_FLAT", var_f.astype(np.float32), variance_cards),
    ]
