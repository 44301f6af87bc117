"""`/api/composites`: colour composites from library records.

A composite is its canonical recipe; its id is the recipe's hash (the same recipe gives the
same id). Access follows the records' rule for products (`readable_inputs`): only a caller
who may read every input may see a composite; anyone else gets 404 naming nothing. Bad input
is refused (4xx) before anything is saved: the engine checks the recipe against the inputs
(WCS, overlap, cube slices, output size) first.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from webbscope.caches import TTLCache
from webbscope.composites.presets import LOOKS
from webbscope.composites.recipe import (
    FILTER_SETS,
    SIZE_PRESETS,
    RecipeIn,
    canonical_recipe,
    check_recipe,
    recipe_id,
    record_ids,
)
from webbscope.db import Document
from webbscope.db.composites import CompositesRepo
from webbscope.domain.users import User
from webbscope.errors import NotFound
from webbscope.jobs import JobQueue
from webbscope.services.backend.access import product_inputs, readable_inputs
from webbscope.services.backend.composite_schemas import (
    CompositeOut,
    CompositePage,
    EstimateOut,
    PresetIn,
    PresetOut,
    PresetsOut,
    RenderOut,
    RenderRequest,
)
from webbscope.services.backend.deps import CurrentUser, DbDep, Records, SettingsDep, StorageDep
from webbscope.services.backend.fair_share import fair_share
from webbscope.services.backend.streaming import stream_object
from webbscope.services.backend.viewer_access import ViewerCaller
from webbscope.services.common.client import ServiceClient

router = APIRouter(prefix="/api/composites", tags=["composites"])
ENGINE = "/internal/composites"


async def _resolve(
    recipe: RecipeIn, records: Records, caller: User
) -> tuple[dict[str, Any], list[Document]]:
    """The canonical recipe and its input records (404 for a record the caller may not read)."""
    check_recipe(recipe)
    ids = record_ids(recipe)
    docs = await readable_inputs(records, ids, caller)
    if docs is None:
        for rid in ids:  # name the caller's own unreadable id, as GET /api/records/{id} would
            if await readable_inputs(records, [rid], caller) is None:
                raise NotFound(f"record {rid} not found", code="record_not_found")
        raise NotFound("record not found", code="record_not_found")
    by_id = {str(d["_id"]): d for d in docs}
    canonical = canonical_recipe(recipe, {rid: by_id[rid]["sha256"] for rid in ids})
    return canonical, [by_id[rid] for rid in ids]


def _engine(request: Request) -> ServiceClient:
    engine: ServiceClient = request.app.state.engine
    return engine


def _out(doc: Document, caller: User | None) -> CompositeOut:
    plan = doc["plan"]
    names = doc.get("names") or {}
    name = names.get(caller.id) if caller else None
    return CompositeOut(
        id=doc["_id"],
        url=f"/composites/{doc['_id']}",
        name=name or next((n for n in names.values() if n), None),
        created_at=doc["created_at"],
        width=plan["width"],
        height=plan["height"],
        levels=plan["levels"],
        tile_size=plan["tile_size"],
        pixel_scale_arcsec=plan.get("pixel_scale_arcsec"),
        wcs=plan.get("wcs") or {},
        recipe=doc["recipe"],
        channels=plan["channels"],
        luminance=plan.get("luminance"),
        estimate=plan["estimate"],
        record_id=doc.get("record_id"),
        renders=[RenderOut.model_validate(r) for r in doc.get("renders", [])],
    )


def _cache(request: Request) -> TTLCache[str, Document]:
    cache: TTLCache[str, Document] | None = getattr(request.app.state, "composite_docs", None)
    if cache is None:
        cache = TTLCache(max(1.0, request.app.state.settings.viewer_access_cache_s), 1000)
        request.app.state.composite_docs = cache
    return cache


async def readable_composite(
    request: Request, composite_id: str, records: Records, caller: User | None
) -> tuple[Document, list[Document]]:
    """The composite and its inputs if the caller may read every input; else 404."""
    cache = _cache(request)
    doc = cache.get(composite_id)
    if doc is None:
        doc = await CompositesRepo(request.app.state.parts.db).find(composite_id)
        if doc is not None:
            cache.set(composite_id, doc)
    docs = await readable_inputs(records, list(doc["input_ids"]), caller) if doc else None
    if doc is None or docs is None:
        raise NotFound(f"composite {composite_id} not found", code="composite_not_found")
    return doc, docs


CompositeId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="the recipe's hash")]


def _engine_body(recipe: Any, docs: list[Document]) -> dict[str, Any]:
    """What the engine renders a composite from: its recipe and its inputs' files."""
    return {"recipe": recipe, "inputs": product_inputs(docs, with_filter=True)}


