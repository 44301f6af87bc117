"""The engine's composites: plans kept per recipe id, previews and the live preview's channel
tiles. Web-free functions (run in a worker thread by the render gate) over `OpenFile`s.

A plan holds its `Source`s, and with them the block-mean reductions made for coarse views,
so the tiles and previews of one composite share them. Channel tiles form a 256-pixel
pyramid over the composite's output grid (as the viewer's tiles do over an image): tile
(x, y) of level L is the channel's values, reprojected onto that part of the grid at that
level, north up, as f16 (NaN where no input covers).
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from webbscope.caches import ByteLru
from webbscope.composites.plan import InputImage, Plan, build_plan
from webbscope.composites.recipe import parse_canonical, recipe_id
from webbscope.imaging import (
    TILE,
    channel_values,
    composite_halo,
    encode_f16,
    encode_image,
    max_level,
    render_composite,
    tile_source_window,
    transform_grid,
)
from webbscope.imaging._rgbfile import png_bytes
from webbscope.services.engine.files import OpenFile

PLANS_KEPT = 8


class InputRef(BaseModel):
    """A composite's input as the backend names it (it has checked the caller's access)."""

    record_id: str
    key: str = Field(max_length=1024)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int | None = Field(None, ge=0)
    name: str = ""
    filter: str | None = None


class CompositeBody(BaseModel):
    recipe: dict[str, Any]
    inputs: list[InputRef] = Field(min_length=1, max_length=64)


def input_images(body: CompositeBody, files: dict[str, OpenFile]) -> dict[str, InputImage]:
    """Each input's image HDU (the extension its first channel names) as an `InputImage`."""
    recipe = parse_canonical(body.recipe)
    ext_of: dict[str, str] = {}
    for ch in [*recipe.channels, *([recipe.luminance] if recipe.luminance else [])]:
        for rid in ch.record_ids:
            ext_of.setdefault(rid, ch.ext)
    out = {}
    for ref in body.inputs:
        file = files[ref.record_id]
        layout = file.find(ext_of.get(ref.record_id, "SCI"))
        bunit = file.headers[layout.index].get("BUNIT")
        out[ref.record_id] = InputImage(
            record_id=ref.record_id,
            name=ref.name or ref.record_id,
            data=file.data(layout.index),
            wcs=file.wcs(layout.index),
            filter=ref.filter,
            bunit=str(bunit) if bunit else None,
        )
    return out


class PlanCache:
    """The last few plans, by recipe id (a plan keeps its inputs' reductions)."""

    def __init__(self) -> None:
        self._plans: ByteLru[str, Plan] = ByteLru(PLANS_KEPT, max_entries=PLANS_KEPT)
        self._lock = threading.Lock()

    def plan(self, body: CompositeBody, files: dict[str, OpenFile], max_pixels: int) -> Plan:
        rid = recipe_id(body.recipe)
        with self._lock:
            found = self._plans.get(rid)
        if found is not None:
            return found
        plan = build_plan(parse_canonical(body.recipe), input_images(body, files), max_pixels)
        with self._lock:
            self._plans.put(rid, plan, 1)
        return plan


def _scaled(plan: Plan, k: float, width: int, height: int) -> Any:
    off = (k - 1.0) / 2.0
    m = np.array([[k, 0.0, off], [0.0, k, off], [0.0, 0.0, 1.0]])
    return transform_grid(plan.grid, m, (height, width))


