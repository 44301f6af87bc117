"""The CPU part of the `pyramid` job, run in a child process: every coarse level of a FITS
file's science image, written as raw tiled float32 files (`webbscope.imaging._pyramid`).

Kept apart from the job (`pyramid_job`), as `thumbnail_render` is: a child imports only this
module and what the fork server preloaded.

Stored layout, keyed by the file's sha256 beside its rendered tiles (so two records of the
same content share one pyramid, and deleting the last of them removes it with the tiles):

- ``tiles/<sha>/pyramid/L<level>.f32``: level `level`, ``(planes, ny_tiles, nx_tiles, 256,
  256)`` little-endian float32, no header (`LevelLayout` gives every offset);
- ``tiles/<sha>/pyramid/tiles.<fmt>``: a tile pack: the tile (the bytes the engine's tile
  route sends) of every level, full resolution included, and of every plane up to
  `PACK_MAX_TILES` tiles, one after another in `pack_order`; ``tiles.<fmt>.idx`` holds their
  byte offsets (little-endian uint64, one more than there are tiles). ``f16`` holds the f16
  tiles, ``webp`` the WebP tiles of the default rendering (`pack_encoders`). The backend
  sends these tiles straight from storage: a tile nobody has viewed costs a read, not a
  render;
- ``tiles/<sha>/pyramid/manifest.json``: what was built (written last: a pyramid is used
  only once its manifest exists, so a build that died half-way is never read).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import WebbscopeError
from webbscope.fits import FitsLimits, open_fits, scan_fits
from webbscope.imaging import (
    TILE,
    ViewSetup,
    advise_sequential,
    build_levels,
    cube_plane,
    encode_tile,
    file_rows,
    hdu_image,
    level_layout,
    max_level,
    pack_order,
    pack_tiles,
    prepare_view,
    squeeze_image,
    stored_levels,
    tile_from_bytes,
)
from webbscope.imaging._pyramid import TILE_BYTES
from webbscope.services.common.pyramid_keys import MANIFEST_VERSION, level_file_name, pack_name
from webbscope.services.engine.files import OpenFile
from webbscope.services.engine.info import is_rgb
from webbscope.services.engine.params import render_params
from webbscope.services.engine.thumbnail_render import science_layout

#: At most this many tiles go into a pack (a cube's later planes are rendered on request).
PACK_MAX_TILES = 200_000


def packed_planes(shape: tuple[int, ...], planes: int, max_tiles: int = PACK_MAX_TILES) -> int:
    """How many planes (from the first) a pack holds: all of them, or as many as fit in
    `max_tiles`."""
    return min(planes, max_tiles // pack_tiles(shape))


#: Encodes one tile's values (of a plane) in a pack's format.
Encoder = Callable[[NDArray[np.float32], int], bytes]


def _pack_file(out_dir: str, fmt: str) -> BinaryIO:
    return open(Path(out_dir) / pack_name(fmt), "wb")


def write_packs(
    data: Any,
    shape: tuple[int, ...],
    planes: int,
    out_dir: str,
    encoders: dict[str, Encoder],
    report: Callable[[float], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Write a tile pack per format of `encoders` (the first `planes` planes of `data`, the
    image read by rows as `build_pyramid` reads it) into `out_dir`, whose level files are
    complete: coarse tiles come from them, full-resolution tiles from `data`, a row of tiles
    at a time; each tile's values are read once for every format. Returns each pack's
    manifest entry."""
    cube = len(shape) == 3
    top = max_level(shape[-2:])
    # Stored tiles are read with pread, not a memory map: a map's pages would count in the
    # job's resident memory (up to a third of the image's size).
    levels = {lv: os.open(Path(out_dir) / level_file_name(lv), os.O_RDONLY) for lv in range(top)}
    offsets: dict[str, list[int]] = {fmt: [0] for fmt in encoders}
    total = planes * pack_tiles(shape)
    row: tuple[int, int] | None = None
    strip: NDArray[np.float32] | None = None
    files = {fmt: _pack_file(out_dir, fmt) for fmt in encoders}
    try:
        for done, (level, plane, x, y) in enumerate(pack_order(shape, planes), 1):
            layout = level_layout(shape, level)
            if level < top:
                where = layout.tile_offset(plane, x, y)
                values = tile_from_bytes(os.pread(levels[level], TILE_BYTES, where), layout, x, y)
            else:
                if row != (plane, y):  # one read of the tile row's source rows
                    source = cube_plane(data, plane) if cube else data
                    r1 = layout.height - y * TILE
                    r0 = max(0, r1 - TILE)
                    strip = np.asarray(source[r0:r1, 0 : layout.width], dtype=np.float32)[::-1]
                    row = (plane, y)
                assert strip is not None
                values = np.ascontiguousarray(strip[:, x * TILE : (x + 1) * TILE])
            for fmt, encode in encoders.items():
                body = encode(values, plane)
                files[fmt].write(body)
                offsets[fmt].append(offsets[fmt][-1] + len(body))
            if report is not None and done % 64 == 0:
                report(done / total)
    finally:
        for fd in levels.values():
            os.close(fd)
        for f in files.values():
            f.flush()
            os.fsync(f.fileno())
            f.close()
    out = {}
    for fmt, offs in offsets.items():
        with open(Path(out_dir) / f"{pack_name(fmt)}.idx", "wb") as f:
            f.write(np.array(offs, dtype="<u8").tobytes())
            f.flush()
            os.fsync(f.fileno())
        out[fmt] = {"planes": planes, "tiles": len(offs) - 1, "bytes": offs[-1]}
    return out


