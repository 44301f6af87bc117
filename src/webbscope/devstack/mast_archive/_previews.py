"""Small JPEG previews of the demo images and cubes (the archive's PREVIEW products)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from PIL import Image

PREVIEW_PIXELS = 256


def _science_plane(path: Path) -> np.ndarray | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fits.open(path, memmap=False) as hdul:
            if "SCI" not in hdul or hdul["SCI"].data is None:
                return None
            data = np.asarray(hdul["SCI"].data, dtype=np.float32)
    if data.ndim == 3:  # a cube: collapse the spectral axis
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            data = np.nanmean(data, axis=0)
    if data.ndim != 2:
        return None
    return data


def render_preview(path: Path, pixels: int = PREVIEW_PIXELS) -> bytes | None:
    """A JPEG of the SCI plane (asinh stretch between the 0.5 and 99.7 percentiles), or None
    when the file has no 2-D (or 3-D) SCI extension."""
    data = _science_plane(path)
    if data is None:
        return None
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return None
    lo, hi = np.percentile(finite, [0.5, 99.7])
    scaled = np.clip((np.nan_to_num(data, nan=float(lo)) - lo) / max(float(hi - lo), 1e-12), 0, 1)
    stretched = np.arcsinh(10.0 * scaled) / np.arcsinh(10.0)
    image = Image.fromarray((stretched[::-1] * 255.0).astype(np.uint8), mode="L")
    image.thumbnail((pixels, pixels), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=False)
    return out.getvalue()
