"""Encoders: tiles to PNG / JPEG / WebP / raw float16, and exports with WCS and AVM metadata.

Measured with Pillow 13 on a 256 x 256 tile on these machines: JPEG q90 0.1-0.2 ms, WebP
(lossy, method 0) ~1 ms, PNG with zlib level 1 ~2 ms (L) to ~5 ms (RGBA, noisy data),
PNG level 3 ~1.5x that, level 6 ~4x. Tiles use PNG level 1 by default.

f16 tiles (raw float16 for GPU stretching in the browser), fixed layout, little-endian::

    bytes 0-3   b"WF16"                      magic
    bytes 4-5   uint16 width                 pixels per row
    bytes 6-7   uint16 height                rows
    bytes 8-    float16[height][width]       row-major, top row first (north up, like
                                             the image tiles), IEEE half precision

The 8-byte header keeps the samples 2-byte aligned (``new Uint16Array(buf, 8, w * h)``).
NaN stays NaN; finite values beyond the float16 range (|x| > 65504) and infinities are
clamped to +-65504 so that bright pixels saturate instead of becoming inf. Composite
channel tiles use this layout.

Exact float tiles (`encode_float_tile`, the viewer's ``.f16`` tiles), little-endian::

    bytes 0-3    b"WFT1"                     magic
    bytes 4-5    uint16 width
    bytes 6-7    uint16 height
    byte  8      uint8 sample type           2 = float16, 4 = float32
    bytes 9-15   zero
    bytes 16-23  float64 offset
    bytes 24-31  float64 scale
    bytes 32-    samples[height][width]      row-major, top row first

A value is ``offset + scale * sample`` (NaN and +-inf stay themselves). The 32-byte header
keeps float32 samples 4-byte aligned. For float16 samples the offset is the tile's
smallest value when all are positive (its largest when all are negative, else 0), as a
float32 so the browser adds it exactly, and the scale is the power of two that puts the
largest residual in [2**14, 2**15). Residuals are never larger than the values, so every
value keeps float16's relative precision (2**-11) whatever its magnitude: values of 1e6
or 1e-8 alike, and sky at 1e6 +- 1 keeps steps of 1e-3 above the tile's floor where
float16 alone saturates at 65504; a power of two scales exactly. When that would still
lose precision the tile is sent as float32 (offset 0, scale 1, the engine's values bit for
bit): integer-valued tiles (DN counts) that float16 cannot hold exactly, and tiles where
any value would be off by more than ``2**-10 * |x|`` once decoded (a dynamic range beyond
float16's; in a tile that crosses zero, values within ``2**-24 * max|tile|`` of zero may
be off by ``2**-10`` of that).
"""

from __future__ import annotations

import html
import io
import math
import struct
from typing import Any, Literal

import numpy as np
from astropy.io import fits
from numpy.typing import NDArray
from PIL import Image, PngImagePlugin

from webbscope.errors import BadRequest
from webbscope.imaging._wcs import SPATIAL_WCS_KEY, cdelt_crota, celestial_wcs

ImageFormat = Literal["png", "jpeg", "webp", "tiff"]
TileFormat = Literal["png", "jpeg", "webp", "f16", "f32"]

MEDIA_TYPES: dict[str, str] = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "tiff": "image/tiff",
    "f16": "application/octet-stream",
    "f32": "application/octet-stream",
}
_ALIASES = {"jpg": "jpeg", "tif": "tiff"}
F16_MAGIC = b"WF16"
F16_HEADER = struct.Struct("<4sHH")
F16_MAX = 65504.0
FLOAT_TILE_MAGIC = b"WFT1"
FLOAT_TILE_HEADER = struct.Struct("<4sHHB7xdd")
FLOAT16_SAMPLES = 2
FLOAT32_SAMPLES = 4
#: Largest error a float16 tile may add, relative to the value (or, for values near zero
#: in a tile that crosses it, to FLOOR times the tile's largest magnitude).
REL_TOLERANCE = 2.0**-10
FLOOR = 2.0**-24
AVM_NS = "http://www.communicatingastronomy.org/avm/1.0/"
_SOFTWARE = "Webbscope"


