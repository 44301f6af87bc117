"""Tiles and previews as the engine serves them: memmap in, encoded bytes out."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from webbscope.demo import write_large_image
from webbscope.fits import FitsLimits, open_fits
from webbscope.imaging import (
    Interval,
    RenderParams,
    decode_f16,
    encode_image,
    encode_indexed_png,
    extract_tile,
    hdu_image,
    indexed_pixels,
    output_mode,
    prepare_view,
    preview_bytes,
    render,
    tile_bytes,
)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    return write_large_image(tmp_path_factory.mktemp("pipe") / "i2d.fits", (2048, 2048))


def decode(blob: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(blob))
    image.load()
    return image


def test_output_modes() -> None:
    assert output_mode("jpg", RenderParams()) == "L"
    assert output_mode("jpeg", RenderParams(nan_colour=(255, 0, 0, 255))) == "RGB"
    assert output_mode("jpeg", RenderParams(cmap="viridis")) == "RGB"
    assert output_mode("png", RenderParams(cmap="viridis")) == "RGBA"
    assert output_mode("webp", RenderParams(mode="RGB")) == "RGB"


def test_tiles_in_every_format(big_file) -> None:
    params = RenderParams(stretch="asinh", cmap="viridis")
    with open_fits(big_file, FitsLimits()) as hdul:
        data = hdu_image(hdul["SCI"])
        view = prepare_view(data, params)
        tile = extract_tile(data, 2, 1, 2)
        png = decode(tile_bytes(data, 2, 1, 2, "png", params, view))
        assert png.mode == "P" and png.size == (256, 256)  # a palette PNG, same colours
        np.testing.assert_array_equal(np.asarray(png.convert("RGBA")), render(tile, params, view))
        jpeg = decode(tile_bytes(data, 2, 1, 2, "jpg", params, view))
        assert jpeg.mode == "RGB"
        gray = decode(tile_bytes(data, 2, 1, 2, "jpeg", RenderParams(), view))
        assert gray.mode == "L"
        webp = decode(tile_bytes(data, 2, 1, 2, "webp", params, view, quality=95))
        assert webp.size == (256, 256)
        f16 = decode_f16(tile_bytes(data, 2, 1, 2, "f16"))
        np.testing.assert_allclose(f16, tile, rtol=1e-3)
        del data


def test_preview(big_file) -> None:
    with open_fits(big_file, FitsLimits()) as hdul:
        data = hdu_image(hdul["SCI"])
        image = decode(preview_bytes(data, 300, "png", RenderParams(cmap="magma")))
        assert max(image.size) <= 300 and image.size == (293, 293)  # 2048 / 7
        del data


def test_jpeg_of_rgba_pixels_drops_alpha() -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    assert decode(encode_image(rgba, "jpeg")).mode == "RGB"


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_palette_png_equals_the_rgba_render_with_nan(mode, rng) -> None:
    values = rng.gamma(2.0, 1.0, (256, 200)).astype(np.float32)
    values[:30, :40] = np.nan
    params = RenderParams(stretch="log", cmap="inferno", nan_colour=(10, 200, 30, 0), mode=mode)
    view = prepare_view(values, params)
    index, palette = indexed_pixels(values, params, view)
    assert palette.shape == (256, 4)
    blob = encode_indexed_png(index, palette)
    decoded = np.asarray(decode(blob).convert(mode))
    np.testing.assert_array_equal(decoded, render(values, params, view))
    rgba = np.asarray(decode(blob).convert("RGBA"))
    assert np.all(rgba[:30, :40, 3] == (0 if mode == "RGBA" else 255))


def test_palette_falls_back_when_every_level_is_used() -> None:
    values = np.tile(np.linspace(0, 1, 256, dtype=np.float32), (4, 1))
    values[0, 0] = np.nan
    values[1, 0] = 0.0  # keep level 0 in use
    params = RenderParams(cmap="viridis", interval=Interval.manual(0.0, 1.0))
    assert indexed_pixels(values, params, None) is None
    assert decode(tile_bytes(values, 0, 0, 0, "png", params)).mode == "RGBA"
    no_nan = np.nan_to_num(values)
    assert indexed_pixels(no_nan, params, None) is not None