@router.post(
    "/estimate",
    response_model=EstimateOut,
    summary="Size, memory, time and ok/warn/fail",
    dependencies=[Depends(fair_share)],
)
async def estimate(
    body: RecipeIn, request: Request, caller: CurrentUser, records: Records
) -> EstimateOut:
    canonical, docs = await _resolve(body, records, caller)
    plan = await _engine(request).call(
        "POST",
        f"{ENGINE}/plan",
        params={"estimate_only": "true"},
        json=_engine_body(canonical, docs),
    )
    return EstimateOut.model_validate(plan["estimate"])


@router.post(
    "",
    response_model=CompositeOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a composite from a recipe (the same recipe answers the same id)",
    dependencies=[Depends(fair_share)],
)
async def create(
    body: RecipeIn, request: Request, caller: CurrentUser, records: Records, db: DbDep
) -> JSONResponse:
    canonical, docs = await _resolve(body, records, caller)
    plan = await _engine(request).call(
        "POST",
        f"{ENGINE}/plan",
        json=_engine_body(canonical, docs),
    )
    cid = recipe_id(canonical)
    doc, created = await CompositesRepo(db).save(
        cid,
        recipe=canonical,
        creator=caller.id,
        input_ids=[str(d["_id"]) for d in docs],
        plan=plan,
        name=body.name,
    )
    out = _out(doc, caller).model_dump(mode="json")
    return JSONResponse(out, status_code=201 if created else 200)


@router.get("", response_model=CompositePage, summary="The composites you made")
async def list_composites(caller: CurrentUser, records: Records, db: DbDep) -> CompositePage:
    items = []
    for doc in await CompositesRepo(db).list_for(caller.id):
        if await readable_inputs(records, list(doc["input_ids"]), caller) is not None:
            items.append(_out(doc, caller))
    return CompositePage(items=items, total=len(items))


@router.get("/presets", response_model=PresetsOut, summary="Built-in looks, filter sets, yours")
async def presets(caller: CurrentUser, db: DbDep) -> PresetsOut:
    mine = await CompositesRepo(db).user_presets(caller.id)
    return PresetsOut(
        looks=[
            PresetOut(name=n, builtin=True, description=d, preset=p) for n, (d, p) in LOOKS.items()
        ],
        filter_sets={k: list(v) for k, v in FILTER_SETS.items()},
        size_presets={k: list(v) for k, v in SIZE_PRESETS.items()},
        user=[PresetOut(name=d["name"], builtin=False, preset=d["preset"]) for d in mine],
    )


@router.put("/presets", response_model=PresetOut, summary="Save (or replace) a preset of yours")
async def save_preset(body: PresetIn, caller: CurrentUser, db: DbDep) -> PresetOut:
    doc = await CompositesRepo(db).save_preset(caller.id, body.name, body.preset)
    return PresetOut(name=doc["name"], builtin=False, preset=doc["preset"])


@router.delete("/presets/{name}", status_code=204, summary="Delete a preset of yours")
async def delete_preset(name: str, caller: CurrentUser, db: DbDep) -> Response:
    if not await CompositesRepo(db).delete_preset(caller.id, name):
        raise NotFound(f"no preset named {name!r}", code="preset_not_found")
    return Response(status_code=204)


@router.get("/{composite_id}", response_model=CompositeOut, summary="One composite")
async def get_composite(
    composite_id: CompositeId, request: Request, caller: ViewerCaller, records: Records
) -> CompositeOut:
    await readable_composite(request, composite_id, records, caller)
    return _out(await CompositesRepo(request.app.state.parts.db).get(composite_id), caller)


