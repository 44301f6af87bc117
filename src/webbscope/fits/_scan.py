"""Walk the headers of a FITS file without reading its data, and reject what is unsafe.

The walk reads 2880-byte header blocks only, bounded by `FitsLimits`: it checks the file size
before reading anything, the FITS magic, the HDU count, every declared array's element count,
and that each HDU's declared data really lies inside the file.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from webbscope.errors import NotFound, PayloadTooLarge, Unprocessable
from webbscope.fits._format import describe_signature, human_bytes, human_count, preview
from webbscope.fits._limits import FitsLimits

BLOCK = 2880
CARD = 80
_MAGIC = b"SIMPLE  ="
_XTENSION = b"XTENSION="
_VALID_BITPIX = {8: "uint8", 16: "int16", 32: "int32", 64: "int64", -32: "float32", -64: "float64"}
_UNSIGNED = {16: ("uint16", 2**15), 32: ("uint32", 2**31), 64: ("uint64", 2**63)}
_PRINTABLE = bytes(range(32, 127))
_WANTED = {
    "SIMPLE",
    "XTENSION",
    "BITPIX",
    "NAXIS",
    "PCOUNT",
    "GCOUNT",
    "GROUPS",
    "EXTNAME",
    "EXTVER",
    "BZERO",
    "BSCALE",
    "ZIMAGE",
    "ZBITPIX",
    "ZNAXIS",
    "TFIELDS",
}

HduKind = Literal["primary", "image", "compressed_image", "bintable", "table"]
Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class HduLayout:
    """Where one HDU lies in the file and what its header declares."""

    index: int
    name: str
    ver: int
    kind: HduKind
    bitpix: int
    axes: tuple[int, ...]
    """NAXIS1..NAXISn in header order (for compressed images: ZNAXIS1..n)."""
    pcount: int
    gcount: int
    header_offset: int
    data_offset: int
    data_size: int
    """Declared data bytes, without the padding to a 2880-byte block."""
    bzero: float | None = None
    bscale: float | None = None
    stored_axes: tuple[int, ...] = field(default=())
    """NAXIS1..n as stored (differs from `axes` for compressed images)."""
    tile: tuple[int, ...] = field(default=())
    """ZTILE1..n of a compressed image: the pixels decompressed together (else empty)."""

    @property
    def label(self) -> str:
        return f"HDU {self.index} ({self.name})" if self.name else f"HDU {self.index}"

    @property
    def shape(self) -> tuple[int, ...] | None:
        """numpy order; rows only for tables; None when the HDU holds no data."""
        if not self.axes or math.prod(self.axes) == 0:
            return None
        if self.kind in ("bintable", "table"):
            return (self.axes[1],) if len(self.axes) > 1 else None
        return tuple(reversed(self.axes))

    @property
    def elements(self) -> int:
        return math.prod(self.axes) if self.axes else 0

    @property
    def dtype(self) -> str | None:
        """numpy dtype name the data reads as (images only)."""
        if self.kind in ("bintable", "table"):
            return None
        return dtype_name(self.bitpix, self.bzero, self.bscale)

    @property
    def tile_bytes(self) -> int:
        """Bytes one compression tile decompresses to (0 for uncompressed HDUs)."""
        return math.prod(self.tile) * (abs(self.bitpix) // 8) if self.tile else 0

    @property
    def data_end(self) -> int:
        return self.data_offset + self.data_size

    @property
    def next_offset(self) -> int:
        return self.data_offset + _padded(self.data_size)


def dtype_name(bitpix: int, bzero: float | None, bscale: float | None) -> str:
    scale = 1.0 if bscale is None else bscale
    zero = 0.0 if bzero is None else bzero
    if bitpix in _UNSIGNED and scale == 1.0 and zero == _UNSIGNED[bitpix][1]:
        return _UNSIGNED[bitpix][0]
    if bitpix == 8 and scale == 1.0 and zero == -128:
        return "int8"
    if scale != 1.0 or zero != 0.0:
        return "float32" if abs(bitpix) <= 16 else "float64"
    return _VALID_BITPIX.get(bitpix, "unknown")


def _padded(n: int) -> int:
    return -(-n // BLOCK) * BLOCK


def scan_fits(path: str | os.PathLike[str], limits: FitsLimits) -> list[HduLayout]:
    """Validate the structure of a FITS file and describe its HDUs.

    Reads headers only. Raises `NotFound`, `PayloadTooLarge` (codes `fits_too_large`,
    `fits_array_too_large`, `fits_header_too_large`, `fits_headers_too_large`,
    `fits_tile_too_large`) or
    `Unprocessable` (codes `not_fits`, `fits_truncated`, `fits_unsupported`,
    `fits_too_many_hdus`, `fits_bad_header`).
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise NotFound(f"no such file: {p.name}", code="file_not_found") from None
    if not stat.S_ISREG(st.st_mode):
        raise Unprocessable(f"{p.name} is not a regular file", code="not_fits")
    _check_size(st.st_size, limits, p.name)
    with p.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        _check_size(size, limits, p.name)
        return _walk(f, size, limits)