def normalise_format(name: str) -> str:
    """Lower-case canonical format name (``jpg`` -> ``jpeg``, ``tif`` -> ``tiff``)."""
    fmt = _ALIASES.get(name.lower(), name.lower())
    if fmt not in MEDIA_TYPES:
        raise BadRequest(
            f"unsupported format {name!r}; use one of {', '.join(MEDIA_TYPES)}",
            code="unsupported_format",
        )
    return fmt


def _pil(pixels: NDArray[np.uint8], drop_alpha: bool = False) -> Image.Image:
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise BadRequest(
            "pixels must be uint8 (H, W), (H, W, 3) or (H, W, 4)", code="invalid_pixels"
        )
    if pixels.ndim == 3 and pixels.shape[2] == 4 and drop_alpha:
        pixels = pixels[:, :, :3]
    if pixels.ndim == 3 and pixels.shape[2] not in (3, 4):
        raise BadRequest("pixels must have 1, 3 or 4 channels", code="invalid_pixels")
    return Image.fromarray(np.ascontiguousarray(pixels))


def encode_image(
    pixels: NDArray[np.uint8],
    fmt: str,
    *,
    quality: int = 90,
    compress_level: int = 1,
    lossless: bool = False,
    webp_method: int = 0,
) -> bytes:
    """Encode uint8 pixels (L, RGB or RGBA) as PNG, JPEG, WebP or TIFF.

    JPEG has no alpha channel: RGBA pixels are written as their RGB (render with the NaN
    colour you want shown, or mode RGB). `quality` is JPEG/WebP quality (1-100),
    `compress_level` the PNG zlib level (0-9), `lossless` selects lossless WebP.
    """
    fmt = normalise_format(fmt)
    if not 1 <= quality <= 100:
        raise BadRequest(f"quality must be 1-100, not {quality}", code="invalid_quality")
    image = _pil(pixels, drop_alpha=fmt == "jpeg")
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, "PNG", compress_level=compress_level)
    elif fmt == "jpeg":
        image.save(buffer, "JPEG", quality=quality)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=quality, lossless=lossless, method=webp_method)
    elif fmt == "tiff":
        image.save(buffer, "TIFF", compression="tiff_deflate")
    else:
        raise BadRequest("f16 encodes float data: use encode_f16", code="unsupported_format")
    data: bytes = buffer.getvalue()
    return data


def encode_indexed_png(
    index: NDArray[np.uint8], palette: NDArray[np.uint8], *, compress_level: int = 1
) -> bytes:
    """A palette PNG: one byte per pixel (`index`, 2-D) into `palette` (256 x 4 RGBA).

    Decodes to the same RGBA as ``palette[index]`` (alpha through a tRNS chunk when any
    entry is not opaque), at a quarter of the bytes to filter and compress: ~4x faster and
    ~2x smaller than an RGBA PNG for a 256-pixel colour-mapped tile.
    """
    if index.dtype != np.uint8 or index.ndim != 2 or palette.shape != (256, 4):
        raise BadRequest(
            "an indexed PNG needs uint8 (H, W) indexes and a 256 x 4 palette", code="invalid_pixels"
        )
    height, width = index.shape
    image = Image.frombytes("P", (width, height), np.ascontiguousarray(index).tobytes())
    image.putpalette(np.ascontiguousarray(palette[:, :3]).tobytes())
    extra: dict[str, Any] = {}
    if (palette[:, 3] != 255).any():
        extra["transparency"] = palette[:, 3].tobytes()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=compress_level, **extra)
    data: bytes = buffer.getvalue()
    return data


