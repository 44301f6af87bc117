"""Colour composites: N channels on one grid, combined in linear light, written as sRGB.

Per channel (`transfer`, mirrored exactly by the builder's WebGL shader):

    x = clip((v - vmin) / (vmax - vmin), 0, 1)     limits (from an interval or given)
    x = stretch(x; a)                              linear, log, sqrt, squared, asinh, sinh
    x = x ** gamma                                 gamma (as the viewer's power stretch)
    x = clip((x - black) / (white - black), 0, 1)  black and white points
    x = curve(x)                                   tone curve (256-entry monotone table)

The result is a display intensity; it is decoded to linear light (sRGB transfer), multiplied
by the channel's coverage alpha (feathered where its coverage ends) and weight, and added
into RGB with the channel's colour (linear RGB). Each RGB component is divided by the sum of
that component over the channels' colours, so equal channels at weight 1 give white.

Whole image (`finish`), in this order: background neutralisation (linear; the background
colour is the mix of every channel's sky level through its own transfer, and each component
is rescaled so that colour becomes neutral and white stays white), luminance (LRGB: the
luminance channel replaces the mix's relative luminance Y), sRGB encoding, post-stack levels
(black, white, midtones: y = x^(1/midtones)), saturation, vibrance (saturation weighted
towards dull pixels), hue rotation (the CSS hue-rotate matrix), unsharp mask. Resolution
matching blurs a channel (NaN-aware Gaussian) before its transfer.

`render_composite` works in strips of output rows (each with a halo for blurs and
feathering) on a few threads, so memory stays near the size of the output; the output is
north up (row 0 at the top), uint8 or uint16 RGB. The same inputs give the same pixels.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from astropy.wcs import WCS
from numpy.typing import NDArray

from webbscope.errors import BadRequest
from webbscope.imaging._reproject import Method, pixel_homography, reproject_image, warp
from webbscope.imaging._skygrid import SkyGrid, transform_grid
from webbscope.imaging._source import ImageData
from webbscope.imaging._stretch import StretchName, apply_stretch
from webbscope.imaging._tiles import TileWindow, reduce_window
from webbscope.imaging._tone import (
    LUT_BLOCK,
    apply_lut,
    curve_lut,
    linear_to_srgb,
    srgb_to_linear,
)

F32 = NDArray[np.float32]
STRIP_ROWS = 512
MAX_CHANNELS = 8
#: Rec. 709 / sRGB relative luminance of linear RGB.
LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


@dataclass(eq=False)
class Source:
    """One input image: 2-D data (memory-mapped or not) and its celestial WCS (None for a
    pixel grid). Reduced copies for coarse outputs are kept here once made."""

    data: ImageData
    wcs: WCS | None
    _reduced: dict[int, F32] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reduced(self, r: int) -> F32:
        """The image in r x r block means (2 x 2 samples per block), FITS orientation.
        Made once: threads asking together wait for the first (strips of one render)."""
        with self._lock:
            if r not in self._reduced:
                ny, nx = int(self.data.shape[-2]), int(self.data.shape[-1])
                win = TileWindow(0, 0, 0, 0, nx, 0, ny, r, -(-nx // r), -(-ny // r))
                self._reduced[r] = np.ascontiguousarray(reduce_window(self.data, win, anti_alias=2))
            return self._reduced[r]


@dataclass(frozen=True, eq=False)
class ChannelStyle:
    """How a channel looks (see the module notes). `colour` is linear RGB; `curve` the
    256-entry tone table (`curve_lut`); `sky` the channel's background level."""

    colour: tuple[float, float, float]
    vmin: float
    vmax: float
    stretch: StretchName = "asinh"
    a: float | None = None
    gamma: float = 1.0
    black: float = 0.0
    white: float = 1.0
    curve: F32 = field(default_factory=lambda: curve_lut("linear"))
    weight: float = 1.0
    sky: float = 0.0


@dataclass(eq=False)
class Channel:
    sources: list[Source]
    style: ChannelStyle
    #: Gaussian sigma in output pixels for resolution matching (0: none).
    blur_px: float = 0.0


@dataclass(frozen=True)
class Finish:
    neutralise: bool = True
    black: float = 0.0
    white: float = 1.0
    midtones: float = 1.0
    saturation: float = 1.0
    vibrance: float = 0.0
    hue: float = 0.0
    sharpen_amount: float = 0.0
    sharpen_radius: float = 1.0
    sharpen_threshold: float = 0.0
    feather_px: float = 0.0
    method: Method = "bilinear"