def _check_size(size: int, limits: FitsLimits, name: str) -> None:
    if size > limits.max_bytes:
        raise PayloadTooLarge(
            f"{name} is {human_bytes(size)}, over the {human_bytes(limits.max_bytes)} limit "
            "for FITS files",
            code="fits_too_large",
            details={"size_bytes": size, "max_bytes": limits.max_bytes},
        )


def _walk(f: BinaryIO, size: int, limits: FitsLimits) -> list[HduLayout]:
    first = f.read(CARD)
    check_magic(first, size)
    layouts: list[HduLayout] = []
    offset = 0
    header_bytes = 0
    while offset < size:
        index = len(layouts)
        if index > 0:
            f.seek(offset)
            if not f.read(CARD).startswith(_XTENSION):
                break  # trailing bytes after the last HDU: ignored, as astropy does
            if index >= limits.max_hdus:
                raise Unprocessable(
                    f"the file has more than {limits.max_hdus} HDUs (the limit); "
                    f"HDU {index} starts at byte {offset}",
                    code="fits_too_many_hdus",
                    details={"max_hdus": limits.max_hdus},
                )
        cards, data_offset = _read_header(f, offset, size, index, limits)
        header_bytes += data_offset - offset
        if header_bytes > limits.max_header_bytes:
            raise PayloadTooLarge(
                f"the headers take {human_bytes(header_bytes)} up to HDU {index}, over the "
                f"{human_bytes(limits.max_header_bytes)} limit for a file's headers",
                code="fits_headers_too_large",
                details={"hdu": index, "max_header_bytes": limits.max_header_bytes},
            )
        layout = _layout(cards, index, offset, data_offset)
        _check_layout(layout, size, limits)
        layouts.append(layout)
        offset = layout.next_offset
    return layouts


def check_magic(first: bytes, size: int) -> None:
    """`Unprocessable` (code ``not_fits``) unless `first`, the first bytes of a file of
    `size` bytes, start the way every FITS file does; names a well-known other format."""
    if size == 0:
        raise Unprocessable(
            "the file is empty; a FITS file starts with a 2880-byte header beginning 'SIMPLE  ='",
            code="not_fits",
        )
    if not first.startswith(_MAGIC):
        known = describe_signature(first)
        what = f"it is {known}" if known else f"it starts with {preview(first)}"
        raise Unprocessable(
            f"not a FITS file: {what}, not the 'SIMPLE  =' card a FITS file begins with",
            code="not_fits",
        )


