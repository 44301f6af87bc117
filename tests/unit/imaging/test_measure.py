"""Pixel values, world coordinates, spaxel spectra and cutouts."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.wcs import WCS

from tests.unit.imaging.helpers import CAL, I2D, S3D
from webbscope.errors import BadRequest, NotFound, PayloadTooLarge
from webbscope.fits import FitsLimits, open_fits
from webbscope.imaging import (
    ScaledArray,
    cutout,
    hdu_image,
    pixel_index,
    pixel_values,
    spaxel_spectrum,
    world_coords,
)


def test_pixel_values_batch(rng) -> None:
    data = rng.normal(0, 1, (50, 60)).astype(">f4")
    data[10, 20] = np.nan
    points = [(0, 0), (20.4, 9.6), (59.49, 49.49), (59.5, 0), (-0.51, 0), (3.2, 7.7), (np.nan, 1)]
    values = pixel_values(data, points)
    assert values[0] == pytest.approx(float(data[0, 0]))
    assert values[1] is None  # (20, 10) is NaN
    assert values[2] == pytest.approx(float(data[49, 59]))
    assert values[3] is None and values[4] is None and values[6] is None
    assert values[5] == pytest.approx(float(data[8, 3]))
    assert pixel_index(2.5, -0.5) == (3, 0)
    assert pixel_values(data, np.empty((0, 2))) == []
    with pytest.raises(BadRequest):
        pixel_values(data, np.zeros((10_001, 2)))


def test_pixel_values_of_scaled_data() -> None:
    raw = np.arange(12, dtype=">i2").reshape(3, 4)
    scaled = ScaledArray(raw, bscale=0.5, bzero=100.0, blank=5)
    assert pixel_values(scaled, [(1, 0), (1, 1), (3, 2)]) == [100.5, None, 105.5]


def test_world_coords_match_astropy(demo_dir) -> None:
    header = fits.getheader(demo_dir / CAL, "SCI")  # SIP distortion
    wcs = WCS(header)
    points = [(0.0, 0.0), (63.5, 20.25), (127.0, 127.0)]
    result = world_coords(header, points)
    expected = wcs.all_pix2world(np.array(points), 0)
    for point, (ra, dec) in zip(result, expected, strict=True):
        assert point is not None and point.frame == "ICRS"
        assert point.ra == pytest.approx(ra, abs=1e-10)
        assert point.dec == pytest.approx(dec, abs=1e-10)
        coord = SkyCoord(point.ra_text, point.dec_text, unit=(u.hourangle, u.deg))
        assert coord.separation(SkyCoord(ra, dec, unit="deg")).arcsec < 0.1
    first = result[0]
    assert first is not None and first.ra_text.startswith("10:36:") and first.dec_text[0] == "-"
    assert world_coords(header, []) == []


def test_world_coords_of_a_cube_use_its_sky_axes(demo_dir) -> None:
    header = fits.getheader(demo_dir / S3D, "SCI")
    (point,) = world_coords(header, [(16.0, 14.0)])
    assert point is not None
    ra, dec = WCS(header).celestial.all_pix2world([[16.0, 14.0]], 0)[0]
    assert (point.ra, point.dec) == pytest.approx((ra, dec))


def test_spaxel_spectrum(demo_dir) -> None:
    with fits.open(demo_dir / S3D, memmap=True) as hdul:
        cube, header = hdul["SCI"].data, hdul["SCI"].header
        spectrum = spaxel_spectrum(cube, 16.2, 13.8, header)
        assert spectrum.wavelength_unit == "um" and (spectrum.x, spectrum.y) == (16, 14)
        assert spectrum.wavelength[0] == pytest.approx(2.87)
        assert spectrum.wavelength[1] - spectrum.wavelength[0] == pytest.approx(0.005)
        np.testing.assert_allclose(spectrum.values, cube[:, 14, 16], equal_nan=True)
        box = spaxel_spectrum(cube, 16, 14, header, box=3)
        np.testing.assert_allclose(
            box.values, np.nanmean(cube[:, 13:16, 15:18], axis=(1, 2)), rtol=1e-6
        )
        bare = spaxel_spectrum(cube, 0, 0)
        assert bare.wavelength_unit == "pixel" and bare.wavelength[-1] == cube.shape[0] - 1
        with pytest.raises(NotFound) as err:
            spaxel_spectrum(cube, 33, 0, header)
        assert err.value.code == "spaxel_out_of_range"
        with pytest.raises(BadRequest):
            spaxel_spectrum(cube[0], 1, 1)
        del cube


def test_spaxel_spectrum_reads_a_large_box_in_float32_chunks(tmp_path) -> None:
    """A 99 x 99 box over 600 planes of a memory-mapped big-endian cube: the same means as
    numpy's, with the memory of a chunk (the whole box read as float64 took ~50 MB)."""
    import tracemalloc

    rng = np.random.default_rng(2)
    path = tmp_path / "cube.f4"
    cube = np.memmap(path, dtype=">f4", mode="w+", shape=(600, 120, 120))
    cube[:] = rng.normal(5.0, 1.0, cube.shape)
    cube[:, 10:20, 10:20] = np.nan
    cube[7] = np.nan
    cube.flush()
    cube = np.memmap(path, dtype=">f4", mode="r", shape=(600, 120, 120))
    tracemalloc.start()
    try:
        spectrum = spaxel_spectrum(cube, 60, 60, box=99)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="empty slice"):
        want = np.nanmean(np.asarray(cube[:, 11:110, 11:110], dtype=np.float64), axis=(1, 2))
    np.testing.assert_allclose(spectrum.values, want, rtol=1e-6, equal_nan=True)
    assert np.isnan(spectrum.values[7])
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_cutout_of_an_hdu(demo_dir) -> None:
    with fits.open(demo_dir / I2D, memmap=True) as hdul:
        hdu = hdul["SCI"]
        data, header = cutout(hdu, (40.0, 30.0), (21, 31))
        expected = Cutout2D(hdu.data, (40.0, 30.0), (21, 31), wcs=WCS(hdu.header))
        np.testing.assert_array_equal(data, expected.data)
        assert data.dtype.isnative and data.shape == (21, 31)
        assert header["BUNIT"] == "MJy/sr" and header["EXTNAME"] == "SCI"
        cut_wcs = WCS(header)
        sky = cut_wcs.all_pix2world([[0, 0], [30, 20]], 0)
        np.testing.assert_allclose(sky, WCS(hdu.header).all_pix2world([[25, 20], [55, 40]], 0))
        assert header["LTV1"] == -25 and header["LTV2"] == -20
        centre = SkyCoord(*WCS(hdu.header).all_pix2world([[64, 64]], 0)[0], unit="deg")
        data, header = cutout(hdu, centre, 2 * u.arcsec)
        assert data.shape == (65, 65) or abs(data.shape[0] - 2 / 0.031) < 2
        with pytest.raises(PayloadTooLarge):
            cutout(hdu, (64, 64), 100, max_pixels=1000)