# -- one channel's values on a grid -----------------------------------------------------------


def _scale_ratio(h: NDArray[np.float64], grid: SkyGrid) -> float:
    cy, cx = (grid.ny - 1) / 2.0, (grid.nx - 1) / 2.0
    q = h @ np.array([[cx, cx + 1, cx], [cy, cy, cy + 1], [1.0, 1.0, 1.0]])
    q = q[:2] / q[2]
    return math.sqrt(abs(float(np.linalg.det(q[:, 1:] - q[:, :1]))))


def project(source: Source, grid: SkyGrid, method: Method = "bilinear") -> tuple[F32, F32]:
    """(values, coverage) of `source` on `grid`. A grid several times coarser than the
    input samples a block-mean reduction of it (no aliasing, far fewer pixels read)."""
    if grid.wcs is None or source.wcs is None:
        h: NDArray[np.float64] | None = np.asarray(grid.to_reference, dtype=np.float64)
    else:
        h = pixel_homography(source.wcs, grid.wcs) if method in ("bilinear", "flux") else None
    if h is None:
        r = reproject_image(source.data, source.wcs, grid.wcs, grid.shape, method=method)
        return r.data, r.footprint
    data: Any = source.data
    ratio = _scale_ratio(h, grid)
    if ratio >= 2.0 and method == "bilinear":
        r_int = math.floor(ratio)
        data = source.reduced(r_int)
        k, off = 1.0 / r_int, -(r_int - 1) / (2.0 * r_int)
        h = np.array([[k, 0.0, off], [0.0, k, off], [0.0, 0.0, 1.0]]) @ h
    fp = np.empty(grid.shape, dtype=np.float32)
    kind: Literal["bilinear", "flux"] = "flux" if method == "flux" else "bilinear"
    values = warp(data, h, grid.shape, method=kind, footprint=fp)
    return values, fp


def feather(coverage: F32, width_px: float) -> F32:
    """Coverage faded to 0 over `width_px` output pixels inside its edge."""
    if width_px <= 0:
        return coverage
    from scipy.ndimage import distance_transform_edt

    inside = coverage > 0.5
    if inside.all():
        return coverage
    dist = distance_transform_edt(inside).astype(np.float32)
    out: F32 = np.minimum(coverage, np.clip(dist / np.float32(width_px), 0.0, 1.0))
    return out


