"""Engine routes for composites (service credential required): plan and estimate, preview,
and the live preview's channel tiles. The backend sends the canonical recipe and the inputs'
storage keys with every call; the engine keeps recent plans by recipe id."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from webbscope.composites.plan import estimate
from webbscope.composites.recipe import recipe_id
from webbscope.errors import NotFound, PayloadTooLarge
from webbscope.imaging import MEDIA_TYPES, normalise_format
from webbscope.services.engine import composites
from webbscope.services.engine.composites import CompositeBody, PlanCache
from webbscope.services.engine.deps import Viewer
from webbscope.services.engine.files import OpenFile
from webbscope.services.engine.state import FileRef

router = APIRouter(prefix="/internal/composites", tags=["composites"])


async def get_plans(request: Request) -> PlanCache:
    plans: PlanCache | None = getattr(request.app.state, "composite_plans", None)
    if plans is None:
        plans = PlanCache()
        request.app.state.composite_plans = plans
    return plans


Plans = Annotated[PlanCache, Depends(get_plans)]


async def _files(viewer: Any, body: CompositeBody) -> dict[str, OpenFile]:
    opened = await asyncio.gather(
        *(viewer.open(FileRef(ref.sha256, ref.key, ref.size)) for ref in body.inputs)
    )
    return {ref.record_id: f for ref, f in zip(body.inputs, opened, strict=True)}


async def _plan(viewer: Any, plans: PlanCache, body: CompositeBody) -> Any:
    files = await _files(viewer, body)
    limit = viewer.settings.max_output_pixels
    return await viewer.gate.run(plans.plan, body, files, limit)


@router.post("/plan", summary="Check a recipe against its inputs: grid, channels, estimate")
async def plan(
    body: CompositeBody,
    viewer: Viewer,
    plans: Plans,
    estimate_only: Annotated[
        bool, Query(description="an oversize output is a 'fail' estimate")
    ] = False,
) -> dict[str, Any]:
    limit = viewer.settings.max_output_pixels
    n = len(body.recipe.get("channels", []))
    try:
        found = await _plan(viewer, plans, body)
    except PayloadTooLarge as exc:
        if not estimate_only or not isinstance(exc.details, dict):
            raise
        d = exc.details
        return {
            "id": recipe_id(body.recipe),
            "estimate": estimate(d["width"], d["height"], n, limit),
        }
    grid = found.grid
    return {
        "id": recipe_id(body.recipe),
        "width": grid.nx,
        "height": grid.ny,
        "levels": composites.tile_levels(found),
        "tile_size": composites.TILE,
        "pixel_scale_arcsec": grid.pixel_scale_arcsec(),
        "wcs": {k: v for k, v in grid.header().items() if k not in ("COMMENT", "HISTORY")},
        "channels": [info.model_dump() for info in found.info],
        "luminance": found.luminance_info.model_dump() if found.luminance_info else None,
        "estimate": estimate(grid.nx, grid.ny, n, limit),
    }


@router.post(
    "/preview",
    summary="The composite at most `width` pixels wide",
    response_class=Response,
    responses={200: {"content": {t: {} for t in ("image/png", "image/jpeg", "image/webp")}}},
)
async def preview(
    body: CompositeBody,
    viewer: Viewer,
    plans: Plans,
    width: Annotated[int, Query(ge=16, le=8192)] = 1024,
    format: Literal["png", "jpg", "jpeg", "webp"] = "png",
) -> Response:
    fmt = normalise_format(format)
    found = await _plan(viewer, plans, body)
    data, w, h = await viewer.gate.run(composites.preview, found, width, fmt)
    headers = {
        "X-Image-Width": str(w),
        "X-Image-Height": str(h),
        "Cache-Control": "private, max-age=3600",
    }
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.post(
    "/rgb/{level}/{x}/{y}.png",
    summary="A tile of the finished composite as an RGB PNG (the 2-D fallback without WebGL2)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def rgb_tile(
    body: CompositeBody,
    viewer: Viewer,
    plans: Plans,
    level: Annotated[int, Path(ge=0, le=40)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    found = await _plan(viewer, plans, body)
    data = await viewer.gate.run(composites.rgb_tile, found, level, x, y)
    return Response(
        data, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.post(
    "/tiles/{channel}/{level}/{x}/{y}.f16",
    summary="One channel's float16 tile on the composite's grid (live preview); with "
    "feathering, the coverage alpha follows as a second plane of f16 words",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def tile(
    body: CompositeBody,
    viewer: Viewer,
    plans: Plans,
    channel: Annotated[int, Path(ge=-1, le=7, description="-1: the luminance channel")],
    level: Annotated[int, Path(ge=0, le=40)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    found = await _plan(viewer, plans, body)
    if channel >= len(found.channels) or (channel < 0 and found.luminance is None):
        raise NotFound(f"the composite has no channel {channel}", code="channel_not_found")
    data = await viewer.gate.run(composites.channel_tile, found, channel, level, x, y)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Cache-Control": "private, max-age=3600"},
    )