def _read_header(
    f: BinaryIO, offset: int, size: int, index: int, limits: FitsLimits
) -> tuple[dict[str, Scalar], int]:
    """Read header blocks from `offset` to the END card; return the wanted cards."""
    cards: dict[str, Scalar] = {}
    f.seek(offset)
    n_cards = 0
    position = offset
    while True:
        block = f.read(BLOCK)
        if len(block) < BLOCK:
            raise Unprocessable(
                f"HDU {index}: the header starting at byte {offset} is cut off at the end of "
                f"the file ({human_bytes(size)}) before its END card: the file is truncated",
                code="fits_truncated",
                details={"hdu": index, "header_offset": offset, "file_size": size},
            )
        if block.translate(None, _PRINTABLE):
            raise Unprocessable(
                f"HDU {index}: the header block at byte {position} contains non-ASCII bytes; "
                "the file is corrupt or not FITS",
                code="fits_bad_header",
                details={"hdu": index, "offset": position},
            )
        position += BLOCK
        for start in range(0, BLOCK, CARD):
            card = block[start : start + CARD]
            key = card[:8].rstrip().decode("ascii")
            if key == "END":
                return cards, position
            n_cards += 1
            wanted = key.startswith(("NAXIS", "ZNAXIS", "ZTILE")) or key in _WANTED
            if wanted and card[8:10] == b"= " and key not in cards:
                cards[key] = _parse_value(card[10:].decode("ascii"), key, index)
        if n_cards > limits.max_header_cards:
            raise PayloadTooLarge(
                f"HDU {index}: the header has more than {human_count(limits.max_header_cards)} "
                "cards without an END card",
                code="fits_header_too_large",
                details={"hdu": index, "max_header_cards": limits.max_header_cards},
            )


def _parse_value(raw: str, key: str, index: int) -> Scalar:
    text = raw.strip()
    if text.startswith("'"):
        out: list[str] = []
        i = 1
        while i < len(text):
            char = text[i]
            if char == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    out.append("'")
                    i += 2
                    continue
                return "".join(out).rstrip()
            out.append(char)
            i += 1
        raise _bad_header(index, key, raw)
    text = text.split("/", 1)[0].strip()
    if text == "":
        return None
    if text == "T":
        return True
    if text == "F":
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text.replace("D", "E").replace("d", "e"))
    except ValueError:
        raise _bad_header(index, key, raw) from None


def _bad_header(index: int, key: str, raw: str) -> Unprocessable:
    return Unprocessable(
        f"HDU {index}: cannot read the value of {key} ({raw.strip()[:40]!r})",
        code="fits_bad_header",
        details={"hdu": index, "keyword": key},
    )


