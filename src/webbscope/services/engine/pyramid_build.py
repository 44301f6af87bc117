"""The CPU part of the `pyramid` job, run in a child process: every coarse level of a FITS
file's science image, written as raw tiled float32 files (`webbscope.imaging._pyramid`).

Kept apart from the job (`pyramid_job`), as `thumbnail_render` is: a child imports only this
module and what the fork server preloaded.

Stored layout, keyed by the file's sha256 beside its rendered tiles (so two records of the
same content share one pyramid, and deleting the last of them removes it with the tiles):

- ``tiles/<sha>/pyramid/L<level>.f32``: level `level`, ``(planes, ny_tiles, nx_tiles, 256,
  256)`` little-endian float32, no header (`LevelLayout` gives every offset);
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
    advise_sequential,
    build_levels,
    file_rows,
    hdu_image,
    level_layout,
    squeeze_image,
    stored_levels,
)
from webbscope.services.engine.thumbnail_render import science_layout
from webbscope.storage import TILES_PREFIX

MANIFEST_VERSION = 1


def pyramid_prefix(sha: str) -> str:
    return f"{TILES_PREFIX}{sha}/pyramid/"


def manifest_key(sha: str) -> str:
    return f"{pyramid_prefix(sha)}manifest.json"


def level_key(sha: str, level: int) -> str:
    return f"{pyramid_prefix(sha)}L{level}.f32"


def level_file_name(level: int) -> str:
    return f"L{level}.f32"


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
                report=lambda f: report(f * 0.95, "building levels"),
            )
        finally:
            for f in files.values():
                f.flush()
                os.fsync(f.fileno())
                f.close()
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
