"""Engine routes for analysis: region statistics and spectra, contours, tables, 1-D spectra,
header search, catalogues and DS9 files. Like the viewer routes they take the file's storage
key and sha256 from the backend, which has checked the caller's access."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from webbscope.analysis import (
    CATALOGUE_MEDIA_TYPES,
    CATALOGUE_SUFFIX,
    MAX_LEVELS,
    export_catalogue,
    pixel_region,
)
from webbscope.errors import Unprocessable
from webbscope.services.common.analysis_schemas import (
    CatalogueOut,
    ContoursOut,
    DetectRequest,
    Ds9ExportRequest,
    Ds9ImportOut,
    Ds9ImportRequest,
    HdusOut,
    HeaderSearchOut,
    PixelPointsOut,
    RegionSpectrumOut,
    RegionSpectrumRequest,
    RegionStatsOut,
    Spectrum1DOut,
    StatsRequest,
    TablePageOut,
    WorldPointsRequest,
)
from webbscope.services.engine import analysis
from webbscope.services.engine.deps import FileRefDep, Viewer
from webbscope.services.engine.params import check_ext, check_sha
from webbscope.services.engine.state import FileRef

router = APIRouter(prefix="/internal/images/{sha}", tags=["analysis"])

Ext = Annotated[str, Query(max_length=70, description="extension: name, NAME,VER or index")]


def parse_levels(text: str | None) -> list[float] | None:
    """`levels=1,2.5,10` as floats (at most MAX_LEVELS)."""
    if text is None or not text.strip():
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise Unprocessable(
            "levels are numbers separated by commas", code="invalid_levels"
        ) from None
    if len(values) > MAX_LEVELS:
        raise Unprocessable(
            f"at most {MAX_LEVELS} contour levels",
            code="too_many_levels",
            details={"max": MAX_LEVELS, "requested": len(values)},
        )
    return values


@router.post("/regions/stats", response_model=RegionStatsOut, summary="Statistics in a region")
async def region_stats(ref: FileRefDep, viewer: Viewer, body: StatsRequest) -> RegionStatsOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(
        analysis.stats, file, check_ext(body.ext), body.slice, body.region.spec(), body.percentiles
    )


@router.post(
    "/regions/spectrum", response_model=RegionSpectrumOut, summary="A cube summed in a region"
)
async def region_spectrum(
    ref: FileRefDep, viewer: Viewer, body: RegionSpectrumRequest
) -> RegionSpectrumOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(
        analysis.region_cube_spectrum, file, check_ext(body.ext), body.region.spec(), body.how
    )


@router.post("/regions/ds9", summary="Regions as a DS9 file", response_class=Response)
async def ds9_export(ref: FileRefDep, viewer: Viewer, body: Ds9ExportRequest) -> Response:
    file = await viewer.open(ref)
    text = await viewer.gate.run(
        analysis.ds9_export,
        file,
        check_ext(body.ext),
        [r.spec() for r in body.regions],
        body.labels,
    )
    return Response(text, media_type="text/plain")


@router.post("/regions/ds9/parse", response_model=Ds9ImportOut, summary="Read a DS9 file")
async def ds9_import(ref: FileRefDep, viewer: Viewer, body: Ds9ImportRequest) -> Ds9ImportOut:
    file = await viewer.open(ref)
    found = await viewer.gate.run(analysis.ds9_import, file, check_ext(body.ext), body.text)
    return Ds9ImportOut(regions=found)


@router.post("/world2pix", response_model=PixelPointsOut, summary="Sky positions to pixels")
async def world2pix(ref: FileRefDep, viewer: Viewer, body: WorldPointsRequest) -> PixelPointsOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(
        analysis.world_to_pixels, file, check_ext(body.ext), list(body.points)
    )


@router.post("/detect/check", summary="Check a detection request")
async def detect_check(ref: FileRefDep, viewer: Viewer, body: DetectRequest) -> dict[str, bool]:
    """422 when the HDU is not an image or the region misses it (before a job is queued)."""
    file = await viewer.open(ref)

    def check() -> None:
        layout = file.find(check_ext(body.ext))
        plane = file.plane(layout, body.slice)
        if body.region is not None:
            from webbscope.analysis import check_overlaps

            region = pixel_region(body.region.spec(), file.wcs(layout.index))
            check_overlaps(region, int(plane.shape[-1]), int(plane.shape[-2]))

    await asyncio.to_thread(check)
    return {"ok": True}


@router.get("/contours", response_model=ContoursOut, summary="Contour lines (marching squares)")
async def contours(
    ref: FileRefDep,
    viewer: Viewer,
    ext: Ext = "SCI",
    slice: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    levels: Annotated[str | None, Query(max_length=2000)] = None,
    mode: Literal["linear", "log", "custom"] | None = None,
    n: Annotated[int, Query(ge=1, le=MAX_LEVELS)] = 10,
    low: float | None = None,
    high: float | None = None,
    max_points: Annotated[int, Query(ge=100, le=2_000_000)] = 500_000,
    on_sha: Annotated[str | None, Query(description="draw on this other file")] = None,
    on_key: Annotated[str | None, Query(max_length=1024)] = None,
    on_size: Annotated[int | None, Query(ge=0)] = None,
    on_ext: Ext = "SCI",
) -> ContoursOut:
    given = parse_levels(levels)
    chosen_mode = mode or ("custom" if given else "linear")
    file = await viewer.open(ref)
    other = None
    if on_sha and on_key:
        other = await viewer.open(FileRef(check_sha(on_sha), on_key, on_size))
    return await viewer.gate.run(
        lambda: analysis.contours(
            file,
            check_ext(ext),
            slice,
            mode=chosen_mode,
            n=n,
            levels=given,
            low=low,
            high=high,
            max_points=max_points,
            on=other,
            on_ext=check_ext(on_ext),
        )
    )


@router.get("/hdus", response_model=HdusOut, summary="Every HDU, with tables' rows and columns")
async def hdus(ref: FileRefDep, viewer: Viewer) -> HdusOut:
    file = await viewer.open(ref)
    return analysis.hdus(file)


@router.get("/tables/{hdu}", response_model=TablePageOut, summary="A page of a table HDU")
async def table(
    ref: FileRefDep,
    viewer: Viewer,
    hdu: Annotated[str, Path(max_length=70)],
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
    sort: Annotated[str | None, Query(max_length=70)] = None,
    order: Literal["asc", "desc"] = "asc",
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> TablePageOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(
        lambda: analysis.table(
            file, hdu, page=page, page_size=page_size, sort=sort, order=order, q=q
        )
    )


@router.get("/headers/search", response_model=HeaderSearchOut, summary="Search every header")
async def header_search(
    ref: FileRefDep, viewer: Viewer, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> HeaderSearchOut:
    file = await viewer.open(ref)
    return analysis.header_search(file, q)


@router.get("/spectrum1d", response_model=Spectrum1DOut, summary="A 1-D spectrum (x1d table)")
async def spectrum1d(
    ref: FileRefDep, viewer: Viewer, hdu: Annotated[str | None, Query(max_length=70)] = None
) -> Spectrum1DOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(analysis.spectrum1d, file, hdu)


@router.get("/catalogue", response_model=CatalogueOut, summary="Every source of a catalogue")
async def catalogue(
    ref: FileRefDep, viewer: Viewer, hdu: Annotated[str | None, Query(max_length=70)] = None
) -> CatalogueOut:
    file = await viewer.open(ref)
    return await viewer.gate.run(analysis.catalogue, file, hdu)


@router.get("/catalogue/export", summary="A catalogue as CSV, ECSV, VOTable or DS9")
async def catalogue_export(
    ref: FileRefDep,
    viewer: Viewer,
    format: Literal["csv", "ecsv", "votable", "ds9"] = "csv",
    hdu: Annotated[str | None, Query(max_length=70)] = None,
    name: Annotated[str, Query(max_length=200)] = "catalogue",
) -> Response:
    file = await viewer.open(ref)

    def make() -> bytes:
        return export_catalogue(analysis.catalogue_table(file, hdu), format)

    body = await viewer.gate.run(make)
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".fits", ".fit")) else name
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in stem) or "catalogue"
    return Response(
        body,
        media_type=CATALOGUE_MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{safe}.{CATALOGUE_SUFFIX[format]}"'
        },
    )
