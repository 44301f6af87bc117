"""A stored tile pyramid: every coarse level of an image as exact NaN-aware block means,
built in one streaming pass, laid out so that one tile is one contiguous run of bytes.

Geometry is that of `webbscope.imaging._tiles` (the on-request tiles): level ``max_level``
is full resolution (read from the file itself, never stored); level L < max_level averages
blocks of ``2 ** (max_level - L)`` source pixels anchored at FITS pixel (0, 0), NaN ignored,
NaN where a block has no valid pixel. The stored value is the exact mean of the valid pixels
of the whole block (summed in float64, rounded once to float32): what
``extract_tile(..., method="mean")`` computes on request, and what the default ``auto``
method computes at the three finest levels.

Layout of a stored level (`level_layout`): a C-ordered float32 (little-endian) array of shape
``(planes, ny_tiles, nx_tiles, 256, 256)``; ``[p, y, x]`` is tile (x, y) of plane p exactly as
`extract_tile` returns it (north up, row 0 at the top), padded with NaN to 256 x 256 in the
last column and row of tiles. A tile is therefore one read of 256 KiB at a known offset:
a memory-map slice on local disk, one ranged GET on S3.

The pass (`build_levels`). Source rows are read in strips of ``S = 2 ** max_level`` rows (the
coarsest block), aligned to FITS row 0, from the top of the image down, each cut into column
chunks of a multiple of S so that a chunk holds at most `chunk_pixels` pixels. Each chunk gives
the float64 sums and the valid counts of its level max-1 blocks (2 x 2 sums of the pixels);
every coarser level is 2 x 2 sums of the one before. As S is a multiple of every block size,
chunks never split a block, so each level pixel is complete when its chunk is done. Level
pixels collect in rows of tiles (256 level rows), each written out once as soon as the strips
above it are read. Memory is a few times `chunk_pixels` x 8 bytes plus a row or two of tiles
per level, whatever the image size; each source pixel is read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging._source import ImageData
from webbscope.imaging._tiles import TILE, level_shape, max_level

#: Pixels per chunk of the streaming pass (8 Mi: ~200 MB of working memory at most).
CHUNK_PIXELS = 8 * 1024 * 1024
STORED_DTYPE = np.dtype("<f4")
TILE_BYTES = TILE * TILE * STORED_DTYPE.itemsize


@dataclass(frozen=True)
class LevelLayout:
    """Where the tiles of one stored level are: shape ``(planes, ny_tiles, nx_tiles, 256,
    256)``; `height` x `width` is the level's size in pixels."""

    level: int
    planes: int
    ny_tiles: int
    nx_tiles: int
    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int, int, int, int]:
        return (self.planes, self.ny_tiles, self.nx_tiles, TILE, TILE)

    @property
    def nbytes(self) -> int:
        return self.planes * self.ny_tiles * self.nx_tiles * TILE_BYTES

    def tile_offset(self, plane: int, x: int, y: int) -> int:
        """Byte offset of tile (x, y) of `plane` from the start of the level's data."""
        return ((plane * self.ny_tiles + y) * self.nx_tiles + x) * TILE_BYTES

    def tile_size(self, x: int, y: int) -> tuple[int, int]:
        """(height, width) of the real (unpadded) part of tile (x, y)."""
        return min(TILE, self.height - y * TILE), min(TILE, self.width - x * TILE)


def stored_levels(shape: tuple[int, ...]) -> list[int]:
    """The levels a pyramid stores for a 2-D image (or cube plane) of `shape`: every one
    below full resolution (none for an image of at most 256 pixels)."""
    return list(range(max_level(shape[-2:])))


