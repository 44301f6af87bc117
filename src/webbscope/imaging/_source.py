"""Image data as stored: memory-mapped, converted only where it is read.

astropy scales BZERO/BSCALE integer images (and unsigned ones) by converting the *whole*
array on first access to `hdu.data`. A viewer must not do that to a 10 GB file, so
`ScaledArray` wraps the raw stored integers (memory-mapped, big-endian) and applies
``value = raw * bscale + bzero`` (BLANK -> NaN) only to the part that is indexed.
Plain float images need no wrapper: their memmap is used as is, and numpy byte-swaps
big-endian values on the fly inside each operation.

Access pattern. Tiles and samples read scattered rows (or parts of rows). The kernel's
default read-ahead around each page fault then reads far more than is used: on these
machines a level-0 tile of a 10 GB image took ~0.5 s of faults by default and 3 ms with
``madvise(MADV_RANDOM)`` (a full-resolution tile 15 ms -> 1 ms; even 256 contiguous rows
got faster). `hdu_image` and `stored_image` therefore advise the mapping as random access
(`advise_random`).
"""

from __future__ import annotations

import mmap
import os
from typing import Any, Protocol

import numpy as np
from astropy.io import fits
from numpy.typing import NDArray

from webbscope.errors import Unprocessable

#: Anything the imaging functions read pixels from: a numpy array (memmap included,
#: any byte order and dtype) or a `ScaledArray`.
ImageData = Any

_RAW_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


class ScaledArray:
    """A read-only array view over stored FITS values: ``raw * bscale + bzero``.

    Indexing reads and converts only the selected elements and returns a native-endian
    float array (float32 for 8/16-bit storage, float64 for 32/64-bit, as astropy does).
    Integer-indexing the first axis of a cube (`plane`) stays lazy.
    """

    def __init__(
        self,
        raw: NDArray[Any],
        bscale: float = 1.0,
        bzero: float = 0.0,
        blank: int | None = None,
    ) -> None:
        self.raw = raw
        self.bscale = float(bscale)
        self.bzero = float(bzero)
        self.blank = None if blank is None or raw.dtype.kind == "f" else int(blank)
        small = raw.dtype.kind in "iu" and raw.dtype.itemsize <= 2
        self.dtype = np.dtype(np.float32 if small or raw.dtype == np.float32 else np.float64)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.raw.shape)

    @property
    def ndim(self) -> int:
        return int(self.raw.ndim)

    @property
    def size(self) -> int:
        return int(self.raw.size)

    def __len__(self) -> int:
        return len(self.raw)

    def plane(self, index: int) -> ScaledArray:
        """The 2-D plane `index` of a cube, still unread."""
        return ScaledArray(self.raw[index], self.bscale, self.bzero, self.blank)

    def convert(self, raw: NDArray[Any]) -> NDArray[np.floating[Any]]:
        """Scale already-read raw values."""
        out = np.asarray(raw, dtype=self.dtype)
        if self.bscale != 1.0:
            out *= self.dtype.type(self.bscale)
        if self.bzero != 0.0:
            out += self.dtype.type(self.bzero)
        if self.blank is not None:
            out[np.asarray(raw) == self.blank] = np.nan
        return out

    def __getitem__(self, key: Any) -> NDArray[np.floating[Any]]:
        return self.convert(np.asarray(self.raw[key]))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> NDArray[Any]:
        out = self.convert(np.asarray(self.raw))
        return out if dtype is None else out.astype(dtype)


def advise_random(array: Any) -> bool:
    """Tell the kernel a memory-mapped array will be read at random (no read-ahead).

    Walks the array's base chain to its `mmap`; True if advice was given. Harmless for
    arrays that are not memory-mapped, and on platforms without `madvise`.
    """
    return advise(array, "MADV_RANDOM")


def advise_sequential(array: Any) -> bool:
    """Tell the kernel a memory-mapped array will be read once, in order (read-ahead on,
    pages dropped behind): a streaming pass such as the pyramid build."""
    return advise(array, "MADV_SEQUENTIAL")


def advise(array: Any, name: str) -> bool:
    """Give the `mmap` module's advice `name` for the mapping under `array`."""
    advice = getattr(mmap, name, None)
    base = array.raw if isinstance(array, ScaledArray) else array
    seen = 0
    while base is not None and seen < 16:
        target = getattr(base, "_mmap", None) if isinstance(base, np.memmap) else None
        if isinstance(base, mmap.mmap):
            target = base
        if target is not None and advice is not None and hasattr(target, "madvise"):
            try:
                target.madvise(advice)
            except (OSError, ValueError):
                return False
            return True
        base = getattr(base, "base", None)
        seen += 1
    return False


class _Layout(Protocol):
    """What `stored_image` needs of `webbscope.fits.HduLayout`."""

    @property
    def bitpix(self) -> int: ...
    @property
    def data_offset(self) -> int: ...
    @property
    def shape(self) -> tuple[int, ...] | None: ...
    @property
    def bzero(self) -> float | None: ...
    @property
    def bscale(self) -> float | None: ...
    @property
    def kind(self) -> str: ...


