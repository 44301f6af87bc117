"""Encoders round-trip through Pillow; f16 keeps NaN; exports carry WCS and AVM metadata."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from tests.unit.imaging.helpers import CAL, I2D
from webbscope.errors import BadRequest
from webbscope.imaging import (
    F16_MAGIC,
    MEDIA_TYPES,
    RenderParams,
    decode_f16,
    encode_f16,
    encode_image,
    export_image,
    extract_tile,
    normalise_format,
    render,
)

AVM = "{http://www.communicatingastronomy.org/avm/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def pixels(rng: np.random.Generator, channels: int) -> np.ndarray:
    y, x = np.mgrid[0:256, 0:200]
    base = (np.sin(x / 17.0) + np.cos(y / 23.0) + 2) * 60
    shape = (256, 200) if channels == 1 else (256, 200, channels)
    noise = rng.integers(0, 8, shape)
    value = (base if channels == 1 else base[..., None]) + noise
    out = np.clip(value, 0, 255).astype(np.uint8)
    if channels == 4:
        out[..., 3] = 255
        out[:10, :10] = 0  # transparent, like NaN pixels
    return out


def decode(blob: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(blob))
    image.load()
    return image


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_lossless_formats_round_trip(fmt, channels, rng) -> None:
    px = pixels(rng, channels)
    image = decode(encode_image(px, fmt))
    assert image.format == fmt.upper() and image.mode == {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    np.testing.assert_array_equal(np.asarray(image), px)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_webp_round_trips(channels, rng) -> None:
    px = pixels(rng, channels)
    lossless = np.asarray(decode(encode_image(px, "webp", lossless=True)))
    if channels == 1:
        lossless = lossless[..., 0]  # WebP stores gray as RGB
    np.testing.assert_array_equal(lossless[..., : px.shape[-1]] if channels > 1 else lossless, px)
    lossy = np.asarray(decode(encode_image(px, "webp", quality=90))).astype(int)
    reference = px if channels > 1 else px[..., None]
    assert np.abs(lossy[..., :3] - reference[..., :3]).mean() < 4


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_jpeg_round_trips_closely(channels, rng) -> None:
    px = pixels(rng, channels)
    image = decode(encode_image(px, "jpg", quality=95))
    assert image.format == "JPEG" and image.mode == ("L" if channels == 1 else "RGB")
    decoded = np.asarray(image).astype(int)
    reference = px if channels == 1 else px[..., :3]
    assert np.abs(decoded - reference).mean() < 3
    smaller = encode_image(px, "jpeg", quality=30)
    assert len(smaller) < len(encode_image(px, "jpeg", quality=95))


def test_format_names_and_bad_input(rng) -> None:
    assert normalise_format("JPG") == "jpeg" and normalise_format("tif") == "tiff"
    assert MEDIA_TYPES["webp"] == "image/webp" and MEDIA_TYPES["f16"] == "application/octet-stream"
    for bad in (
        lambda: normalise_format("gif"),
        lambda: encode_image(pixels(rng, 3), "png", quality=0),
        lambda: encode_image(np.zeros((4, 4), np.float32), "png"),  # type: ignore[arg-type]
        lambda: encode_image(np.zeros((4, 4, 2), np.uint8), "png"),
        lambda: encode_image(pixels(rng, 3), "f16"),
    ):
        with pytest.raises(BadRequest):
            bad()


def test_f16_layout_and_round_trip_with_nan() -> None:
    tile = np.array(
        [[0.0, 1.5, -2.25, np.nan], [1e-3, 70000.0, -np.inf, np.inf], [3.0, 4.0, 5.0, 6.0]],
        dtype=np.float32,
    )
    blob = encode_f16(tile)
    assert blob[:4] == F16_MAGIC == b"WF16"
    assert struct.unpack_from("<HH", blob, 4) == (4, 3)  # width, height
    assert len(blob) == 8 + 2 * tile.size
    # Row-major, little-endian half floats: 1.5 is 0x3E00.
    assert blob[8 + 2 : 8 + 4] == b"\x00\x3e"
    back = decode_f16(blob)
    assert back.dtype == np.float32 and back.shape == (3, 4)
    assert np.isnan(back[0, 3]) and np.isnan(back).sum() == 1
    assert back[1, 1] == 65504.0 and back[1, 2] == -65504.0 and back[1, 3] == 65504.0
    np.testing.assert_allclose(
        back[np.isfinite(tile) & (np.abs(tile) < 6e4)],
        tile[np.isfinite(tile) & (np.abs(tile) < 6e4)],
        rtol=1e-3,
    )
    for bad in (b"WF16", b"XXXX" + blob[4:], blob[:-2]):
        with pytest.raises(BadRequest):
            decode_f16(bad)


def test_f16_of_a_real_tile_is_north_up(demo_dir) -> None:
    with fits.open(demo_dir / I2D) as hdul:
        data = hdul["SCI"].data
        tile = extract_tile(data, 0, 0, 0)
    back = decode_f16(encode_f16(tile))
    np.testing.assert_allclose(back, tile, rtol=1e-3, atol=1e-4, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(back), np.isnan(data[::-1]))


# --- exports -------------------------------------------------------------------------------


def avm_of(xmp: bytes | str) -> dict[str, object]:
    text = xmp.decode("utf-8") if isinstance(xmp, bytes) else xmp
    root = ET.fromstring(text[text.index("<x:xmpmeta") : text.index("</x:xmpmeta>") + 12])
    out: dict[str, object] = {}
    for element in root.iter():
        if element.tag.startswith(AVM):
            items = element.findall(f".//{RDF}li")
            out[element.tag[len(AVM) :]] = [i.text for i in items] if items else element.text
    return out


def wcs_from_avm(avm: dict[str, object]) -> WCS:
    wcs = WCS(naxis=2)
    projection = str(avm["Spatial.CoordsystemProjection"])
    wcs.wcs.ctype = [f"RA---{projection}", f"DEC--{projection}"]
    wcs.wcs.crval = [float(v) for v in avm["Spatial.ReferenceValue"]]  # type: ignore[attr-defined]
    wcs.wcs.crpix = [float(v) for v in avm["Spatial.ReferencePixel"]]  # type: ignore[attr-defined]
    wcs.wcs.cdelt = [float(v) for v in avm["Spatial.Scale"]]  # type: ignore[attr-defined]
    wcs.wcs.crota = [0.0, float(avm["Spatial.Rotation"])]  # type: ignore[arg-type]
    return wcs


def number(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def same_sky(a: WCS, b: WCS, n: int) -> None:
    corners = np.array([[0, 0], [n - 1, 0], [0, n - 1], [n - 1, n - 1], [n / 3, n / 2]])
    np.testing.assert_allclose(a.all_pix2world(corners, 0), b.all_pix2world(corners, 0), atol=1e-9)


@pytest.fixture
def view(demo_dir):
    with fits.open(demo_dir / I2D) as hdul:
        header = hdul["SCI"].header.copy()
        data = hdul["SCI"].data
        rgba = render(extract_tile(data, 0, 0, 0), RenderParams(stretch="asinh", cmap="magma"))
    return rgba, header


def test_png_export_carries_wcs_cards_and_avm(view) -> None:
    rgba, header = view
    image = decode(export_image(rgba, "png", header, description="F200W, asinh"))
    np.testing.assert_array_equal(np.asarray(image), rgba)
    info = image.info
    assert info["Software"] == "Webbscope" and info["Description"] == "F200W, asinh"
    assert float(info["CRVAL1"]) == header["CRVAL1"] and info["CTYPE2"] == "DEC--TAN"
    text_header = fits.Header(
        {k: number(v) for k, v in info.items() if k.isupper() and not k.startswith("XML")}
    )
    assert "DATE-OBS" not in text_header and "MJDREF" not in text_header
    same_sky(WCS(text_header), WCS(header), rgba.shape[0])
    avm = avm_of(info["XML:com.adobe.xmp"])
    assert avm["Spatial.CoordinateFrame"] == "ICRS"
    assert avm["Spatial.CoordsystemProjection"] == "TAN"
    assert avm["Spatial.Quality"] == "Full"
    assert [float(v) for v in avm["Spatial.ReferenceDimension"]] == [128.0, 128.0]
    assert float(avm["Spatial.ReferencePixel"][0]) == header["CRPIX1"]
    same_sky(wcs_from_avm(avm), WCS(header), rgba.shape[0])  # Scale + Rotation are right
    assert "CRVAL1" in str(avm["Spatial.FITSheader"])


def test_jpeg_export_carries_avm_in_app1(view) -> None:
    rgba, header = view
    blob = export_image(rgba, "jpeg", header, quality=90)
    assert b"http://ns.adobe.com/xap/1.0/\x00" in blob[:20000]  # the APP1 XMP segment
    image = decode(blob)
    assert image.mode == "RGB"
    avm = avm_of(image.info["xmp"])
    same_sky(wcs_from_avm(avm), WCS(header), rgba.shape[0])
    assert b"CRPIX1" in image.info["comment"]


def test_tiff_export_carries_description_and_xmp(view) -> None:
    rgba, header = view
    image = decode(export_image(rgba, "tiff", header, description="view"))
    np.testing.assert_array_equal(np.asarray(image), rgba)
    description = image.tag_v2[270]
    assert description.startswith("view\n") and "CRVAL2" in description
    cards = fits.Header.fromstring(description.split("\n", 1)[1], sep="\n")
    same_sky(WCS(cards), WCS(header), rgba.shape[0])
    same_sky(wcs_from_avm(avm_of(image.info["xmp"])), WCS(header), rgba.shape[0])


def test_distorted_and_skewed_wcs(demo_dir, rng) -> None:
    header = fits.getheader(demo_dir / CAL, "SCI")
    px = pixels(rng, 3)
    avm = avm_of(decode(export_image(px, "png", header)).info["XML:com.adobe.xmp"])
    assert avm["Spatial.Quality"] == "Position"
    assert "A_ORDER" in str(avm["Spatial.FITSheader"])
    skewed = WCS(naxis=2)
    skewed.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    skewed.wcs.crval, skewed.wcs.crpix = [10.0, 20.0], [5.0, 5.0]
    skewed.wcs.cd = [[-1e-4, 3e-5], [1e-5, 1e-4]]
    avm = avm_of(decode(export_image(px, "png", skewed)).info["XML:com.adobe.xmp"])
    assert "Spatial.CDMatrix" in avm and "Spatial.Scale" not in avm


def test_export_without_wcs_and_bad_formats(rng) -> None:
    px = pixels(rng, 4)
    image = decode(export_image(px, "png"))
    assert "XML:com.adobe.xmp" not in image.info
    with pytest.raises(BadRequest):
        export_image(px, "webp")
