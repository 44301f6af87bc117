"""Small formatting helpers for error messages."""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


def human_bytes(n: int | float) -> str:
    """Decimal SI size with three significant digits: 2.1 MB, 67.1 GB."""
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1000 or unit == _UNITS[-1]:
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.3g} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def human_count(n: int) -> str:
    return f"{n:,}"


def describe_signature(data: bytes) -> str | None:
    """Name a well-known non-FITS file format from its first bytes."""
    signatures: tuple[tuple[bytes, str], ...] = (
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
        (b"BZh", "bzip2-compressed data (decompress it first)"),
        (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"%PDF", "a PDF document"),
        (b"\x89HDF", "an HDF5 file"),
        (b"#ASDF", "an ASDF file"),
        (b"<?xml", "an XML document"),
        (b"{", "JSON or other text"),
    )
    for magic, name in signatures:
        if data.startswith(magic):
            return name
    return None


def preview(data: bytes, limit: int = 24) -> str:
    """A short, safe rendering of the first bytes of a file."""
    head = data[:limit]
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in head)
    return repr(text + ("..." if len(data) > limit else ""))
