"""A 256-pixel tile pyramid over a 2-D image, read from memory-mapped data.

Geometry. Level ``max_level = ceil(log2(max(nx, ny) / 256))`` (0 for images up to 256
pixels) is full resolution; each level below halves it, so level 0 is the whole image in
one tile, its longer side at most 256 pixels. At level L one tile pixel covers a block of
``scale = 2 ** (max_level - L)`` source pixels on a side. Blocks are anchored at source
pixel (0, 0), the FITS origin: level pixel (i, j) covers source columns
``[i * scale, (i + 1) * scale)`` and rows ``[j * scale, (j + 1) * scale)``, clipped to the
image, so the last block of a row or column may be partial. A level is
``ceil(nx / scale) x ceil(ny / scale)`` pixels, cut into ``ceil(w / 256) x ceil(h / 256)``
tiles.

Orientation: north up. FITS row 0 is the bottom of the picture, so tiles are flipped
vertically: tile row ``y = 0`` is the top of the image (the highest FITS rows) and row 0
of each tile array is its top line. Tile column ``x = 0`` is the left (FITS column 0).
Tiles in the last column and last row may be narrower or shorter than 256 pixels (as in
Deep Zoom); the partial block of a level's top row lies at the top of the top tiles.

Downsampling (`extract_tile`). Each tile pixel averages, ignoring NaN, an ``s x s`` grid
of samples from its ``scale x scale`` block, at offsets ``k * scale // s`` (the first at the
block's corner, so partial edge blocks always have one); NaN only where every sample is.

- ``method="auto"`` (default): ``s = min(anti_alias, scale)`` with ``anti_alias=4``. Up to
  scale 4 (levels max, max-1, max-2) that samples every pixel: the exact NaN-aware block
  mean. Coarser levels average 16 samples per block instead of up to scale**2 pixels, so
  a tile costs about the same at every level and a level-0 tile of a 10 GB image reads
  a few hundred rows, not the whole file. `s` is lowered further when the rows it would
  touch exceed `READ_BUDGET` bytes (huge widths). ``anti_alias=1`` is plain decimation.
- ``method="mean"``: ``s = scale``, the exact block mean at any level (reads everything).
- ``method="stride"``: ``s = min(anti_alias, scale)`` without the read budget.

Each sample grid is read as strided slices of the memory map (``data[y0+oy::scale,
x0+ox::scale]``), converted to float32 per slice; nothing else of the image is touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import BadRequest, NotFound
from webbscope.imaging._source import ImageData

TILE = 256
READ_BUDGET = 64 * 1024 * 1024
Method = Literal["auto", "mean", "stride"]


class TileGrid(NamedTuple):
    """Tiles across and down at a level, and source pixels per tile pixel."""

    nx_tiles: int
    ny_tiles: int
    scale: int


@dataclass(frozen=True)
class TileWindow:
    """The source pixels a tile covers: ``data[y0:y1, x0:x1]`` (FITS orientation).

    The tile is `width` x `height` pixels, each averaging a `scale` x `scale` block.
    """

    level: int
    x: int
    y: int
    x0: int
    x1: int
    y0: int
    y1: int
    scale: int
    width: int
    height: int


def _image_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        raise BadRequest(f"a tiled image needs 2 axes, not shape {shape}", code="image_not_2d")
    ny, nx = int(shape[-2]), int(shape[-1])
    if ny <= 0 or nx <= 0:
        raise BadRequest(f"empty image of shape {shape}", code="image_empty")
    return ny, nx


def max_level(shape: tuple[int, ...]) -> int:
    """The full-resolution level: ``ceil(log2(max(nx, ny) / 256))``, at least 0."""
    ny, nx = _image_shape(shape)
    return (math.ceil(max(nx, ny) / TILE) - 1).bit_length()


def pyramid_levels(shape: tuple[int, ...]) -> int:
    """How many levels the pyramid has: levels are ``0 .. pyramid_levels(shape) - 1``."""
    return max_level(shape) + 1


def _check_level(shape: tuple[int, ...], level: int) -> int:
    top = max_level(shape)
    if not 0 <= level <= top:
        raise NotFound(
            f"level {level} does not exist; this image has levels 0 to {top}",
            code="tile_out_of_range",
            details={"level": level, "max_level": top},
        )
    return 1 << (top - level)


def level_shape(shape: tuple[int, ...], level: int) -> tuple[int, int]:
    """(height, width) in pixels of the whole image at `level`."""
    ny, nx = _image_shape(shape)
    scale = _check_level(shape, level)
    return -(-ny // scale), -(-nx // scale)


def tile_grid(shape: tuple[int, ...], level: int) -> TileGrid:
    """(nx_tiles, ny_tiles, scale) at `level`; `scale` is source pixels per tile pixel."""
    height, width = level_shape(shape, level)
    return TileGrid(-(-width // TILE), -(-height // TILE), _check_level(shape, level))


def tile_source_window(shape: tuple[int, ...], level: int, x: int, y: int) -> TileWindow:
    """The source window of tile (x, y) at `level` (x from the left, y from the top)."""
    ny, nx = _image_shape(shape)
    height, width = level_shape(shape, level)
    grid = tile_grid(shape, level)
    if not (0 <= x < grid.nx_tiles and 0 <= y < grid.ny_tiles):
        raise NotFound(
            f"tile ({x}, {y}) is outside level {level}, which has "
            f"{grid.nx_tiles} x {grid.ny_tiles} tiles",
            code="tile_out_of_range",
            details={
                "level": level,
                "x": x,
                "y": y,
                "nx_tiles": grid.nx_tiles,
                "ny_tiles": grid.ny_tiles,
            },
        )
    scale = grid.scale
    c0, c1 = x * TILE, min((x + 1) * TILE, width)
    # Display rows [r0, r1) from the top are level rows [height - r1, height - r0) from the
    # bottom (the FITS origin).
    r0, r1 = y * TILE, min((y + 1) * TILE, height)
    j0, j1 = height - r1, height - r0
    return TileWindow(
        level=level,
        x=x,
        y=y,
        x0=c0 * scale,
        x1=min(c1 * scale, nx),
        y0=j0 * scale,
        y1=min(j1 * scale, ny),
        scale=scale,
        width=c1 - c0,
        height=r1 - r0,
    )


def _read(data: ImageData, key: Any) -> NDArray[np.float32]:
    """Read `data[key]` as a native float32 array (one conversion, no extra copy)."""
    return np.asarray(data[key], dtype=np.float32)


def _sample_offsets(scale: int, samples: int) -> list[int]:
    """`samples` offsets centred in equal parts of a block of `scale` (every pixel when
    ``samples == scale``; the block centre when 1)."""
    return sorted({((2 * k + 1) * scale) // (2 * samples) for k in range(samples)})


def _accumulate(
    total: NDArray[np.float32], count: NDArray[np.int32], part: NDArray[np.float32]
) -> None:
    """Add the non-NaN values of `part` into the top-left corner of total/count."""
    hv, wv = part.shape
    # A fresh contiguous mask: numpy 2.4's isnan writes wrong values into strided outputs.
    nan = np.isnan(part)
    if nan.any():
        total[:hv, :wv] += np.where(nan, np.float32(0.0), part)
        count[:hv, :wv] += ~nan
    else:
        total[:hv, :wv] += part
        count[:hv, :wv] += 1


def _strided_mean(data: ImageData, win: TileWindow, samples: int) -> NDArray[np.float32]:
    """Mean of `samples` x `samples` samples per block, NaN ignored (NaN if none)."""
    s = win.scale
    offsets = _sample_offsets(s, samples)
    total = np.zeros((win.height, win.width), dtype=np.float32)
    count = np.zeros((win.height, win.width), dtype=np.int32)
    for oy in offsets:
        for ox in offsets:
            if win.y0 + oy < win.y1 and win.x0 + ox < win.x1:
                rows, cols = slice(win.y0 + oy, win.y1, s), slice(win.x0 + ox, win.x1, s)
                _accumulate(total, count, _read(data, (rows, cols)))
    # A partial last block may be shorter than the first offset: sample its first pixel.
    last_y, last_x = win.y0 + (win.height - 1) * s, win.x0 + (win.width - 1) * s
    if win.y1 - last_y <= offsets[0] and (count[-1] == 0).any():
        row = _read(data, (slice(last_y, last_y + 1), slice(win.x0, win.x1, s)))
        empty = count[-1:] == 0
        _fill(total[-1:], count[-1:], row, empty)
    if win.x1 - last_x <= offsets[0] and (count[:, -1] == 0).any():
        col = _read(data, (slice(win.y0, win.y1, s), slice(last_x, last_x + 1)))
        empty = count[:, -1:] == 0
        _fill(total[:, -1:], count[:, -1:], col, empty)
    out = np.full((win.height, win.width), np.nan, dtype=np.float32)
    np.divide(total, count, out=out, where=count > 0)
    return out


def _fill(
    total: NDArray[np.float32],
    count: NDArray[np.int32],
    values: NDArray[np.float32],
    where: NDArray[np.bool_],
) -> None:
    use = where & ~np.isnan(values)
    total[use] = values[use]
    count[use] = 1


def _samples(data: ImageData, win: TileWindow, method: Method, anti_alias: int) -> int:
    """Samples per block side: `scale` for the exact mean, fewer for speed."""
    if method == "mean":
        return win.scale
    samples = max(1, min(anti_alias, win.scale))
    if method == "auto" and samples < win.scale:
        itemsize = getattr(getattr(data, "raw", data), "dtype", np.dtype(np.float32)).itemsize
        row_bytes = (win.x1 - win.x0) * itemsize
        while samples > 1 and samples * win.height * row_bytes > READ_BUDGET:
            samples -= 1
    return samples


def reduce_window(
    data: ImageData,
    win: TileWindow,
    *,
    method: Method = "auto",
    anti_alias: int = 4,
) -> NDArray[np.float32]:
    """The tile pixels of `win`, in FITS orientation (row 0 at the bottom)."""
    if win.scale == 1:
        return _read(data, (slice(win.y0, win.y1), slice(win.x0, win.x1)))
    return _strided_mean(data, win, _samples(data, win, method, anti_alias))


def extract_tile(
    data2d: ImageData,
    level: int,
    x: int,
    y: int,
    *,
    method: Method = "auto",
    anti_alias: int = 4,
) -> NDArray[np.float32]:
    """Tile (x, y) of `level` as float32, north up (row 0 is the top), <= 256 x 256.

    `data2d` is a 2-D array (a cube's plane: pass ``cube[k]`` or
    ``ScaledArray.plane(k)``); only the tile's window is read, and scaling or byte
    swapping is applied to that window alone. See the module notes for `method`.
    Raises `NotFound` (code ``tile_out_of_range``) for a level or tile that does not exist.
    """
    if data2d.ndim != 2:
        raise BadRequest(
            f"extract_tile needs a 2-D array (pass one plane of a cube), not {data2d.ndim}-D",
            code="image_not_2d",
        )
    if method not in ("auto", "mean", "stride"):
        raise BadRequest(f"unknown downsampling method {method!r}", code="invalid_method")
    win = tile_source_window(data2d.shape, level, x, y)
    tile = reduce_window(data2d, win, method=method, anti_alias=max(1, int(anti_alias)))
    return np.ascontiguousarray(tile[::-1])


def thumbnail(
    data2d: ImageData,
    max_size: int = 256,
    *,
    method: Method = "auto",
    anti_alias: int = 4,
) -> NDArray[np.float32]:
    """The whole image reduced by the smallest integer factor that fits `max_size` on its
    longer side, north up, as float32 (for thumbnails, previews and exports).

    The same downsampling rules as tiles apply (see the module notes).
    """
    ny, nx = _image_shape(data2d.shape)
    if max_size < 1:
        raise BadRequest("max_size must be positive", code="invalid_size")
    scale = max(1, -(-max(nx, ny) // max_size))
    height, width = -(-ny // scale), -(-nx // scale)
    win = TileWindow(0, 0, 0, 0, nx, 0, ny, scale, width, height)
    out = reduce_window(data2d, win, method=method, anti_alias=max(1, int(anti_alias)))
    return np.ascontiguousarray(out[::-1])
