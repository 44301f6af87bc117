"""Image information for the viewer, computed once per file and HDU and cached.

Everything comes from one lattice sample of the HDU (`sample_pixels`: about 1/64 of the
pixels, at most ~1M values and 32 MB of rows, so a 10 GB image costs what a 4k one does):
percentiles, zscale limits and a 256-bin histogram over the sample's range. Min and max
are exact (one streaming pass in blocks of rows) for HDUs up to `EXACT_MINMAX_BYTES`, else
those of the sample (`stats.exact_minmax` says which), which are also what the tiles use for
the min-max interval (`prepare_view` samples); a full pass over a 64 MB frame would cost the
first view 20-100 ms. Cubes are sampled across all their planes, so the limits suit every
slice.

Cached in memory and in storage as ``tiles/<sha>/info.json`` (one entry per HDU), so other
engine replicas and restarts reuse it.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import numpy as np

from webbscope.caches import ByteLru
from webbscope.errors import WebbscopeError
from webbscope.fits import HduLayout
from webbscope.imaging import (
    TILE,
    ImageData,
    Interval,
    ScaledArray,
    frame_name,
    histogram,
    level_shape,
    limits_of,
    pyramid_levels,
    sample_pixels,
    spaxel_spectrum,
    tile_grid,
    wcs_cards,
)
from webbscope.services.common.viewer_schemas import (
    CubeOut,
    HduOut,
    HistogramOut,
    ImageInfoOut,
    LevelOut,
    PlaneStatsOut,
    StatsOut,
    finite,
)
from webbscope.services.engine.files import OpenFile, is_image
from webbscope.storage import TILES_PREFIX, StorageProvider

log = logging.getLogger("webbscope.engine.info")

PERCENTILES = (0.05, 0.25, 0.5, 1.0, 5.0, 50.0, 95.0, 99.0, 99.5, 99.75, 99.9, 99.95)
EXACT_MINMAX_BYTES = 16 * 1024 * 1024
_BLOCK_ELEMENTS = 4 * 1024 * 1024
TILE_FORMATS = ["png", "jpg", "webp", "f16", "f32"]
INFO_VERSION = 4  # 2: all_nan; 3: rgb; 4: frame


def percentile_key(p: float) -> str:
    """'0.5', '99.75', '50' — the text JavaScript's String(p) gives."""
    return f"{p:g}"


