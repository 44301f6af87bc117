"""Open FITS files and display views, cached across requests.

`OpenFile` is one FITS file checked by `scan_fits` (size, HDU count and array-element
limits: 413/422 before anything is mapped), with every header read once and each image
HDU memory-mapped on first use (`stored_image`, which applies BZERO/BSCALE lazily; tile-
compressed images go through astropy's section). Nothing is read from the data until a
render indexes it.

`FileCache` keeps the most recently used files open (identified by their sha256, re-opened
if the file on disk changed); `ViewCache` keeps `prepare_view` results, so every tile of an
image, extension, plane and interval shares the same display limits.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from webbscope.caches import ByteLru
from webbscope.errors import NotFound, Unprocessable
from webbscope.fits import FitsLimits, HduLayout, checked_headers
from webbscope.imaging import (
    ImageData,
    RenderParams,
    ScaledArray,
    ViewSetup,
    celestial_wcs,
    prepare_view,
    squeeze_image,
    stored_image,
    viewed_axes,
)

IMAGE_KINDS = ("primary", "image", "compressed_image")


def _stat_key(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def is_image(layout: HduLayout) -> bool:
    return layout.kind in IMAGE_KINDS and bool(layout.shape) and len(layout.shape or ()) >= 2


def shown_axes(layout: HduLayout) -> tuple[int, ...]:
    """The numpy axes of an image HDU that are viewed (length-1 axes dropped)."""
    return viewed_axes(tuple(layout.shape or ()))


def _pixel_axes(layout: HduLayout) -> tuple[int, int] | None:
    """The FITS axes (0-based) the image is shown along, when length-1 axes were dropped."""
    ndim = len(layout.shape or ())
    keep = shown_axes(layout)
    if len(keep) == ndim:
        return None
    return ndim - 1 - keep[-1], ndim - 1 - keep[-2]


class OpenFile:
    """One checked FITS file: layouts, headers, and lazily memory-mapped image data."""

    def __init__(self, sha: str, path: Path, limits: FitsLimits) -> None:
        self.sha = sha
        self.path = path
        self.stat_key = _stat_key(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            self.layouts, self.headers, _ = checked_headers(path, limits)
        self._data: dict[int, ImageData] = {}
        self._wcs: dict[int, WCS | None] = {}
        self._hdul: Any = None
        self._lock = threading.Lock()

    # -- which HDU ---------------------------------------------------------------------------

    def find(self, ext: str) -> HduLayout:
        """The image HDU named `ext` (`SCI`, `SCI,2`, any name, or an index: names with
        characters a URL path cannot hold are chosen by index as well). `SCI` falls back to
        the first 2-D image when the file has no SCI extension (a plain primary image)."""
        layout = self._lookup(ext)
        if layout is None and ext.upper() == "SCI":
            layout = next((lay for lay in self.layouts if is_image(lay)), None)
        if layout is None:
            images = [lay for lay in self.layouts if is_image(lay)]
            raise NotFound(
                f"the file has no image extension {ext!r}",
                code="extension_not_found",
                details={
                    "ext": ext,
                    "images": [lay.name or str(lay.index) for lay in images],
                    "indexes": [lay.index for lay in images],
                },
            )
        if not is_image(layout):
            raise Unprocessable(
                f"{layout.label} holds no 2-D image ({layout.kind})",
                code="not_an_image",
                details={"ext": ext, "kind": layout.kind, "shape": layout.shape},
            )
        if len(shown_axes(layout)) > 3:
            raise Unprocessable(
                f"{layout.label} has {len(shown_axes(layout))} axes longer than 1; images "
                "and cubes (2 or 3 such axes) can be viewed",
                code="image_dims_unsupported",
            )
        return layout

    def _lookup(self, ext: str) -> HduLayout | None:
        """By index (a number), by name (any text, matched without case), or by `NAME,VER`
        (the version after the last comma)."""
        text = ext.strip()
        if text.isdigit():
            index = int(text)
            return self.layouts[index] if index < len(self.layouts) else None
        for lay in self.layouts:
            if lay.name.upper() == text.upper():
                return lay
        name, comma, ver = text.rpartition(",")
        if comma and ver.strip().isdigit():
            for lay in self.layouts:
                if lay.name.upper() == name.strip().upper() and lay.ver == int(ver):
                    return lay
        return None

    # -- data and WCS ----------------------------------------------------------------------

    def data(self, index: int) -> ImageData:
        """The whole HDU's data, memory-mapped (never read here), without its length-1 axes
        (see `viewed_axes`)."""
        with self._lock:
            data = self._data.get(index)
            if data is None:
                layout = self.layouts[index]
                if layout.kind == "compressed_image":
                    if self._hdul is None:
                        self._hdul = fits.open(self.path, memmap=True, lazy_load_hdus=True)
                    data = self._hdul[index].section
                else:
                    blank = self.headers[index].get("BLANK")
                    data = stored_image(self.path, layout, blank=_int_or_none(blank))
                data = squeeze_image(data)
                self._data[index] = data
            return data

    def plane(self, layout: HduLayout, index: int) -> ImageData:
        """The 2-D image `index` of a cube (0 for a 2-D image)."""
        data = self.data(layout.index)
        if data.ndim == 2:
            if index != 0:
                raise NotFound(
                    f"{layout.label} is a 2-D image: its only slice is 0",
                    code="slice_out_of_range",
                    details={"slice": index, "size": 1},
                )
            return data
        size = int(data.shape[0])
        if not 0 <= index < size:
            raise NotFound(
                f"slice {index} does not exist; {layout.label} has slices 0 to {size - 1}",
                code="slice_out_of_range",
                details={"slice": index, "size": size},
            )
        if isinstance(data, ScaledArray):
            return data.plane(index)
        return data[index]

    def wcs(self, index: int) -> WCS | None:
        """The celestial WCS of an HDU (distortions kept), or None."""
        with self._lock:
            if index not in self._wcs:
                try:
                    self._wcs[index] = celestial_wcs(
                        self.headers[index], _pixel_axes(self.layouts[index])
                    )
                except (Unprocessable, ValueError, KeyError):
                    self._wcs[index] = None
            return self._wcs[index]

    def close(self) -> None:
        with self._lock:
            self._data.clear()
            if self._hdul is not None:
                self._hdul.close()
                self._hdul = None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class FileCache:
    """The `max_files` most recently used `OpenFile`s, by sha256."""

    def __init__(self, max_files: int, limits: FitsLimits) -> None:
        self.limits = limits
        self._files: ByteLru[str, OpenFile] = ByteLru(
            max_files, max_entries=max_files, on_evict=lambda _, f: f.close()
        )
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def open(self, sha: str, path: Path) -> OpenFile:
        """The open file for `sha` at `path` (opened, or re-opened if it changed on disk)."""
        with self._guard:
            lock = self._locks.setdefault(sha, threading.Lock())
        with lock:
            current = self._files.get(sha)
            if current is not None:
                # The same content under another key (two owners' uploads) shares the open
                # file, as long as the file it was opened from has not changed.
                try:
                    if current.stat_key == _stat_key(current.path):
                        return current
                except FileNotFoundError:
                    pass
            opened = OpenFile(sha, path, self.limits)
            self._files.put(sha, opened, 1)
            return opened

    def __len__(self) -> int:
        return len(self._files)

    def close_all(self) -> None:
        self._files.clear()


@dataclass(frozen=True)
class ViewKey:
    sha: str
    index: int
    plane: int
    interval: Any
    histeq: bool


class ViewCache:
    """`prepare_view` once per (file, HDU, plane, interval, histeq or not)."""

    def __init__(self, budget: int) -> None:
        self._views: ByteLru[ViewKey, ViewSetup] = ByteLru(budget)

    def view(self, file: OpenFile, index: int, plane: int, params: RenderParams) -> ViewSetup:
        key = ViewKey(file.sha, index, plane, params.interval, params.stretch == "histeq")
        found = self._views.get(key)
        if found is None:
            layout = file.layouts[index]
            found = prepare_view(file.plane(layout, plane), params)
            size = 256
            if found.histeq is not None:
                size += len(found.histeq) * 16 + 65_536 * 4
            self._views.put(key, found, size)
        return found

    @property
    def cache(self) -> ByteLru[ViewKey, ViewSetup]:
        return self._views