def _int(cards: dict[str, Scalar], key: str, index: int, default: int | None = None) -> int:
    value = cards.get(key, default)
    if value is None:
        raise Unprocessable(
            f"HDU {index}: the required keyword {key} is missing",
            code="fits_bad_header",
            details={"hdu": index, "keyword": key},
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unprocessable(
            f"HDU {index}: {key} must be an integer, not {value!r}",
            code="fits_bad_header",
            details={"hdu": index, "keyword": key},
        )
    return value


def _float(cards: dict[str, Scalar], key: str) -> float | None:
    value = cards.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _axes(cards: dict[str, Scalar], prefix: str, index: int) -> tuple[int, ...]:
    naxis = _int(cards, prefix, index)
    if not 0 <= naxis <= 999:
        raise Unprocessable(
            f"HDU {index}: {prefix} = {naxis} is outside 0..999",
            code="fits_bad_header",
            details={"hdu": index, "keyword": prefix},
        )
    axes = tuple(_int(cards, f"{prefix}{i}", index) for i in range(1, naxis + 1))
    for i, n in enumerate(axes, start=1):
        if n < 0:
            raise Unprocessable(
                f"HDU {index}: {prefix}{i} = {n} is negative",
                code="fits_bad_header",
                details={"hdu": index, "keyword": f"{prefix}{i}"},
            )
    return axes


def _layout(
    cards: dict[str, Scalar], index: int, header_offset: int, data_offset: int
) -> HduLayout:
    extname = cards.get("EXTNAME")
    name = extname.strip() if isinstance(extname, str) else ("PRIMARY" if index == 0 else "")
    ver_value = cards.get("EXTVER", 1)
    ver = ver_value if isinstance(ver_value, int) and not isinstance(ver_value, bool) else 1
    label = f"HDU {index} ({name})" if name else f"HDU {index}"
    bitpix = _int(cards, "BITPIX", index)
    if bitpix not in _VALID_BITPIX:
        raise Unprocessable(
            f"{label}: BITPIX = {bitpix} is not one of 8, 16, 32, 64, -32, -64",
            code="fits_bad_header",
            details={"hdu": index, "keyword": "BITPIX"},
        )
    stored = _axes(cards, "NAXIS", index)
    kind: HduKind
    if index == 0:
        if cards.get("SIMPLE") is not True:
            raise Unprocessable(
                "SIMPLE = F: the file declares that it does not conform to the FITS standard",
                code="fits_unsupported",
            )
        if cards.get("GROUPS") is True and stored and stored[0] == 0:
            raise Unprocessable(
                "the primary HDU holds random groups, a deprecated layout Webbscope does not "
                "support",
                code="fits_unsupported",
                details={"hdu": 0},
            )
        kind = "primary"
        pcount = _int(cards, "PCOUNT", index, 0)
        gcount = _int(cards, "GCOUNT", index, 1)
    else:
        xtension = cards.get("XTENSION")
        xt = xtension.strip().upper() if isinstance(xtension, str) else ""
        pcount = _int(cards, "PCOUNT", index, 0)
        gcount = _int(cards, "GCOUNT", index, 1)
        if xt == "IMAGE":
            kind = "image"
        elif xt == "BINTABLE":
            kind = "compressed_image" if cards.get("ZIMAGE") is True else "bintable"
        elif xt == "TABLE":
            kind = "table"
        else:
            raise Unprocessable(
                f"{label}: XTENSION = {xt or repr(xtension)} is not supported "
                "(only IMAGE, BINTABLE and TABLE extensions are)",
                code="fits_unsupported",
                details={"hdu": index, "xtension": xt},
            )
        if kind in ("bintable", "table", "compressed_image") and len(stored) != 2:
            raise Unprocessable(
                f"{label}: a table must have NAXIS = 2, not {len(stored)}",
                code="fits_bad_header",
                details={"hdu": index, "keyword": "NAXIS"},
            )
    if pcount < 0 or gcount < 1 or (kind in ("image", "table") and (pcount, gcount) != (0, 1)):
        raise Unprocessable(
            f"{label}: PCOUNT = {pcount}, GCOUNT = {gcount} describe an unsupported layout",
            code="fits_unsupported",
            details={"hdu": index},
        )
    axes = stored
    zbitpix = bitpix
    if kind == "compressed_image":
        axes = _axes(cards, "ZNAXIS", index)
        zbitpix = _int(cards, "ZBITPIX", index)
        if zbitpix not in _VALID_BITPIX:
            raise Unprocessable(
                f"{label}: ZBITPIX = {zbitpix} is not one of 8, 16, 32, 64, -32, -64",
                code="fits_bad_header",
                details={"hdu": index, "keyword": "ZBITPIX"},
            )
    tile: tuple[int, ...] = ()
    if kind == "compressed_image":
        # The default tile is one row (ZTILE1 = ZNAXIS1, the others 1).
        tile = tuple(
            _int(cards, f"ZTILE{i}", index, axes[0] if i == 1 else 1)
            for i in range(1, len(axes) + 1)
        )
        if any(n < 1 for n in tile):
            raise Unprocessable(
                f"{label}: the compression tile {list(tile)} has an axis shorter than 1",
                code="fits_bad_header",
                details={"hdu": index, "keyword": "ZTILE"},
            )
    elements = math.prod(stored) if stored else 0
    data_size = abs(bitpix) // 8 * gcount * (pcount + elements) if stored else 0
    return HduLayout(
        index=index,
        name=name,
        ver=ver,
        kind=kind,
        bitpix=zbitpix,
        axes=axes,
        pcount=pcount,
        gcount=gcount,
        header_offset=header_offset,
        data_offset=data_offset,
        data_size=data_size,
        bzero=_float(cards, "BZERO"),
        bscale=_float(cards, "BSCALE"),
        stored_axes=stored,
        tile=tile,
    )


def describe_data(layout: HduLayout) -> str:
    """'4096x4096x1000 float32 = 67.1 GB of data', or the table equivalent."""
    if layout.kind in ("bintable", "table"):
        row_bytes, rows = (*layout.stored_axes, 0, 0)[:2]
        kind = "binary table" if layout.kind == "bintable" else "ASCII table"
        heap = f" + {human_bytes(layout.pcount)} heap" if layout.pcount else ""
        return (
            f"a {kind} of {human_count(rows)} rows x {human_count(row_bytes)} bytes{heap} "
            f"= {human_bytes(layout.data_size)} of data"
        )
    dims = "x".join(str(n) for n in layout.stored_axes)
    if layout.kind == "compressed_image":
        image = "x".join(str(n) for n in layout.axes)
        return (
            f"a compressed {image} {layout.dtype} image stored as {dims} bytes "
            f"= {human_bytes(layout.data_size)} of data"
        )
    return f"{dims} {layout.dtype} = {human_bytes(layout.data_size)} of data"


def _check_layout(layout: HduLayout, size: int, limits: FitsLimits) -> None:
    checks: list[tuple[tuple[int, ...], str]] = []
    if layout.kind in ("bintable", "table"):
        checks.append((layout.stored_axes, "table"))
    else:
        checks.append((layout.axes, "array"))
        if layout.kind == "compressed_image":
            checks.append((layout.stored_axes, "compressed table"))
    for axes, noun in checks:
        elements = math.prod(axes) if axes else 0
        if elements <= limits.max_elements:
            continue
        if noun == "array":
            what = f"a {'x'.join(str(n) for n in axes)} array of {human_count(elements)} elements"
        else:
            what = (
                f"a {noun} of {human_count(axes[1])} rows x {human_count(axes[0])} bytes "
                f"= {human_count(elements)} elements"
            )
        raise PayloadTooLarge(
            f"{layout.label} declares {what}, over the limit of "
            f"{human_count(limits.max_elements)} elements",
            code="fits_array_too_large",
            details={
                "hdu": layout.index,
                "name": layout.name,
                "axes": list(axes),
                "elements": elements,
                "max_elements": limits.max_elements,
            },
        )
    if layout.tile_bytes > limits.max_tile_bytes:
        tile = "x".join(str(n) for n in layout.tile)
        raise PayloadTooLarge(
            f"{layout.label} is compressed in tiles of {tile} pixels, "
            f"{human_bytes(layout.tile_bytes)} each once decompressed, over the "
            f"{human_bytes(limits.max_tile_bytes)} limit for one compression tile",
            code="fits_tile_too_large",
            details={
                "hdu": layout.index,
                "name": layout.name,
                "tile": list(layout.tile),
                "tile_bytes": layout.tile_bytes,
                "max_tile_bytes": limits.max_tile_bytes,
            },
        )
    if layout.data_end > size:
        raise Unprocessable(
            f"{layout.label} declares {describe_data(layout)} but the file is "
            f"{human_bytes(size)}: the file is truncated or its header is wrong",
            code="fits_truncated",
            details={
                "hdu": layout.index,
                "name": layout.name,
                "data_offset": layout.data_offset,
                "data_size": layout.data_size,
                "file_size": size,
            },
        )