def exact_minmax(data: ImageData) -> tuple[float, float] | None:
    """Finite min and max over every pixel, in blocks of rows (bounded memory)."""
    shape = data.shape
    nx = int(shape[-1])
    rows = math.prod(shape[:-1])
    if isinstance(data, ScaledArray):
        flat: Any = ScaledArray(data.raw.reshape(rows, nx), data.bscale, data.bzero, data.blank)
    else:
        flat = np.asarray(data).reshape(rows, nx)
    step = max(1, _BLOCK_ELEMENTS // max(1, nx))
    lo, hi = math.inf, -math.inf
    for start in range(0, rows, step):
        block = np.asarray(flat[start : start + step])
        if block.dtype.kind not in "fc":
            lo = min(lo, float(block.min()))
            hi = max(hi, float(block.max()))
            continue
        with np.errstate(invalid="ignore"):
            lo = min(lo, float(np.fmin.reduce(block, axis=None)))
            hi = max(hi, float(np.fmax.reduce(block, axis=None)))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return lo, hi


def _hdus(file: OpenFile) -> list[HduOut]:
    out = []
    for lay in file.layouts:
        kind = "image" if lay.kind == "primary" and is_image(lay) else lay.kind
        out.append(
            HduOut(
                index=lay.index,
                name=lay.name or str(lay.index),
                ver=lay.ver,
                type=kind,
                shape=list(lay.shape) if lay.shape else None,
                dtype=lay.dtype,
            )
        )
    return out


def _levels(shape: tuple[int, ...]) -> list[LevelOut]:
    out = []
    for level in range(pyramid_levels(shape)):
        height, width = level_shape(shape, level)
        grid = tile_grid(shape, level)
        out.append(
            LevelOut(
                level=level,
                width=width,
                height=height,
                tiles_x=grid.nx_tiles,
                tiles_y=grid.ny_tiles,
                scale=grid.scale,
            )
        )
    return out


def _wcs(file: OpenFile, index: int) -> dict[str, str | float | int | bool] | None:
    wcs = file.wcs(index)
    if wcs is None:
        return None
    try:
        cards = wcs_cards(wcs)
    except (WebbscopeError, ValueError):
        return None
    return {card.keyword: card.value for card in cards.cards}


def _frame(file: OpenFile, index: int) -> str | None:
    wcs = file.wcs(index)
    return frame_name(wcs)[0] if wcs is not None else None


def _cube(file: OpenFile, layout: HduLayout, data: ImageData) -> CubeOut | None:
    if data.ndim != 3:
        return None
    spectrum = spaxel_spectrum(data, 0, 0, file.headers[layout.index])
    return CubeOut(
        axis=0,
        size=int(data.shape[0]),
        values=[float(v) for v in spectrum.wavelength],
        unit=spectrum.wavelength_unit,
    )


def _stats(data: ImageData, values: np.ndarray[Any, Any]) -> StatsOut:
    nbytes = math.prod(data.shape) * np.dtype(getattr(data, "dtype", np.float32)).itemsize
    mapped = isinstance(data, np.ndarray | ScaledArray)  # not a tile-compressed section
    exact = exact_minmax(data) if mapped and nbytes <= EXACT_MINMAX_BYTES else None
    percentiles: dict[str, float] = {}
    zscale: tuple[float, float] | None = None
    if values.size:
        for p, v in zip(PERCENTILES, np.percentile(values, PERCENTILES), strict=True):
            percentiles[percentile_key(p)] = float(v)
        zscale = limits_of(values, Interval.zscale())
    lo = exact[0] if exact else (float(values.min()) if values.size else None)
    hi = exact[1] if exact else (float(values.max()) if values.size else None)
    return StatsOut(
        min=finite(lo),
        max=finite(hi),
        exact_minmax=exact is not None,
        percentiles=percentiles,
        zscale=zscale,
        samples=int(values.size),
    )


def _all_nan(data: ImageData, mapped: bool, stats: StatsOut) -> bool:
    """No finite pixel at all. Only asked when the sample found none: the exact min/max pass
    then decides (run here if the statistics skipped it), except for tile-compressed data,
    where the sample does (reading all of it would decompress all of it)."""
    if stats.samples or stats.exact_minmax:
        return False
    if not mapped:
        return True
    return exact_minmax(data) is None


def is_rgb(file: OpenFile, layout: HduLayout) -> bool:
    """A colour image: three planes marked ``COLORIMG = 'RGB'`` (the composite job's cubes)."""
    shape = layout.shape or ()
    header = file.headers[layout.index]
    return len(shape) == 3 and shape[0] == 3 and str(header.get("COLORIMG", "")).upper() == "RGB"


def image_info(file: OpenFile, layout: HduLayout) -> ImageInfoOut:
    """Everything the viewer needs to show HDU `layout` of `file` (see the module notes)."""
    data = file.data(layout.index)
    shape = tuple(int(n) for n in data.shape)
    mapped = isinstance(data, np.ndarray | ScaledArray)
    # A tile-compressed cube is sampled in its middle plane (sampling all of it would
    # decompress all of it).
    values = sample_pixels(data if mapped or data.ndim == 2 else data[shape[0] // 2])
    values = values[np.isfinite(values)]
    hist = histogram(values, bins=256, sample=False)
    header = file.headers[layout.index]
    bunit = header.get("BUNIT")
    stats = _stats(data, values)
    rgb = is_rgb(file, layout)
    return ImageInfoOut(
        ext=layout.name or str(layout.index),
        index=layout.index,
        hdus=_hdus(file),
        shape=list(shape),
        dtype=layout.dtype,
        bunit=str(bunit) if bunit not in (None, "") else None,
        wcs=_wcs(file, layout.index),
        frame=_frame(file, layout.index),
        levels=_levels(shape),
        tile_size=TILE,
        formats=TILE_FORMATS,
        cube=None if rgb else _cube(file, layout, data),
        rgb=rgb,
        stats=stats,
        histogram=HistogramOut(
            counts=[int(c) for c in hist.counts],
            edges=[float(e) for e in hist.edges],
            total=hist.total,
            sampled=True,
        ),
        all_nan=_all_nan(data, mapped, stats),
    )


def plane_stats(file: OpenFile, layout: HduLayout, index: int) -> PlaneStatsOut:
    """Statistics and histogram of plane `index` of a cube (the image itself for a 2-D one),
    from a lattice sample of that plane alone: what a viewer's display limits come from."""
    data = file.plane(layout, index)
    values = sample_pixels(data)
    values = values[np.isfinite(values)]
    hist = histogram(values, bins=256, sample=False)
    return PlaneStatsOut(
        ext=layout.name or str(layout.index),
        slice=index,
        stats=_stats(data, values),
        histogram=HistogramOut(
            counts=[int(c) for c in hist.counts],
            edges=[float(e) for e in hist.edges],
            total=hist.total,
            sampled=True,
        ),
    )


class InfoCache:
    """Image information by (sha, HDU index): memory, then ``tiles/<sha>/info.json``."""

    def __init__(self, storage: StorageProvider | None, max_entries: int = 256) -> None:
        self.storage = storage
        self.memory: ByteLru[tuple[str, int], ImageInfoOut] = ByteLru(
            max_entries, max_entries=max_entries
        )

    @staticmethod
    def key(sha: str) -> str:
        return f"{TILES_PREFIX}{sha}/info.json"

    def get(self, sha: str, index: int) -> ImageInfoOut | None:
        found = self.memory.get((sha, index))
        if found is not None:
            return found
        entry = self._stored(sha).get(str(index))
        if entry is None:
            return None
        try:
            info = ImageInfoOut.model_validate(entry)
        except ValueError:
            return None
        self.memory.put((sha, index), info, 1)
        return info

    def put(self, sha: str, info: ImageInfoOut) -> None:
        self.memory.put((sha, info.index), info, 1)
        if self.storage is None:
            return
        stored = self._stored(sha)
        stored[str(info.index)] = info.model_dump(mode="json")
        body = json.dumps({"version": INFO_VERSION, "hdus": stored}).encode()
        try:
            self.storage.put_bytes(self.key(sha), body, content_type="application/json")
        except WebbscopeError as exc:
            log.warning("could not store image info of %s: %s", sha, exc.message)

    def _stored(self, sha: str) -> dict[str, Any]:
        if self.storage is None:
            return {}
        try:
            doc = json.loads(self.storage.read_bytes(self.key(sha)))
        except (WebbscopeError, ValueError):
            return {}
        if not isinstance(doc, dict) or doc.get("version") != INFO_VERSION:
            return {}
        hdus = doc.get("hdus")
        return hdus if isinstance(hdus, dict) else {}