def encode_f16(tile: NDArray[Any]) -> bytes:
    """The documented f16 layout of a 2-D float tile (see the module notes)."""
    if tile.ndim != 2:
        raise BadRequest("f16 needs a 2-D tile", code="invalid_pixels")
    height, width = tile.shape
    if height > 65535 or width > 65535:
        raise BadRequest("f16 tiles are at most 65535 pixels a side", code="invalid_pixels")
    values: NDArray[np.float16] = np.clip(tile, -F16_MAX, F16_MAX).astype("<f2")
    header: bytes = F16_HEADER.pack(F16_MAGIC, width, height)
    return header + values.tobytes()


def decode_f16(blob: bytes) -> NDArray[np.float32]:
    """The float32 array of an f16 blob (inverse of `encode_f16`); exact float tiles
    (`encode_float_tile`) are decoded too."""
    if blob[:4] == FLOAT_TILE_MAGIC:
        return decode_float_tile(blob)
    if len(blob) < F16_HEADER.size:
        raise BadRequest("f16 blob too short", code="invalid_f16")
    magic, width, height = F16_HEADER.unpack_from(blob)
    if magic != F16_MAGIC or len(blob) != F16_HEADER.size + 2 * width * height:
        raise BadRequest("not an f16 tile", code="invalid_f16")
    values = np.frombuffer(blob, dtype="<f2", offset=F16_HEADER.size)
    return values.reshape(height, width).astype(np.float32)


def _float16_plan(tile: NDArray[np.float32]) -> tuple[float, float, NDArray[np.float16]] | None:
    """(offset, scale, samples) of `tile` as scaled float16, or None when precision is lost."""
    fin = np.isfinite(tile)
    finite = tile[fin]
    if finite.size == 0:
        return 0.0, 1.0, tile.astype("<f2")
    lo, hi = float(finite.min()), float(finite.max())
    # Residuals no larger than the values themselves: from the smallest value when all are
    # positive, the largest when all are negative, else from zero.
    offset = float(np.float32(lo if lo > 0 else hi if hi < 0 else 0.0))
    top = max(hi - offset, offset - lo)
    scale = 1.0 if top == 0 else math.ldexp(1.0, math.frexp(top)[1] - 15)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        samples = ((tile.astype(np.float64) - offset) / scale).astype("<f2")
        decoded = np.float32(offset) + np.float32(scale) * samples.astype(np.float32)
    if not np.array_equal(np.isfinite(decoded), fin):
        return None
    error = np.abs(decoded[fin].astype(np.float64) - finite)
    if np.all(finite == np.round(finite)):
        ok = not error.any()  # integer counts (DN) stay exact
    else:
        floor = FLOOR * max(-lo, hi) if lo <= 0 <= hi else 0.0
        ok = bool(np.all(error <= REL_TOLERANCE * np.maximum(np.abs(finite), floor)))
    return (offset, scale, samples) if ok else None


def encode_float_tile(tile: NDArray[Any], *, allow_f16: bool = True) -> bytes:
    """The exact float tile layout of a 2-D tile (see the module notes): scaled float16
    when it keeps the values' precision, else float32."""
    if tile.ndim != 2:
        raise BadRequest("float tiles are 2-D", code="invalid_pixels")
    height, width = tile.shape
    if height > 65535 or width > 65535:
        raise BadRequest("float tiles are at most 65535 pixels a side", code="invalid_pixels")
    values = np.ascontiguousarray(tile, dtype=np.float32)
    plan = _float16_plan(values) if allow_f16 else None
    if plan is not None:
        offset, scale, samples = plan
        header = FLOAT_TILE_HEADER.pack(
            FLOAT_TILE_MAGIC, width, height, FLOAT16_SAMPLES, offset, scale
        )
        return header + samples.tobytes()
    header = FLOAT_TILE_HEADER.pack(FLOAT_TILE_MAGIC, width, height, FLOAT32_SAMPLES, 0.0, 1.0)
    return header + values.astype("<f4").tobytes()