def level_layout(shape: tuple[int, ...], level: int, planes: int = 1) -> LevelLayout:
    height, width = level_shape(shape[-2:], level)
    return LevelLayout(level, planes, -(-height // TILE), -(-width // TILE), height, width)


def pack_order(shape: tuple[int, ...], planes: int) -> Iterator[tuple[int, int, int, int]]:
    """Every tile of every level and plane, in the order a tile pack stores them: level 0
    first, then by plane, row of tiles (top first) and column: (level, plane, x, y)."""
    for level in range(max_level(shape[-2:]) + 1):
        layout = level_layout(shape, level)
        for plane in range(planes):
            for y in range(layout.ny_tiles):
                for x in range(layout.nx_tiles):
                    yield level, plane, x, y


def pack_index(shape: tuple[int, ...], planes: int, level: int, plane: int, x: int, y: int) -> int:
    """The position of tile (x, y) of `plane` at `level` in a pack of `planes` planes
    (`pack_order`), or -1 when the pack has no such tile."""
    if not 0 <= plane < planes or not 0 <= level <= max_level(shape[-2:]):
        return -1
    before = 0
    for lv in range(level):
        lay = level_layout(shape, lv)
        before += planes * lay.ny_tiles * lay.nx_tiles
    layout = level_layout(shape, level)
    if not (0 <= x < layout.nx_tiles and 0 <= y < layout.ny_tiles):
        return -1
    return before + (plane * layout.ny_tiles + y) * layout.nx_tiles + x


def pack_tiles(shape: tuple[int, ...]) -> int:
    """Tiles of one plane over every level (a pack of p planes holds p times this)."""
    total = 0
    for level in range(max_level(shape[-2:]) + 1):
        layout = level_layout(shape, level)
        total += layout.ny_tiles * layout.nx_tiles
    return total


def _pair_sum(a: NDArray[Any], dtype: Any = None) -> NDArray[Any]:
    """Sums over 2 x 2 blocks (an odd last row or column is a partial block), in `dtype`
    (default: `a`'s)."""
    h, w = a.shape
    out = np.zeros((-(-h // 2), -(-w // 2)), dtype=dtype or a.dtype)
    for dy in (0, 1):
        for dx in (0, 1):
            part = a[dy::2, dx::2]
            out[: part.shape[0], : part.shape[1]] += part
    return out


def _chunk_levels(
    values: NDArray[np.float32], top: int
) -> Iterator[tuple[int, NDArray[np.float32]]]:
    """(level, means) for levels top-1 .. 0 of one aligned chunk of source pixels."""
    valid = ~np.isnan(values)
    sums = _pair_sum(np.where(valid, values, np.float32(0.0)), np.float64)
    counts = _pair_sum(valid, np.int32)
    for level in range(top - 1, -1, -1):
        if level < top - 1:
            sums, counts = _pair_sum(sums), _pair_sum(counts)
        means = np.full(sums.shape, np.nan, dtype=np.float32)
        np.divide(sums, counts, out=means, where=counts > 0, casting="unsafe")
        yield level, means


def _strips(ny: int, nx: int, block: int, chunk_pixels: int) -> list[tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) source chunks aligned to `block`, from the top of the image down
    (so the tiles, which are stored top first, are written in file order)."""
    per_row = max(block, (chunk_pixels // block) // block * block)
    out = []
    for y0 in range(((ny - 1) // block) * block, -1, -block):
        for x0 in range(0, nx, per_row):
            out.append((y0, min(y0 + block, ny), x0, min(x0 + per_row, nx)))
    return out


class LevelSink(Protocol):
    """Where a level's tiles go: ``sink[plane, tile_row] = tiles`` receives one whole row of
    tiles, shape ``(nx_tiles, 256, 256)`` (a numpy array of the level's shape works)."""

    def __setitem__(self, key: tuple[int, int], tiles: NDArray[np.float32]) -> None: ...


def build_levels(
    data: ImageData,
    outputs: dict[int, LevelSink],
    *,
    chunk_pixels: int = CHUNK_PIXELS,
    report: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Write every stored level of `data` into `outputs` (level -> `LevelSink`, e.g. an array
    of `level_layout(...).shape`), one row of tiles at a time, each row once, top first.

    `data` is a 2-D image or a 3-D cube (planes along the first axis), memory-mapped or
    anything `ImageData` allows; it is read once, chunk by chunk, and the memory used is that
    of one chunk plus one or two rows of tiles per level. Returns the number of source pixels
    read. `report(fraction)` is called after each chunk; `cancelled()` is asked before each,
    and a True answer stops the pass (raising `InterruptedError`).
    """
    cube = data.ndim == 3
    planes = int(data.shape[0]) if cube else 1
    ny, nx = int(data.shape[-2]), int(data.shape[-1])
    top = max_level((ny, nx))
    if top == 0:
        return 0
    block = 1 << top
    layouts = {lv: level_layout((ny, nx), lv) for lv in range(top)}
    chunks = _strips(ny, nx, block, chunk_pixels)
    total = len(chunks) * planes
    done = 0
    for p in range(planes):
        plane = cube_plane(data, p) if cube else data
        bands: dict[int, dict[int, NDArray[np.float32]]] = {lv: {} for lv in range(top)}
        strip_y0 = chunks[0][0] if chunks else 0
        for y0, y1, x0, x1 in chunks:
            if y0 != strip_y0:  # the strip above is complete
                _flush(outputs, bands, layouts, p, top, strip_y0)
                strip_y0 = y0
            if cancelled is not None and cancelled():
                raise InterruptedError("the pyramid build was cancelled")
            values = np.asarray(plane[y0:y1, x0:x1], dtype=np.float32)
            for level, means in _chunk_levels(values, top):
                scale = 1 << (top - level)
                _put(bands[level], layouts[level], means, y0 // scale, x0 // scale)
            done += 1
            if report is not None:
                report(done / total)
        _flush(outputs, bands, layouts, p, top, 0)
    return planes * ny * nx


def _flush(
    outputs: dict[int, LevelSink],
    bands: dict[int, dict[int, NDArray[np.float32]]],
    layouts: dict[int, LevelLayout],
    plane: int,
    top: int,
    y0: int,
) -> None:
    """Write out the rows of tiles complete once every source row from `y0` up is read."""
    for level, open_bands in bands.items():
        layout = layouts[level]
        rows_done = layout.height - y0 // (1 << (top - level))  # display rows from the top
        for ty in sorted(open_bands):
            if min((ty + 1) * TILE, layout.height) <= rows_done:
                band = open_bands.pop(ty)
                tiles = band.reshape(TILE, layout.nx_tiles, TILE).transpose(1, 0, 2)
                outputs[level][plane, ty] = np.ascontiguousarray(tiles)


def cube_plane(data: ImageData, index: int) -> ImageData:
    """Plane `index` of a cube, still unread (`ScaledArray`/`FileRows` planes, or a slice)."""
    plane = getattr(data, "plane", None)
    return plane(index) if callable(plane) else data[index]


def _put(
    bands: dict[int, NDArray[np.float32]],
    layout: LevelLayout,
    means: NDArray[np.float32],
    j0: int,
    i0: int,
) -> None:
    """Copy level pixels (FITS rows j0.., columns i0..) into the open rows of tiles (north
    up; a row of tiles is ``(256, nx_tiles * 256)`` pixels, NaN where nothing is)."""
    h, w = means.shape
    flipped = means[::-1]  # display order: top row first
    r0 = layout.height - (j0 + h)  # display row of flipped[0]
    r = 0
    while r < h:
        ty, ry = divmod(r0 + r, TILE)
        n = min(TILE - ry, h - r)
        band = bands.get(ty)
        if band is None:
            band = np.full((TILE, layout.nx_tiles * TILE), np.nan, dtype=np.float32)
            bands[ty] = band
        band[ry : ry + n, i0 : i0 + w] = flipped[r : r + n]
        r += n


def read_stored_tile(
    level_data: NDArray[np.float32], layout: LevelLayout, plane: int, x: int, y: int
) -> NDArray[np.float32]:
    """Tile (x, y) of `plane` from a stored level (its whole array, e.g. a memory map), as a
    contiguous float32 array the size `extract_tile` gives."""
    h, w = layout.tile_size(x, y)
    return np.array(level_data[plane, y, x, :h, :w], dtype=np.float32)


def tile_from_bytes(body: bytes, layout: LevelLayout, x: int, y: int) -> NDArray[np.float32]:
    """A tile from the 256 KiB read at `layout.tile_offset(...)`."""
    h, w = layout.tile_size(x, y)
    full = np.frombuffer(body, dtype=STORED_DTYPE).reshape(TILE, TILE)
    return np.array(full[:h, :w], dtype=np.float32)
