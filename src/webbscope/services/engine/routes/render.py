"""Engine routes that render: tiles, previews, exports and FITS cutouts.

Every heavy step runs through the render gate (429 with Retry-After when it is full).
Tiles and previews carry a strong ETag (304 on If-None-Match, before any work) and
`Cache-Control: private, max-age`; `Server-Timing` reports the render time and where the
bytes came from (memory, storage or a render).
"""

from __future__ import annotations

import time
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query, Response

from webbscope.errors import BadRequest
from webbscope.imaging import MEDIA_TYPES, normalise_format
from webbscope.services.common.viewer_query import PlaneQuery, RenderQuery
from webbscope.services.engine import renders
from webbscope.services.engine.deps import FileRefDep, Viewer
from webbscope.services.engine.params import digest, etag_matches, tile_etag, tile_format
from webbscope.services.engine.tiles import Tile

router = APIRouter(prefix="/internal/images/{sha}", tags=["viewer"])

IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]
Name = Annotated[str | None, Query(max_length=255, description="file name for the download")]


def _image(content: dict[str, dict[str, object]]) -> dict[int | str, dict[str, object]]:
    return {200: {"content": content}, 304: {"description": "Not modified (ETag matched)"}}


def cache_headers(etag: str, max_age: int) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": f"private, max-age={max_age}"}


def timing(tile: Tile, start: float) -> str:
    total = (time.perf_counter() - start) * 1000.0
    return f'render;dur={tile.render_ms:.2f};desc="{tile.source}", engine;dur={total:.2f}'