def blur_nan(values: F32, sigma: float) -> F32:
    """Gaussian blur ignoring NaN (normalised convolution); NaN stays NaN."""
    if sigma <= 0:
        return values
    from scipy.ndimage import gaussian_filter

    good = np.isfinite(values)
    filled = np.where(good, values, np.float32(0.0))
    num = gaussian_filter(filled, sigma)
    den = gaussian_filter(good.astype(np.float32), sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F32 = (num / den).astype(np.float32)
    out[~good] = np.nan
    return out


def channel_values(channel: Channel, grid: SkyGrid, finish: Finish) -> tuple[F32, F32]:
    """The channel's sources combined on `grid`, weighted by their (feathered) coverage:
    (values with NaN where none covers, alpha 0-1)."""
    if len(channel.sources) == 1:
        values, cover = project(channel.sources[0], grid, finish.method)
        values = blur_nan(values, channel.blur_px)
        return values, feather(cover, finish.feather_px)
    total: F32 | None = None
    weight: F32 | None = None
    for source in channel.sources:
        values, cover = project(source, grid, finish.method)
        w = feather(cover, finish.feather_px) if len(channel.sources) > 1 else cover
        good = np.isfinite(values) & (w > 0)
        contrib = np.where(good, values * w, np.float32(0.0))
        wz = np.where(good, w, np.float32(0.0))
        total = contrib if total is None else total + contrib
        weight = wz if weight is None else weight + wz
    assert total is not None and weight is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        values = (total / weight).astype(np.float32)
    values[weight <= 0] = np.nan
    values = blur_nan(values, channel.blur_px)
    alpha = feather(np.minimum(weight, 1.0).astype(np.float32), finish.feather_px)
    return values, alpha


# -- transfer and mixing --------------------------------------------------------------------


def transfer(values: NDArray[Any], style: ChannelStyle) -> F32:
    """Data values -> display intensity in [0, 1] (NaN -> 0); see the module notes."""
    span = style.vmax - style.vmin
    x = np.subtract(values, np.float32(style.vmin), dtype=np.float32)
    if span != 0:
        x *= np.float32(1.0 / span)
    np.nan_to_num(x, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
    stretch = "linear" if style.stretch in ("power", "histeq") else style.stretch
    apply_stretch(x, stretch, a=style.a, out=x)
    if style.gamma != 1.0:
        np.power(x, np.float32(style.gamma), out=x)
    if style.black != 0.0 or style.white != 1.0:
        x -= np.float32(style.black)
        x *= np.float32(1.0 / max(1e-6, style.white - style.black))
        np.clip(x, 0.0, 1.0, out=x)
    out: F32 = apply_lut(x, style.curve)
    return out


#: Entries of the folded table of `transfer_linear` (16 per step of the 256-entry curve, so
#: the curve's knots fall on entries).
FOLDED = 255 * 16 + 1


def _folded(style: ChannelStyle) -> F32:
    """levels -> curve -> sRGB decoding as one table over the stretched value."""
    y = np.linspace(0.0, 1.0, FOLDED, dtype=np.float32)
    if style.black != 0.0 or style.white != 1.0:
        y = np.clip(
            (y - np.float32(style.black)) / np.float32(max(1e-6, style.white - style.black)), 0, 1
        )
    return srgb_to_linear(apply_lut(y.astype(np.float32), style.curve))


def transfer_linear(values: NDArray[Any], style: ChannelStyle) -> F32:
    """`transfer` decoded to linear light (what `mix` adds up), computed faster: the levels,
    the tone curve and the sRGB decoding are one table lookup (agrees with decoding
    `transfer` to about 1e-6), in cache-sized blocks."""
    span = style.vmax - style.vmin
    inv = np.float32(1.0 / span) if span != 0 else np.float32(1.0)
    lo = np.float32(style.vmin)
    stretch = "linear" if style.stretch in ("power", "histeq") else style.stretch
    table = _folded(style)
    out = np.empty(np.shape(values), dtype=np.float32)
    src = np.ascontiguousarray(values).reshape(-1)
    flat = out.reshape(-1)
    for b in range(0, flat.size, LUT_BLOCK):
        x = flat[b : b + LUT_BLOCK]
        np.subtract(src[b : b + LUT_BLOCK], lo, out=x, dtype=np.float32)
        x *= inv
        np.fmax(x, np.float32(0.0), out=x)  # NaN -> 0
        np.fmin(x, np.float32(1.0), out=x)
        if stretch != "linear":
            apply_stretch(x, stretch, a=style.a, out=x)
        if style.gamma != 1.0:
            np.power(x, np.float32(style.gamma), out=x)
        apply_lut(x, table)
    return out


def _norm(styles: Sequence[ChannelStyle]) -> NDArray[np.float32]:
    total = np.sum([np.asarray(s.colour, dtype=np.float32) for s in styles], axis=0)
    return np.where(total > 0, 1.0 / np.maximum(total, 1e-12), 0.0).astype(np.float32)


def _accumulate(
    planes: F32, lin: F32, alpha: F32 | None, style: ChannelStyle, norm: NDArray[np.float32]
) -> None:
    """Add a channel's linear intensity into planar RGB (3, ...) with its colour and weight
    (in cache-sized blocks)."""
    ks = [np.float32(style.colour[c] * norm[c] * style.weight) for c in range(3)]
    flat = lin.reshape(-1)
    weights = alpha.reshape(-1) if alpha is not None else None
    rgb = planes.reshape(3, -1)
    for b in range(0, flat.size, LUT_BLOCK):
        part = flat[b : b + LUT_BLOCK]
        if weights is not None:
            part *= weights[b : b + LUT_BLOCK]
        for c in range(3):
            if ks[c]:
                rgb[c, b : b + LUT_BLOCK] += part * ks[c]


def mix(
    intensities: Sequence[F32], alphas: Sequence[F32 | None], styles: Sequence[ChannelStyle]
) -> F32:
    """Linear RGB (H, W, 3) from display intensities, coverage alphas and styles."""
    norm = _norm(styles)
    planes = np.zeros((3, *intensities[0].shape), dtype=np.float32)
    for x, alpha, style in zip(intensities, alphas, styles, strict=True):
        _accumulate(planes, srgb_to_linear(x), alpha, style, norm)
    out: F32 = np.moveaxis(planes, 0, -1)
    return out


def background_rgb(styles: Sequence[ChannelStyle]) -> NDArray[np.float32]:
    """The linear colour the channels' sky levels mix to (for neutralisation)."""
    skies = [transfer(np.array([s.sky], dtype=np.float32), s) for s in styles]
    out: NDArray[np.float32] = mix(skies, [None] * len(styles), styles)[0]
    return out


def neutralise(rgb: F32, background: NDArray[np.float32]) -> None:
    """Rescale each component so `background` becomes grey (its darkest component) and 1
    stays 1, in place."""
    target = float(background.min())
    planes = np.moveaxis(rgb, -1, 0)
    for c in range(3):
        b = float(background[c])
        if b >= 1.0 or b <= target:
            continue
        scale = np.float32((1.0 - target) / (1.0 - b))
        channel = planes[c]
        channel -= np.float32(b)
        channel *= scale
        channel += np.float32(target)


def apply_luminance(rgb: F32, lum: F32) -> None:
    """LRGB: scale each pixel so its relative luminance is `lum` (display, decoded)."""
    planes = np.moveaxis(rgb, -1, 0)
    y = planes[0] * LUMA[0] + planes[1] * LUMA[1] + planes[2] * LUMA[2]
    target = srgb_to_linear(lum)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(y > 1e-6, target / y, 0.0).astype(np.float32)
    dark = y <= 1e-6
    for c in range(3):
        planes[c] *= k
        planes[c][dark] = target[dark]


def _hue_matrix(deg: float) -> NDArray[np.float32]:
    """The CSS filter hue-rotate() matrix."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    lum = np.array([0.213, 0.715, 0.072])
    cos_part = np.array([[0.787, -0.715, -0.072], [-0.213, 0.285, -0.072], [-0.213, -0.715, 0.928]])
    sin_part = np.array([[-0.213, -0.715, 0.928], [0.143, 0.140, -0.283], [-0.787, 0.715, 0.072]])
    m = lum[None, :] + c * cos_part + s * sin_part
    return np.array(m, dtype=np.float32)


_ENCODE: F32 | None = None


def encode_srgb(x: F32) -> F32:
    """`linear_to_srgb` through a 65,536-entry table (within 1e-7 of the formula), faster."""
    global _ENCODE
    if _ENCODE is None:
        _ENCODE = linear_to_srgb(np.linspace(0.0, 1.0, 65536, dtype=np.float32))
    return apply_lut(np.array(x, dtype=np.float32), _ENCODE)


def finish_display(rgb: F32, finish: Finish) -> F32:
    """Linear RGB (..., 3) -> display RGB in [0, 1] with the whole-image adjustments after
    mixing. Works plane by plane (give a view of planar memory for speed)."""
    src = np.moveaxis(rgb, -1, 0)
    out = np.empty(src.shape, dtype=np.float32)
    for c in range(3):
        out[c] = encode_srgb(src[c])
    if finish.black != 0.0 or finish.white != 1.0 or finish.midtones != 1.0:
        out -= np.float32(finish.black)
        out *= np.float32(1.0 / max(1e-6, finish.white - finish.black))
        np.clip(out, 0.0, 1.0, out=out)
        if finish.midtones != 1.0:
            np.power(out, np.float32(1.0 / finish.midtones), out=out)
    if finish.saturation != 1.0 or finish.vibrance != 0.0:
        y = out[0] * LUMA[0] + out[1] * LUMA[1] + out[2] * LUMA[2]
        k: Any = np.float32(finish.saturation)
        if finish.vibrance != 0.0:
            sat = np.maximum(np.maximum(out[0], out[1]), out[2])
            sat -= np.minimum(np.minimum(out[0], out[1]), out[2])
            k = k * (1.0 + np.float32(finish.vibrance) * (1.0 - sat))
        for c in range(3):
            out[c] -= y
            out[c] *= k
            out[c] += y
    if finish.hue % 360.0:
        m = _hue_matrix(finish.hue)
        out = np.stack([m[c, 0] * out[0] + m[c, 1] * out[1] + m[c, 2] * out[2] for c in range(3)])
    np.clip(out, 0.0, 1.0, out=out)
    if finish.sharpen_amount > 0:
        from scipy.ndimage import gaussian_filter

        for c in range(3):
            soft = gaussian_filter(out[c], finish.sharpen_radius)
            detail = out[c] - soft
            if finish.sharpen_threshold > 0:
                detail[np.abs(detail) < finish.sharpen_threshold] = 0.0
            out[c] += np.float32(finish.sharpen_amount) * detail
        np.clip(out, 0.0, 1.0, out=out)
    result: F32 = np.moveaxis(out, 0, -1)
    return result


def encode_rgb(display: F32, bits: Literal[8, 16] = 8) -> NDArray[Any]:
    """Display values in [0, 1] as uint8 or uint16 (rounded)."""
    top = 255.0 if bits == 8 else 65535.0
    scaled = display * np.float32(top)
    scaled += np.float32(0.5)
    return scaled.astype(np.uint8 if bits == 8 else np.uint16)


# -- the whole picture ----------------------------------------------------------------------


def composite_halo(channels: Sequence[Channel], finish: Finish) -> int:
    """Rows (or columns) of context a piece of the output needs for blurs and feathering."""
    blur = max([c.blur_px for c in channels] + [0.0])
    sharpen = finish.sharpen_radius if finish.sharpen_amount > 0 else 0.0
    return math.ceil(4 * blur + 4 * sharpen + finish.feather_px) + 1


def render_strip(
    channels: Sequence[Channel],
    grid: SkyGrid,
    finish: Finish,
    luminance: Channel | None,
    y0: int,
    y1: int,
    halo: int,
    pool: ThreadPoolExecutor | None = None,
) -> F32:
    """Display RGB of grid rows [y0, y1) (FITS orientation), computed with a halo. With a
    `pool`, the channels are projected and transferred on its threads (added up in order,
    so the pixels are the same)."""
    lo, hi = max(0, y0 - halo), min(grid.ny, y1 + halo)
    shift = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, float(lo)], [0.0, 0.0, 1.0]])
    sub = transform_grid(grid, shift, (hi - lo, grid.nx))
    styles = [c.style for c in channels]
    norm = _norm(styles)
    planes = np.zeros((3, hi - lo, grid.nx), dtype=np.float32)

    def linear(channel: Channel) -> tuple[F32, F32]:
        values, alpha = channel_values(channel, sub, finish)
        return transfer_linear(values, channel.style), alpha

    done = pool.map(linear, channels) if pool is not None else map(linear, channels)
    for channel, (lin, alpha) in zip(channels, done, strict=True):
        _accumulate(planes, lin, alpha, channel.style, norm)
    rgb = np.moveaxis(planes, 0, -1)
    if finish.neutralise:
        neutralise(rgb, background_rgb(styles))
    if luminance is not None:
        values, alpha = channel_values(luminance, sub, finish)
        apply_luminance(rgb, transfer(values, luminance.style) * alpha)
    out = finish_display(rgb, finish)
    return out[y0 - lo : y0 - lo + (y1 - y0)]


def render_composite(
    channels: Sequence[Channel],
    grid: SkyGrid,
    finish: Finish | None = None,
    luminance: Channel | None = None,
    *,
    bits: Literal[8, 16] = 8,
    strip_rows: int = STRIP_ROWS,
    workers: int = 2,
    progress: Callable[[float], None] | None = None,
) -> NDArray[Any]:
    """The composite as (ny, nx, 3) uint8/uint16 RGB, north up (see the module notes)."""
    finish = finish or Finish()
    if not 1 <= len(channels) <= MAX_CHANNELS:
        raise BadRequest(
            f"a composite has 1 to {MAX_CHANNELS} channels, not {len(channels)}",
            code="invalid_channels",
        )
    ny, nx = grid.shape
    out = np.empty((ny, nx, 3), dtype=np.uint8 if bits == 8 else np.uint16)
    halo = composite_halo(channels, finish)
    strips = [(y, min(ny, y + strip_rows)) for y in range(0, ny, strip_rows)]

    def run(strip: tuple[int, int], pool: ThreadPoolExecutor | None = None) -> None:
        y0, y1 = strip
        display = render_strip(channels, grid, finish, luminance, y0, y1, halo, pool)
        out[ny - y1 : ny - y0] = encode_rgb(display, bits)[::-1]

    def report(i: int) -> None:
        if progress is not None:
            progress((i + 1) / len(strips))

    if workers <= 1:
        for i, strip in enumerate(strips):
            run(strip)
            report(i)
    elif len(strips) < 2 * workers and len(channels) > 1:
        # Few strips (previews): the channels of each strip in parallel instead, so no
        # thread waits for another's reduction of the same input.
        with ThreadPoolExecutor(workers) as pool:
            for i, strip in enumerate(strips):
                run(strip, pool)
                report(i)
    else:
        with ThreadPoolExecutor(workers) as pool:
            for i, _ in enumerate(pool.map(run, strips)):
                report(i)  # in the calling thread, in order
    return out
