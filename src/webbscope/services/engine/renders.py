"""The engine's heavy work, one function per route, run in a worker thread by the gate.

Web-free: each function takes an `OpenFile` (and the view cache) and returns bytes. Output
sizes are checked against `MAX_OUTPUT_PIXELS` before anything is read or rendered.
"""

from __future__ import annotations

import io
import logging
import re
import time
import warnings
from dataclasses import replace
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from webbscope.errors import PayloadTooLarge, Unprocessable, WebbscopeError
from webbscope.fits import HduLayout
from webbscope.imaging import (
    RenderParams,
    cutout,
    downsampled_wcs,
    encode_image,
    encode_tile,
    export_image,
    extract_tile,
    output_mode,
    preview_bytes,
    render,
    thumbnail,
    tile_source_window,
)
from webbscope.services.engine.files import OpenFile, ViewCache
from webbscope.services.engine.info import is_rgb
from webbscope.services.engine.params import Plane
from webbscope.services.engine.pyramids import StoredPyramid

log = logging.getLogger("webbscope.engine.renders")

#: Header cards not copied from the image into a cutout (structure, scaling, WCS: the
#: cutout's own WCS replaces them).
_NOT_COPIED = re.compile(
    r"^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|CHECKSUM|DATASUM|BZERO|BSCALE|"
    r"BLANK|WCSAXES[A-Z]?|CRPIX\d+[A-Z]?|CRVAL\d+[A-Z]?|CDELT\d+[A-Z]?|CTYPE\d+[A-Z]?|"
    r"CUNIT\d+[A-Z]?|CROTA\d+|CD\d+_\d+[A-Z]?|PC\d+_\d+[A-Z]?|PV\d+_\d+[A-Z]?|PS\d+_\d+[A-Z]?|"
    r"[AB]P?_\d+_\d+|[AB]P?_ORDER|[AB]_DMAX|LONPOLE[A-Z]?|LATPOLE[A-Z]?|RADESYS[A-Z]?|"
    r"EQUINOX[A-Z]?|S_REGION|LTV\d|LTM\d_\d)$"
)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def check_output(width: int, height: int, limit: int, what: str) -> None:
    """422 when a `width` x `height` output is over `limit` pixels."""
    if width * height > limit:
        raise Unprocessable(
            f"a {width} x {height} {what} is over the {limit}-pixel output limit",
            code="output_too_large",
            details={"width": width, "height": height, "max_pixels": limit},
        )


