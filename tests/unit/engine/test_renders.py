"""The engine's render work: output sizes and limits, exports and cutouts."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from tests.support.fits_files import gradient, sky_header, write_image
from webbscope.errors import NotFound, Unprocessable
from webbscope.fits import FitsLimits
from webbscope.imaging import RenderParams, decode_f16, extract_tile, thumbnail
from webbscope.services.engine import renders
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.params import Plane

SHA = "2" * 64


@pytest.mark.parametrize("nx", [1, 7, 256, 1000, 4096, 4097])
@pytest.mark.parametrize("ny", [1, 300, 5000])
def test_exports_are_the_widest_integer_reduction_that_fits(nx: int, ny: int) -> None:
    longest = max(nx, ny)
    achievable = sorted({math.ceil(longest / m) for m in range(1, longest + 1)})
    for width in (16, 100, 999, 1000, 2048, 5000):
        size = renders.export_max_size((ny, nx), width)
        scale, out_w, out_h = renders.reduction((ny, nx), size)
        assert (out_w, out_h) == (math.ceil(nx / scale), math.ceil(ny / scale))
        best = next(s for s in achievable if math.ceil(nx / s) <= width)
        assert scale == best, (width, scale, best)
        # `thumbnail` agrees about the size
        assert thumbnail(np.zeros((ny, nx), np.float32), size).shape == (out_h, out_w)


def test_output_limit_is_422() -> None:
    renders.check_output(100, 100, 10_000, "preview")
    with pytest.raises(Unprocessable) as info:
        renders.check_output(101, 100, 10_000, "export")
    assert info.value.status == 422 and info.value.code == "output_too_large"


@pytest.fixture
def image(tmp_path: Path) -> OpenFile:
    data = gradient(300, 520)
    data[:10, :10] = np.nan
    path = write_image(tmp_path / "g.fits", data, header=sky_header(520, 300))
    return OpenFile(SHA, path, FitsLimits())


def test_tiles_and_edges(image: OpenFile) -> None:
    views = ViewCache(1 << 20)
    params = RenderParams()
    renders.check_tile(image, Plane(), 2, 2, 1)
    for bad in ((3, 0, 0), (2, 3, 0), (2, 0, 2)):
        with pytest.raises(NotFound):
            renders.check_tile(image, Plane(), *bad)
    body, ms = renders.tile(image, views, Plane(), "png", params, 2, 2, 1)
    assert ms >= 0
    tile = Image.open(io.BytesIO(body))
    assert tile.size == (520 - 512, 300 - 256)  # the bottom-right edge tile
    raw = decode_f16(renders.tile(image, views, Plane(), "f16", params, 0, 0, 0)[0])
    expected = extract_tile(image.data(1), 0, 0, 0)
    np.testing.assert_allclose(raw, expected, rtol=1e-3)  # above 65504 too (exact float tiles)


def test_preview_and_export_with_wcs(image: OpenFile) -> None:
    views = ViewCache(1 << 20)
    params = RenderParams(cmap="viridis")
    body, w, h = renders.preview(image, views, Plane(), "jpeg", params, 100, 10**6)
    assert Image.open(io.BytesIO(body)).size == (w, h) == (87, 50)
    with pytest.raises(Unprocessable):
        renders.preview(image, views, Plane(), "jpeg", params, 1000, 1000)
    png, w, h = renders.export(image, views, Plane(), "png", params, 260, 10**6, "test")
    picture = Image.open(io.BytesIO(png))
    assert picture.size == (w, h) == (260, 150)
    text = picture.text  # type: ignore[attr-defined]
    assert text["CTYPE1"] == "RA---TAN" and "XML:com.adobe.xmp" in text
    cards = {
        k: v if k.startswith("CTYPE") else float(v)
        for k, v in text.items()
        if k[:2] in ("CR", "CD", "CT")
    }
    reduced = WCS(fits.Header(cards))
    full = image.wcs(1)
    assert full is not None
    # The centre of reduced pixel (0, 0) is the centre of source block [0, 2) x [0, 2).
    np.testing.assert_allclose(
        reduced.all_pix2world([[0, 0]], 0), full.all_pix2world([[0.5, 0.5]], 0), atol=1e-9
    )


def test_cutouts_keep_wcs_and_header(image: OpenFile) -> None:
    body = renders.cutout_fits(image, Plane(), (100.0, 50.0), (20, 30), 10**6)
    with fits.open(io.BytesIO(body)) as hdul:
        assert hdul[0].header["TELESCOP"] == "JWST"
        sci = hdul["SCI"]
        assert sci.data.shape == (20, 30)
        assert sci.header["BUNIT"] == "MJy/sr"
        assert sci.data[0, 0] == 85 + 1000 * 40  # x = 100 - 15, y = 50 - 10
        cut, full = WCS(sci.header), image.wcs(1)
        assert full is not None
        np.testing.assert_allclose(
            cut.all_pix2world([[0, 0]], 0), full.all_pix2world([[85, 40]], 0), atol=1e-9
        )
        assert sci.header["LTV1"] == -85 and sci.header["LTV2"] == -40


def test_sky_cutouts_and_limits(image: OpenFile) -> None:
    full = image.wcs(1)
    assert full is not None
    ((ra, dec),) = full.all_pix2world([[260, 150]], 0)
    body = renders.cutout_fits(image, Plane(), (ra, dec, "sky"), 1.2, 10**6)  # 20 pixels
    with fits.open(io.BytesIO(body)) as hdul:
        assert hdul["SCI"].data.shape == (20, 20)
    with pytest.raises(Unprocessable) as info:
        renders.cutout_fits(image, Plane(), (100.0, 50.0), (200, 300), 1000)
    assert info.value.code == "output_too_large"
    with pytest.raises(Unprocessable) as big:
        renders.cutout_fits(image, Plane(), (ra, dec, "sky"), 30.0, 100)
    assert big.value.code == "output_too_large"


def test_cube_cutout_is_one_plane(s3d: Path) -> None:
    f = OpenFile(SHA, s3d, FitsLimits())
    body = renders.cutout_fits(f, Plane("SCI", 7), (10.0, 10.0), (5, 5), 10**6)
    with fits.open(io.BytesIO(body)) as hdul, fits.open(s3d) as src:
        np.testing.assert_array_equal(hdul["SCI"].data, src["SCI"].data[7, 8:13, 8:13])
        assert hdul["SCI"].header["SLICE"] == 7
        assert WCS(hdul["SCI"].header).naxis == 2
