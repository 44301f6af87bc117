from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits

from webbscope.errors import NotFound, PayloadTooLarge, Unprocessable, WebbscopeError
from webbscope.fits import (
    FitsLimits,
    extract_metadata,
    open_fits,
    read_headers,
    scan_fits,
    validate_fits,
)

I2D = "jw02731-o001_t017_nircam_clear-f200w_i2d.fits"


def _open(path: Path, limits: FitsLimits) -> None:
    with open_fits(path, limits):
        pass


ENTRY_POINTS: dict[str, Callable[[Path, FitsLimits], Any]] = {
    "validate_fits": validate_fits,
    "open_fits": _open,
    "read_headers": read_headers,
    "extract_metadata": extract_metadata,
}


def _card(key: str, value: object = None) -> str:
    if value is None:
        return f"{key:<80}"
    if isinstance(value, bool):
        text = "T" if value else "F"
        return f"{key:<8}= {text:>20}".ljust(80)
    if isinstance(value, str):
        return f"{key:<8}= '{value:<8}'".ljust(80)
    return f"{key:<8}= {value:>20}".ljust(80)


def _header(*cards: tuple[str, object], end: bool = True) -> bytes:
    text = "".join(_card(k, v) for k, v in cards) + (_card("END") if end else "")
    text += " " * (-len(text) % 2880)
    return text.encode("ascii")


