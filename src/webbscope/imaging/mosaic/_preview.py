"""The mosaic's picture: its reduced values stretched for display (PNG, JPEG, thumbnail).

The stretch is `auto_stretch` (noise-aware asinh with a gamma) from a sample of the reduced
mosaic; uncovered pixels are black. Rows are flipped so the picture is north up (FITS row 0
is the bottom).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging._autostretch import auto_stretch
from webbscope.imaging._encode import encode_image
from webbscope.imaging._stretch import asinh_stretch

SAMPLE = 1_000_000


def display_pixels(values: NDArray[np.float32]) -> NDArray[np.uint8]:
    """8-bit grey pixels, north up."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    step = max(1, finite.size // SAMPLE)
    s = auto_stretch(finite[::step])
    span = max(s.vmax - s.vmin, 1e-30)
    x = np.nan_to_num((values - np.float32(s.vmin)) / np.float32(span), nan=0.0)
    np.clip(x, 0.0, 1.0, out=x)
    y = asinh_stretch(x.astype(np.float32), s.a)
    if s.gamma != 1.0:
        np.power(y, np.float32(s.gamma), out=y)
    out = (np.clip(y, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.ascontiguousarray(out[::-1])


def picture_bytes(values: NDArray[np.float32], fmt: str, *, max_side: int | None = None) -> bytes:
    """The mosaic picture as PNG or JPEG (optionally reduced to `max_side` by striding)."""
    pixels = display_pixels(values)
    if max_side is not None and max(pixels.shape) > max_side:
        step = -(-max(pixels.shape) // max_side)
        pixels = np.ascontiguousarray(pixels[::step, ::step])
    return encode_image(pixels, fmt, quality=90, compress_level=1)