def decode_float_tile(blob: bytes) -> NDArray[np.float32]:
    """The float32 values of an exact float tile (inverse of `encode_float_tile`), computed
    as the browser does: ``float32(offset) + float32(scale) * sample``."""
    if len(blob) < FLOAT_TILE_HEADER.size:
        raise BadRequest("float tile too short", code="invalid_f16")
    magic, width, height, kind, offset, scale = FLOAT_TILE_HEADER.unpack_from(blob)
    if magic != FLOAT_TILE_MAGIC or kind not in (FLOAT16_SAMPLES, FLOAT32_SAMPLES):
        raise BadRequest("not a float tile", code="invalid_f16")
    if len(blob) != FLOAT_TILE_HEADER.size + kind * width * height:
        raise BadRequest("float tile of the wrong length", code="invalid_f16")
    dtype = "<f2" if kind == FLOAT16_SAMPLES else "<f4"
    samples = np.frombuffer(blob, dtype=dtype, offset=FLOAT_TILE_HEADER.size).astype(np.float32)
    if kind == FLOAT32_SAMPLES:
        return samples.reshape(height, width)
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.float32(offset) + np.float32(scale) * samples
    return values.astype(np.float32).reshape(height, width)


def float_tile_kind(blob: bytes) -> str:
    """``f16`` or ``f32``: which samples an exact float tile carries."""
    return "f16" if blob[8] == FLOAT16_SAMPLES else "f32"


# --- exports with metadata ----------------------------------------------------------------


def wcs_cards(wcs_header: Any) -> fits.Header:
    """The spatial WCS cards (celestial axes, SIP included) of a header or WCS."""
    wcs = celestial_wcs(wcs_header)
    full = wcs.to_header(relax=True)
    header = fits.Header()
    for card in full.cards:
        if SPATIAL_WCS_KEY.match(card.keyword):
            header.append(card)
    return header


def _seq(values: list[float] | tuple[float, ...]) -> str:
    items = "".join(f"<rdf:li>{v!r}</rdf:li>" for v in values)
    return f"<rdf:Seq>{items}</rdf:Seq>"