def _primary(**extra: object) -> bytes:
    return _header(("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0), ("EXTEND", True), *extra.items())


def expect(
    error: type[WebbscopeError],
    code: str,
    message: str,
    func: Callable[[Path, FitsLimits], Any],
    path: Path,
    limits: FitsLimits,
) -> WebbscopeError:
    with pytest.raises(error) as info:
        func(path, limits)
    assert info.value.code == code
    assert re.search(message, info.value.message), info.value.message
    assert info.value.to_dict()["error"]["code"] == code
    return info.value


@pytest.fixture(params=list(ENTRY_POINTS))
def entry(request: pytest.FixtureRequest) -> Callable[[Path, FitsLimits], Any]:
    return ENTRY_POINTS[request.param]


def test_png_is_not_fits(
    tmp_path: Path, limits: FitsLimits, entry: Callable[..., Any], no_fd_leak: None
) -> None:
    path = tmp_path / "picture.fits"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(5000))
    err = expect(
        Unprocessable, "not_fits", "not a FITS file: it is a PNG image", entry, path, limits
    )
    assert err.status == 422


def test_text_is_not_fits(
    tmp_path: Path, limits: FitsLimits, entry: Callable[..., Any], no_fd_leak: None
) -> None:
    path = tmp_path / "notes.fits"
    path.write_text("hello, this is a text file\n" * 200)
    expect(Unprocessable, "not_fits", r"starts with 'hello, this is a text f", entry, path, limits)


def test_empty_file_is_not_fits(
    tmp_path: Path, limits: FitsLimits, entry: Callable[..., Any], no_fd_leak: None
) -> None:
    path = tmp_path / "empty.fits"
    path.write_bytes(b"")
    expect(Unprocessable, "not_fits", "the file is empty", entry, path, limits)


def test_gzip_is_named(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "image.fits.gz"
    path.write_bytes(b"\x1f\x8b\x08" + bytes(100))
    expect(Unprocessable, "not_fits", "gzip-compressed data", validate_fits, path, limits)


def test_truncated_demo_file(
    demo_dir: Path,
    tmp_path: Path,
    limits: FitsLimits,
    entry: Callable[..., Any],
    no_fd_leak: None,
) -> None:
    data = (demo_dir / I2D).read_bytes()
    path = tmp_path / I2D
    path.write_bytes(data[: len(data) // 2])
    err = expect(
        Unprocessable,
        "fits_truncated",
        r"^HDU \d \([A-Z_]+\) declares \d+x\d+(x\d+)? \w+ = [\d.]+ [kM]B of data but the file is "
        r"[\d.]+ [kM]B: the file is truncated or its header is wrong$",
        entry,
        path,
        limits,
    )
    assert err.details["file_size"] == len(data) // 2


def test_truncated_in_a_header(tmp_path: Path, limits: FitsLimits, no_fd_leak: None) -> None:
    path = tmp_path / "cut.fits"
    path.write_bytes(_header(("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0))[:1000])
    expect(Unprocessable, "fits_truncated", "before its END card", validate_fits, path, limits)


def test_header_without_end_is_truncated(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "noend.fits"
    path.write_bytes(_header(("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0), end=False))
    expect(Unprocessable, "fits_truncated", "HDU 0: the header", validate_fits, path, limits)


def _huge_claim(path: Path) -> None:
    sci = _header(
        ("XTENSION", "IMAGE"),
        ("BITPIX", -32),
        ("NAXIS", 2),
        ("NAXIS1", 1_000_000),
        ("NAXIS2", 1_000_000),
        ("PCOUNT", 0),
        ("GCOUNT", 1),
        ("EXTNAME", "SCI"),
    )
    path.write_bytes(_primary() + sci + bytes(2880))


def test_header_claiming_a_huge_array(
    tmp_path: Path, limits: FitsLimits, entry: Callable[..., Any], no_fd_leak: None
) -> None:
    path = tmp_path / "bomb.fits"
    _huge_claim(path)
    err = expect(
        PayloadTooLarge,
        "fits_array_too_large",
        r"HDU 1 \(SCI\) declares a 1000000x1000000 array of 1,000,000,000,000 elements, "
        r"over the limit of 50,000,000 elements",
        entry,
        path,
        limits,
    )
    assert err.status == 413
    assert err.details["elements"] == 10**12


def test_huge_claim_within_limits_is_still_truncated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.fits"
    _huge_claim(path)
    generous = FitsLimits(max_elements=10**13)
    expect(
        Unprocessable,
        "fits_truncated",
        r"HDU 1 \(SCI\) declares 1000000x1000000 float32 = 4 TB of data but the file is 8.64 kB",
        validate_fits,
        path,
        generous,
    )


def test_compressed_image_size_is_checked(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "compressed.fits"
    table = _header(
        ("XTENSION", "BINTABLE"),
        ("BITPIX", 8),
        ("NAXIS", 2),
        ("NAXIS1", 8),
        ("NAXIS2", 1),
        ("PCOUNT", 0),
        ("GCOUNT", 1),
        ("TFIELDS", 1),
        ("TTYPE1", "COMPRESSED_DATA"),
        ("TFORM1", "1PB(0)"),
        ("ZIMAGE", True),
        ("ZBITPIX", -32),
        ("ZNAXIS", 2),
        ("ZNAXIS1", 100_000),
        ("ZNAXIS2", 100_000),
        ("EXTNAME", "SCI"),
    )
    path.write_bytes(_primary() + table + bytes(2880))
    expect(
        PayloadTooLarge,
        "fits_array_too_large",
        r"HDU 1 \(SCI\) declares a 100000x100000 array",
        validate_fits,
        path,
        limits,
    )


def test_too_many_hdus(tmp_path: Path, entry: Callable[..., Any], no_fd_leak: None) -> None:
    path = tmp_path / "many.fits"
    hdus = [fits.PrimaryHDU()] + [
        fits.ImageHDU(np.zeros((2, 2), np.float32), name=f"E{i}") for i in range(9)
    ]
    fits.HDUList(hdus).writeto(path)
    limits = FitsLimits(max_hdus=5)
    err = expect(
        Unprocessable,
        "fits_too_many_hdus",
        r"the file has more than 5 HDUs \(the limit\); HDU 5 starts at byte \d+",
        entry,
        path,
        limits,
    )
    assert err.details == {"max_hdus": 5}
    validate_fits(path, FitsLimits(max_hdus=10))


def test_over_max_bytes_is_rejected_before_reading(
    demo_dir: Path, entry: Callable[..., Any], no_fd_leak: None
) -> None:
    path = demo_dir / I2D
    small = FitsLimits(max_bytes=100_000)
    err = expect(
        PayloadTooLarge,
        "fits_too_large",
        rf"{I2D} is [\d.]+ kB, over the 100 kB limit for FITS files",
        entry,
        path,
        small,
    )
    assert err.details["max_bytes"] == 100_000


def test_random_groups_are_unsupported(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "groups.fits"
    header = _header(
        ("SIMPLE", True),
        ("BITPIX", -32),
        ("NAXIS", 2),
        ("NAXIS1", 0),
        ("NAXIS2", 3),
        ("GROUPS", True),
        ("PCOUNT", 0),
        ("GCOUNT", 1),
    )
    path.write_bytes(header + bytes(2880))
    expect(Unprocessable, "fits_unsupported", "random groups", validate_fits, path, limits)


def test_unknown_extension_type_is_unsupported(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "foreign.fits"
    ext = _header(("XTENSION", "FOREIGN"), ("BITPIX", 8), ("NAXIS", 0), ("PCOUNT", 0))
    path.write_bytes(_primary() + ext)
    expect(
        Unprocessable,
        "fits_unsupported",
        r"HDU 1: XTENSION = FOREIGN is not supported",
        validate_fits,
        path,
        limits,
    )


def test_simple_false_is_unsupported(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "nonstandard.fits"
    path.write_bytes(_header(("SIMPLE", False), ("BITPIX", 8), ("NAXIS", 0)))
    expect(Unprocessable, "fits_unsupported", "SIMPLE = F", validate_fits, path, limits)


@pytest.mark.parametrize(
    ("cards", "message"),
    [
        ((("BITPIX", 12), ("NAXIS", 0)), "BITPIX = 12 is not one of"),
        ((("BITPIX", 8),), "the required keyword NAXIS is missing"),
        ((("BITPIX", 8), ("NAXIS", 1), ("NAXIS1", "abc")), "NAXIS1 must be an integer"),
        ((("BITPIX", 8), ("NAXIS", 1), ("NAXIS1", -5)), "NAXIS1 = -5 is negative"),
        ((("BITPIX", 8), ("NAXIS", 1000)), "NAXIS = 1000 is outside 0..999"),
    ],
)
def test_bad_structural_keywords(
    tmp_path: Path, limits: FitsLimits, cards: tuple[tuple[str, object], ...], message: str
) -> None:
    path = tmp_path / "bad.fits"
    path.write_bytes(_header(("SIMPLE", True), *cards))
    expect(Unprocessable, "fits_bad_header", message, validate_fits, path, limits)


def test_binary_garbage_in_a_header(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "garbage.fits"
    block = bytearray(_primary())
    block[400:410] = bytes(range(200, 210))
    path.write_bytes(bytes(block))
    expect(Unprocessable, "fits_bad_header", "non-ASCII bytes", validate_fits, path, limits)


def test_endless_header_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "endless.fits"
    cards = [("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0)] + [("COMMENT", None)] * 400
    path.write_bytes(_header(*cards, end=False) + _header(("END", None)))
    limits = FitsLimits(max_header_cards=100)
    expect(
        PayloadTooLarge,
        "fits_header_too_large",
        "more than 100 cards without an END card",
        validate_fits,
        path,
        limits,
    )


def test_missing_file(tmp_path: Path, limits: FitsLimits) -> None:
    expect(
        NotFound,
        "file_not_found",
        "no such file: gone.fits",
        validate_fits,
        tmp_path / "gone.fits",
        limits,
    )


def test_directory_is_not_fits(tmp_path: Path, limits: FitsLimits) -> None:
    expect(Unprocessable, "not_fits", "is not a regular file", validate_fits, tmp_path, limits)


def test_trailing_bytes_after_the_last_hdu_are_ignored(
    demo_dir: Path, tmp_path: Path, limits: FitsLimits
) -> None:
    path = tmp_path / I2D
    path.write_bytes((demo_dir / I2D).read_bytes() + b"\0" * 100)
    validate_fits(path, limits)


@pytest.mark.filterwarnings("ignore:File may have been truncated")
def test_missing_final_padding_is_accepted(tmp_path: Path, limits: FitsLimits) -> None:
    path = tmp_path / "unpadded.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((3, 5), np.float32))]).writeto(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 2880 + 60])
    validate_fits(path, limits)
    with open_fits(path, limits) as hdul:
        assert hdul[1].data.shape == (3, 5)


def test_a_huge_compression_tile_is_refused_before_any_decompression(tmp_path: Path) -> None:
    """Issue 12: one 30,000 x 30,000 compression tile in a small file would make every pixel
    read decompress 1.8 GB. The declared tile is checked against the budget from the header."""
    from tests.support.fits_files import write_tile_bomb

    path = write_tile_bomb(tmp_path / "bomb.fits")
    assert path.stat().st_size < 10_000
    with pytest.raises(PayloadTooLarge) as caught:
        scan_fits(path, FitsLimits())
    assert caught.value.code == "fits_tile_too_large"
    assert caught.value.details["tile"] == [30_000, 30_000]
    assert caught.value.details["tile_bytes"] == 30_000 * 30_000 * 2
    assert "30000x30000" in caught.value.message


def test_row_tiles_and_small_tiles_are_accepted(tmp_path: Path) -> None:
    data = np.arange(64 * 48, dtype=np.int16).reshape(48, 64)
    path = tmp_path / "rows.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data)]).writeto(path)
    (layout,) = [lay for lay in scan_fits(path, FitsLimits()) if lay.kind == "compressed_image"]
    assert layout.tile == (64, 1) and layout.tile_bytes == 128
    tight = FitsLimits(max_tile_bytes=127)
    with pytest.raises(PayloadTooLarge):
        scan_fits(path, tight)


def test_headers_over_the_budget_are_refused_from_the_scan(tmp_path: Path) -> None:
    """A file's headers are kept with its record: their size is bounded (MAX_HEADER_BYTES)
    before a single card is parsed."""
    header = fits.Header([(f"K{n:07d}", n) for n in range(3000)])
    path = tmp_path / "cards.fits"
    fits.HDUList([fits.PrimaryHDU(header=header), fits.ImageHDU(header=header)]).writeto(path)
    scan_fits(path, FitsLimits(max_header_bytes=600_000))
    with pytest.raises(PayloadTooLarge) as caught:
        scan_fits(path, FitsLimits(max_header_bytes=300_000))
    assert caught.value.code == "fits_headers_too_large" and caught.value.details["hdu"] == 1
