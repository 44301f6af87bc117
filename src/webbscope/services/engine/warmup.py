"""Warm the render paths once at start-up, so the first viewer does not pay for them.

The first WebP encode of a process takes ~250 ms, the first zscale, WCS, grid and PNG calls
tens of ms each (library initialisation, lazy imports). Rendering a small synthetic image
through every path in a background thread at start-up moves that cost out of the first view.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np
from astropy.io import fits

from webbscope.imaging import (
    Interval,
    RenderParams,
    export_image,
    grid_lines,
    histogram,
    prepare_view,
    preview_bytes,
    render,
    tile_bytes,
    world_coords,
)

log = logging.getLogger("webbscope.engine.warmup")


def _header() -> dict[str, object]:
    return {
        "NAXIS": 2,
        "NAXIS1": 300,
        "NAXIS2": 300,
        "CTYPE1": "RA---TAN",
        "CTYPE2": "DEC--TAN",
        "CRVAL1": 159.2,
        "CRVAL2": -58.6,
        "CRPIX1": 150.0,
        "CRPIX2": 150.0,
        "CDELT1": -1.7e-5,
        "CDELT2": 1.7e-5,
    }


def warm_up() -> float:
    """Render a small image through every path once; the seconds it took."""
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    data = rng.normal(1.0, 0.1, size=(300, 300)).astype(">f4")
    data[:3, :3] = np.nan
    header = _header()
    for stretch, interval in (("asinh", Interval.percentile(99.5)), ("histeq", Interval.zscale())):
        params = RenderParams(stretch=stretch, interval=interval, cmap="viridis")  # type: ignore[arg-type]
        view = prepare_view(data, params)
        for fmt in ("png", "jpeg", "webp", "f16"):
            tile_bytes(data, 1, 0, 0, fmt, params, view)
        preview_bytes(data, 64, "jpeg", params, view)
    histogram(data, bins=64)
    grid_lines(header, data.shape)
    world_coords(header, [(1.0, 2.0)])
    pixels = render(data[:32, :32], RenderParams(mode="RGB"))
    for fmt in ("png", "jpeg", "tiff"):
        export_image(pixels, fmt, header)
    _warm_file_path(data, header)
    return time.perf_counter() - start


def _warm_file_path(data: np.ndarray, header: dict[str, object]) -> None:
    """Open a small FITS file as a request would: checks, headers, map, image information."""
    from webbscope.fits import FitsLimits
    from webbscope.services.engine.files import OpenFile
    from webbscope.services.engine.info import image_info

    with tempfile.TemporaryDirectory(prefix="engine-warmup-") as tmp:
        path = Path(tmp) / "warm.fits"
        sci = fits.ImageHDU(data, fits.Header(header), name="SCI")
        fits.HDUList([fits.PrimaryHDU(), sci]).writeto(path)
        opened = OpenFile("0" * 64, path, FitsLimits())
        image_info(opened, opened.find("SCI"))
        opened.close()


def warm_up_quietly() -> None:
    try:
        log.info("render paths warmed up in %.2f s", warm_up())
    except Exception:  # a warm-up must never stop the service
        log.exception("warming up the render paths failed")