def test_cutout_partial_and_trim(demo_dir) -> None:
    with fits.open(demo_dir / I2D, memmap=True) as hdul:
        hdu = hdul["SCI"]
        trimmed, _ = cutout(hdu, (0, 0), 11)
        assert trimmed.shape == (6, 6)
        padded, header = cutout(hdu, (0, 0), 11, mode="partial")
        assert padded.shape == (11, 11) and np.isnan(padded[0, 0])
        assert header["LTV1"] == 5


def test_cutout_of_scaled_data_reads_only_the_cutout(tmp_path) -> None:
    values = np.linspace(0, 100, 200 * 150, dtype=np.float32).reshape(200, 150)
    hdu = fits.ImageHDU(values.copy(), name="SCI")
    hdu.header["BUNIT"] = "DN"
    hdu.scale("int16", bscale=0.01, bzero=50.0)
    path = tmp_path / "scaled.fits"
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
    with open_fits(path, FitsLimits()) as hdul:
        sci = hdul["SCI"]
        assert isinstance(hdu_image(sci), ScaledArray)
        data, header = cutout(sci, (75, 100), (10, 12), wcs=None)
        assert "data" not in sci.__dict__
        np.testing.assert_allclose(data, values[95:105, 69:81], atol=0.006)
        assert header["BUNIT"] == "DN" and "BZERO" not in header and "BSCALE" not in header
        with pytest.raises(BadRequest):
            cutout(sci, (0, 0), 5, mode="partial")


def test_cutout_of_an_array_with_wcs(demo_dir) -> None:
    header = fits.getheader(demo_dir / I2D, "SCI")
    data = np.arange(128 * 128, dtype=np.float64).reshape(128, 128)
    out, cut_header = cutout(data, (10, 10), 5, wcs=WCS(header))
    np.testing.assert_array_equal(out, data[8:13, 8:13])
    assert cut_header["CRPIX1"] == pytest.approx(header["CRPIX1"] - 8)
    with pytest.raises(BadRequest):
        cutout(np.zeros((2, 3, 4)), (1, 1), 1)


def test_pixel_values_of_a_tile_compressed_image(tmp_path) -> None:
    data = np.arange(40 * 30, dtype=np.float32).reshape(40, 30)
    path = tmp_path / "comp.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, name="SCI")]).writeto(path)
    with open_fits(path, FitsLimits()) as hdul:
        section = hdu_image(hdul["SCI"])
        assert not isinstance(section, np.ndarray)
        got = pixel_values(section, [(3, 4), (29, 39), (-1, 0)])
    assert got == [float(data[4, 3]), float(data[39, 29]), None]


def test_integer_pixel_values_are_exact() -> None:
    """int64 values (and unsigned ones stored with BZERO) beyond 2**53 are returned as exact
    integers, not rounded floats."""
    from webbscope.imaging import ScaledArray

    big = 2**62 + 1
    data = np.array([[big, -big], [7, 0]], dtype=">i8")
    assert pixel_values(data, [(0, 0), (1, 0), (0, 1)]) == [big, -big, 7]
    assert float(big) != big  # what a float would have answered
    stored = np.array([[2**63 - 1, 5]], dtype=">i8").reshape(1, 2)
    unsigned = ScaledArray(np.vstack([stored, stored]), bzero=2.0**63)
    assert pixel_values(unsigned, [(0, 0), (1, 0)]) == [2**64 - 1, 2**63 + 5]
    blanked = ScaledArray(np.array([[3, -1]], dtype=">i2").repeat(2, 0), blank=-1)
    assert pixel_values(blanked, [(0, 0), (1, 0)]) == [3, None]
    scaled = ScaledArray(np.array([[3, 4]], dtype=">i2").repeat(2, 0), bscale=0.5)
    assert pixel_values(scaled, [(0, 0), (1, 0)]) == [1.5, 2.0]
