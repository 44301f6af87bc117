"""Overlapping level-3 tiles of one field, for mosaic tests and benchmarks.

`write_mosaic_tiles` lays `rows` x `cols` tiles on the sky, each a TAN image centred on its
own pointing (so two tiles differ by a true projective transform), rotated by
`rotation_deg`, overlapping by `overlap` of a side. Every tile samples one smooth sky (a sum
of Gaussian blobs and stars in the field's tangent plane), so the overlaps agree; each
tile can add its own constant offset (for background matching) and Gaussian noise. Files
carry a JWST-like primary header, ``SCI`` (MJy/sr), ``ERR`` and ``WHT``. Rows are made in
chunks, so a 20 Mpx tile never holds more than a few float32 copies of a chunk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from webbscope.imaging._reproject import pixel_homography

CHUNK_ROWS = 512


def _field(u: np.ndarray, v: np.ndarray, blobs: np.ndarray) -> np.ndarray:
    """The sky at tangent-plane offsets (u, v) in arcsec."""
    out = np.zeros(u.shape, dtype=np.float32)
    for bu, bv, amp, sig in blobs:
        r2 = np.square(u - np.float32(bu))
        r2 += np.square(v - np.float32(bv))
        r2 *= np.float32(-1.0 / (2.0 * sig * sig))
        np.maximum(r2, np.float32(-50.0), out=r2)
        np.exp(r2, out=r2)
        r2 *= np.float32(amp)
        out += r2
    return out


def tile_wcs(
    ra: float, dec: float, shape: tuple[int, int], scale_arcsec: float, rotation_deg: float
) -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [(shape[1] + 1) / 2.0, (shape[0] + 1) / 2.0]
    s = scale_arcsec / 3600.0
    t = math.radians(rotation_deg)
    w.wcs.cd = [[-s * math.cos(t), s * math.sin(t)], [s * math.sin(t), s * math.cos(t)]]
    w.wcs.radesys = "ICRS"
    w.wcs.set()
    return w


def write_mosaic_tiles(
    out_dir: Path,
    *,
    rows: int = 2,
    cols: int = 2,
    shape: tuple[int, int] = (256, 256),
    overlap: float = 0.15,
    scale_arcsec: float = 0.063,
    rotation_deg: float = 12.0,
    centre: tuple[float, float] = (339.0, 33.96),
    offsets: Sequence[float] | None = None,
    noise: float = 0.01,
    seed: int = 0,
    filter_name: str = "F200W",
    bunit: str = "MJy/sr",
    prefix: str = "jw01234-o001",
    extensions: Sequence[str] = ("SCI", "ERR", "WHT"),
    gap: tuple[int, int] | None = None,
    n_blobs: int = 16,
) -> list[Path]:
    """Write the tiles (see the module notes); returns their paths, row by row.

    `gap` = (row, col): shift tiles at or beyond that row/column far away, so the tiles form
    two groups that do not overlap.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ny, nx = shape
    step_x = nx * (1.0 - overlap) * scale_arcsec
    step_y = ny * (1.0 - overlap) * scale_arcsec
    span = max(cols * step_x, rows * step_y)
    blobs = np.column_stack(
        [
            rng.uniform(-span, span, n_blobs),
            rng.uniform(-span, span, n_blobs),
            rng.uniform(0.5, 3.0, n_blobs),
            rng.uniform(span / 20, span / 5, n_blobs),
        ]
    )
    ref = tile_wcs(centre[0], centre[1], (1, 1), 1.0 / 3600.0 * 3600.0, 0.0)
    ra0, dec0 = centre
    paths = []
    t = math.radians(rotation_deg)
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c
            du = (c - (cols - 1) / 2.0) * step_x
            dv = (r - (rows - 1) / 2.0) * step_y
            du, dv = du * math.cos(t) - dv * math.sin(t), du * math.sin(t) + dv * math.cos(t)
            if gap is not None and (r >= gap[0] and c >= gap[1]):
                du += 4 * span
            ra = ra0 + du / 3600.0 / math.cos(math.radians(dec0))
            dec = dec0 + dv / 3600.0
            w = tile_wcs(ra, dec, shape, scale_arcsec, rotation_deg)
            sci = np.empty(shape, dtype=np.float32)
            off = float(offsets[k]) if offsets is not None else 0.0
            # tile pixel -> reference tangent-plane pixel (arcsec): exact for TAN grids
            h = pixel_homography(ref, w)
            assert h is not None
            xs = np.arange(nx, dtype=np.float64)
            for y0 in range(0, ny, CHUNK_ROWS):
                y1 = min(ny, y0 + CHUNK_ROWS)
                ys = np.arange(y0, y1, dtype=np.float64)[:, None]
                q = [h[i, 0] * xs[None, :] + h[i, 1] * ys + h[i, 2] for i in range(3)]
                u = (-q[0] / q[2]).astype(np.float32)
                v = (q[1] / q[2]).astype(np.float32)
                sky = _field(u, v, blobs) + np.float32(0.2 + off)
                if noise > 0:
                    sky += rng.standard_normal((y1 - y0, nx), dtype=np.float32) * np.float32(noise)
                sci[y0:y1] = sky
            primary = fits.PrimaryHDU()
            h = primary.header
            h["TELESCOP"] = "JWST"
            h["INSTRUME"] = "NIRCAM"
            h["FILTER"] = filter_name
            h["TARGNAME"] = "MOSAIC-FIELD"
            h["PROGRAM"] = prefix[2:7]
            hdus: list[fits.ImageHDU | fits.PrimaryHDU] = [primary]
            header = w.to_header()
            header["BUNIT"] = bunit
            for ext in extensions:
                if ext == "SCI":
                    hdus.append(fits.ImageHDU(sci, header=header, name="SCI"))
                elif ext == "ERR":
                    err = np.full(shape, max(noise, 1e-3), dtype=np.float32)
                    hdus.append(fits.ImageHDU(err, header=w.to_header(), name="ERR"))
                elif ext == "WHT":
                    wht = np.full(shape, 1.0 + k, dtype=np.float32)
                    hdus.append(fits.ImageHDU(wht, header=w.to_header(), name="WHT"))
            path = out_dir / f"{prefix}_t{k:03d}_nircam_clear-{filter_name.lower()}_i2d.fits"
            fits.HDUList(hdus).writeto(path, overwrite=True)
            del sci, hdus
            paths.append(path)
    return paths
