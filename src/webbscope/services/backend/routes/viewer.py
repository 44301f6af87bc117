"""`/api/records/{id}/...` for the viewer: image information, tiles, histograms, pixel values,
grid lines, spectra, previews, exports and cutouts.

Each route checks the caller's access with the records' rule (`readable`: anonymous callers
see public records; another user's private record is 404), then asks the engine, naming the
file by its storage key and sha256, and passes the engine's answer back unchanged: status,
body, ETag / 304, Cache-Control, Retry-After, Server-Timing and the error shape (large answers
are streamed). A tile the file's stored tile packs hold is read from storage instead
(`stored_tiles`). The query parameters are validated here too (and documented in the OpenAPI
document) before they are passed on; an unreachable engine is a 502 naming it. Access checks
are remembered for `VIEWER_ACCESS_CACHE_S` seconds (see `viewer_access`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response

from webbscope.services.backend.deps import Records
from webbscope.services.backend.engine_proxy import forward as _forward
from webbscope.services.backend.fair_share import fair_share
from webbscope.services.backend.stored_tiles import StoredTiles
from webbscope.services.backend.tile_cache import (
    MAX_ITEM,
    from_pack,
    new_cache,
    served,
    tile_key,
)
from webbscope.services.backend.viewer_access import ViewerCaller, viewable
from webbscope.services.common.viewer_query import PlaneQuery, RenderQuery
from webbscope.services.common.viewer_schemas import (
    GridOut,
    HistogramOut,
    ImageInfoOut,
    PixelOut,
    PixelsOut,
    PixelsRequest,
    PlaneStatsOut,
    SpectrumOut,
)

router = APIRouter(
    prefix="/api/records/{record_id}", tags=["viewer"], dependencies=[Depends(fair_share)]
)

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (the ETag in If-None-Match matched)"}
}


def _image(*types: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {t: {} for t in types}}, **NOT_MODIFIED}


async def open_tile_cache(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.tile_cache = new_cache(settings.backend_tile_cache_bytes)
    app.state.stored_tiles = StoredTiles(
        app.state.parts.storage,
        recheck_s=settings.pyramid_recheck_s,
        max_age_s=settings.tile_max_age_s,
    )


@router.get(
    "/image-info",
    response_model=ImageInfoOut,
    summary="What the viewer needs: HDUs, shape, WCS, pyramid levels, cube axis, statistics",
    responses=NOT_MODIFIED,
)
async def image_info(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    ext: Annotated[str, Query(max_length=70)] = "SCI",
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/info")


@router.get(
    "/tiles/{level}/{x}/{y}.{fmt}",
    summary="A 256-px tile: level 0 is the whole image, y = 0 the top (north up); f16 tiles "
    "are exact float tiles (32-byte header 'WFT1', uint16 width, height, uint8 sample type "
    "2 = float16 or 4 = float32, 7 zero bytes, float64 offset and scale, then little-endian "
    "rows; value = offset + scale * sample); f32 tiles are the same layout with float32 "
    "samples always (the engine's values bit for bit)",
    response_class=Response,
    responses=_image("image/png", "image/jpeg", "image/webp", "application/octet-stream"),
)
async def tile(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    params: RenderQuery,
    level: Annotated[int, Path(ge=0, le=40)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    fmt: Annotated[Literal["png", "jpg", "jpeg", "webp", "f16", "f32"], Path()],
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    path = f"/tiles/{level}/{x}/{y}.{fmt}"
    cache = request.app.state.tile_cache
    query, if_none_match = request.query_params.multi_items(), request.headers.get("if-none-match")
    key = tile_key(doc["sha256"], path, query)
    kept = cache.get(key)
    if kept is not None:
        status, headers, body = served(kept, if_none_match)
        return Response(body, status_code=status, headers=headers)
    stored = await from_pack(request.app.state, cache, key, doc, query, if_none_match)
    if stored is not None:
        status, headers, body = stored
        return Response(body, status_code=status, headers=headers)
    resp = await _forward(request, doc, path, client="engine_tiles")
    etag = resp.headers.get("etag")
    if resp.status_code == 200 and etag and len(resp.body) <= MAX_ITEM:
        headers = {k: v for k, v in resp.headers.items() if k.lower() != "content-length"}
        cache.put(key, (bytes(resp.body), headers), len(resp.body))
    return resp


@router.get(
    "/plane-stats",
    response_model=PlaneStatsOut,
    summary="Statistics and histogram of the shown plane: a cube's display limits come from "
    "its shown plane (image-info's statistics describe the whole HDU)",
    responses={304: {"description": "Not modified (ETag matched)"}},
)
async def plane_stats(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/plane-stats")


@router.get(
    "/view",
    summary="The display limits the engine renders a plane's tiles with, and for histeq its "
    "curve (binary: 'WVW1', uint32 n, float64 vmin, vmax, then n float32 curve points over "
    "[0, 1], little-endian), so the browser renders the engine's pixels",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def view(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    params: RenderQuery,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/view")


@router.get("/histogram", response_model=HistogramOut, summary="Histogram of a plane (sampled)")
async def histogram(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    bins: Annotated[int, Query(ge=1, le=4096)] = 256,
    min: Annotated[float | None, Query(description="range: give min and max")] = None,
    max: float | None = None,
    log: bool = False,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/histogram")


@router.get(
    "/pixel",
    response_model=PixelOut,
    summary="Value and RA/Dec at a pixel (0-based FITS pixel coordinates, y up)",
)
async def pixel(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    x: float,
    y: float,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/pixel")


@router.post(
    "/pixels", response_model=PixelsOut, summary="Values and RA/Dec at many pixels (batch)"
)
async def pixels(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    body: PixelsRequest,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/pixels", method="POST", json=body.model_dump(mode="json"))


@router.get("/grid", response_model=GridOut, summary="RA/Dec grid lines and a scale bar")
async def grid(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    ext: Annotated[str, Query(max_length=70)] = "SCI",
    target: Annotated[int, Query(ge=2, le=20)] = 5,
    labels: Literal["sexagesimal", "degrees"] = "sexagesimal",
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/grid")


@router.get("/spectrum", response_model=SpectrumOut, summary="A cube's spectrum at a spaxel")
async def spectrum(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    x: float,
    y: float,
    ext: Annotated[str, Query(max_length=70)] = "SCI",
    box: Annotated[int, Query(ge=1, le=99)] = 1,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/spectrum")


@router.get(
    "/preview",
    summary="The whole image at most `size` pixels on its longer side",
    response_class=Response,
    responses=_image("image/jpeg", "image/png", "image/webp"),
)
async def preview(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    params: RenderQuery,
    size: Annotated[int, Query(ge=8, le=16384)] = 512,
    format: Literal["jpeg", "jpg", "png", "webp"] = "jpeg",
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/preview", stream=True)


@router.get(
    "/export",
    summary="The view as PNG, JPEG or TIFF at most `width` pixels wide (the largest integer "
    "reduction), with WCS and AVM metadata; X-Image-Width/Height give its size",
    response_class=Response,
    responses={200: {"content": {t: {} for t in ("image/png", "image/jpeg", "image/tiff")}}},
)
async def export(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    params: RenderQuery,
    format: Literal["png", "jpeg", "jpg", "tiff", "tif"] = "png",
    width: Annotated[int, Query(ge=16, le=65535)] = 2048,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/export", stream=True)


@router.get(
    "/cutout",
    summary="A FITS cutout: centre x, y (pixels) or ra, dec (degrees); size w, h (pixels) or "
    "size (arcsec)",
    response_class=Response,
    responses={200: {"content": {"application/fits": {}}}},
)
async def cutout(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    plane: PlaneQuery,
    x: float | None = None,
    y: float | None = None,
    ra: Annotated[float | None, Query(ge=0, lt=360)] = None,
    dec: Annotated[float | None, Query(ge=-90, le=90)] = None,
    w: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    h: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    size: Annotated[float | None, Query(gt=0, le=36_000, description="arcsec")] = None,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await _forward(request, doc, "/cutout", stream=True)
