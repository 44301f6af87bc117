"""A mosaic's inputs as files: what a plan needs from their headers, and their pixels
memory-mapped for the block tasks.

`inspect_input` reads only headers: the image extension's shape, celestial WCS, BUNIT, the
common source keywords of the primary header, and which weight map the file offers (``WHT``
as given, or ``ERR`` as inverse variance). `MosaicInput` is a small picklable value, so a
block task can run in another process or on a Dask worker that sees the same file paths.
`open_pixels` opens a file memory-mapped once per process (a small cache of open files),
and returns lazy arrays: nothing is read until a block's window is indexed.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import Unprocessable, WebbscopeError
from webbscope.imaging._source import hdu_image, squeeze_image, viewed_axes
from webbscope.imaging._wcs import celestial_wcs

WeightKind = Literal["wht", "ivar"]
WeightChoice = Literal["auto", "wht", "err", "none"]
#: Primary-header keywords carried into the mosaic (the value, or MULTIPLE where they differ).
SOURCE_KEYS = ("TELESCOP", "INSTRUME", "DETECTOR", "FILTER", "PUPIL", "TARGNAME", "PROGRAM")
OPEN_FILES = 32


@dataclass(frozen=True)
class MosaicInput:
    """One input: its file and extensions, and what the plan needs from the headers."""

    record_id: str
    name: str
    path: str
    ext: int
    shape: tuple[int, ...]
    wcs_header: str | None
    bunit: str | None = None
    weight_ext: int | None = None
    weight_kind: WeightKind | None = None
    keywords: dict[str, str] = field(default_factory=dict)

    @property
    def image_shape(self) -> tuple[int, int]:
        return int(self.shape[-2]), int(self.shape[-1])

    @property
    def is_cube(self) -> bool:
        return len(self.shape) > 2

    def wcs(self) -> WCS | None:
        if self.wcs_header is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            return WCS(fits.Header.fromstring(self.wcs_header))


def _find(hdul: fits.HDUList, ext: str | int) -> int | None:
    if isinstance(ext, int) or str(ext).isdigit():
        i = int(ext)
        return i if i < len(hdul) else None
    for i, hdu in enumerate(hdul):
        if str(hdu.header.get("EXTNAME", "")).upper() == str(ext).upper():
            return i
    return None


def _image_ext(hdul: fits.HDUList, ext: str | int) -> int | None:
    found = _find(hdul, ext)
    if found is not None and hdul[found].header.get("NAXIS", 0) >= 2:
        return found
    for i, hdu in enumerate(hdul):
        is_image = isinstance(hdu, fits.ImageHDU | fits.PrimaryHDU | fits.CompImageHDU)
        if is_image and int(hdu.header.get("NAXIS", 0)) >= 2:
            return i
    return None


def inspect_input(
    path: str,
    record_id: str,
    name: str,
    *,
    ext: str | int = "SCI",
    weights: WeightChoice = "auto",
) -> MosaicInput:
    """Read an input's headers (see the module notes); 422 ``no_image`` without an image."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path, memmap=True, lazy_load_hdus=True) as hdul:
            index = _image_ext(hdul, ext)
            if index is None:
                raise Unprocessable(f"{name} has no image extension", code="no_image")
            header = hdul[index].header
            naxis = int(header.get("NAXIS", 0))
            shape = tuple(int(header[f"NAXIS{i}"]) for i in range(naxis, 0, -1))
            shape = tuple(shape[i] for i in viewed_axes(shape))
            try:
                wcs_text: str | None = celestial_wcs(header).to_header(relax=True).tostring()
            except (WebbscopeError, ValueError, KeyError, MemoryError):
                wcs_text = None
            primary = hdul[0].header
            keywords = {
                k: str(header.get(k, primary.get(k)))
                for k in SOURCE_KEYS
                if header.get(k, primary.get(k)) not in (None, "")
            }
            bunit = header.get("BUNIT")
            weight_ext: int | None = None
            kind: WeightKind | None = None
            if weights in ("auto", "wht"):
                weight_ext = _find(hdul, "WHT")
                kind = "wht" if weight_ext is not None else None
            if weight_ext is None and weights in ("auto", "err"):
                weight_ext = _find(hdul, "ERR")
                kind = "ivar" if weight_ext is not None else None
            if weight_ext is not None:
                wshape = tuple(
                    int(hdul[weight_ext].header.get(f"NAXIS{i}", 0))
                    for i in range(int(hdul[weight_ext].header.get("NAXIS", 0)), 0, -1)
                )
                if wshape[-2:] != shape[-2:]:
                    weight_ext, kind = None, None
    return MosaicInput(
        record_id=record_id,
        name=name,
        path=path,
        ext=index,
        shape=shape,
        wcs_header=wcs_text,
        bunit=str(bunit).strip() if bunit else None,
        weight_ext=weight_ext,
        weight_kind=kind,
        keywords=keywords,
    )


class InverseVariance:
    """A lazy ``1 / err**2`` over an ERR array (0 where err is 0, negative or NaN)."""

    def __init__(self, err: Any) -> None:
        self.err = err
        self.shape = tuple(int(n) for n in err.shape)
        self.ndim = len(self.shape)
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key: Any) -> NDArray[np.float32]:
        e = np.asarray(self.err[key], dtype=np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(e > 0, 1.0 / (e * e), 0.0).astype(np.float32)
        return out


_files: OrderedDict[str, fits.HDUList] = OrderedDict()
_lock = threading.Lock()


def _hdul(path: str) -> fits.HDUList:
    with _lock:
        found = _files.get(path)
        if found is not None:
            _files.move_to_end(path)
            return found
        hdul = fits.open(path, memmap=True, lazy_load_hdus=True)
        _files[path] = hdul
        while len(_files) > OPEN_FILES:
            _, old = _files.popitem(last=False)
            old.close()
        return hdul


def close_files() -> None:
    """Close the files this process keeps open."""
    with _lock:
        while _files:
            _files.popitem()[1].close()


def open_pixels(item: MosaicInput) -> tuple[Any, Any | None]:
    """(image, weights or None) of an input as lazy 2-D arrays."""
    hdul = _hdul(item.path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        data = squeeze_image(hdu_image(hdul[item.ext]))
        weights = None
        if item.weight_ext is not None:
            weights = squeeze_image(hdu_image(hdul[item.weight_ext]))
            if item.weight_kind == "ivar":
                weights = InverseVariance(weights)
    return data, weights
