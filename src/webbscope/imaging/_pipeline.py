"""One call per request: a tile or a preview, from memory-mapped data to encoded bytes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging._colormap import colormap_lut
from webbscope.imaging._encode import (
    encode_float_tile,
    encode_image,
    encode_indexed_png,
    normalise_format,
)
from webbscope.imaging._render import Mode, RenderParams, ViewSetup, render, render_index
from webbscope.imaging._source import ImageData
from webbscope.imaging._tiles import Method, extract_tile, thumbnail


def output_mode(fmt: str, params: RenderParams) -> Mode:
    """The pixel layout to render for `fmt`: JPEG has no alpha (RGB, or L for the gray map
    with a gray NaN colour); PNG and WebP keep the requested mode (RGBA by default, so NaN
    can be transparent)."""
    if normalise_format(fmt) != "jpeg":
        return params.mode
    r, g, b, _ = params.nan_colour
    return "L" if params.cmap == "gray" and r == g == b else "RGB"


def indexed_pixels(
    values: NDArray[np.float32],
    params: RenderParams,
    view: ViewSetup | tuple[float, float] | None,
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]] | None:
    """(index, 256 x 4 palette) rendering `values` exactly as `render` would in RGBA/RGB.

    NaN pixels get a palette entry no finite pixel of this image uses, set to the NaN
    colour; None when every one of the 256 levels is used and NaN needs one too.
    """
    index, nan = render_index(values, params, view)
    palette = colormap_lut(params.cmap, invert=params.invert).copy()
    if nan.any():
        free = np.flatnonzero(np.bincount(index[~nan], minlength=256) == 0)
        if free.size == 0:
            return None
        index[nan] = free[0]
        palette[free[0]] = params.nan_colour
    if params.mode == "RGB":
        palette[:, 3] = 255
    return index, palette


def _encode(
    values: NDArray[np.float32],
    fmt: str,
    params: RenderParams,
    view: ViewSetup | tuple[float, float] | None,
    quality: int,
) -> bytes:
    fmt = normalise_format(fmt)
    if fmt in ("f16", "f32"):
        return encode_float_tile(values, allow_f16=fmt == "f16")
    mode = output_mode(fmt, params)
    if fmt == "png" and mode != "L":
        indexed = indexed_pixels(values, params, view)
        if indexed is not None:
            return encode_indexed_png(*indexed)
    pixels = render(values, params if mode == params.mode else replace(params, mode=mode), view)
    return encode_image(pixels, fmt, quality=quality)


def tile_bytes(
    data2d: ImageData,
    level: int,
    x: int,
    y: int,
    fmt: str,
    params: RenderParams | None = None,
    view: ViewSetup | tuple[float, float] | None = None,
    *,
    quality: int = 90,
    method: Method = "auto",
) -> bytes:
    """Tile (x, y) of `level` encoded as png / jpeg / webp / f16 (see `extract_tile`).

    Pass the image's cached `view` (from `prepare_view`) so all tiles share their limits;
    f16 tiles are the float values (`encode_float_tile`: scaled float16, or float32 when
    that would lose precision) and ignore `params` and `view`. Colour PNG tiles are
    written as palette PNGs (`encode_indexed_png`): the same RGBA once decoded, ~4x faster
    to encode and ~2x smaller.
    """
    tile = extract_tile(data2d, level, x, y, method=method)
    return _encode(tile, fmt, params or RenderParams(), view, quality)


def encode_tile(
    tile: NDArray[np.float32],
    fmt: str,
    params: RenderParams | None = None,
    view: ViewSetup | tuple[float, float] | None = None,
    *,
    quality: int = 90,
) -> bytes:
    """A tile already read (`extract_tile`, or a stored pyramid level) encoded as
    `tile_bytes` encodes it."""
    return _encode(tile, fmt, params or RenderParams(), view, quality)


def preview_bytes(
    data2d: ImageData,
    max_size: int,
    fmt: str,
    params: RenderParams | None = None,
    view: ViewSetup | tuple[float, float] | None = None,
    *,
    quality: int = 90,
) -> bytes:
    """The whole image at most `max_size` pixels on its longer side, encoded (thumbnails
    and previews; see `thumbnail` for the reduction)."""
    return _encode(thumbnail(data2d, max_size), fmt, params or RenderParams(), view, quality)
