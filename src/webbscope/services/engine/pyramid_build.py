"""The CPU part of the `pyramid` job, run in a child process: every coarse level of a FITS
file's science image, written as raw tiled float32 files (`webbscope.imaging._pyramid`).

Kept apart from the job (`pyramid_job`), as `thumbnail_render` is: a child imports only this
module and what the fork server preloaded.

Stored layout, keyed by the file's sha256 beside its rendered tiles (so two records of the
same content share one pyramid, and deleting the last of them removes it with the tiles):

- ``tiles/<sha>/pyramid/L<level>.f32``: level `level`, ``(planes, ny_tiles, nx_tiles, 256,
  256)`` little-endian float32, no header (`LevelLayout` gives every offset);
- ``tiles/<sha>/pyramid/tiles.f16``: the f16 tile (`encode_tile(..., "f16")`, the bytes the
  engine's tile route sends) of every level, full resolution included, and of every plane up
  to `PACK_MAX_TILES` tiles, one after another in `pack_order`; ``tiles.f16.idx`` holds their
  byte offsets (little-endian uint64, one more than there are tiles). The backend sends these
  tiles straight from storage: a tile nobody has viewed costs a read, not a render;
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

from webbscope.fits import FitsLimits, open_fits, scan_fits
from webbscope.imaging import (
    TILE,
    advise_sequential,
    build_levels,
    encode_tile,
    file_rows,
    hdu_image,
    level_layout,
    max_level,
    pack_order,
    pack_tiles,
    read_stored_tile,
    squeeze_image,
    stored_levels,
)
from webbscope.services.common.pyramid_keys import MANIFEST_VERSION, PACK_NAME, level_file_name
from webbscope.services.engine.thumbnail_render import science_layout

#: At most this many tiles go into a pack (a cube's later planes are rendered on request).
PACK_MAX_TILES = 200_000


def packed_planes(shape: tuple[int, ...], planes: int, max_tiles: int = PACK_MAX_TILES) -> int:
    """How many planes (from the first) a pack holds: all of them, or as many as fit in
    `max_tiles`."""
    return min(planes, max_tiles // pack_tiles(shape))


def write_f16_pack(
    data: Any,
    shape: tuple[int, ...],
    planes: int,
    out_dir: str,
    report: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Write the f16 tile pack of the first `planes` planes of `data` (the image read by
    rows, as `build_pyramid` reads it) into `out_dir`, whose level files are complete:
    coarse tiles come from them, full-resolution tiles from `data`, a row of tiles at a
    time. Returns the pack's manifest entry."""
    cube = len(shape) == 3
    top = max_level(shape[-2:])
    maps = {
        lv: np.memmap(
            Path(out_dir) / level_file_name(lv),
            dtype="<f4",
            mode="r",
            shape=level_layout(shape, lv, int(shape[0]) if cube else 1).shape,
        )
        for lv in range(top)
    }
    offsets = [0]
    total = planes * pack_tiles(shape)
    row: tuple[int, int] | None = None
    strip: NDArray[np.float32] | None = None
    with open(Path(out_dir) / PACK_NAME, "wb") as f:
        for level, plane, x, y in pack_order(shape, planes):
            layout = level_layout(shape, level)
            if level < top:
                values = read_stored_tile(maps[level], layout, plane, x, y)
            else:
                if row != (plane, y):  # one read of the tile row's source rows
                    source = data
                    if cube:
                        by_plane = getattr(data, "plane", None)
                        source = by_plane(plane) if callable(by_plane) else data[plane]
                    r1 = layout.height - y * TILE
                    r0 = max(0, r1 - TILE)
                    strip = np.asarray(source[r0:r1, 0 : layout.width], dtype=np.float32)[::-1]
                    row = (plane, y)
                assert strip is not None
                values = np.ascontiguousarray(strip[:, x * TILE : (x + 1) * TILE])
            body = encode_tile(values, "f16")
            f.write(body)
            offsets.append(offsets[-1] + len(body))
            if report is not None and len(offsets) % 256 == 0:
                report(len(offsets) / total)
        f.flush()
        os.fsync(f.fileno())
    del maps
    index = np.array(offsets, dtype="<u8")
    with open(Path(out_dir) / f"{PACK_NAME}.idx", "wb") as f:
        f.write(index.tobytes())
        f.flush()
        os.fsync(f.fileno())
    return {"planes": planes, "tiles": len(offsets) - 1, "bytes": offsets[-1]}


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
        pack = write_f16_pack(
            data,
            shape,
            packed_planes(shape, planes),
            out_dir,
            report=lambda f: report(0.75 + f * 0.2, "encoding tiles"),
        )
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
        "f16": pack,
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
