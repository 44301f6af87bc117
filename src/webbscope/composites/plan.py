"""From a recipe and its input images to what the renderer needs: the output grid, the
channels with their resolved limits, the whole-image finish, per-channel information for the
app (limits, auto-stretch reasons, a histogram) and an estimate of the cost.

Web-free: the engine opens the files and hands over `InputImage`s; every problem is a 4xx
`WebbscopeError` naming the record concerned (nothing is saved before a plan succeeds).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from astropy.wcs import WCS
from pydantic import BaseModel, Field

from webbscope.composites.recipe import SIZE_PRESETS, ChannelIn, OutputIn, RecipeIn
from webbscope.errors import PayloadTooLarge, Unprocessable
from webbscope.imaging import (
    AutoStretch,
    Channel,
    ChannelStyle,
    Finish,
    Interval,
    ScaledArray,
    SkyGrid,
    Source,
    auto_stretch,
    channel_colour,
    css_srgb,
    curve_lut,
    ensure_overlap,
    filter_name,
    finest_index,
    histogram,
    limits_of,
    optimal_grid,
    pivot_um,
    psf_fwhm_arcsec,
    sample_pixels,
    transform_grid,
)

#: Measured on these 2-core machines (bench/composite_bench.py): seconds per output pixel and
#: channel, and per output pixel for the PNG encoding.
SECONDS_PER_PIXEL_CHANNEL = 4e-8
SECONDS_PER_PIXEL_ENCODE = 1.2e-7
WARN_SECONDS = 120.0
#: Threads computing the channels' statistics when a plan is made.
PLAN_THREADS = 2
WARN_BYTES = 2 * 1024**3


@dataclass(eq=False)
class InputImage:
    """A record's image as the engine opened it: the HDU's data (2-D or a cube, unread),
    its celestial WCS (None without one) and what the record says about it."""

    record_id: str
    name: str
    data: Any
    wcs: WCS | None
    filter: str | None = None
    bunit: str | None = None


class ChannelInfo(BaseModel):
    """What the app shows of a channel: its limits and colour, the auto-stretch's reasons
    and a histogram of its pixels (for the black and white handles)."""

    label: str
    filter: str | None
    pivot_um: float | None
    colour: str = Field(description="the channel's colour as #rrggbb (sRGB)")
    vmin: float
    vmax: float
    a: float | None
    gamma: float
    sky: float
    noise: float
    reasons: list[str] = Field(description="why the auto-stretch chose its values")
    auto_vmin: float
    auto_vmax: float
    auto_a: float
    auto_gamma: float
    hist_counts: list[int]
    hist_edges: list[float]
    planes: int | None = Field(
        None, description="planes of the channel's first input when it is a cube (else null)"
    )
    slice: int | None = Field(None, description="the plane the channel shows (cubes)")


@dataclass(eq=False)
class Plan:
    recipe: RecipeIn
    reference: SkyGrid
    grid: SkyGrid
    channels: list[Channel]
    luminance: Channel | None
    finish: Finish
    info: list[ChannelInfo] = field(default_factory=list)
    luminance_info: ChannelInfo | None = None

    @property
    def width(self) -> int:
        return self.grid.nx

    @property
    def height(self) -> int:
        return self.grid.ny


def _plane(image: InputImage, ch: ChannelIn) -> Any:
    data = image.data
    if data.ndim == 2:
        return data
    if ch.slice is None:
        raise Unprocessable(
            f"{image.name} is a cube of {data.shape[0]} planes: give the channel a slice",
            code="slice_required",
            details={"record_id": image.record_id, "planes": int(data.shape[0])},
        )
    if not 0 <= ch.slice < data.shape[0]:
        raise Unprocessable(
            f"slice {ch.slice} is outside {image.name} (planes 0 to {data.shape[0] - 1})",
            code="slice_out_of_range",
            details={"record_id": image.record_id},
        )
    return data.plane(ch.slice) if isinstance(data, ScaledArray) else data[ch.slice]


def _hex(colour: str | float) -> str:
    r, g, b = css_srgb(colour)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _limits(
    ch: ChannelIn, values: np.ndarray[Any, Any], auto: AutoStretch
) -> tuple[float, float, float | None, float]:
    if ch.auto:
        return auto.vmin, auto.vmax, auto.a, auto.gamma
    if ch.interval == "manual":
        interval = Interval.manual(ch.vmin, ch.vmax)
    elif ch.interval == "minmax":
        interval = Interval.minmax()
    elif ch.interval == "zscale":
        interval = Interval.zscale()
    else:
        interval = Interval.percentile(float(ch.interval))
    vmin, vmax = limits_of(values, interval)
    return vmin, vmax, ch.a, ch.gamma


def _channel(
    ch: ChannelIn, images: list[InputImage], index: int
) -> tuple[Channel, ChannelInfo, float | None]:
    sources, samples = [], []
    for image in images:
        plane = _plane(image, ch)
        sources.append(Source(plane, image.wcs))
        samples.append(sample_pixels(plane))
    values = np.concatenate(samples) if samples else np.empty(0, np.float32)
    values = values[np.isfinite(values)]
    auto = auto_stretch(values)
    vmin, vmax, a, gamma = _limits(ch, values, auto)
    stats = auto.stats
    style = ChannelStyle(
        colour=tuple(float(c) for c in channel_colour(ch.color)),  # type: ignore[arg-type]
        vmin=vmin,
        vmax=vmax,
        stretch=ch.stretch,
        a=a,
        gamma=gamma,
        black=ch.black,
        white=ch.white,
        curve=curve_lut(ch.curve),
        weight=ch.weight,
        sky=stats.sky,
    )
    filt = filter_name(images[0].filter) if images else None
    lo = min(vmin, auto.vmin, float(np.percentile(values, 0.05))) if values.size else vmin
    hi = max(vmax, float(np.percentile(values, 99.95))) if values.size else vmax
    hist = histogram(values, bins=128, range=(lo, hi if hi > lo else lo + 1.0), sample=False)
    info = ChannelInfo(
        label=ch.label or filt or f"channel {index + 1}",
        filter=filt,
        pivot_um=pivot_um(filt),
        colour=_hex(ch.color),
        vmin=vmin,
        vmax=vmax,
        a=a,
        gamma=gamma,
        sky=stats.sky,
        noise=stats.noise,
        reasons=auto.reasons,
        auto_vmin=auto.vmin,
        auto_vmax=auto.vmax,
        auto_a=auto.a,
        auto_gamma=auto.gamma,
        hist_counts=[int(c) for c in hist.counts],
        hist_edges=[float(e) for e in hist.edges],
        planes=int(images[0].data.shape[0]) if images and images[0].data.ndim == 3 else None,
        slice=ch.slice if images and images[0].data.ndim == 3 else None,
    )
    fwhm = ch.fwhm_arcsec or psf_fwhm_arcsec(filt)
    return Channel(sources, style), info, fwhm


def reference_grid(recipe: RecipeIn, images: dict[str, InputImage]) -> SkyGrid:
    """The grid the recipe asks for (see `webbscope.imaging._skygrid`)."""
    used = [images[rid] for ch in recipe.channels for rid in ch.record_ids]
    if recipe.luminance:
        used += [images[rid] for rid in recipe.luminance.record_ids]
    mode = recipe.grid.mode
    if mode == "pixel":
        shapes = {tuple(int(n) for n in im.data.shape[-2:]) for im in used}
        if len(shapes) != 1:
            raise Unprocessable(
                "a pixel grid needs inputs of one shape",
                code="shape_mismatch",
                details={"shapes": sorted(list(s) for s in shapes)},
            )
        ny, nx = shapes.pop()
        return SkyGrid(None, (ny, nx))
    for im in used:
        if im.wcs is None:
            raise Unprocessable(
                f"{im.name} has no celestial WCS: it cannot be placed on the sky (choose the "
                "pixel grid if the inputs' pixels already line up)",
                code="no_celestial_wcs",
                details={"record_id": im.record_id, "name": im.name},
            )
    grids = [SkyGrid(im.wcs, (int(im.data.shape[-2]), int(im.data.shape[-1]))) for im in used]
    if mode == "finest":
        grid = grids[finest_index(grids)]
    elif mode == "record":
        chosen = images[str(recipe.grid.record_id)]
        if chosen.wcs is None:
            raise Unprocessable(f"{chosen.name} has no celestial WCS", code="no_celestial_wcs")
        grid = SkyGrid(chosen.wcs, (int(chosen.data.shape[-2]), int(chosen.data.shape[-1])))
    else:
        grid = optimal_grid(grids, mode, resolution_arcsec=recipe.grid.resolution_arcsec)
    ensure_overlap(grid, grids, [im.name for im in used])
    return grid


def output_grid(reference: SkyGrid, out: OutputIn) -> SkyGrid:
    """Crop (display pixels: x from the left, y from the top), rotation (counter-clockwise)
    about the crop's centre, and size (a preset is filled and centred; width or height alone
    keep the aspect), all as one pixel map onto the reference grid."""
    ny, nx = reference.shape
    x, y, w, h = out.crop if out.crop else (0, 0, nx, ny)
    if x + w > nx or y + h > ny:
        raise Unprocessable(
            f"the crop {out.crop} is outside the {nx} x {ny} grid", code="invalid_crop"
        )
    cx, cy = x + w / 2.0 - 0.5, ny - (y + h / 2.0) - 0.5  # crop centre, FITS pixels
    t = math.radians(out.rotate)
    bw = abs(w * math.cos(t)) + abs(h * math.sin(t))
    bh = abs(w * math.sin(t)) + abs(h * math.cos(t))
    if out.preset or (out.width and out.height):
        width, height = SIZE_PRESETS[out.preset] if out.preset else (out.width, out.height)
        assert width is not None and height is not None
        s = max(width / bw, height / bh)
    elif out.width:
        s = out.width / bw
        width, height = out.width, max(1, round(bh * s))
    elif out.height:
        s = out.height / bh
        width, height = max(1, round(bw * s)), out.height
    else:
        s = out.scale
        width, height = max(1, round(bw * s)), max(1, round(bh * s))
    c, sn = math.cos(-t) / s, math.sin(-t) / s
    ox, oy = (width - 1) / 2.0, (height - 1) / 2.0
    m = np.array([[c, -sn, cx - c * ox + sn * oy], [sn, c, cy - sn * ox - c * oy], [0.0, 0.0, 1.0]])
    return transform_grid(reference, m, (height, width))


def check_size(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"a {width} x {height} composite is {width * height} pixels, over the "
            f"{max_pixels}-pixel limit",
            code="output_too_large",
            details={
                "width": width,
                "height": height,
                "pixels": width * height,
                "max_pixels": max_pixels,
            },
        )


def build_plan(recipe: RecipeIn, images: dict[str, InputImage], max_pixels: int) -> Plan:
    """Everything the renderer needs, or a 4xx naming the problem."""
    reference = reference_grid(recipe, images)
    grid = output_grid(reference, recipe.output)
    check_size(grid.nx, grid.ny, max_pixels)
    channels, infos, fwhms = [], [], []
    # Each channel's statistics on a thread of its own (numpy's reads and partitions
    # release the GIL); the results are collected in channel order.
    with ThreadPoolExecutor(PLAN_THREADS) as pool:
        done = pool.map(
            lambda item: _channel(item[1], [images[r] for r in item[1].record_ids], item[0]),
            enumerate(recipe.channels),
        )
        for channel, info, fwhm in done:
            channels.append(channel)
            infos.append(info)
            fwhms.append(fwhm)
    luminance, luminance_info = None, None
    if recipe.luminance:
        luminance, luminance_info, _ = _channel(
            recipe.luminance, [images[r] for r in recipe.luminance.record_ids], -1
        )
        luminance_info.label = recipe.luminance.label or f"luminance ({luminance_info.label})"
    adj = recipe.adjust
    scale = grid.pixel_scale_arcsec()
    if adj.match_resolution and scale and any(f for f in fwhms):
        target = max(f for f in fwhms if f)
        for channel, fwhm in zip(channels, fwhms, strict=True):
            if fwhm and fwhm < target:
                channel.blur_px = math.sqrt(target**2 - fwhm**2) / 2.3548 / scale
    finish = Finish(
        neutralise=adj.neutralise,
        black=adj.black,
        white=adj.white,
        midtones=adj.midtones,
        saturation=adj.saturation,
        vibrance=adj.vibrance,
        hue=adj.hue,
        sharpen_amount=adj.sharpen_amount,
        sharpen_radius=adj.sharpen_radius,
        sharpen_threshold=adj.sharpen_threshold,
        feather_px=adj.feather_px,
        method=adj.method,
    )
    return Plan(recipe, reference, grid, channels, luminance, finish, infos, luminance_info)


def estimate(
    width: int, height: int, channels: int, max_pixels: int, bits: int = 8
) -> dict[str, Any]:
    """Size, memory and time of a full render, and ok / warn / fail with the reasons."""
    pixels = width * height
    out_bytes = pixels * 3 * (bits // 8)
    strip_bytes = 2 * 512 * width * 4 * (channels + 8)
    memory = out_bytes + strip_bytes
    seconds = pixels * (channels * SECONDS_PER_PIXEL_CHANNEL + SECONDS_PER_PIXEL_ENCODE)
    reasons = []
    status = "ok"
    if pixels > max_pixels:
        status = "fail"
        reasons.append(
            f"{pixels} pixels is over the {max_pixels}-pixel limit (nothing is downscaled)"
        )
    else:
        if memory > WARN_BYTES:
            status = "warn"
            reasons.append(f"needs about {memory / 1024**3:.1f} GB of engine memory")
        if seconds > WARN_SECONDS:
            status = "warn"
            reasons.append(f"takes about {seconds:.0f} s")
    return {
        "width": width,
        "height": height,
        "pixels": pixels,
        "memory_bytes": int(memory),
        "seconds": round(seconds, 2),
        "status": status,
        "reasons": reasons,
    }
