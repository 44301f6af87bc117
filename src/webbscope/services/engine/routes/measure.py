"""Engine routes that measure: image information, a plane's statistics, histograms, pixel
values with sky positions, RA/Dec grid lines and cube spectra. Each reads pixels (a
tile-compressed image decompresses whole tiles to do so), so each runs through the render gate."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from webbscope.services.common.viewer_query import PlaneQuery
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
from webbscope.services.engine import measures
from webbscope.services.engine.deps import FileRefDep, Viewer
from webbscope.services.engine.info import INFO_VERSION, image_info, plane_stats
from webbscope.services.engine.params import Plane, check_ext, digest, etag_matches

router = APIRouter(prefix="/internal/images/{sha}", tags=["viewer"])

Ext = Annotated[str, Query(max_length=70, description="extension: name, NAME,VER or index")]


@router.get(
    "/info",
    response_model=ImageInfoOut,
    summary="HDUs, shape, WCS, pyramid levels, cube axis, statistics and a histogram",
    responses={304: {"description": "Not modified (ETag matched)"}},
)
async def info(
    ref: FileRefDep,
    viewer: Viewer,
    ext: Ext = "SCI",
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    etag = f'"{digest("info", INFO_VERSION, ref.sha, check_ext(ext))}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    start = time.perf_counter()
    file = await viewer.open(ref)
    opened = time.perf_counter()
    layout = file.find(ext)
    found = await asyncio.to_thread(viewer.infos.get, ref.sha, layout.index)
    source = "cache"
    if found is None:
        found = await viewer.gate.run(image_info, file, layout)
        await asyncio.to_thread(viewer.infos.put, ref.sha, found)
        source = "computed"
    done = time.perf_counter()
    headers["Server-Timing"] = (
        f"open;dur={(opened - start) * 1000:.2f}, "
        f'info;dur={(done - opened) * 1000:.2f};desc="{source}"'
    )
    return JSONResponse(found.model_dump(mode="json"), headers=headers)


@router.get(
    "/plane-stats",
    response_model=PlaneStatsOut,
    summary="Statistics and histogram of the shown plane (a cube's display limits)",
    responses={304: {"description": "Not modified (ETag matched)"}},
)
async def plane_statistics(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    etag = f'"{digest("plane-stats", 1, ref.sha, plane.ext, plane.slice)}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    file = await viewer.open(ref)
    layout = file.find(plane.ext)
    key = (ref.sha, layout.index, plane.slice)
    found = viewer.plane_stats.get(key)
    if found is None:
        found = await viewer.gate.run(plane_stats, file, layout, plane.slice)
        viewer.plane_stats.put(key, found, 1)
    return JSONResponse(found.model_dump(mode="json"), headers=headers)


@router.get("/histogram", response_model=HistogramOut, summary="Histogram of a plane (sampled)")
async def histogram(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    bins: Annotated[int, Query(ge=1, le=4096)] = 256,
    min: Annotated[float | None, Query(description="range: give min and max")] = None,
    max: float | None = None,
    log: Annotated[bool, Query(description="bins equal in log10 of the value")] = False,
) -> HistogramOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(measures.plane_histogram, file, plane, bins, min, max, log)


@router.get("/pixel", response_model=PixelOut, summary="Value and sky position at a pixel")
async def pixel(
    ref: FileRefDep,
    viewer: Viewer,
    plane: PlaneQuery,
    x: Annotated[float, Query(description="0-based FITS pixel, along a row")],
    y: Annotated[float, Query(description="0-based FITS pixel, upwards")],
) -> PixelOut:
    file = await viewer.open(ref)
    found = await viewer.gate.run(measures.pixels, file, plane, [(x, y)])
    return found[0]


@router.post("/pixels", response_model=PixelsOut, summary="Values and sky positions (batch)")
async def pixels(
    ref: FileRefDep, viewer: Viewer, plane: PlaneQuery, body: PixelsRequest
) -> PixelsOut:
    file = await viewer.open(ref)
    return PixelsOut(items=await viewer.gate.run(measures.pixels, file, plane, body.points))


@router.get("/grid", response_model=GridOut, summary="RA/Dec grid lines and a scale bar")
async def grid(
    ref: FileRefDep,
    viewer: Viewer,
    ext: Ext = "SCI",
    target: Annotated[int, Query(ge=2, le=20, description="about this many lines")] = 5,
    labels: Literal["sexagesimal", "degrees"] = "sexagesimal",
) -> GridOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(measures.grid, file, Plane(check_ext(ext)), target, labels)


@router.get("/spectrum", response_model=SpectrumOut, summary="A cube's spectrum at a spaxel")
async def spectrum(
    ref: FileRefDep,
    viewer: Viewer,
    x: float,
    y: float,
    ext: Ext = "SCI",
    box: Annotated[int, Query(ge=1, le=99, description="mean of box x box spaxels")] = 1,
) -> SpectrumOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(measures.spectrum, file, check_ext(ext), x, y, box)