def preview(plan: Plan, width: int, fmt: str, quality: int = 90) -> tuple[bytes, int, int]:
    """The composite at most `width` pixels wide (never larger than full resolution)."""
    k = max(1.0, plan.width / max(1, width))
    w, h = max(1, round(plan.width / k)), max(1, round(plan.height / k))
    grid = _scaled(plan, k, w, h)
    finish = replace(
        plan.finish,
        feather_px=plan.finish.feather_px / k,
        sharpen_radius=max(0.3, plan.finish.sharpen_radius / k),
    )
    channels = [replace(c, blur_px=c.blur_px / k) for c in plan.channels]
    # About two million pixels per strip: a 1024-pixel preview is one strip, its channels
    # projected on two threads.
    rows = max(512, (1 << 21) // max(1, w))
    rgb = render_composite(channels, grid, finish, plan.luminance, workers=2, strip_rows=rows)
    if fmt == "png":
        body = png_bytes(rgb, None)  # banded, threaded deflate: several times Pillow's speed
    else:
        body = encode_image(rgb, fmt, quality=quality, compress_level=1)
    return body, w, h


def tile_levels(plan: Plan) -> int:
    return max_level(plan.grid.shape) + 1


class Pads(NamedTuple):
    left: int
    right: int
    bottom: int
    top: int


def _tile_grid(plan: Plan, level: int, x: int, y: int, pad: int) -> tuple[Any, Any, Pads]:
    """The output grid of tile (x, y) at `level`, grown by up to `pad` level pixels on each
    side (not beyond the composite's grid, as a full render sees nothing beyond it either):
    (the tile's window, the padded grid, the pads as left, right, bottom, top)."""
    win = tile_source_window(plan.grid.shape, level, x, y)
    s = win.scale
    lw, lh = -(-plan.grid.nx // s), -(-plan.grid.ny // s)
    cx, cy = win.x0 // s, win.y0 // s  # the tile's first level pixel (FITS orientation)
    pads = Pads(
        min(pad, cx),
        min(pad, lw - cx - win.width),
        min(pad, cy),
        min(pad, lh - cy - win.height),
    )
    m = np.array(
        [
            [s, 0.0, win.x0 + (s - 1) / 2.0 - pads.left * s],
            [0.0, s, win.y0 + (s - 1) / 2.0 - pads.bottom * s],
            [0.0, 0.0, 1.0],
        ]
    )
    shape = (win.height + pads.bottom + pads.top, win.width + pads.left + pads.right)
    return win, transform_grid(plan.grid, m, shape), pads


def channel_tile(plan: Plan, channel: int, level: int, x: int, y: int) -> bytes:
    """Channel `channel`'s f16 tile (x, y) of `level` on the output grid (see the module):
    resolution matching's blur and the feathering applied at the level's scale. With
    feathering, the coverage alpha (0-1) follows the values as a second plane of f16 words
    (no header), which the live canvas multiplies the channel's linear light by."""
    chan = plan.channels[channel] if channel >= 0 else plan.luminance
    assert chan is not None
    s = tile_source_window(plan.grid.shape, level, x, y).scale
    blur, feather_px = chan.blur_px / s, plan.finish.feather_px / s
    pad = math.ceil(4 * blur + feather_px) + 1 if blur > 0 or feather_px > 0 else 0
    win, sub, pads = _tile_grid(plan, level, x, y, pad)
    finish = replace(plan.finish, feather_px=feather_px)
    values, alpha = channel_values(replace(chan, blur_px=blur), sub, finish)
    keep = (
        slice(pads.bottom, pads.bottom + win.height),
        slice(pads.left, pads.left + win.width),
    )
    values, alpha = values[keep], alpha[keep]
    values[alpha <= 0] = np.nan
    body = encode_f16(np.ascontiguousarray(values[::-1]))
    if feather_px > 0:
        body += np.ascontiguousarray(alpha[::-1]).astype("<f2").tobytes()
    return body


def rgb_tile(plan: Plan, level: int, x: int, y: int) -> bytes:
    """Tile (x, y) of `level` of the finished composite as an RGB PNG, north up (the live
    canvas's 2-D fallback without WebGL2): every step of a full render at the level's scale,
    computed with a halo so tiles join without seams."""
    s = tile_source_window(plan.grid.shape, level, x, y).scale
    finish = replace(
        plan.finish,
        feather_px=plan.finish.feather_px / s,
        sharpen_radius=max(0.3, plan.finish.sharpen_radius / s),
    )
    channels = [replace(c, blur_px=c.blur_px / s) for c in plan.channels]
    lum = replace(plan.luminance, blur_px=plan.luminance.blur_px / s) if plan.luminance else None
    win, sub, pads = _tile_grid(plan, level, x, y, composite_halo(channels, finish))
    rgb = render_composite(channels, sub, finish, lum, workers=1, strip_rows=sub.ny)
    top = rgb[pads.top : pads.top + win.height, pads.left : pads.left + win.width]
    return png_bytes(np.ascontiguousarray(top), None, workers=1)


__all__ = [
    "TILE",
    "CompositeBody",
    "InputRef",
    "PlanCache",
    "channel_tile",
    "preview",
    "rgb_tile",
]