def avm_xmp(wcs_header: Any, width: int, height: int) -> bytes:
    """An XMP packet with the AVM 1.2 spatial tags for an image of `width` x `height`.

    The image is taken to be shown north up with its first row at the top, as exported
    here, so the FITS pixel grid of `wcs_header` (origin bottom-left) is AVM's as is:
    Spatial.ReferencePixel is CRPIX. Scale and Rotation follow Calabretta & Greisen
    (2002, 6.2); a skewed matrix is written as Spatial.CDMatrix instead. The full WCS
    header rides along in Spatial.FITSheader. Distorted (SIP) WCSs get Quality "Position".
    """
    wcs = celestial_wcs(wcs_header)
    ctype = [str(c) for c in wcs.wcs.ctype]
    lon, lat = ctype[0][:4].rstrip("-"), ctype[1][:4].rstrip("-")
    radesys = str(wcs.wcs.radesys or "ICRS").strip() or "ICRS"
    frames = {
        ("RA", "DEC"): radesys,
        ("GLON", "GLAT"): "GAL",
        ("ELON", "ELAT"): "ECL",
        ("SLON", "SLAT"): "SGAL",
    }
    frame = frames.get((lon, lat), "ICRS")
    projection = ctype[0][5:8].strip("-") or "TAN"
    tags: list[tuple[str, str]] = [
        ("MetadataVersion", "1.2"),
        ("Spatial.CoordinateFrame", frame),
    ]
    if frame in ("FK5", "FK4"):
        equinox = wcs.wcs.equinox
        tags.append(("Spatial.Equinox", "B1950" if frame == "FK4" and equinox == 1950 else "J2000"))
    crval = [float(v) for v in wcs.wcs.crval]
    crpix = [float(v) for v in wcs.wcs.crpix]
    tags += [
        ("Spatial.ReferenceValue", _seq(crval)),
        ("Spatial.ReferenceDimension", _seq([float(width), float(height)])),
        ("Spatial.ReferencePixel", _seq(crpix)),
    ]
    rotation = cdelt_crota(wcs)
    if rotation is not None:
        cdelt1, cdelt2, crota2 = rotation
        tags += [("Spatial.Scale", _seq([cdelt1, cdelt2])), ("Spatial.Rotation", repr(crota2))]
    else:
        pc, cdelt = wcs.wcs.get_pc(), wcs.wcs.get_cdelt()
        cd = [cdelt[0] * pc[0, 0], cdelt[0] * pc[0, 1], cdelt[1] * pc[1, 0], cdelt[1] * pc[1, 1]]
        tags.append(("Spatial.CDMatrix", _seq([float(v) for v in cd])))
    distorted = wcs.sip is not None or wcs.cpdis1 is not None
    tags += [
        ("Spatial.CoordsystemProjection", projection),
        ("Spatial.Quality", "Position" if distorted else "Full"),
        ("Spatial.FITSheader", html.escape(wcs_cards(wcs).tostring(sep="\n"), quote=False)),
    ]
    body = "\n".join(f"   <avm:{name}>{value}</avm:{name}>" for name, value in tags)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about="" xmlns:avm="{AVM_NS}">\n'
        f"{body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def export_image(
    pixels: NDArray[np.uint8],
    fmt: str,
    wcs_header: Any = None,
    *,
    quality: int = 95,
    description: str | None = None,
) -> bytes:
    """Encode a rendered view as PNG, JPEG or TIFF with its WCS where the format allows.

    `pixels` are north up (row 0 at the top, as `render` of a tile or `thumbnail` gives
    them) and `wcs_header` (an astropy Header or WCS) describes their pixel grid in the
    FITS convention (origin at the bottom-left; see `downsampled_wcs` for reduced views).
    Written metadata:

    - PNG: one tEXt chunk per WCS card (key = FITS keyword, text = the value as Python
      prints it: ``RA---TAN``, ``-58.6``) and the AVM XMP packet in an iTXt chunk
      ``XML:com.adobe.xmp``;
    - JPEG: the AVM XMP packet in an APP1 segment (``http://ns.adobe.com/xap/1.0/``) and the
      WCS cards in a COM segment;
    - TIFF: the WCS cards (80-character FITS cards, newline separated) as ImageDescription
      and the AVM XMP packet in the XMP tag (700).
    """
    fmt = normalise_format(fmt)
    if fmt not in ("png", "jpeg", "tiff"):
        raise BadRequest(
            f"export formats are png, jpeg and tiff, not {fmt}", code="unsupported_format"
        )
    height, width = pixels.shape[:2]
    cards = wcs_cards(wcs_header) if wcs_header is not None else None
    xmp = avm_xmp(wcs_header, width, height) if wcs_header is not None else None
    text = cards.tostring(sep="\n") if cards is not None else None
    image = _pil(pixels, drop_alpha=fmt == "jpeg")
    buffer = io.BytesIO()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", _SOFTWARE)
        if description:
            info.add_itxt("Description", description)
        if cards is not None and xmp is not None:
            for card in cards.cards:
                info.add_text(card.keyword, str(card.value))
            info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
        image.save(buffer, "PNG", pnginfo=info, compress_level=6)
    elif fmt == "jpeg":
        extra: dict[str, Any] = {}
        if xmp is not None:
            extra["xmp"] = xmp
        if text is not None:
            extra["comment"] = text.encode("ascii", "replace")
        image.save(buffer, "JPEG", quality=quality, **extra)
    else:
        tiffinfo: dict[int, Any] = {305: _SOFTWARE}
        if text is not None or description:
            tiffinfo[270] = "\n".join(t for t in (description, text) if t)
        if xmp is not None:
            tiffinfo[700] = xmp
        image.save(buffer, "TIFF", compression="tiff_deflate", tiffinfo=tiffinfo)
    return buffer.getvalue()