def attachment(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _stem(name: str | None) -> str:
    base = (name or "image").rsplit("/", 1)[-1]
    for suffix in (".fits.gz", ".fits", ".fit", ".fts"):
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return base


@router.get(
    "/tiles/{level}/{x}/{y}.{fmt}",
    summary="One 256-px tile of the pyramid (y = 0 at the top; level 0 is the whole image)",
    response_class=Response,
    responses=_image({t: {} for t in ("image/png", "image/jpeg", "image/webp")}),
)
async def tile(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    params: RenderQuery,
    level: Annotated[int, Path(ge=0, le=40)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    fmt: Annotated[str, Path(description="png, jpg, webp, f16 or f32")],
    if_none_match: IfNoneMatch = None,
) -> Response:
    start = time.perf_counter()
    fmt = tile_format(fmt)
    stored = await viewer.pyramids.find(ref.sha)  # from memory; None until the job is done
    etag = tile_etag(ref.sha, plane, fmt, params, level, x, y, stored is not None)
    headers = cache_headers(etag, viewer.settings.tile_max_age_s)
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)

    async def produce() -> tuple[bytes, float]:
        file = await viewer.open(ref)
        renders.check_tile(file, plane, level, x, y)
        return await viewer.gate.run(
            renders.tile, file, viewer.views, plane, fmt, params, level, x, y, stored
        )

    # A tile read from a stored pyramid renders in a few milliseconds: no copy in storage is
    # looked for or kept (one worker-thread hop and a file open less per new tile).
    found = await viewer.tiles.get(ref.sha, etag, fmt, produce, stored_copy=stored is None)
    headers["Server-Timing"] = timing(found, start)
    return Response(found.body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/view",
    summary="The display limits of a plane (and its histeq curve) as the engine renders tiles",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def view(ref: FileRefDep, viewer: Viewer, plane: PlaneQuery, params: RenderQuery) -> Response:
    file = await viewer.open(ref)
    body = await viewer.gate.run(renders.view_bytes, file, viewer.views, plane, params)
    return Response(
        body,
        media_type="application/octet-stream",
        headers={"Cache-Control": "private, max-age=60"},
    )


@router.get(
    "/preview",
    summary="The whole image at most `size` pixels on its longer side (thumbnails, previews)",
    response_class=Response,
    responses=_image({t: {} for t in ("image/jpeg", "image/png", "image/webp")}),
)
async def preview(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    params: RenderQuery,
    size: Annotated[int, Query(ge=8, le=16384)] = 512,
    format: Annotated[str, Query(description="jpeg (jpg), png or webp")] = "jpeg",
    if_none_match: IfNoneMatch = None,
) -> Response:
    start = time.perf_counter()
    fmt = tile_format(format)
    if fmt in ("f16", "f32"):
        raise BadRequest("previews are jpeg, png or webp", code="unsupported_format")
    rendering = params.cache_key()
    etag = f'"{digest("preview", 1, ref.sha, plane.ext, plane.slice, fmt, rendering, size)}"'
    headers = cache_headers(etag, viewer.settings.tile_max_age_s)
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    limit = viewer.settings.max_output_pixels

    async def produce() -> tuple[bytes, float]:
        file = await viewer.open(ref)
        t0 = time.perf_counter()
        body, _, _ = await viewer.gate.run(
            renders.preview, file, viewer.views, plane, fmt, params, size, limit
        )
        return body, (time.perf_counter() - t0) * 1000.0

    found = await viewer.tiles.get(ref.sha, etag, fmt, produce)
    headers["Server-Timing"] = timing(found, start)
    return Response(found.body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/export",
    summary="The view as PNG, JPEG or TIFF, at most `width` pixels wide, with WCS and AVM",
    response_class=Response,
    responses={200: {"content": {t: {} for t in ("image/png", "image/jpeg", "image/tiff")}}},
)
async def export(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    params: RenderQuery,
    format: Annotated[Literal["png", "jpeg", "jpg", "tiff", "tif"], Query()] = "png",
    width: Annotated[int, Query(ge=16, le=65535)] = 2048,
    name: Name = None,
) -> Response:
    fmt = normalise_format(format)
    file = await viewer.open(ref)
    body, out_w, out_h = await viewer.gate.run(
        renders.export,
        file,
        viewer.views,
        plane,
        fmt,
        params,
        width,
        viewer.settings.max_output_pixels,
        f"{name or 'image'} [{plane.ext}] {params.stretch} {params.cmap}",
    )
    suffix = {"jpeg": "jpg", "tiff": "tif"}.get(fmt, fmt)
    headers = {
        "Content-Disposition": attachment(f"{_stem(name)}_{params.stretch}_{params.cmap}.{suffix}"),
        "X-Image-Width": str(out_w),
        "X-Image-Height": str(out_h),
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/cutout",
    summary="A FITS cutout: centre x, y (pixels) or ra, dec (degrees); size w, h (pixels) "
    "or size (arcsec)",
    response_class=Response,
    responses={200: {"content": {"application/fits": {}}}},
)
async def cutout(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    x: float | None = None,
    y: float | None = None,
    ra: Annotated[float | None, Query(ge=0, lt=360)] = None,
    dec: Annotated[float | None, Query(ge=-90, le=90)] = None,
    w: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    h: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    size: Annotated[float | None, Query(gt=0, le=36_000, description="arcsec")] = None,
    name: Name = None,
) -> Response:
    centre: tuple[float, float] | tuple[float, float, str]
    if x is not None and y is not None:
        centre = (x, y)
    elif ra is not None and dec is not None:
        centre = (ra, dec, "sky")
    else:
        raise BadRequest("give the centre as x and y, or as ra and dec", code="invalid_cutout")
    extent: tuple[int, int] | float
    if w is not None:
        extent = (h or w, w)
    elif size is not None:
        extent = size
    else:
        raise BadRequest("give the size as w (and h) pixels, or size arcsec", code="invalid_cutout")
    file = await viewer.open(ref)
    body = await viewer.gate.run(
        renders.cutout_fits, file, plane, centre, extent, viewer.settings.max_output_pixels
    )
    headers = {
        "Content-Disposition": attachment(f"{_stem(name)}_cutout.fits"),
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="application/fits", headers=headers)
