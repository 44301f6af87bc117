"""Grid lines lie where the WCS says; spacing is round; the scale bar measures true."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from tests.unit.imaging.helpers import CAL, I2D, S3D
from webbscope.errors import Unprocessable
from webbscope.imaging import (
    display_to_fits,
    downsampled_wcs,
    fits_to_display,
    grid_lines,
    scale_bar,
)
from webbscope.imaging._wcs import pix2world

ROUND_DEC_ARCSEC = {
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    300,
    600,
    900,
    1200,
    1800,
    3600,
    7200,
    18000,
    36000,
}
ROUND_RA_SECONDS = {
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    300,
    600,
    900,
    1200,
    1800,
    3600,
}


def tan_wcs(crval=(150.0, 2.0), scale_deg=1e-3, rot_deg=20.0, n=1000) -> tuple[WCS, tuple]:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = list(crval)
    wcs.wcs.crpix = [n / 2, n / 2]
    c, s = np.cos(np.radians(rot_deg)), np.sin(np.radians(rot_deg))
    wcs.wcs.cd = np.array([[-c, s], [s, c]]) * scale_deg
    return wcs, (n, n)


def check_lines(wcs: WCS, shape, grid) -> None:
    ny, nx = shape
    for line in grid.lines:
        points = np.array([p for seg in line.segments for p in seg])
        assert np.all(points[:, 0] >= -0.5 - 1e-9) and np.all(points[:, 0] <= nx - 0.5 + 1e-9)
        assert np.all(points[:, 1] >= -0.5 - 1e-9) and np.all(points[:, 1] <= ny - 0.5 + 1e-9)
        lon, lat = pix2world(wcs, points[:, 0], points[:, 1])
        if line.axis == "ra":
            error = np.abs((lon - line.value + 180) % 360 - 180) * np.cos(np.radians(lat))
            step = grid.ra_step * np.cos(np.radians(lat.mean()))
        else:
            error, step = np.abs(lat - line.value), grid.dec_step
        # On the line, to a tiny fraction of the spacing (edge points are interpolated).
        assert error.max() < 1e-3 * step, (line.label, error.max() / step)
        assert all(len(seg) >= 2 for seg in line.segments)
        assert line.anchor == line.segments[0][0]


@pytest.mark.parametrize("name", [I2D, CAL, S3D])
def test_demo_grids(name, demo_dir) -> None:
    header = fits.getheader(demo_dir / name, "SCI")
    shape = (header["NAXIS2"], header["NAXIS1"])
    grid = grid_lines(header, shape)
    ras = [line for line in grid.lines if line.axis == "ra"]
    decs = [line for line in grid.lines if line.axis == "dec"]
    assert 3 <= len(ras) <= 9 and 3 <= len(decs) <= 9, (len(ras), len(decs))
    wcs = WCS(header).celestial
    check_lines(wcs, shape, grid)
    assert round(grid.dec_step * 3600, 6) in ROUND_DEC_ARCSEC
    assert round(grid.ra_step * 240, 6) in ROUND_RA_SECONDS


def test_large_rotated_field_and_labels() -> None:
    wcs, shape = tan_wcs()  # 1000 x 3.6" = 1 degree, rotated by 20 deg
    grid = grid_lines(wcs, shape)
    check_lines(wcs, shape, grid)
    assert grid.dec_step * 3600 in (600, 900, 1200)
    labels = [line.label for line in grid.lines]
    assert any(label.startswith("+02°") for label in labels)
    assert any(label.startswith("10h0") or label.startswith("09h5") for label in labels)
    degrees = grid_lines(wcs, shape, labels="degrees")
    assert all(line.label.endswith("°") for line in degrees.lines)


def test_lines_across_ra_zero_and_near_the_pole() -> None:
    wcs, shape = tan_wcs(crval=(0.05, -30.0), scale_deg=2e-4, rot_deg=0.0)
    grid = grid_lines(wcs, shape)
    check_lines(wcs, shape, grid)
    values = sorted(line.value for line in grid.lines if line.axis == "ra")
    assert values[0] < 1 and values[-1] > 359  # both sides of RA = 0
    polar, shape = tan_wcs(crval=(40.0, 89.9), scale_deg=5e-4, rot_deg=0.0)
    grid = grid_lines(polar, shape)
    check_lines(polar, shape, grid)
    assert len([line for line in grid.lines if line.axis == "ra"]) >= 3


def test_distorted_lines_follow_the_distortion(demo_dir) -> None:
    header = fits.getheader(demo_dir / CAL, "SCI")
    shape = (header["NAXIS2"], header["NAXIS1"])
    grid = grid_lines(header, shape, samples=200)
    wcs = WCS(header)
    assert wcs.sip is not None
    check_lines(wcs, shape, grid)


def test_scale_bar(demo_dir) -> None:
    header = fits.getheader(demo_dir / I2D, "SCI")  # 0.031"/pixel, 128 pixels: ~4"
    bar = scale_bar(header, (128, 128))
    assert bar.arcsec == 0.5 and bar.label == "0.5″"
    assert bar.pixels == pytest.approx(0.5 / 0.031, rel=1e-3)
    assert bar.pixels <= 0.2 * 128
    wcs, shape = tan_wcs()
    big = scale_bar(wcs, shape)
    assert big.label == "10\u2032" and big.pixels == pytest.approx(600 / 3.6, rel=1e-3)
    assert scale_bar(wcs, target_pixels=400).label == "20\u2032"


def test_no_celestial_wcs() -> None:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["LINEAR", "LINEAR"]
    with pytest.raises(Unprocessable) as err:
        grid_lines(wcs, (10, 10))
    assert err.value.code == "no_celestial_wcs"


def test_downsampled_wcs_matches_block_centres(demo_dir) -> None:
    for name in (I2D, CAL):
        wcs = WCS(fits.getheader(demo_dir / name, "SCI"))
        for scale in (2, 3, 4):
            small = downsampled_wcs(wcs, scale)
            i = np.arange(0, 128 // scale, dtype=float)
            ours = np.array(pix2world(small, i, i[::-1]))
            source = np.array(
                pix2world(wcs, i * scale + (scale - 1) / 2, i[::-1] * scale + (scale - 1) / 2)
            )
            np.testing.assert_allclose(ours, source, atol=1e-10)


def test_display_coordinates() -> None:
    shape = (100, 80)
    assert fits_to_display(0.0, 0.0, shape) == (0.5, 99.5)  # bottom-left pixel centre
    assert fits_to_display(-0.5, 99.5, shape) == (0.0, 0.0)  # top-left corner
    assert display_to_fits(*fits_to_display(12.3, 45.6, shape), shape) == pytest.approx(
        (12.3, 45.6)
    )
