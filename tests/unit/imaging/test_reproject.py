"""Reprojection against `reproject` (the reference) on real-shaped JWST headers: the demo
products' i2d grids (NIRCam 0.031"/0.063" and MIRI 0.11" pixels, rotated against each other),
partial overlap (Stephan's Quintet pointings), SIP (a level-2 cal file) and galactic frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from reproject import reproject_adaptive, reproject_interp

from webbscope.errors import Unprocessable
from webbscope.imaging import (
    SkyGrid,
    finest_index,
    optimal_grid,
    pixel_homography,
    reproject_image,
    sky_grid,
    transform_grid,
    warp,
)
from webbscope.imaging._wcs import celestial_wcs

CARINA = "jw02731-o00{obs}_t017_{inst}_i2d.fits"
F090W = "jw02731-o001_t017_nircam_clear-f090w_i2d.fits"
F444W = "jw02731-o001_t017_nircam_clear-f444w_i2d.fits"
F770W = "jw02731-o002_t017_miri_f770w_i2d.fits"
CAL = "jw02731001001_02101_00001_nrcb1_cal.fits"
STEPHAN = [f"jw02732-o00{i}_t101_nircam_clear-f200w_i2d.fits" for i in (1, 2, 3)]


def _sci(path: Path) -> tuple[np.ndarray, WCS]:
    with fits.open(path) as hdul:
        return hdul["SCI"].data.astype(np.float32), celestial_wcs(hdul["SCI"].header)


def _compare(ours: np.ndarray, ref: np.ndarray, data: np.ndarray) -> tuple[float, int]:
    """(max |difference| / data range where both are finite, NaN-footprint mismatches away
    from the footprint's edge)."""
    both = np.isfinite(ours) & np.isfinite(ref)
    span = float(np.nanmax(data) - np.nanmin(data))
    diff = float(np.abs(ours[both] - ref[both]).max()) / span if both.any() else 0.0
    mismatch = np.isfinite(ours) != np.isfinite(ref)
    # "apart from edge pixels": ignore mismatches next to a NaN/finite boundary of the reference
    from scipy.ndimage import binary_dilation, binary_erosion

    fin = np.isfinite(ref)
    edge = binary_dilation(fin) & ~binary_erosion(fin)
    return diff, int((mismatch & ~edge).sum())


@pytest.mark.parametrize(
    ("source", "target"),
    [(F090W, F770W), (F770W, F090W), (F444W, F090W), (F090W, F444W)],
    ids=["nircam-to-miri", "miri-to-nircam", "lw-to-sw", "sw-to-lw"],
)
def test_fast_path_matches_reproject_interp(demo_dir: Path, source: str, target: str) -> None:
    data, wcs_in = _sci(demo_dir / source)
    tdata, wcs_out = _sci(demo_dir / target)
    assert pixel_homography(wcs_in, wcs_out) is not None
    ours = reproject_image(data, wcs_in, wcs_out, tdata.shape)
    assert ours.path == "fast"
    ref, _ = reproject_interp((data, wcs_in), wcs_out, shape_out=tdata.shape, order="bilinear")
    diff, mismatched = _compare(ours.data, ref, data)
    assert diff < 1e-5
    assert mismatched == 0


def test_partial_overlap_and_nan_holes(demo_dir: Path) -> None:
    data, wcs_in = _sci(demo_dir / STEPHAN[0])
    data[10:30, 40:90] = np.nan  # a hole inside the image too
    tdata, wcs_out = _sci(demo_dir / STEPHAN[1])
    ours = reproject_image(data, wcs_in, wcs_out, tdata.shape)
    ref, _ = reproject_interp((data, wcs_in), wcs_out, shape_out=tdata.shape, order="bilinear")
    assert 0 < np.isfinite(ref).mean() < 1  # really partial
    diff, mismatched = _compare(ours.data, ref, data)
    assert diff < 1e-5
    assert mismatched == 0
    assert np.array_equal(ours.footprint > 0, np.isfinite(ours.data))


def test_homography_agrees_with_astropy_everywhere(demo_dir: Path) -> None:
    _, a = _sci(demo_dir / F090W)
    _, b = _sci(demo_dir / F770W)
    h = pixel_homography(a, b)
    assert h is not None
    rng = np.random.default_rng(3)
    pts = rng.uniform(-50, 150, (500, 2))
    expected = a.wcs_world2pix(b.wcs_pix2world(pts, 0), 0)
    q = h @ np.vstack([pts.T, np.ones(len(pts))])
    assert np.abs(q[:2] / q[2] - expected.T).max() < 1e-6


def test_large_rotation_and_scale_against_reference() -> None:
    def tan(n: int, scale: float, rot: float, crval: tuple[float, float]) -> WCS:
        w = WCS(naxis=2)
        w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        w.wcs.crval = crval
        w.wcs.crpix = [(n + 1) / 2, (n + 1) / 2]
        t = np.radians(rot)
        w.wcs.cdelt = [-scale / 3600, scale / 3600]
        w.wcs.pc = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
        w.wcs.set()
        return w

    n = 300
    a = tan(n, 0.031, 3.7, (10.0, 85.0))  # near the pole: the projective part matters
    b = tan(n, 0.05, -130.0, (10.01, 85.001))
    yy, xx = np.mgrid[0:n, 0:n]
    data = (np.sin(xx / 5.0) * np.cos(yy / 9.0)).astype(np.float32)
    ours = reproject_image(data, a, b, (n, n))
    ref, _ = reproject_interp((data, a), b, shape_out=(n, n), order="bilinear")
    diff, mismatched = _compare(ours.data, ref, data)
    assert ours.path == "fast" and diff < 1e-5 and mismatched == 0


def test_sip_goes_through_reproject(demo_dir: Path) -> None:
    data, wcs_in = _sci(demo_dir / CAL)
    assert wcs_in.sip is not None
    tdata, wcs_out = _sci(demo_dir / F444W)
    assert pixel_homography(wcs_in, wcs_out) is None
    ours = reproject_image(data, wcs_in, wcs_out, tdata.shape)
    ref, _ = reproject_interp((data, wcs_in), wcs_out, shape_out=tdata.shape, order="bilinear")
    assert ours.path == "reproject"
    diff, mismatched = _compare(ours.data, ref, data)
    assert diff < 1e-5 and mismatched == 0


def test_galactic_frame_goes_through_reproject(demo_dir: Path) -> None:
    data, wcs_in = _sci(demo_dir / F444W)
    from astropy.coordinates import SkyCoord

    centre = SkyCoord(159.2, -58.6, unit="deg").galactic
    gal = WCS(naxis=2)
    gal.wcs.ctype = ["GLON-TAN", "GLAT-TAN"]
    gal.wcs.crval = [centre.l.deg, centre.b.deg]
    gal.wcs.crpix = [50.5, 50.5]
    gal.wcs.cdelt = [-0.08 / 3600, 0.08 / 3600]
    gal.wcs.set()
    assert pixel_homography(wcs_in, gal) is None
    ours = reproject_image(data, wcs_in, gal, (100, 100))
    ref, _ = reproject_interp((data, wcs_in), gal, shape_out=(100, 100), order="bilinear")
    assert ours.path == "reproject"
    assert np.isfinite(ours.data).mean() > 0.1
    diff, mismatched = _compare(ours.data, ref, data)
    assert diff < 1e-5 and mismatched == 0


def test_flux_kernel_conserves_the_integral(demo_dir: Path) -> None:
    data, wcs_in = _sci(demo_dir / F090W)
    data = np.nan_to_num(data)
    # Coarser pixels (3.3x), rotated by 10 degrees, well inside the input.
    t, s = np.radians(10.0), 3.3
    m = np.array(
        [[s * np.cos(t), -s * np.sin(t), 20.0], [s * np.sin(t), s * np.cos(t), 8.0], [0, 0, 1]]
    )
    grid = transform_grid(SkyGrid(wcs_in, data.shape), m, (28, 28))
    ours = reproject_image(data, wcs_in, grid.wcs, grid.shape, method="flux")
    ref, _ = reproject_adaptive((data, wcs_in), grid.wcs, shape_out=grid.shape, conserve_flux=True)
    assert ours.path == "fast"
    h = pixel_homography(wcs_in, grid.wcs)
    assert h is not None
    covered = warp(np.ones_like(data), h, grid.shape, method="flux")
    assert np.allclose(covered, 1.0)
    # Mean surface brightness over each output pixel: the integral (sum x pixel area) is the
    # input's over the same sky, and agrees with reproject_adaptive's, which conserves the
    # sum over pixels rather than the mean (kernels differ pixel by pixel; totals agree).
    inside = np.zeros_like(data)
    yy, xx = np.mgrid[0 : data.shape[0], 0 : data.shape[1]]
    inv = np.linalg.inv(m)
    gx = inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2]
    gy = inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2]
    inside[(gx >= -0.5) & (gx < 27.5) & (gy >= -0.5) & (gy < 27.5)] = 1.0
    total_in = float((data * inside).sum()) / s**2
    assert float(ours.data.sum()) == pytest.approx(total_in, rel=0.02)
    assert float(ours.data.sum()) * s**2 == pytest.approx(float(np.nansum(ref)), rel=0.02)


def test_grid_choice(demo_dir: Path) -> None:
    grids = []
    for name in (F770W, F090W, F444W):
        with fits.open(demo_dir / name) as hdul:
            grids.append(sky_grid(hdul["SCI"].header, hdul["SCI"].shape))
    assert finest_index(grids) == 1
    union = optimal_grid(grids, "union")
    inter = optimal_grid(grids, "intersection")
    assert union.wcs is not None and inter.wcs is not None
    assert inter.nx <= union.nx and inter.ny <= union.ny
    assert union.pixel_scale_arcsec() == pytest.approx(0.031, rel=1e-3)

    st = []
    for name in STEPHAN:
        with fits.open(demo_dir / name) as hdul:
            st.append(sky_grid(hdul["SCI"].header, hdul["SCI"].shape))
    wide = optimal_grid(st, "union")
    common = optimal_grid(st[:2], "intersection")
    with pytest.raises(Unprocessable):
        optimal_grid([st[0], st[2]], "intersection")  # side by side, nothing in common
    assert wide.nx > 1.5 * st[0].nx  # three pointings side by side
    assert common.nx < st[0].nx
