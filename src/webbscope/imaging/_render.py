"""Render float pixels to 8-bit RGBA / RGB / L with a stretch, limits and a colour map.

Pipeline (per block of rows, in float32 buffers reused across blocks):

    x = (data - vmin) / (vmax - vmin)      normalise with the display limits
    x = clip(x, 0, 1)                      (inside each stretch)
    x = stretch(x)                         linear, log, sqrt, squared, asinh, sinh, power,
                                           histeq
    x = clip((x - bias) * contrast + 0.5)  contrast/bias (skipped when 1 and 0.5)
    i = min(floor(256 x), 255)             8-bit index (matplotlib's quantisation)
    rgba = lut[i]; NaN -> nan_colour       colour map (reversed when invert)

NaN pixels get `nan_colour` (transparent by default); +inf renders as the top of the
map and -inf as the bottom. Blocks of ~64k pixels keep the working set in the CPU cache,
so a 256 x 256 tile is one block and a 4096 x 4096 frame never needs a full-size float
temporary.

Limits belong to the image, not the tile: pass the `ViewSetup` from `prepare_view` (made
once per image and cached) when rendering tiles, or neighbouring tiles will not match.
Histogram equalisation uses a 65,536-entry table of the equalisation curve sampled over
[0, 1] (one lookup per pixel instead of `np.interp`), which agrees with HistEqStretch
to within one 8-bit level except right at steps of the curve.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from webbscope.errors import BadRequest
from webbscope.imaging._colormap import (
    RGBA,
    TRANSPARENT,
    _lut,
    _lut32,
    check_colormap,
    packed_rgba,
)
from webbscope.imaging._interval import Interval, limits_of, sample_pixels
from webbscope.imaging._source import ImageData
from webbscope.imaging._stretch import (
    DEFAULT_A,
    MIN_SINH_A,
    STRETCHES,
    HistEqTable,
    StretchName,
    apply_stretch,
    contrast_bias,
    histeq_lut,
    histeq_table,
)

Mode = Literal["RGBA", "RGB", "L"]
BLOCK_PIXELS = 65_536
HISTEQ_POINTS = 4_097
_LUT16 = 65_536


@dataclass(frozen=True)
class RenderParams:
    """Everything that decides how pixels become colours (hashable; see `cache_key`).

    `a` is the parameter of log/asinh/sinh (None: astropy's default, see `DEFAULT_A`),
    `gamma` the exponent of the power stretch. `mode` picks the output: RGBA (H, W, 4),
    RGB (H, W, 3) with NaN drawn in `nan_colour`'s RGB, or L (H, W) for the gray map
    (NaN drawn as `nan_colour`'s red channel).
    """

    stretch: StretchName = "linear"
    a: float | None = None
    gamma: float = 1.0
    interval: Interval = field(default_factory=Interval)
    contrast: float = 1.0
    bias: float = 0.5
    cmap: str = "gray"
    invert: bool = False
    nan_colour: RGBA = TRANSPARENT
    mode: Mode = "RGBA"

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise BadRequest("; ".join(problems), code="invalid_render_params", details=problems)

    def _problems(self) -> list[str]:
        problems = []
        if self.stretch not in STRETCHES:
            problems.append(f"unknown stretch {self.stretch!r}; use one of {', '.join(STRETCHES)}")
        if self.a is not None:
            if not (math.isfinite(self.a) and self.a > 0):
                problems.append(f"a must be a finite number > 0, not {self.a}")
            elif self.stretch == "sinh" and self.a < MIN_SINH_A:
                problems.append(f"a must be >= {MIN_SINH_A:.4g} for the sinh stretch")
        if not (math.isfinite(self.gamma) and 0.01 <= self.gamma <= 100):
            problems.append(f"gamma must be in [0.01, 100], not {self.gamma}")
        if not (math.isfinite(self.contrast) and abs(self.contrast) <= 1000):
            problems.append(f"contrast must be finite and at most 1000, not {self.contrast}")
        if not (math.isfinite(self.bias) and -1000 <= self.bias <= 1000):
            problems.append(f"bias must be finite and at most 1000, not {self.bias}")
        try:
            check_colormap(self.cmap)
        except BadRequest as exc:
            problems.append(exc.message)
        if len(self.nan_colour) != 4 or any(
            not isinstance(c, int) or not 0 <= c <= 255 for c in self.nan_colour
        ):
            problems.append(f"nan_colour must be four integers 0-255, not {self.nan_colour}")
        if self.mode not in ("RGBA", "RGB", "L"):
            problems.append(f"mode must be RGBA, RGB or L, not {self.mode!r}")
        elif self.mode == "L" and self.cmap != "gray":
            problems.append("mode L needs the gray colour map")
        return problems

    @property
    def stretch_a(self) -> float | None:
        """The `a` actually used by the stretch (its default when not given)."""
        if self.stretch not in DEFAULT_A:
            return None
        return DEFAULT_A[self.stretch] if self.a is None else self.a

    def cache_key(self) -> str:
        """A stable string naming these parameters (for ETags and cache keys); made once
        (every tile of a view asks for it)."""
        key: str | None = self.__dict__.get("_cache_key")
        if key is None:
            key = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
            object.__setattr__(self, "_cache_key", key)
        return key


@dataclass(frozen=True, eq=False)
class ViewSetup:
    """The data-dependent part of a view: display limits and, for histeq, its curve."""

    vmin: float
    vmax: float
    histeq: HistEqTable | None = None

    @cached_property
    def histeq_lut(self) -> NDArray[np.float32] | None:
        """The histeq curve sampled for the render lookup (built once per view)."""
        return None if self.histeq is None else histeq_lut(self.histeq, _LUT16)


def prepare_view(data: ImageData, params: RenderParams, *, sample: bool = True) -> ViewSetup:
    """Limits (and the histeq curve) for an image, from one pixel sample.

    Call it once per image, extension, cube plane and interval, cache it, and pass it to
    every `render` of that image's tiles. ``sample=False`` reads every pixel.
    """
    values = sample_pixels(data) if sample else np.asarray(data[...]).ravel()
    values = values[np.isfinite(values)] if values.size else values
    vmin, vmax = limits_of(values, params.interval)
    table = None
    if params.stretch == "histeq":
        normalised = _normalise_values(values, vmin, vmax)
        table = histeq_table(normalised, max_points=HISTEQ_POINTS)
    return ViewSetup(vmin, vmax, table)


def _normalise_values(values: NDArray[Any], vmin: float, vmax: float) -> NDArray[np.float32]:
    out: NDArray[np.float32] = np.subtract(values, vmin, dtype=np.float32)
    if vmax != vmin:
        out *= np.float32(1.0 / (vmax - vmin))
    np.clip(out, 0.0, 1.0, out=out)
    return out


class _Buffers:
    """Scratch arrays for one block of rows, reused for every block."""

    def __init__(self, rows: int, width: int, histeq: bool) -> None:
        self.x = np.empty((rows, width), dtype=np.float32)
        self.index = np.empty((rows, width), dtype=np.uint8)
        self.nan = np.empty((rows, width), dtype=np.bool_)
        self.q = np.empty((rows, width), dtype=np.uint16) if histeq else None


def render(
    data: ImageData,
    params: RenderParams | None = None,
    view: ViewSetup | tuple[float, float] | None = None,
) -> NDArray[np.uint8]:
    """Render 2-D `data` to uint8 pixels: (H, W, 4) RGBA, (H, W, 3) RGB or (H, W) L.

    `view` gives the display limits (and histeq curve): a `ViewSetup`, a plain
    ``(vmin, vmax)``, or None to compute them from `data` itself. Rows are rendered in
    the order given (tiles from `extract_tile` are already north-up).
    """
    params = params or RenderParams()
    if data.ndim != 2:
        raise BadRequest(f"render needs a 2-D array, not {data.ndim}-D", code="image_not_2d")
    if view is None:
        view = prepare_view(data, params)
    elif not isinstance(view, ViewSetup):
        view = ViewSetup(float(view[0]), float(view[1]))
    height, width = data.shape
    channels = {"RGBA": 4, "RGB": 3, "L": 1}[params.mode]
    out = np.empty((height, width, channels) if channels > 1 else (height, width), np.uint8)
    if height == 0 or width == 0:
        return out
    rows = max(1, min(height, BLOCK_PIXELS // width))
    histeq = None
    if params.stretch == "histeq":
        if view.histeq is None:
            sample = _normalise_values(sample_pixels(data), view.vmin, view.vmax)
            view = ViewSetup(view.vmin, view.vmax, histeq_table(sample, max_points=HISTEQ_POINTS))
        histeq = view.histeq_lut
    buffers = _Buffers(rows, width, histeq is not None)
    for start in range(0, height, rows):
        stop = min(height, start + rows)
        _render_block(data[start:stop], params, view, histeq, buffers, out[start:stop])
    return out


def _render_block(
    block: Any,
    params: RenderParams,
    view: ViewSetup,
    histeq: NDArray[np.float32] | None,
    buffers: _Buffers,
    out: NDArray[np.uint8],
) -> None:
    n = len(block)
    x, index, nan = buffers.x[:n], buffers.index[:n], buffers.nan[:n]
    np.subtract(block, np.float32(view.vmin), out=x, casting="unsafe")
    span = view.vmax - view.vmin
    if span != 0:
        np.multiply(x, np.float32(1.0 / span), out=x)
    np.isnan(x, out=nan)  # contiguous out only: numpy 2.4 isnan is wrong into strided outs
    has_nan = bool(nan.any())
    if has_nan:
        np.copyto(x, np.float32(0.0), where=nan)
    if histeq is not None:
        assert buffers.q is not None
        q = buffers.q[:n]
        np.clip(x, 0.0, 1.0, out=x)
        np.multiply(x, np.float32(_LUT16 - 1), out=x)
        np.add(x, np.float32(0.5), out=x)
        np.copyto(q, x, casting="unsafe")
        np.take(histeq, q, out=x)
    else:
        apply_stretch(x, params.stretch, a=params.a, gamma=params.gamma, out=x)
    if params.contrast != 1.0 or params.bias != 0.5:
        contrast_bias(x, params.contrast, params.bias, out=x)
    np.multiply(x, np.float32(256.0), out=x)
    np.minimum(x, np.float32(255.0), out=x)
    np.copyto(index, x, casting="unsafe")
    _colour(index, nan if has_nan else None, params, out)


def _colour(
    index: NDArray[np.uint8],
    nan: NDArray[np.bool_] | None,
    params: RenderParams,
    out: NDArray[np.uint8],
) -> None:
    if params.mode == "RGBA":
        packed = out.view(np.uint32).reshape(index.shape)
        np.take(_lut32(params.cmap, params.invert), index, out=packed)
        if nan is not None:
            np.copyto(packed, packed_rgba(params.nan_colour), where=nan)
    elif params.mode == "RGB":
        np.take(_lut(params.cmap, params.invert)[:, :3], index, axis=0, out=out)
        if nan is not None:
            out[nan] = params.nan_colour[:3]
    else:
        np.take(np.ascontiguousarray(_lut(params.cmap, params.invert)[:, 0]), index, out=out)
        if nan is not None:
            np.copyto(out, np.uint8(params.nan_colour[0]), where=nan)


def render_index(
    data: ImageData,
    params: RenderParams | None = None,
    view: ViewSetup | tuple[float, float] | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """The 8-bit indexes (before the colour map) and the NaN mask of 2-D `data`.

    For palette PNGs, and composites, which stretch each band and colour it themselves.
    """
    params = replace(
        params or RenderParams(), cmap="gray", invert=False, mode="L", nan_colour=TRANSPARENT
    )
    index = render(data, params, view)
    return index, np.isnan(np.asarray(data[...]))