def pack_encoders(file: OpenFile, hdu: int) -> dict[str, Encoder]:
    """The packs' encoders for the science image `hdu` of `file`: f16 always, and WebP in
    the default rendering (the tile route's defaults, `render_params()`, with the limits the
    engine's view of each plane gives) when the engine's default extension (`SCI`) is that
    image and it is not a colour image."""

    def f16(values: NDArray[np.float32], plane: int) -> bytes:
        return encode_tile(values, "f16")

    encoders: dict[str, Encoder] = {"f16": f16}
    try:
        layout = file.find("SCI")
    except WebbscopeError:
        return encoders
    if layout.index != hdu or is_rgb(file, layout):
        return encoders
    params = render_params()
    views: dict[int, ViewSetup] = {}

    def webp(values: NDArray[np.float32], plane: int) -> bytes:
        if plane not in views:  # a few numbers per plane
            views[plane] = prepare_view(file.plane(layout, plane), params)
        return encode_tile(values, "webp", params, views[plane])

    encoders["webp"] = webp
    return encoders


class _LevelFile:
    """A level's file, written row of tiles by row of tiles, in order (`build_levels` sends
    each once, top first, plane by plane)."""

    def __init__(self, f: BinaryIO, nx_tiles: int, ny_tiles: int) -> None:
        self.f = f
        self.nx_tiles = nx_tiles
        self.ny_tiles = ny_tiles
        self.next = (0, 0)

    def __setitem__(self, key: tuple[int, int], tiles: NDArray[np.float32]) -> None:
        if key != self.next:
            raise RuntimeError(f"row of tiles {key} arrived out of order (expected {self.next})")
        plane, ty = key
        self.f.write(np.ascontiguousarray(tiles, dtype="<f4").tobytes())
        self.next = (plane, ty + 1) if ty + 1 < self.ny_tiles else (plane + 1, 0)


def build_pyramid(
    report: Callable[[float, str | None], None],
    path: str,
    limits: FitsLimits,
    out_dir: str,
    chunk_pixels: int,
) -> dict[str, Any] | None:
    """Build the levels of the science image of the FITS file at `path` into `out_dir`; the
    manifest (without storage keys), or None when the file has no image to tile."""
    start = time.perf_counter()
    layouts = scan_fits(path, limits)
    layout = science_layout(layouts)
    if layout is None:
        return None
    with open_fits(path, limits) as hdul:
        if layout.kind in ("primary", "image"):
            # Plain reads, not a memory map: the pass holds one chunk, not the file's pages.
            blank = hdul[layout.index].header.get("BLANK")
            data = file_rows(path, layout, blank=blank if isinstance(blank, int) else None)
        else:  # tile-compressed: astropy's section decompresses the tiles each chunk needs
            data = squeeze_image(hdu_image(hdul[layout.index]))
            advise_sequential(data)
        if data.ndim not in (2, 3):
            return None
        shape = tuple(int(n) for n in data.shape)
        planes = shape[0] if len(shape) == 3 else 1
        levels = stored_levels(shape)
        files: dict[int, BinaryIO] = {}
        try:
            sinks = {}
            for lv in levels:
                lay = level_layout(shape, lv, planes)
                files[lv] = open(Path(out_dir) / level_file_name(lv), "wb")  # noqa: SIM115
                sinks[lv] = _LevelFile(files[lv], lay.nx_tiles, lay.ny_tiles)
            pixels = build_levels(
                data,
                sinks,  # type: ignore[arg-type]
                chunk_pixels=chunk_pixels,
                report=lambda f: report(f * 0.75, "building levels"),
            )
        finally:
            for f in files.values():
                f.flush()
                os.fsync(f.fileno())
                f.close()
        opened = OpenFile("", Path(path), limits)  # the engine's view of the file
        try:
            packs = write_packs(
                data,
                shape,
                packed_planes(shape, planes),
                out_dir,
                pack_encoders(opened, layout.index),
                report=lambda f: report(0.75 + f * 0.2, "encoding tiles"),
            )
        finally:
            opened.close()
    out: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "hdu": layout.index,
        "ext": layout.name or str(layout.index),
        "planes": planes,
        "height": shape[-2],
        "width": shape[-1],
        "tile": 256,
        "dtype": "<f4",
        "levels": {},
        "packs": packs,
        "pixels_read": pixels,
        "seconds": round(time.perf_counter() - start, 3),
    }
    for lv in levels:
        lay = level_layout(shape, lv, planes)
        size = (Path(out_dir) / level_file_name(lv)).stat().st_size
        if size != lay.nbytes:
            raise RuntimeError(f"level {lv} has {size} bytes, not {lay.nbytes}")
        out["levels"][str(lv)] = {"bytes": lay.nbytes}
    return out
