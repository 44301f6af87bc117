"""Small FITS files for viewer tests, written with astropy: scaled integers, odd sizes, NaNs,
cubes, a primary-only image, and a huge sparse file (declared size, no data written)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS


def sky_header(nx: int, ny: int, scale_arcsec: float = 0.06) -> fits.Header:
    """A TAN WCS near the Carina nebula, north up, reference pixel at the centre."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [159.2, -58.6]
    w.wcs.crpix = [(nx + 1) / 2, (ny + 1) / 2]
    w.wcs.cdelt = [-scale_arcsec / 3600, scale_arcsec / 3600]
    w.wcs.radesys = "ICRS"
    header = w.to_header()
    header["BUNIT"] = "MJy/sr"
    return header


def gradient(ny: int, nx: int, dtype: type = np.float32) -> np.ndarray:
    """value = x + 1000 y: every pixel's position can be read back from its value."""
    y, x = np.mgrid[0:ny, 0:nx]
    return (x + 1000 * y).astype(dtype)


def write_image(
    path: Path,
    data: np.ndarray,
    *,
    name: str = "SCI",
    header: fits.Header | None = None,
    bscale: float | None = None,
    bzero: float | None = None,
    primary_only: bool = False,
) -> Path:
    """A JWST-like file (empty primary + SCI) or a primary-only image. With `bscale`/`bzero`
    the float `data` is stored as int16 scaled values (astropy's `scale`)."""
    hdr = header.copy() if header is not None else fits.Header()
    primary = fits.PrimaryHDU(data if primary_only else None, hdr if primary_only else None)
    primary.header["TELESCOP"] = "JWST"
    primary.header["INSTRUME"] = "NIRCAM"
    hdus: list[fits.hdu.base.ExtensionHDU | fits.PrimaryHDU] = [primary]
    target: fits.PrimaryHDU | fits.ImageHDU = primary
    if not primary_only:
        target = fits.ImageHDU(data, hdr, name=name)
        hdus.append(target)
    if bscale is not None or bzero is not None:
        target.scale("int16", bscale=bscale or 1.0, bzero=bzero or 0.0)
    fits.HDUList(hdus).writeto(path, overwrite=True)
    return path


def write_sparse(
    path: Path, side: int, bitpix: int = -32, header: fits.Header | None = None
) -> Path:
    """A `side` x `side` image whose data is a hole: a sparse file of the declared size."""
    primary = fits.PrimaryHDU().header
    primary["EXTEND"] = True
    sci = fits.Header(
        [
            ("XTENSION", "IMAGE"),
            ("BITPIX", bitpix),
            ("NAXIS", 2),
            ("NAXIS1", side),
            ("NAXIS2", side),
            ("PCOUNT", 0),
            ("GCOUNT", 1),
            ("EXTNAME", "SCI"),
        ]
    )
    if header is not None:
        for card in header.cards:
            if card.keyword not in sci:
                sci.append(card)
    head = primary.tostring().encode() + sci.tostring().encode()
    data_bytes = side * side * abs(bitpix) // 8
    with path.open("wb") as f:
        f.write(head)
        f.truncate(len(head) + -(-data_bytes // 2880) * 2880)
    return path


def write_tile_bomb(path: Path, side: int = 30_000) -> Path:
    """A small tile-compressed file whose header declares one `side` x `side` int16
    compression tile (1.8 GB once decompressed for side 30,000): written by astropy for a tiny
    image, then its image size and tile size set to `side` in the header."""
    small = fits.CompImageHDU(
        np.zeros((16, 16), np.int16), compression_type="GZIP_1", tile_shape=(16, 16)
    )
    fits.HDUList([fits.PrimaryHDU(), small]).writeto(path, overwrite=True)
    raw = bytearray(path.read_bytes())
    for key in ("ZNAXIS1", "ZNAXIS2", "ZTILE1", "ZTILE2"):
        at = raw.index(key.ljust(8).encode() + b"= ")
        raw[at + 10 : at + 30] = f"{side:>20}".encode()
    path.write_bytes(bytes(raw))
    return path


def add_sip(path: Path, exts: tuple[str, ...] = ("SCI", "WHT"), scale: float = 1.0) -> None:
    """Give these extensions of a mosaic tile a small SIP distortion (as level-2 `_cal` files
    carry): a few pixels at the corners of a tile of a few hundred pixels, times `scale`."""
    with fits.open(path, mode="update") as hdul:
        for ext in exts:
            h = hdul[ext].header
            h["CTYPE1"], h["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
            h["A_ORDER"], h["B_ORDER"] = 2, 2
            h["A_2_0"], h["B_0_2"], h["A_1_1"] = 2e-5 * scale, -1.5e-5 * scale, 1e-5 * scale
            h["B_2_0"] = h["B_1_1"] = 0.0
