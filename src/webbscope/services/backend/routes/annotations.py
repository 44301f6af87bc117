"""`/api/records/{id}/regions` and `/api/records/{id}/annotations`: each user's own regions
and annotations on a record they may read (access as for the viewer), saved per record.

Regions are checked (shape, sizes, polygons with 3+ vertices that do not cross) and can be
exported to and imported from DS9 files (the engine converts through the record's WCS).
Annotations (text, arrow, circle, ruler, compass) are anchored on the sky when the record has
a WCS: `?nearby=true` adds the caller's annotations on other records of the same field, with
their points converted to this record's pixels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from webbscope.analysis import pixel_region
from webbscope.db import Document
from webbscope.db.annotations import AnnotationsRepo
from webbscope.services.backend.deps import CurrentUser, DbDep, Records
from webbscope.services.backend.fair_share import fair_share
from webbscope.services.backend.viewer_access import viewable
from webbscope.services.common.analysis_schemas import Ds9ImportOut, RegionIn
from webbscope.services.common.client import ServiceClient

router = APIRouter(prefix="/api/records/{record_id}", tags=["annotations"])

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


async def get_repo(db: DbDep) -> AnnotationsRepo:
    return AnnotationsRepo(db)


Repo = Annotated[AnnotationsRepo, Depends(get_repo)]


class SavedRegionIn(BaseModel):
    region: RegionIn
    label: str | None = Field(None, max_length=200)
    color: Colour = "#4fc3f7"


class SavedRegionPatch(BaseModel):
    region: RegionIn | None = None
    label: str | None = Field(None, max_length=200)
    color: Colour | None = None


class SavedRegionOut(BaseModel):
    id: str
    record_id: str
    region: dict[str, Any]
    label: str | None
    color: str
    created_at: datetime
    updated_at: datetime


class RegionList(BaseModel):
    items: list[SavedRegionOut]


AnnotationType = Literal["text", "arrow", "circle", "ruler", "compass"]


class AnnotationIn(BaseModel):
    """Points are 0-based pixels of this record: text and compass take one point (where they
    stand), arrow and ruler two (from, to), circle its centre and `radius` (pixels)."""

    type: AnnotationType
    points: list[tuple[float, float]] = Field(min_length=1, max_length=2)
    text: str | None = Field(None, max_length=500)
    radius: float | None = Field(None, gt=0, le=1_000_000)
    color: Colour = "#ffcf5c"
    ext: str = Field("SCI", max_length=70)


class AnnotationPatch(BaseModel):
    points: list[tuple[float, float]] | None = Field(None, min_length=1, max_length=2)
    text: str | None = Field(None, max_length=500)
    radius: float | None = Field(None, gt=0, le=1_000_000)
    color: Colour | None = None


class AnnotationOut(BaseModel):
    id: str
    record_id: str
    type: AnnotationType
    points: list[tuple[float, float] | None] = Field(description="in this record's pixels")
    sky: list[tuple[float, float]] | None = Field(description="(ra, dec) degrees, if any")
    text: str | None
    radius: float | None
    radius_arcsec: float | None
    color: str
    length_arcsec: float | None = Field(description="rulers: the length on the sky")
    elsewhere: bool = Field(False, description="made on another record of the same field")
    created_at: datetime
    updated_at: datetime


class AnnotationList(BaseModel):
    items: list[AnnotationOut]


def _check_region(region: RegionIn) -> dict[str, Any]:
    spec = region.spec()
    if spec.get("frame", "image") in ("image", "pixel"):
        pixel_region(spec)  # 422 for a bad shape before anything is saved
    return spec


def _region_out(doc: Document) -> SavedRegionOut:
    return SavedRegionOut(**doc)


# -- regions ----------------------------------------------------------------------------------


@router.get("/regions", response_model=RegionList, summary="Your regions on this record")
async def list_regions(
    request: Request, record_id: str, user: CurrentUser, records: Records, repo: Repo
) -> RegionList:
    await viewable(request, records, record_id, user)
    return RegionList(
        items=[_region_out(d) for d in await repo.items(user.id, record_id, "region")]
    )


@router.post(
    "/regions",
    response_model=SavedRegionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Save a region (422 for a polygon with fewer than 3 vertices or one that crosses "
    "itself)",
)
async def create_region(
    request: Request,
    record_id: str,
    body: SavedRegionIn,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> SavedRegionOut:
    await viewable(request, records, record_id, user)
    spec = _check_region(body.region)
    doc = await repo.create(
        user.id, record_id, "region", {"region": spec, "label": body.label, "color": body.color}
    )
    return _region_out(doc)


@router.patch("/regions/{region_id}", response_model=SavedRegionOut, summary="Change a region")
async def update_region(
    request: Request,
    record_id: str,
    region_id: str,
    body: SavedRegionPatch,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> SavedRegionOut:
    await viewable(request, records, record_id, user)
    fields: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"region"})
    if body.region is not None:
        fields["region"] = _check_region(body.region)
    return _region_out(await repo.update(user.id, record_id, "region", region_id, fields))


@router.delete(
    "/regions/{region_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a region"
)
async def delete_region(
    request: Request,
    record_id: str,
    region_id: str,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> Response:
    await viewable(request, records, record_id, user)
    await repo.delete(user.id, record_id, "region", region_id)
    return Response(status_code=204)


@router.get(
    "/regions.reg",
    summary="Your regions on this record as a DS9 file (sky coordinates when it has a WCS)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    dependencies=[Depends(fair_share)],
)
async def export_ds9(
    request: Request,
    record_id: str,
    user: CurrentUser,
    records: Records,
    repo: Repo,
    ext: Annotated[str, Query(max_length=70)] = "SCI",
    annotations: Annotated[bool, Query(description="include circles and text notes")] = True,
) -> Response:
    doc = await viewable(request, records, record_id, user)
    saved = await repo.items(user.id, record_id, "region")
    specs = [d["region"] for d in saved]
    labels = [d.get("label") for d in saved]
    if annotations:
        for a in await repo.items(user.id, record_id, "annotation"):
            x, y = a["points"][0]
            if a["type"] == "circle" and a.get("radius"):
                specs.append({"shape": "circle", "x": x, "y": y, "r": a["radius"]})
                labels.append(a.get("text"))
            elif a["type"] == "text":
                specs.append({"shape": "point", "x": x, "y": y})
                labels.append(a.get("text"))
    engine: ServiceClient = request.app.state.engine
    resp = await engine.request(
        "POST",
        f"/internal/images/{doc['sha256']}/regions/ds9",
        params={"key": doc["storage_key"], "file_size": str(doc["size"])},
        json={"regions": specs, "labels": labels, "ext": ext},
    )
    headers = {"Content-Disposition": f'attachment; filename="{record_id}.reg"'}
    return Response(
        resp.content, status_code=resp.status_code, media_type="text/plain", headers=headers
    )


class Ds9Upload(BaseModel):
    text: str = Field(max_length=2 * 1024 * 1024)
    ext: str = Field("SCI", max_length=70)


@router.post(
    "/regions.reg",
    response_model=RegionList,
    status_code=status.HTTP_201_CREATED,
    summary="Import a DS9 region file as your regions on this record",
    dependencies=[Depends(fair_share)],
)
async def import_ds9(
    request: Request,
    record_id: str,
    body: Ds9Upload,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> RegionList:
    doc = await viewable(request, records, record_id, user)
    engine: ServiceClient = request.app.state.engine
    found = Ds9ImportOut(
        **await engine.call(
            "POST",
            f"/internal/images/{doc['sha256']}/regions/ds9/parse",
            params={"key": doc["storage_key"], "file_size": str(doc["size"])},
            json=body.model_dump(mode="json"),
        )
    )
    bodies = []
    for spec in found.regions:
        label = spec.pop("label", None)
        bodies.append({"region": spec, "label": label, "color": "#4fc3f7"})
    saved = await repo.create_many(user.id, record_id, "region", bodies)
    return RegionList(items=[_region_out(d) for d in saved])


# -- annotations ------------------------------------------------------------------------------


async def _engine_points(
    request: Request, doc: Document, path: str, points: list[Any], ext: str
) -> list[Any]:
    if not points:
        return []
    engine: ServiceClient = request.app.state.engine
    found = await engine.call(
        "POST",
        f"/internal/images/{doc['sha256']}{path}",
        params={"key": doc["storage_key"], "file_size": str(doc["size"]), "ext": ext},
        json={"points": points, "ext": ext} if path == "/world2pix" else {"points": points},
    )
    if path == "/world2pix":
        return list(found["points"])
    return [None if p["ra"] is None else (float(p["ra"]), float(p["dec"])) for p in found["items"]]


def _sep_arcsec(a: tuple[float, float], b: tuple[float, float]) -> float:
    from webbscope.db.annotations import angular_distance

    return angular_distance(a[0], a[1], b[0], b[1]) * 3600


async def _anchored(
    request: Request, doc: Document, body: dict[str, Any], ext: str
) -> dict[str, Any]:
    """The annotation with its sky positions, anchor, ruler length and radius in arcsec."""
    points = [list(p) for p in body["points"]]
    sky: list[Any] = []
    try:
        sky = await _engine_points(request, doc, "/pixels", points, ext)
    except Exception:  # no WCS, or not an image: the annotation stays in pixels
        sky = []
    out = dict(body)
    out["points"] = [tuple(p) for p in points]
    if sky and all(s is not None for s in sky):
        out["sky"] = sky
        out["anchor"] = {"ra": sky[0][0], "dec": sky[0][1]}
        if len(sky) == 2:
            out["length_arcsec"] = _sep_arcsec(sky[0], sky[1])
        if body.get("radius"):
            edge = await _engine_points(
                request, doc, "/pixels", [[points[0][0] + body["radius"], points[0][1]]], ext
            )
            if edge and edge[0] is not None:
                out["radius_arcsec"] = _sep_arcsec(sky[0], edge[0])
    else:
        out["sky"] = None
        out["anchor"] = None
        if len(points) == 2:
            out["length_arcsec"] = None
    return out


def _annotation_out(doc: Document, elsewhere: bool = False) -> AnnotationOut:
    fields = {k: doc.get(k) for k in AnnotationOut.model_fields if k != "elsewhere"}
    return AnnotationOut(**fields, elsewhere=elsewhere)


@router.get(
    "/annotations",
    response_model=AnnotationList,
    summary="Your annotations on this record; `nearby=true` adds those you made on other "
    "records of the same field (their points in this record's pixels)",
)
async def list_annotations(
    request: Request,
    record_id: str,
    user: CurrentUser,
    records: Records,
    repo: Repo,
    nearby: bool = False,
    ext: Annotated[str, Query(max_length=70)] = "SCI",
) -> AnnotationList:
    doc = await viewable(request, records, record_id, user)
    items = [_annotation_out(d) for d in await repo.items(user.id, record_id, "annotation")]
    sky = doc.get("sky")
    if nearby and sky:
        others = await repo.near(
            user.id, float(sky["ra"]), float(sky["dec"]), float(sky["radius"]),
            exclude_record=record_id,
        )  # fmt: skip
        flat = [p for o in others for p in (o.get("sky") or [])]
        try:
            pix = await _engine_points(request, doc, "/world2pix", flat, ext)
        except Exception:
            pix = []
        if len(pix) == len(flat):
            i = 0
            for o in others:
                n = len(o.get("sky") or [])
                o = dict(o)
                o["points"] = pix[i : i + n]
                i += n
                items.append(_annotation_out(o, elsewhere=True))
    return AnnotationList(items=items)


@router.post(
    "/annotations",
    response_model=AnnotationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Save an annotation (anchored on the sky when the record has a WCS)",
)
async def create_annotation(
    request: Request,
    record_id: str,
    body: AnnotationIn,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> AnnotationOut:
    doc = await viewable(request, records, record_id, user)
    fields = body.model_dump(exclude={"ext"})
    if body.type in ("arrow", "ruler") and len(body.points) != 2:
        from webbscope.errors import Unprocessable

        raise Unprocessable(f"a {body.type} needs two points", code="invalid_annotation")
    if body.type == "circle" and body.radius is None:
        from webbscope.errors import Unprocessable

        raise Unprocessable("a circle needs a radius", code="invalid_annotation")
    saved = await repo.create(
        user.id, record_id, "annotation", await _anchored(request, doc, fields, body.ext)
    )
    return _annotation_out(saved)


@router.patch(
    "/annotations/{annotation_id}", response_model=AnnotationOut, summary="Change an annotation"
)
async def update_annotation(
    request: Request,
    record_id: str,
    annotation_id: str,
    body: AnnotationPatch,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> AnnotationOut:
    doc = await viewable(request, records, record_id, user)
    fields = body.model_dump(exclude_unset=True)
    if "points" in fields or "radius" in fields:
        current = next(
            (
                a
                for a in await repo.items(user.id, record_id, "annotation")
                if a["id"] == annotation_id
            ),
            None,
        )
        if current is not None:
            merged = {"points": current["points"], "radius": current.get("radius"), **fields}
            fields.update(await _anchored(request, doc, merged, "SCI"))
    return _annotation_out(
        await repo.update(user.id, record_id, "annotation", annotation_id, fields)
    )


@router.delete(
    "/annotations/{annotation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an annotation",
)
async def delete_annotation(
    request: Request,
    record_id: str,
    annotation_id: str,
    user: CurrentUser,
    records: Records,
    repo: Repo,
) -> Response:
    await viewable(request, records, record_id, user)
    await repo.delete(user.id, record_id, "annotation", annotation_id)
    return Response(status_code=204)