def stored_image(
    path: str | os.PathLike[str], layout: _Layout, *, blank: int | None = None
) -> ImageData:
    """Memory-map an image HDU described by `scan_fits` without reading it.

    Returns the big-endian memmap itself for unscaled data, a `ScaledArray` over it when
    the header sets BZERO/BSCALE (including unsigned integers) or `blank` is given.
    Tile-compressed images cannot be memory-mapped (code ``image_not_mappable``).
    """
    shape = layout.shape
    if layout.kind not in ("primary", "image") or not shape:
        raise Unprocessable(
            f"this HDU ({layout.kind}) holds no mappable image", code="image_not_mappable"
        )
    raw = np.memmap(
        os.fspath(path),
        dtype=np.dtype(_RAW_DTYPES[layout.bitpix]),
        mode="r",
        offset=layout.data_offset,
        shape=shape,
    )
    advise_random(raw)
    return wrap_scaled(raw, layout.bscale, layout.bzero, blank)


def wrap_scaled(
    raw: NDArray[Any],
    bscale: float | None = None,
    bzero: float | None = None,
    blank: int | None = None,
) -> ImageData:
    """`raw` itself when no scaling applies, else a `ScaledArray` over it."""
    scale = 1.0 if bscale is None else float(bscale)
    zero = 0.0 if bzero is None else float(bzero)
    int_blank = blank is not None and raw.dtype.kind in "iu"
    if scale == 1.0 and zero == 0.0 and not int_blank:
        return raw
    return ScaledArray(raw, scale, zero, blank if int_blank else None)


def hdu_image(hdu: Any) -> ImageData:
    """The data of an astropy image HDU (from `open_fits`), read lazily.

    Unscaled data comes back as astropy's memmap. For BZERO/BSCALE data whose array astropy
    has not loaded yet, the stored values are memory-mapped directly from the file and
    wrapped in a `ScaledArray`, so nothing is converted until it is indexed. Tile-compressed
    images come back as astropy's `section`, which decompresses only the tiles a slice
    touches (a coarse pyramid level still touches them all: cache such images
    uncompressed if they are viewed often).
    """
    if isinstance(hdu, fits.CompImageHDU):
        return hdu.section
    header = hdu.header
    bitpix = int(getattr(hdu, "_orig_bitpix", header.get("BITPIX", 0)))
    bzero = getattr(hdu, "_orig_bzero", header.get("BZERO", 0.0))
    bscale = getattr(hdu, "_orig_bscale", header.get("BSCALE", 1.0))
    blank = getattr(hdu, "_orig_blank", header.get("BLANK"))
    scaled = (bzero not in (0, None)) or (bscale not in (1, None))
    loaded = "data" in getattr(hdu, "__dict__", {})
    if loaded or not (scaled or (blank is not None and bitpix > 0)):
        data = hdu.data
        advise_random(data)
        return data
    info = hdu.fileinfo()
    shape = tuple(int(header[f"NAXIS{i}"]) for i in range(int(header.get("NAXIS", 0)), 0, -1))
    if info is None or bitpix not in _RAW_DTYPES or not shape or 0 in shape:
        return hdu.data
    raw = np.memmap(
        info["file"].name,
        dtype=np.dtype(_RAW_DTYPES[bitpix]),
        mode="r",
        offset=int(info["datLoc"]),
        shape=shape,
    )
    advise_random(raw)
    return wrap_scaled(raw, bscale, bzero, None if blank is None else int(blank))


def as_float32(values: Any) -> NDArray[np.float32]:
    """Native-endian float32 copy of already-read values (one conversion pass)."""
    return np.asarray(values, dtype=np.float32)


def viewed_axes(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The numpy axes of an image of `shape` that are viewed and measured: every axis
    longer than 1 (radio images carry FREQ and STOKES axes of length 1), and at least two,
    the last ones, so a single row stays a 2-D image."""
    keep = [i for i, n in enumerate(shape) if n > 1]
    for i in range(len(shape) - 1, -1, -1):
        if len(keep) >= 2:
            break
        if i not in keep:
            keep.append(i)
    return tuple(sorted(keep))


class SqueezedSection:
    """A lazy view of an array-like (a tile-compressed section) without some of its
    length-1 axes: indexing inserts index 0 for them, so only what is asked for is read."""

    def __init__(self, base: Any, keep: tuple[int, ...]) -> None:
        self.base = base
        self.keep = keep
        self.shape = tuple(int(base.shape[i]) for i in keep)
        self.ndim = len(self.shape)
        self.dtype = getattr(base, "dtype", None)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> Any:
        parts = key if isinstance(key, tuple) else (key,)
        if any(p is Ellipsis for p in parts):
            at = next(i for i, p in enumerate(parts) if p is Ellipsis)
            fill = (slice(None),) * (self.ndim - len(parts) + 1)
            parts = parts[:at] + fill + parts[at + 1 :]
        parts = parts + (slice(None),) * (self.ndim - len(parts))
        given = iter(parts)
        full = tuple(next(given) if i in self.keep else 0 for i in range(len(self.base.shape)))
        return self.base[full]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> NDArray[Any]:
        out = np.asarray(self[...])
        return out if dtype is None else out.astype(dtype)


def squeeze_image(data: ImageData) -> ImageData:
    """`data` without the length-1 axes `viewed_axes` drops, still unread (a reshaped
    memory map, a `ScaledArray` over one, or a `SqueezedSection`)."""
    shape = tuple(int(n) for n in data.shape)
    keep = viewed_axes(shape)
    if len(keep) == len(shape):
        return data
    viewed = tuple(shape[i] for i in keep)
    if isinstance(data, ScaledArray):
        return ScaledArray(data.raw.reshape(viewed), data.bscale, data.bzero, data.blank)
    if isinstance(data, np.ndarray):
        return data.reshape(viewed)
    return SqueezedSection(data, keep)
