"""Composite files: 16-bit PNG and TIFF written here (Pillow writes 8-bit RGB only), AVM XMP
with spectral tags, and the RGB FITS cube's orientation and WCS."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from PIL import Image

from webbscope.imaging._rgbfile import (
    SpectralTag,
    composite_xmp,
    jpeg_bytes,
    png_bytes,
    rgb_fits_bytes,
    tiff16_bytes,
)


def _wcs() -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [159.2, -58.6]
    w.wcs.crpix = [20.5, 15.5]
    w.wcs.cdelt = [-1e-5, 1e-5]
    w.wcs.set()
    return w


RGB16 = (np.random.default_rng(1).random((30, 40, 3)) * 65535).astype(np.uint16)
TAGS = [SpectralTag("Blue", "F090W", 0.901), SpectralTag("Red", "F444W", 4.421)]


def test_xmp_has_spatial_and_spectral_tags() -> None:
    xmp = composite_xmp(_wcs(), 40, 30, TAGS).decode()
    assert "<avm:Spatial.ReferenceValue>" in xmp and "Spectral.Bandpass" in xmp
    assert "<rdf:li>F090W</rdf:li><rdf:li>F444W</rdf:li>" in xmp
    assert "<rdf:li>901.0</rdf:li><rdf:li>4421.0</rdf:li>" in xmp
    assert "Spatial" not in composite_xmp(None, 40, 30, TAGS).decode()


def _unfilter(raw: np.ndarray) -> np.ndarray:
    """Scanlines without their filter bytes (filters 0 None and 2 Up only)."""
    rows = raw[:, 1:].copy()
    for i in range(len(rows)):
        assert raw[i, 0] in (0, 2)
        if raw[i, 0] == 2 and i:
            rows[i] += rows[i - 1]
    return rows


def test_png16_round_trip() -> None:
    data = png_bytes(RGB16, composite_xmp(_wcs(), 40, 30, TAGS))
    pos, idat = 8, b""
    while pos < len(data):
        n = struct.unpack(">I", data[pos : pos + 4])[0]
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        assert zlib.crc32(kind + chunk) == struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0]
        if kind == b"IHDR":
            assert struct.unpack(">IIBB", chunk[:10]) == (40, 30, 16, 2)
        idat += chunk if kind == b"IDAT" else b""
        pos += 12 + n
    raw = _unfilter(np.frombuffer(zlib.decompress(idat), np.uint8).reshape(30, 1 + 40 * 6))
    assert np.array_equal(raw.view(">u2").reshape(30, 40, 3), RGB16)
    assert Image.open(io.BytesIO(data)).size == (40, 30)  # a valid PNG for other readers too
    assert png_bytes(RGB16, None) == png_bytes(RGB16, None)  # deterministic


def test_png8_in_bands_decodes_to_the_same_pixels() -> None:
    # Taller than several deflate bands (joined at full-flush points), odd width.
    rgb = (np.random.default_rng(2).random((700, 333, 3)) ** 3 * 255).astype(np.uint8)
    rgb[100:300, 50:80] = 17  # flat runs as well as noise
    one = png_bytes(rgb, composite_xmp(_wcs(), 333, 700, TAGS), workers=1)
    two = png_bytes(rgb, composite_xmp(_wcs(), 333, 700, TAGS), workers=2)
    assert one == two  # the bytes do not depend on the threads
    image = Image.open(io.BytesIO(two))
    assert image.mode == "RGB" and np.array_equal(np.asarray(image), rgb)
    assert "XML:com.adobe.xmp" in image.info and image.info["Software"] == "Webbscope"


def test_tiff16_round_trip() -> None:
    data = tiff16_bytes(RGB16, b"<x:xmpmeta/>", "CTYPE1 = 'RA---TAN'")
    assert data[:4] == b"II*\x00"
    ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[ifd : ifd + 2])[0]
    tags = {}
    for i in range(count):
        tag, kind, n, value = struct.unpack("<HHII", data[ifd + 2 + 12 * i : ifd + 14 + 12 * i])
        tags[tag] = (kind, n, value)
    assert tags[256][2] == 40 and tags[257][2] == 30 and tags[259][2] & 0xFFFF == 8
    offset, size = tags[273][2], tags[279][2]
    pixels = np.frombuffer(zlib.decompress(data[offset : offset + size]), "<u2").reshape(30, 40, 3)
    assert np.array_equal(pixels, RGB16)
    assert b"<x:xmpmeta/>" in data and b"RA---TAN" in data
    assert Image.open(io.BytesIO(data)).size == (40, 30)


def test_fits_cube_and_jpeg() -> None:
    rgb8 = (RGB16 // 257).astype(np.uint8)
    hdul = fits.open(io.BytesIO(rgb_fits_bytes(rgb8, _wcs(), [("COLORIMG", "RGB", "")])))
    cube = hdul[0].data
    assert cube.shape == (3, 30, 40)
    assert np.array_equal(cube[0, 0], rgb8[-1, :, 0])  # FITS row 0 is the picture's bottom
    assert hdul[0].header["CTYPE1"] == "RA---TAN" and hdul[0].header["COLORIMG"] == "RGB"
    jpeg = jpeg_bytes(rgb8, b"<x:xmpmeta/>", None)
    assert Image.open(io.BytesIO(jpeg)).size == (40, 30)
