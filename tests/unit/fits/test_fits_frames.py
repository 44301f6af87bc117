"""Record positions are ICRS whatever the frame of the image's WCS: galactic, FK4 (B1950),
FK5 and ecliptic images are converted with astropy's coordinates (issue: they were stored with
their native longitude and latitude as RA/Dec, so a cone search at the ICRS position missed
them)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import wcs_to_celestial_frame

from tests.support.corpus import corpus_files
from webbscope.fits import FitsLimits, extract_metadata
from webbscope.records.sky import angular_distance_deg

CORPUS = {
    p.name: p for p in corpus_files(Path(__file__).resolve().parents[3] / ".cache" / "fits-corpus")
}


def _native_centre(path: Path, hdu: int = 0) -> tuple[SkyCoord, tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path) as hdul:
            header = hdul[hdu].header
            wcs = WCS(header).celestial
            shape = hdul[hdu].data.shape
    ny, nx = shape[-2], shape[-1]
    lon, lat = wcs.all_pix2world([[(nx - 1) / 2, (ny - 1) / 2]], 0)[0]
    frame = wcs_to_celestial_frame(wcs)
    return SkyCoord(lon * u.deg, lat * u.deg, frame=frame), (nx, ny)


@pytest.mark.parametrize(
    ("name", "hdu", "frame"),
    [
        ("galactic_car.fits", 0, "galactic"),  # reproject's real galactic image
        ("rice_compressed_b1950.fits", 1, "fk4"),  # a B1950 (FK4) tile-compressed image
        ("cadc_fk5.fits", 0, "fk5"),
        ("gc_ga.fits", 0, "galactic"),
    ],
)
def test_centres_and_footprints_are_icrs(name: str, hdu: int, frame: str) -> None:
    path = CORPUS[name]
    native, _ = _native_centre(path, hdu)
    assert native.frame.name == frame
    expected = native.icrs
    meta = extract_metadata(path, FitsLimits())
    assert meta.center_ra == pytest.approx(expected.ra.deg, abs=1e-7)
    assert meta.center_dec == pytest.approx(expected.dec.deg, abs=1e-7)
    assert meta.footprint is not None
    # Every corner is within the image's extent of the ICRS centre (not at the native one).
    for corner in meta.footprint:
        assert angular_distance_deg(corner.ra, corner.dec, expected.ra.deg, expected.dec.deg) < 5
    if frame != "fk5":  # FK5 J2000 and ICRS differ by milliarcseconds only
        lon, lat = native.spherical.lon.deg, native.spherical.lat.deg
        # Precession since B1950 alone moves the FK4 image 0.4 degrees.
        assert angular_distance_deg(meta.center_ra, meta.center_dec, lon, lat) > 0.1


def test_the_galactic_centre_lands_on_sgr_a_star() -> None:
    """reproject's Galactic-centre header (GLON/GLAT, CRVAL 0, 0): the reference pixel is
    at RA 266.405, Dec -28.936 in ICRS."""
    path = CORPUS["gc_ga.fits"]
    header = fits.getheader(path)
    nx, ny = 2 * header["CRPIX1"] - 1, 2 * header["CRPIX2"] - 1  # centre = the reference pixel
    from webbscope.fits import center_from_wcs, header_wcs

    ra, dec = center_from_wcs(header_wcs(header), nx, ny)  # type: ignore[misc]
    assert ra == pytest.approx(266.40498829, abs=1e-6)
    assert dec == pytest.approx(-28.93617776, abs=1e-6)


def test_an_ecliptic_image_is_converted(tmp_path: Path) -> None:
    w = WCS(naxis=2)
    w.wcs.ctype = ["ELON-TAN", "ELAT-TAN"]
    w.wcs.crval = [100.0, 20.0]
    w.wcs.crpix = [5.5, 5.5]
    w.wcs.cdelt = [-0.01, 0.01]
    path = tmp_path / "ecliptic.fits"
    fits.PrimaryHDU(np.zeros((10, 10), np.float32), w.to_header()).writeto(path)
    meta = extract_metadata(path, FitsLimits())
    expected = SkyCoord(100 * u.deg, 20 * u.deg, frame="barycentricmeanecliptic").icrs
    assert meta.center_ra == pytest.approx(expected.ra.deg, abs=1e-7)
    assert meta.center_dec == pytest.approx(expected.dec.deg, abs=1e-7)


def test_a_wcs_off_the_sky_has_no_position(tmp_path: Path) -> None:
    """A helioprojective solar image has celestial-looking axes but no place on the ICRS sky."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["HPLN-TAN", "HPLT-TAN"]
    w.wcs.cunit = ["arcsec", "arcsec"]
    w.wcs.crpix = [5.5, 5.5]
    w.wcs.cdelt = [2.0, 2.0]
    path = tmp_path / "sun.fits"
    fits.PrimaryHDU(np.zeros((10, 10), np.float32), w.to_header()).writeto(path)
    meta = extract_metadata(path, FitsLimits())
    assert meta.footprint is None and meta.center_ra is None