@router.get(
    "/{composite_id}/preview.{fmt}",
    summary="A preview at most `width` pixels wide",
    response_class=Response,
    responses={200: {"content": {t: {} for t in ("image/png", "image/jpeg", "image/webp")}}},
    dependencies=[Depends(fair_share)],
)
async def preview(
    composite_id: CompositeId,
    fmt: Annotated[Literal["png", "jpg", "jpeg", "webp"], Path()],
    request: Request,
    caller: ViewerCaller,
    records: Records,
    width: Annotated[int, Query(ge=16, le=8192)] = 1024,
) -> Response:
    doc, docs = await readable_composite(request, composite_id, records, caller)
    body = _engine_body(doc["recipe"], docs)
    return await _engine(request).forward(
        "POST",
        f"{ENGINE}/preview",
        params={"width": width, "format": fmt},
        json=body,
        pass_headers=("content-type", "cache-control", "x-image-width", "x-image-height"),
    )


@router.get(
    "/{composite_id}/rgb/{level}/{x}/{y}.png",
    summary="A tile of the finished composite as an RGB PNG, on the same 256-pixel pyramid as "
    "the channel tiles (the builder's 2-D fallback without WebGL2)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def rgb_tile(
    composite_id: CompositeId,
    request: Request,
    caller: ViewerCaller,
    records: Records,
    level: Annotated[int, Path(ge=0, le=40)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    doc, docs = await readable_composite(request, composite_id, records, caller)
    body = _engine_body(doc["recipe"], docs)
    return await _engine(request).forward(
        "POST",
        f"{ENGINE}/rgb/{level}/{x}/{y}.png",
        json=body,
        pass_headers=("content-type", "cache-control"),
    )


@router.get(
    "/{composite_id}/tiles/{channel}/{level}/{x}/{y}.f16",
    summary="A channel's float16 tile on the composite's grid, for the live preview "
    "(8-byte header 'WF16', uint16 width, height, then little-endian rows, top first)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def channel_tile(
    composite_id: CompositeId,
    request: Request,
    caller: ViewerCaller,
    records: Records,
    channel: Annotated[int, Path(ge=-1, le=7)],
    level: Annotated[int, Path(ge=0, le=40)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    doc, docs = await readable_composite(request, composite_id, records, caller)
    body = _engine_body(doc["recipe"], docs)
    return await _engine(request).forward(
        "POST",
        f"{ENGINE}/tiles/{channel}/{level}/{x}/{y}.f16",
        json=body,
        pass_headers=("content-type", "cache-control"),
    )


@router.post(
    "/{composite_id}/render",
    response_model=RenderOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Render at full resolution (a `composite` job): PNG, JPEG, TIFF, RGB FITS",
)
async def render(
    composite_id: CompositeId,
    body: RenderRequest,
    request: Request,
    caller: CurrentUser,
    records: Records,
    db: DbDep,
    settings: SettingsDep,
) -> RenderOut:
    await readable_composite(request, composite_id, records, caller)
    job = await JobQueue(db, settings.job_limits).enqueue(
        "composite",
        caller.id,
        {"composite_id": composite_id, "formats": list(body.formats), "bits": body.bits},
        compute=True,
    )
    return RenderOut(job_id=job.id, formats=list(body.formats), bits=body.bits)


@router.get(
    "/{composite_id}/download.{fmt}",
    summary="A file of the composite's last full-resolution render",
    response_class=Response,
    responses={
        200: {
            "content": {
                t: {} for t in ("image/png", "image/jpeg", "image/tiff", "application/fits")
            }
        }
    },
)
async def download(
    composite_id: CompositeId,
    fmt: Annotated[Literal["png", "jpeg", "tiff", "fits"], Path()],
    request: Request,
    caller: ViewerCaller,
    records: Records,
    storage: StorageDep,
) -> Response:
    await readable_composite(request, composite_id, records, caller)
    fresh = await CompositesRepo(request.app.state.parts.db).get(composite_id)
    keys = next((r["keys"] for r in reversed(fresh.get("renders", [])) if fmt in r["keys"]), None)
    if keys is None:
        raise NotFound(f"no {fmt} render of this composite yet", code="render_not_found")
    key = keys[fmt]
    size = await asyncio.to_thread(storage.size, key)
    media = {
        "png": "image/png",
        "jpeg": "image/jpeg",
        "tiff": "image/tiff",
        "fits": "application/fits",
    }
    return stream_object(
        storage,
        key,
        size,
        range_header=None,
        media_type=media[fmt],
        etag=f"{composite_id}-{fmt}",
        file_name=key.rsplit("/", 1)[-1],
    )
