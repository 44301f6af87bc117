"""Stored image rows read with plain file reads, for one streaming pass (the pyramid build).

A memory map of a file read end to end keeps every page it touched resident in the reading
process (a 2 GB image made a 2 GB process); `FileRows` reads each chunk with ``os.pread`` into
a fresh buffer instead, so the pass holds one chunk, whatever the file's size. Values are
converted as `ScaledArray` converts them (BZERO/BSCALE, BLANK -> NaN) and returned as float32.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from webbscope.imaging._source import _RAW_DTYPES, viewed_axes, wrap_scaled


class FileRows:
    """An uncompressed image (2-D, or a cube of planes) at byte `offset` of the file at
    `path`, stored C-ordered as `dtype` (big-endian FITS), indexable as ``rows[y0:y1, x0:x1]``
    (a cube: ``rows.plane(p)[y0:y1, x0:x1]``)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        offset: int,
        shape: tuple[int, ...],
        dtype: Any,
        *,
        bscale: float | None = None,
        bzero: float | None = None,
        blank: int | None = None,
        plane: int | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.offset = int(offset)
        self.full_shape = tuple(int(n) for n in shape)
        self.raw_dtype = np.dtype(dtype)
        self.scaling = (bscale, bzero, blank)
        self._plane = plane
        self.shape = self.full_shape[1:] if plane is not None else self.full_shape
        self.ndim = len(self.shape)
        self.dtype = np.dtype(np.float32)

    def plane(self, index: int) -> FileRows:
        if len(self.full_shape) != 3:
            raise ValueError("only a cube has planes")
        bscale, bzero, blank = self.scaling
        return FileRows(
            self.path,
            self.offset,
            self.full_shape,
            self.raw_dtype,
            bscale=bscale,
            bzero=bzero,
            blank=blank,
            plane=index,
        )

    def __getitem__(self, key: tuple[slice, slice]) -> NDArray[np.float32]:
        if self.ndim != 2:
            raise ValueError("index a plane of the cube (`plane`)")
        rows, cols = key
        ny, nx = self.shape
        y0, y1, _ = rows.indices(ny)
        x0, x1, _ = cols.indices(nx)
        item = self.raw_dtype.itemsize
        base = self.offset + (self._plane or 0) * ny * nx * item
        h, w = max(0, y1 - y0), max(0, x1 - x0)
        buf = bytearray(h * w * item)
        with open(self.path, "rb", buffering=0) as f:
            fd = f.fileno()
            if w == nx:  # whole rows: one read
                _pread_into(fd, memoryview(buf), base + y0 * nx * item)
            else:
                view = memoryview(buf)
                for r in range(h):
                    start = base + ((y0 + r) * nx + x0) * item
                    _pread_into(fd, view[r * w * item : (r + 1) * w * item], start)
        raw = np.frombuffer(buf, dtype=self.raw_dtype).reshape(h, w)
        bscale, bzero, blank = self.scaling
        return np.asarray(wrap_scaled(raw, bscale, bzero, blank)[...], dtype=np.float32)


def _pread_into(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        n = os.preadv(fd, [view[done:]], offset + done)
        if n <= 0:
            raise OSError(f"the file ended at byte {offset + done}")
        done += n


def file_rows(path: str | os.PathLike[str], layout: Any, *, blank: int | None = None) -> FileRows:
    """`FileRows` over the uncompressed image HDU `layout` (from `scan_fits`), without its
    length-1 axes (`viewed_axes`: they do not change where values are stored)."""
    shape = tuple(int(n) for n in layout.shape)
    viewed = tuple(shape[i] for i in viewed_axes(shape))
    return FileRows(
        path,
        layout.data_offset,
        viewed,
        _RAW_DTYPES[layout.bitpix],
        bscale=layout.bscale,
        bzero=layout.bzero,
        blank=blank,
    )
