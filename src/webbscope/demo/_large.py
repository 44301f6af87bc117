"""A large SCI image written in chunks, never held in memory (for benchmarks)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from webbscope.demo._io import primary_hdu
from webbscope.demo._keywords import Exposure, primary_cards
from webbscope.demo._render import pixel_area_sr
from webbscope.demo._sky import header_of, tan_cards
from webbscope.demo._targets import CARINA, F200W

_BLOCK = 2880
_CHUNK_BYTES = 4 * 1024 * 1024
_INT_SCALE = 1000.0
_BYTE_SCALE = 40.0
_BITPIX = {
    np.dtype(np.uint8): (8, None),
    np.dtype(np.int16): (16, None),
    np.dtype(np.uint16): (16, 2**15),
    np.dtype(np.int32): (32, None),
    np.dtype(np.uint32): (32, 2**31),
    np.dtype(np.int64): (64, None),
    np.dtype(np.float32): (-32, None),
    np.dtype(np.float64): (-64, None),
}


def _values(rows: np.ndarray, nx: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth nebula-like background plus noise (MJy/sr, float32) for the given rows.

    Computed in place in float32 so a chunk costs a few bytes per pixel of scratch memory.
    """
    x = (np.arange(nx, dtype=np.float32) / np.float32(977.0))[None, :]
    y = (rows.astype(np.float32) / np.float32(977.0))[:, None]
    out = np.empty((len(rows), nx), dtype=np.float32)
    tmp = np.empty_like(out)
    for ax, ay, phase, amplitude in (
        (1.3, 0.7, 0.0, 1.0),
        (3.1, -2.3, 1.0, 0.5),
        (7.7, 5.1, 2.0, 0.25),
    ):
        np.multiply(x, np.float32(ax), out=tmp)
        tmp += y * np.float32(ay) + np.float32(phase)
        np.sin(tmp, out=tmp)
        tmp *= np.float32(amplitude)
        if amplitude == 1.0:
            out[:] = tmp
        else:
            out += tmp
    out += np.float32(2.0)
    rng.standard_normal(out=tmp, dtype=np.float32)
    tmp *= np.float32(0.05)
    out += tmp
    return out


def _cast(values: np.ndarray, dtype: np.dtype[Any], bzero: int | None) -> np.ndarray:
    """Values as big-endian bytes in the FITS storage type (unsigned via BZERO)."""
    if dtype.kind == "f":
        return values.astype(dtype.newbyteorder(">"))
    info = np.iinfo(dtype)
    scale = _INT_SCALE if dtype.itemsize > 1 else _BYTE_SCALE
    counts = np.clip(np.rint(values * scale), info.min, info.max).astype(np.int64)
    if bzero is not None:
        counts -= bzero
        return counts.astype(np.dtype(f">i{dtype.itemsize}"))
    return counts.astype(dtype.newbyteorder(">"))


def write_large_image(
    path: Path,
    shape: tuple[int, ...],
    dtype: DTypeLike = np.float32,
    *,
    seed: int = 0,
) -> Path:
    """Write a JWST-like file with one large SCI image of `shape` (numpy order) and `dtype`.

    Data are produced and written a block of rows (about 4 MB) at a time, so memory stays
    small whatever the shape (4096x4096 or a 10 GB cube). Integer types hold MJy/sr x 1000
    (x 40 for uint8); unsigned types use BZERO as FITS requires. The same arguments give the
    same bytes.
    """
    dt = np.dtype(dtype)
    if dt not in _BITPIX:
        raise ValueError(f"unsupported dtype {dt}; use one of {sorted(str(d) for d in _BITPIX)}")
    if not 1 <= len(shape) <= 3 or any(n <= 0 for n in shape):
        raise ValueError(f"shape must have 1 to 3 positive axes, not {shape}")
    bitpix, bzero = _BITPIX[dt]
    nx = shape[-1]
    ny = shape[-2] if len(shape) > 1 else 1
    total_rows = math.prod(shape[:-1])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    name = path.name
    exposure = Exposure(
        file_name=name,
        target=CARINA,
        band=F200W,
        observation="001",
        visit="001",
        expstart=59733.048,
        datamodel="ImageModel",
        filetype="resampled",
        detector="MULTIPLE",
        template="NIRCam Imaging",
    )
    primary = primary_hdu(primary_cards(exposure))
    cards = [
        ("XTENSION", "IMAGE", "Image extension"),
        ("BITPIX", bitpix, "array data type"),
        ("NAXIS", len(shape), "number of array dimensions"),
    ]
    cards += [(f"NAXIS{i}", n, "") for i, n in enumerate(reversed(shape), start=1)]
    cards += [("PCOUNT", 0, "number of parameters"), ("GCOUNT", 1, "number of groups")]
    if bzero is not None:
        cards += [("BSCALE", 1, ""), ("BZERO", bzero, "")]
    cards += [
        ("EXTNAME", "SCI", "extension name"),
        ("BUNIT", "MJy/sr" if dt.kind == "f" else "DN", "units of the array values"),
        ("PIXAR_SR", pixel_area_sr(F200W.pixel_scale), "Nominal pixel area in steradians"),
    ]
    if len(shape) >= 2:
        cards += tan_cards((CARINA.ra, CARINA.dec), (ny, nx), F200W.pixel_scale, 3.7)
    sci_header = header_of(cards)

    rows_per_chunk = max(1, _CHUNK_BYTES // (nx * 4))  # float32 scratch per chunk
    written = 0
    with path.open("wb") as f:
        primary.writeto(f)
        f.write(sci_header.tostring().encode("ascii"))
        for index, start in enumerate(range(0, total_rows, rows_per_chunk)):
            stop = min(total_rows, start + rows_per_chunk)
            rows = np.arange(start, stop) % ny
            values = _values(rows, nx, np.random.default_rng([seed, index]))
            data = _cast(values, dt, bzero)
            f.write(data.tobytes())
            written += data.nbytes
        pad = -written % _BLOCK
        f.write(b"\0" * pad)
    return path
