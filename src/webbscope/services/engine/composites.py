"""The engine's composites: plans kept per recipe id, previews and the live preview's channel
tiles. Web-free functions (run in a worker thread by the render gate) over `OpenFile`s.

A plan holds its `Source`s, and with them the block-mean reductions made for coarse views,
so the tiles and previews of one composite share them. Channel tiles form a 256-pixel
pyramid over the composite's output grid (as the viewer's tiles do over an image): tile
(x, y) of level L is the channel's values, reprojected onto that part of the grid at that
level, north up, as f16 (NaN where no input covers).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from webbscope.caches import ByteLru
from webbscope.composites.plan import InputImage, Plan, build_plan
from webbscope.composites.recipe import parse_canonical, recipe_id
from webbscope.imaging import (
    TILE,
    channel_values,
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


def channel_tile(plan: Plan, channel: int, level: int, x: int, y: int) -> bytes:
    """Channel `channel`'s f16 tile (x, y) of `level` on the output grid (see the module)."""
    win = tile_source_window(plan.grid.shape, level, x, y)
    s = win.scale
    m = np.array(
        [[s, 0.0, win.x0 + (s - 1) / 2.0], [0.0, s, win.y0 + (s - 1) / 2.0], [0.0, 0.0, 1.0]]
    )
    sub = transform_grid(plan.grid, m, (win.height, win.width))
    finish = replace(plan.finish, feather_px=0.0)
    chan = plan.channels[channel] if channel >= 0 else plan.luminance
    assert chan is not None
    values, alpha = channel_values(replace(chan, blur_px=0.0), sub, finish)
    values[alpha <= 0] = np.nan
    return encode_f16(np.ascontiguousarray(values[::-1]))


__all__ = ["TILE", "CompositeBody", "InputRef", "PlanCache", "channel_tile", "preview"]