def reduction(shape: tuple[int, ...], max_size: int) -> tuple[int, int, int]:
    """(scale, width, height) of `thumbnail(data, max_size)` for an image of `shape`."""
    ny, nx = int(shape[-2]), int(shape[-1])
    scale = max(1, -(-max(nx, ny) // max(1, max_size)))
    return scale, -(-nx // scale), -(-ny // scale)


def export_max_size(shape: tuple[int, ...], width: int) -> int:
    """The `thumbnail` size giving the widest integer reduction at most `width` wide."""
    ny, nx = int(shape[-2]), int(shape[-1])
    longest = max(nx, ny)
    wanted = max(1, -(-nx // max(1, width)))
    if wanted == 1:
        return longest
    return -(-longest // (wanted - 1)) - 1


def check_tile(file: OpenFile, plane: Plane, level: int, x: int, y: int) -> None:
    """404 for a tile, level or plane that does not exist (nothing is read)."""
    layout = file.find(plane.ext)
    tile_source_window(file.plane(layout, plane.slice).shape, level, x, y)


def tile(
    file: OpenFile,
    views: ViewCache,
    plane: Plane,
    fmt: str,
    params: RenderParams,
    level: int,
    x: int,
    y: int,
    stored: StoredPyramid | None = None,
) -> tuple[bytes, float]:
    """A tile's bytes and the milliseconds spent (limits from the cached view). The tile's
    values come from the `stored` pyramid when it holds this level, else are downsampled
    from the file on request."""
    start = time.perf_counter()
    layout = file.find(plane.ext)
    raw = fmt in ("f16", "f32")
    if not raw and is_rgb(file, layout):
        return rgb_tile(file, layout, level, x, y, fmt, stored), _ms(start)
    data = file.plane(layout, plane.slice)
    values = tile_values(file, layout, data, plane.slice, level, x, y, stored)
    view = None if raw else views.view(file, layout.index, plane.slice, params)
    return encode_tile(values, fmt, params, view), _ms(start)


def tile_values(
    file: OpenFile,
    layout: HduLayout,
    data: Any,
    index: int,
    level: int,
    x: int,
    y: int,
    stored: StoredPyramid | None,
) -> Any:
    """Tile (x, y) of plane `index` at `level`: read from the stored pyramid when it has it
    (the exact block means), else downsampled from `data` (the plane) on request."""
    cube = file.data(layout.index).ndim == 3
    if stored is not None and stored.covers(layout.index, data.shape, level):
        planes = int(file.data(layout.index).shape[0]) if cube else 1
        if stored.planes == planes:
            try:
                return stored.tile(index if cube else 0, level, x, y)
            except (WebbscopeError, OSError) as exc:
                log.warning(
                    "stored level %d of %s unreadable (%s): downsampling", level, file.sha, exc
                )
                stored.failed = True
    return extract_tile(data, level, x, y)


VIEW_MAGIC = b"WVW1"


def view_bytes(file: OpenFile, views: ViewCache, plane: Plane, params: RenderParams) -> bytes:
    """The display limits the engine renders this plane's tiles with, and for histeq its
    curve, so a browser renders the same pixels: ``b"WVW1"``, uint32 n (0 or 65,536),
    float64 vmin, float64 vmax, then float32[n], the histeq curve at n points evenly
    spaced over [0, 1] (all little-endian)."""
    layout = file.find(plane.ext)
    view = views.view(file, layout.index, plane.slice, params)
    curve = view.histeq_lut if params.stretch == "histeq" else None
    n = 0 if curve is None else len(curve)
    head = (
        VIEW_MAGIC
        + np.array([n], "<u4").tobytes()
        + np.array([view.vmin, view.vmax], "<f8").tobytes()
    )
    return head + (b"" if curve is None else np.asarray(curve, "<f4").tobytes())


def rgb_tile(
    file: OpenFile,
    layout: HduLayout,
    level: int,
    x: int,
    y: int,
    fmt: str,
    stored: StoredPyramid | None = None,
) -> bytes:
    """A tile of a colour image: its three planes (integers, full scale = white) as RGB."""
    planes = [
        tile_values(file, layout, file.plane(layout, k), k, level, x, y, stored) for k in range(3)
    ]
    top = 255.0 if layout.dtype == "uint8" else 65535.0
    stack = np.stack(planes, axis=-1)
    pixels = np.clip(np.nan_to_num(stack) * np.float32(255.0 / top) + 0.5, 0, 255).astype(np.uint8)
    return encode_image(pixels, fmt)


def preview(
    file: OpenFile,
    views: ViewCache,
    plane: Plane,
    fmt: str,
    params: RenderParams,
    size: int,
    limit: int,
) -> tuple[bytes, int, int]:
    """The whole image at most `size` pixels on its longer side, with its width and height."""
    layout = file.find(plane.ext)
    data = file.plane(layout, plane.slice)
    _, width, height = reduction(data.shape, size)
    check_output(width, height, limit, "preview")
    view = views.view(file, layout.index, plane.slice, params)
    return preview_bytes(data, size, fmt, params, view), width, height


def export(
    file: OpenFile,
    views: ViewCache,
    plane: Plane,
    fmt: str,
    params: RenderParams,
    width: int,
    limit: int,
    description: str | None = None,
) -> tuple[bytes, int, int]:
    """The view rendered at most `width` pixels wide (the largest integer reduction), with
    its WCS (and AVM tags) in the file where the format allows."""
    layout = file.find(plane.ext)
    data = file.plane(layout, plane.slice)
    max_size = export_max_size(data.shape, width)
    scale, out_w, out_h = reduction(data.shape, max_size)
    check_output(out_w, out_h, limit, "export")
    view = views.view(file, layout.index, plane.slice, params)
    mode = output_mode(fmt, params)
    pixels = render(thumbnail(data, max_size), replace(params, mode=mode), view)
    wcs = file.wcs(layout.index)
    reduced = downsampled_wcs(wcs, scale) if wcs is not None else None
    body = export_image(pixels, fmt, reduced, description=description)
    return body, out_w, out_h


def cutout_fits(
    file: OpenFile,
    plane: Plane,
    centre: tuple[float, float] | tuple[float, float, str],
    size: tuple[int, int] | float,
    limit: int,
) -> bytes:
    """A FITS file (primary header + the image extension) holding a cutout of the plane.

    `centre` is a pixel (x, y) or (ra, dec, "sky") in degrees; `size` pixels (h, w) or an
    angle in arcseconds (a square). The cutout keeps the image's header cards, with its own
    WCS and LTV1/LTV2 offsets.
    """
    layout = file.find(plane.ext)
    data = file.plane(layout, plane.slice)
    if isinstance(size, tuple):
        check_output(size[1], size[0], limit, "cutout")
    wcs = file.wcs(layout.index)
    where: Any = centre[:2]
    if len(centre) == 3:
        if wcs is None:
            raise Unprocessable(
                "the image has no celestial WCS: give the centre as x and y",
                code="no_celestial_wcs",
            )
        where = SkyCoord(centre[0] * u.deg, centre[1] * u.deg, frame="icrs")
    extent: Any = size if isinstance(size, tuple) else size * u.arcsec
    if not isinstance(size, tuple) and wcs is None:
        raise Unprocessable(
            "the image has no celestial WCS: give the size in pixels (w, h)",
            code="no_celestial_wcs",
        )
    try:
        values, header = cutout(data, where, extent, wcs=wcs, max_pixels=limit)
    except PayloadTooLarge as exc:
        raise Unprocessable(exc.message, code="output_too_large", details=exc.details) from None
    source = file.headers[layout.index]
    for card in source.cards:
        if card.keyword and card.keyword not in header and not _NOT_COPIED.match(card.keyword):
            header.append(card)
    if file.data(layout.index).ndim == 3:
        header["SLICE"] = (plane.slice, "plane of the cube this cutout was cut from")
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        if layout.index == 0:
            hdul = fits.HDUList([fits.PrimaryHDU(values, header)])
        else:
            primary = fits.PrimaryHDU()
            for card in file.headers[0].cards:
                if card.keyword and not _NOT_COPIED.match(card.keyword):
                    primary.header.append(card)
            image = fits.ImageHDU(values, header, name=layout.name or "SCI")
            hdul = fits.HDUList([primary, image])
        hdul.writeto(out, output_verify="silentfix")
    return out.getvalue()
