"""Images with extra axes of length 1 (radio style: RA, DEC, FREQ = 1, STOKES = 1) are viewed
and measured as the 2-D images they are (issue: they uploaded but answered
image_dims_unsupported)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from tests.support.corpus import CORPUS, header_cards
from webbscope.fits import FitsLimits, extract_metadata
from webbscope.imaging import RenderParams, squeeze_image, viewed_axes
from webbscope.services.engine import measures, renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.info import image_info
from webbscope.services.engine.params import Plane
from webbscope.services.engine.thumbnail_render import render_thumbnail

SHA = "d" * 64
NY, NX = 40, 50


def _radio_header() -> fits.Header:
    """The real Parkes multibeam header (1904-66, JY/BEAM) with FREQ and STOKES axes added,
    as radio images carry them."""
    cards = [
        c
        for c in header_cards(CORPUS / "headers" / "1904-66_AIT.hdr")
        if not c.startswith(("SIMPLE", "BITPIX", "NAXIS", "EXTEND"))
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        header = fits.Header.fromstring("".join(cards))
    header["CTYPE3"], header["CRVAL3"], header["CDELT3"], header["CRPIX3"] = "FREQ", 1.4e9, 1e6, 1
    header["CUNIT3"] = "Hz"
    header["CTYPE4"], header["CRVAL4"], header["CDELT4"], header["CRPIX4"] = "STOKES", 1, 1, 1
    return header


def _data() -> np.ndarray:
    y, x = np.mgrid[0:NY, 0:NX]
    return (x + 100 * y).astype(np.float32).reshape(1, 1, NY, NX)


@pytest.fixture
def radio(tmp_path: Path) -> Path:
    path = tmp_path / "radio.fits"
    fits.PrimaryHDU(_data(), _radio_header()).writeto(path)
    return path


@pytest.fixture
def radio_compressed(tmp_path: Path) -> Path:
    path = tmp_path / "radio_fz.fits"
    hdu = fits.CompImageHDU(_data(), _radio_header(), compression_type="GZIP_1")
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path)
    return path


def test_viewed_axes_drop_length_one_axes() -> None:
    assert viewed_axes((1, 1, 40, 50)) == (2, 3)
    assert viewed_axes((10, 1, 40, 50)) == (0, 2, 3)
    assert viewed_axes((1, 1, 1, 4096)) == (2, 3)  # a spectrum stays a one-row image
    assert viewed_axes((40, 50)) == (0, 1)
    assert viewed_axes((1, 50)) == (0, 1)


@pytest.mark.parametrize("which", ["radio", "radio_compressed"])
def test_a_radio_image_is_viewed_and_measured(which: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(which)
    file = OpenFile(SHA, path, FitsLimits())
    layout = file.find("SCI")
    assert layout.shape == (1, 1, NY, NX)
    info = image_info(file, layout)
    assert info.shape == [NY, NX] and info.cube is None
    assert info.stats.min == 0 and info.stats.max == (NX - 1) + 100 * (NY - 1)
    assert info.wcs is not None and info.wcs["CTYPE1"] == "RA---AIT"
    assert info.frame == "FK5"  # EQUINOX 2000 without RADESYS

    # Pixel values and sky positions: the 4-D WCS of astropy at (x, y, 0, 0).
    points = [(0.0, 0.0), (7.0, 3.0), (NX - 1.0, NY - 1.0)]
    found = measures.pixels(file, Plane("SCI"), points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = WCS(_radio_header())
    for (x, y), out in zip(points, found, strict=True):
        assert out.value == x + 100 * y
        ra, dec, _, _ = full.all_pix2world([[x, y, 0, 0]], 0)[0]
        assert out.ra == pytest.approx(ra % 360, abs=1e-9)
        assert out.dec == pytest.approx(dec, abs=1e-9)

    hist = measures.plane_histogram(file, Plane("SCI"), 10, None, None, False)
    assert hist.total == NX * NY
    body, _ = renders.tile(file, ViewCache(10**7), Plane("SCI"), "png", RenderParams(), 0, 0, 0)
    assert body.startswith(b"\x89PNG")
    grid = measures.grid(file, Plane("SCI"), 5, "degrees")
    assert grid.lines
    assert render_thumbnail(lambda *a: None, str(path), FitsLimits(), 64)
    file.close()


def test_squeezed_sections_read_only_what_is_asked(radio_compressed: Path) -> None:
    with fits.open(radio_compressed) as hdul:
        section = squeeze_image(hdul[1].section)
        assert section.shape == (NY, NX)
        assert np.array_equal(section[3:5, 7:9], _data()[0, 0, 3:5, 7:9])
        assert np.array_equal(section[..., 4], _data()[0, 0, :, 4])
        assert np.array_equal(np.asarray(section), _data()[0, 0])


def test_metadata_of_a_radio_image(radio: Path) -> None:
    meta = extract_metadata(radio, FitsLimits())
    assert meta.shape == [1, 1, NY, NX] and meta.is_cube is False
    assert meta.footprint is not None and meta.center_ra is not None
