"""`/api/records/{id}/...` for analysis: region statistics and spectra, contours, tables,
1-D spectra, header search, catalogues, and the `detect` job; `/api/lines` for the line list.

Access is checked as for the viewer (`viewer_access.viewable`: anonymous callers see public
records, another user's private record is 404); then the engine answers, naming the file by
its storage key and sha256, and its answer is passed back unchanged (`engine_proxy`).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from webbscope.analysis import MAX_LEVELS, shifted_lines
from webbscope.domain.jobs import Job
from webbscope.jobs import JobQueue
from webbscope.services.backend.deps import CurrentUser, DbDep, Records, SettingsDep
from webbscope.services.backend.engine_proxy import forward
from webbscope.services.backend.fair_share import fair_share
from webbscope.services.backend.viewer_access import ViewerCaller, viewable
from webbscope.services.common.analysis_schemas import (
    CatalogueOut,
    ContoursOut,
    DetectRequest,
    HdusOut,
    HeaderSearchOut,
    LineOut,
    LinesOut,
    PixelPointsOut,
    RegionSpectrumOut,
    RegionSpectrumRequest,
    RegionStatsOut,
    Spectrum1DOut,
    StatsRequest,
    TablePageOut,
    WorldPointsRequest,
)
from webbscope.services.common.client import ServiceClient

router = APIRouter(
    prefix="/api/records/{record_id}", tags=["analysis"], dependencies=[Depends(fair_share)]
)
lines_router = APIRouter(prefix="/api", tags=["analysis"])

Ext = Annotated[str, Query(max_length=70)]
CONTOUR_PARAMS = frozenset(
    {"ext", "slice", "levels", "mode", "n", "low", "high", "max_points", "on_ext"}
)
TABLE_PARAMS = frozenset({"page", "page_size", "sort", "order", "q"})


@router.post(
    "/regions/stats",
    response_model=RegionStatsOut,
    summary="Statistics in a region: counts, sum, mean, median, std, min, max, percentiles, "
    "area (arcsec²) and, for MJy/sr data, the flux density in Jy. Partial pixels are weighted "
    "by their exact overlap (as photutils' ApertureStats); 422 `region_outside` (with the "
    "image's bounds) for a region that misses the image",
)
async def region_stats(
    request: Request, record_id: str, caller: ViewerCaller, records: Records, body: StatsRequest
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(
        request, doc, "/regions/stats", method="POST", json=body.model_dump(mode="json")
    )


@router.post(
    "/regions/spectrum",
    response_model=RegionSpectrumOut,
    summary="A cube's spectrum summed (or averaged) over a region",
)
async def region_spectrum(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    body: RegionSpectrumRequest,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(
        request, doc, "/regions/spectrum", method="POST", json=body.model_dump(mode="json")
    )


@router.get(
    "/contours",
    response_model=ContoursOut,
    summary="Contour lines (marching squares) as sky polylines and pixels: `levels=1,2,5` "
    "(custom), or `mode=linear|log` with `n`, `low`, `high`; `on=<record id>` gives the "
    f"pixels of another record, aligned by WCS. At most {MAX_LEVELS} levels",
)
async def contours(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    ext: Ext = "SCI",
    slice: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    levels: Annotated[str | None, Query(max_length=2000, description="comma separated")] = None,
    mode: Literal["linear", "log", "custom"] | None = None,
    n: Annotated[int, Query(ge=1, le=MAX_LEVELS)] = 10,
    low: float | None = None,
    high: float | None = None,
    max_points: Annotated[int, Query(ge=100, le=2_000_000)] = 500_000,
    on: Annotated[str | None, Query(description="draw on this record (aligned by WCS)")] = None,
    on_ext: Ext = "SCI",
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    extra: list[tuple[str, str]] = []
    if on and on != record_id:
        other = await viewable(request, records, on, caller)
        extra = [
            ("on_sha", other["sha256"]),
            ("on_key", other["storage_key"]),
            ("on_size", str(other["size"])),
        ]
    return await forward(request, doc, "/contours", names=CONTOUR_PARAMS, extra=extra)


@router.post(
    "/world2pix",
    response_model=PixelPointsOut,
    summary="Sky positions (ra, dec degrees) to this record's 0-based pixels (for aligning "
    "records by WCS)",
)
async def world2pix(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    body: WorldPointsRequest,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(
        request, doc, "/world2pix", method="POST", json=body.model_dump(mode="json")
    )


@router.get("/hdus", response_model=HdusOut, summary="Every HDU: images, tables, spectra")
async def hdus(
    request: Request, record_id: str, caller: ViewerCaller, records: Records
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(request, doc, "/hdus", names=frozenset())


@router.get(
    "/tables/{hdu}",
    response_model=TablePageOut,
    summary="A page of a table HDU (1-based `page`), sortable and searchable, with units and "
    "descriptions; 422 `page_out_of_range` past the last page",
)
async def table(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    hdu: Annotated[str, Path(max_length=70, description="index or EXTNAME")],
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
    sort: Annotated[str | None, Query(max_length=70)] = None,
    order: Literal["asc", "desc"] = "asc",
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(request, doc, f"/tables/{hdu}", names=TABLE_PARAMS)


@router.get(
    "/headers/search", response_model=HeaderSearchOut, summary="Search the cards of every HDU"
)
async def header_search(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    q: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(request, doc, "/headers/search", names=frozenset({"q"}))


@router.get(
    "/spectrum1d",
    response_model=Spectrum1DOut,
    summary="A 1-D spectrum (x1d): wavelength (µm), flux and its error, with units",
)
async def spectrum1d(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    hdu: Annotated[str | None, Query(max_length=70)] = None,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(request, doc, "/spectrum1d", names=frozenset({"hdu"}))


@router.get("/catalogue", response_model=CatalogueOut, summary="Every source of a catalogue record")
async def catalogue(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    hdu: Annotated[str | None, Query(max_length=70)] = None,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(request, doc, "/catalogue", names=frozenset({"hdu"}))


@router.get(
    "/catalogue/export",
    summary="A catalogue record as CSV, ECSV, VOTable or DS9 regions",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/x-votable+xml": {}}}},
)
async def catalogue_export(
    request: Request,
    record_id: str,
    caller: ViewerCaller,
    records: Records,
    format: Literal["csv", "ecsv", "votable", "ds9"] = "csv",
    hdu: Annotated[str | None, Query(max_length=70)] = None,
) -> Response:
    doc = await viewable(request, records, record_id, caller)
    return await forward(
        request,
        doc,
        "/catalogue/export",
        names=frozenset({"format", "hdu"}),
        extra=[("name", str(doc["file_name"]))],
    )


@router.post(
    "/detect",
    response_model=Job,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Detect sources (a `detect` job): the catalogue becomes a derived record. 422 "
    "for a HDU that is not an image or a region that misses it",
)
async def detect(
    request: Request,
    record_id: str,
    body: DetectRequest,
    user: CurrentUser,
    records: Records,
    db: DbDep,
    settings: SettingsDep,
) -> Job:
    doc = await viewable(request, records, record_id, user)
    engine: ServiceClient = request.app.state.engine
    await engine.call(
        "POST",
        f"/internal/images/{doc['sha256']}/detect/check",
        params={"key": doc["storage_key"], "file_size": str(doc["size"])},
        json=body.model_dump(mode="json"),
    )
    queue = JobQueue(db, settings.job_limits)
    params = body.model_dump(mode="json")
    return await queue.enqueue(
        "detect",
        user.id,
        {
            "record_id": record_id,
            "file_name": doc["file_name"],
            "ext": body.ext,
            "slice": body.slice,
            # As JSON text: the development database stores no arrays nested in arrays.
            "region": None if body.region is None else json.dumps(body.region.spec()),
            "params": params["params"],
        },
        compute=True,
    )


@lines_router.get(
    "/lines",
    response_model=LinesOut,
    summary="The line list shipped with Webbscope, shifted to redshift z (µm)",
)
async def lines(
    z: Annotated[float, Query(gt=-0.99, lt=30)] = 0.0,
    low: Annotated[float | None, Query(ge=0)] = None,
    high: Annotated[float | None, Query(ge=0)] = None,
) -> LinesOut:
    found = shifted_lines(z, low, high)
    return LinesOut(
        z=z,
        lines=[
            LineOut(name=line.name, rest=line.wavelength, observed=obs, kind=line.kind)
            for line, obs in found
        ],
    )
