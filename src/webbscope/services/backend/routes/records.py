"""`/api/records`: the library — list and filter, upload, read, change, delete, download,
headers, lineage and bulk actions. Another user's private record answers 404."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from webbscope.db import Document
from webbscope.db.records import to_record
from webbscope.domain.records import Source, Visibility
from webbscope.domain.users import User
from webbscope.errors import Forbidden, NotFound, Unprocessable, WebbscopeError
from webbscope.fits import FitsLimits
from webbscope.jobs import JobQueue
from webbscope.library.derived import ensure_thumbnail
from webbscope.library.ingest import add_file
from webbscope.library.query import RecordQuery, SortKey
from webbscope.library.quota import check_quota, check_user_quota
from webbscope.library.removal import delete_record as remove_record
from webbscope.services.backend.access import can_read, can_write, readable
from webbscope.services.backend.deps import (
    CurrentUser,
    DbDep,
    Library,
    Limiter,
    OptionalUser,
    Records,
    SettingsDep,
    StorageDep,
    Users,
)
from webbscope.services.backend.fair_share import fair_share
from webbscope.services.backend.query_params import Csv, split_csv
from webbscope.services.backend.schemas import (
    BulkAction,
    BulkItem,
    BulkRequest,
    BulkResult,
    HeadersOut,
    LineageGraph,
    LineageNode,
    RecordOut,
    RecordPage,
    RecordPatch,
    UploadItem,
    UploadResult,
)
from webbscope.services.backend.staging import staging_dir
from webbscope.services.backend.streaming import stream_object
from webbscope.services.backend.uploads import (
    check_file_name,
    discard,
    drain_refused,
    receive_files,
)
from webbscope.services.common.errors import ErrorBody
from webbscope.storage import UPLOADS_PREFIX, StorageFull
from webbscope.storage.space import check_reserve

router = APIRouter(prefix="/api/records", tags=["records"])


async def writable(records: Records, record_id: str, caller: User | None) -> Document:
    doc = await readable(records, record_id, caller)
    if not can_write(doc, caller):
        raise Forbidden("only the owner may change this record", code="not_owner")
    return doc


# -- list and upload -----------------------------------------------------------------------


@router.get(
    "",
    response_model=RecordPage,
    summary="List and filter the records you can see",
    dependencies=[Depends(fair_share)],
)
async def list_records(
    caller: OptionalUser,
    library: Library,
    q: Annotated[str | None, Query(max_length=200, description="free text")] = None,
    instrument: Csv = None,
    filter: Csv = None,
    target: Csv = None,
    program: Csv = None,
    processing_level: Csv = None,
    product_type: Csv = None,
    source: Csv = None,
    tags: Csv = None,
    visibility: Visibility | None = None,
    archived: Annotated[
        Literal["false", "true", "any"], Query(description="archived records: hidden by default")
    ] = "false",
    owner: Literal["me", "others", "any"] = "any",
    observed_after: datetime | None = None,
    observed_before: datetime | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    ra: Annotated[float | None, Query(ge=0, lt=360)] = None,
    dec: Annotated[float | None, Query(ge=-90, le=90)] = None,
    radius: Annotated[
        float | None, Query(gt=0, le=10, description="degrees; omit for 'footprint contains'")
    ] = None,
    sort: SortKey = "created_at",
    order: Literal["asc", "desc"] = "desc",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RecordPage:
    if (ra is None) != (dec is None):
        raise Unprocessable("give both ra and dec for a sky position", code="validation_error")
    if radius is not None and ra is None:
        raise Unprocessable("radius needs ra and dec", code="validation_error")
    query = RecordQuery(
        text=q,
        instrument=split_csv(instrument),
        filter=split_csv(filter),
        target=split_csv(target),
        program=split_csv(program),
        processing_level=split_csv(processing_level),
        product_type=split_csv(product_type),
        source=split_csv(source),
        tags=split_csv(tags),
        visibility=visibility,
        archived=None if archived == "any" else archived == "true",
        owner=owner,
        observed_after=observed_after,
        observed_before=observed_before,
        created_after=created_after,
        created_before=created_before,
        ra=ra,
        dec=dec,
        radius=radius,
        sort=sort,
        descending=order == "desc",
        offset=offset,
        limit=limit,
    )
    items, total = library.query(query, caller)
    return RecordPage.model_validate(
        {"items": items, "total": total, "offset": offset, "limit": limit}
    )


@router.post(
    "",
    response_model=UploadResult,
    status_code=status.HTTP_201_CREATED,
    summary="Upload FITS files (multipart, parts named 'files'); all or nothing",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            }
                        },
                    }
                }
            },
        }
    },
)
async def upload(
    request: Request,
    caller: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> JSONResponse:
    queue = JobQueue(db, settings.job_limits)
    # Every new record gets a thumbnail job: like any request that adds jobs, an upload is
    # refused at JOBS_MAX_ACTIVE_PER_USER, before anything is stored.
    await queue.check_active(caller.id)
    length = request.headers.get("content-length", "")
    try:  # refused before the disk is full (MIN_FREE_DISK_BYTES)
        await asyncio.to_thread(
            check_reserve,
            settings.data_dir,
            settings.min_free_disk_bytes,
            int(length) if length.isdigit() else 0,
        )
    except StorageFull:
        await drain_refused(request, settings.upload_drain_bytes)
        raise
    # The quota, before the body is read (by its declared length) and after (by what arrived).
    used = await check_user_quota(db, settings, caller.id, int(length) if length.isdigit() else 0)
    staged = await receive_files(
        request,
        staging_dir(settings.data_dir),
        settings.max_upload_bytes,
        drain_bytes=settings.upload_drain_bytes,
    )
    try:
        check_quota(used, sum(f.size for f in staged), settings.user_quota_bytes)
    except BaseException:
        discard(staged)
        raise
    limits = FitsLimits.from_settings(settings)
    results: list[UploadItem] = []
    created_ids: list[str] = []
    try:
        for f in staged:
            added = await add_file(
                db,
                storage,
                owner=caller,
                path=f.path,
                file_name=f.file_name,
                size=f.size,
                sha256=f.sha256,
                key=f"{UPLOADS_PREFIX}{caller.id}/{f.sha256}.fits",
                source=Source.upload,
                limits=limits,
            )
            if added.created:
                created_ids.append(added.record.id)
            results.append(UploadItem(record=RecordOut.of(added.record), created=added.created))
    except BaseException:
        # All or nothing: the files of this request already recorded are removed again.
        for rid in created_ids:
            await _delete_record(rid, db, storage)
        await request.app.state.library.refresh(*created_ids)
        raise
    finally:
        discard(staged)
    await request.app.state.library.refresh(*created_ids)
    for rid in created_ids:  # thumbnails are produced by the engine's workers
        # Checked above: a thumbnail of an accepted file is counted, never refused.
        await queue.enqueue(
            "thumbnail", caller.id, {"record_id": rid}, compute=True, check_limits=False
        )
    for item in results:
        if not item.created:  # a file already recorded: its thumbnail may have been stranded
            await ensure_thumbnail(db, queue, item.record.id)
    body = UploadResult(items=results).model_dump(mode="json")
    code = status.HTTP_201_CREATED if created_ids else status.HTTP_200_OK
    return JSONResponse(body, status_code=code)


# -- one record ------------------------------------------------------------------------------


@router.get("/{record_id}", response_model=RecordOut, summary="One record")
async def get_record(record_id: str, caller: OptionalUser, records: Records) -> RecordOut:
    return RecordOut.of(to_record(await readable(records, record_id, caller)))


@router.patch("/{record_id}", response_model=RecordOut, summary="Change a record (owner)")
async def patch_record(
    record_id: str,
    body: RecordPatch,
    caller: CurrentUser,
    records: Records,
    users: Users,
    library: Library,
    limiter: Limiter,
    settings: SettingsDep,
) -> RecordOut:
    await writable(records, record_id, caller)
    changes = body.model_dump(exclude_unset=True)
    if "file_name" in changes:
        check_file_name(changes["file_name"])
    if body.shared_with is not None:
        await limiter.hit("account_lookup", caller.id, settings.account_lookup_rate_per_minute)
        changes.update(await _share_fields(body.shared_with, users))
        changes.setdefault("visibility", Visibility.shared)
    if "visibility" in changes:
        changes["visibility"] = Visibility(changes["visibility"]).value
    updated = await records.update(record_id, changes)
    await library.refresh(record_id)
    return RecordOut.of(updated)


async def _may_write_any(records: Records, ids: list[str], caller: User) -> bool:
    for rid in dict.fromkeys(ids):
        try:
            await writable(records, rid, caller)
            return True
        except WebbscopeError:
            continue
    return False


async def _share_fields(usernames: list[str], users: Users) -> Document:
    ids, names = [], []
    for name in dict.fromkeys(usernames):
        user = await users.find_by_username(name)
        if user is None:
            raise Unprocessable(f"no user named {name!r}", code="unknown_user")
        ids.append(user.id)
        names.append(user.username)
    return {"shared_with": names, "shared_with_ids": ids}


@router.delete(
    "/{record_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a record and its stored file (owner)",
)
async def delete_record(
    record_id: str,
    caller: CurrentUser,
    records: Records,
    db: DbDep,
    storage: StorageDep,
    library: Library,
) -> Response:
    await writable(records, record_id, caller)
    await _delete_record(record_id, db, storage)
    await library.refresh(record_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _delete_record(record_id: str, db: DbDep, storage: StorageDep) -> None:
    await remove_record(db, storage, record_id)


@router.get(
    "/{record_id}/download",
    summary="The file, streamed; supports HTTP Range",
    response_class=Response,
    responses={
        200: {"content": {"application/fits": {}}},
        206: {"content": {"application/fits": {}}, "description": "Partial content"},
    },
)
async def download(
    record_id: str,
    caller: OptionalUser,
    records: Records,
    storage: StorageDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    doc = await readable(records, record_id, caller)
    return stream_object(
        storage,
        doc["storage_key"],
        doc["size"],
        range_header=range_header,
        media_type="application/fits",
        etag=doc["sha256"],
        file_name=doc["file_name"],
        if_none_match=if_none_match,
    )


@router.get(
    "/{record_id}/thumbnail",
    summary="The record's thumbnail (JPEG)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def thumbnail(
    record_id: str, caller: OptionalUser, records: Records, storage: StorageDep
) -> Response:
    doc = await readable(records, record_id, caller)
    key = doc.get("thumbnail_key")
    if not key:
        raise NotFound("this record has no thumbnail yet", code="thumbnail_not_ready")
    size = await asyncio.to_thread(storage.size, key)
    return stream_object(
        storage, key, size, range_header=None, media_type="image/jpeg", etag=f"t{record_id}"
    )


@router.get("/{record_id}/headers", response_model=HeadersOut, summary="Every HDU header")
async def headers(record_id: str, caller: OptionalUser, records: Records) -> HeadersOut:
    await readable(records, record_id, caller)
    hdus = await records.get_headers(record_id)
    if hdus is None:
        raise NotFound("no headers are stored for this record", code="headers_not_found")
    return HeadersOut.model_validate({"record_id": record_id, "hdus": hdus})


def _node(doc: Document) -> LineageNode:
    return LineageNode(
        id=str(doc["id"]),
        file_name=doc["file_name"],
        source=doc["source"],
        processing_level=doc.get("processing_level"),
        product_type=doc.get("product_type"),
    )


@router.get(
    "/{record_id}/lineage",
    response_model=LineageGraph,
    summary="What the record was derived from and what derives from it",
)
async def lineage(
    record_id: str, caller: OptionalUser, records: Records, library: Library
) -> LineageGraph:
    doc = await readable(records, record_id, caller)
    lin = doc.get("lineage") or {}

    def visible(ids: list[str]) -> list[LineageNode]:
        out = []
        for rid in ids:
            entry = library.get(rid)
            if entry is not None and can_read(entry, caller):
                out.append(_node(entry["body"]))
        return out

    parents_ids, child_ids = lin.get("derived_from", []), lin.get("derivatives", [])
    parents, children = visible(parents_ids), visible(child_ids)
    hidden = len(parents_ids) + len(child_ids) - len(parents) - len(children)
    me = RecordOut.of(to_record(doc)).model_dump()
    return LineageGraph(record=_node(me), derived_from=parents, derivatives=children, hidden=hidden)


# -- bulk ----------------------------------------------------------------------------------


@router.post("/bulk", response_model=BulkResult, summary="One action on many records")
async def bulk(
    body: BulkRequest,
    caller: CurrentUser,
    records: Records,
    users: Users,
    db: DbDep,
    storage: StorageDep,
    library: Library,
    limiter: Limiter,
    settings: SettingsDep,
) -> BulkResult:
    if body.action in (BulkAction.tag, BulkAction.untag) and not body.tags:
        raise Unprocessable(f"'{body.action.value}' needs 'tags'", code="validation_error")
    share: Document | None = None
    if body.action is BulkAction.share:
        if body.visibility is None and body.users is None:
            raise Unprocessable("'share' needs 'visibility' or 'users'", code="validation_error")
        share = {}
        # Names are resolved (which says whether they exist) only for a caller who may change
        # at least one of the records, and within the account-lookup budget.
        if body.users is not None and await _may_write_any(records, body.ids, caller):
            await limiter.hit("account_lookup", caller.id, settings.account_lookup_rate_per_minute)
            share.update(await _share_fields(body.users, users))
            share["visibility"] = Visibility.shared.value
        if body.visibility is not None:
            share["visibility"] = body.visibility.value
    items: list[BulkItem] = []
    for rid in dict.fromkeys(body.ids):
        try:
            await writable(records, rid, caller)
            if body.action is BulkAction.tag:
                await records.add_tags(rid, body.tags or [])
            elif body.action is BulkAction.untag:
                await records.add_tags(rid, body.tags or [], remove=True)
            elif body.action in (BulkAction.archive, BulkAction.unarchive):
                await records.update(rid, {"archived": body.action is BulkAction.archive})
            elif body.action is BulkAction.share:
                await records.update(rid, dict(share or {}))
            elif body.action is BulkAction.delete:
                await _delete_record(rid, db, storage)
            items.append(BulkItem(id=rid, ok=True))
        except WebbscopeError as exc:
            items.append(
                BulkItem(id=rid, ok=False, error=ErrorBody(code=exc.code, message=exc.message))
            )
    await library.refresh(*[i.id for i in items if i.ok])
    ok = sum(1 for i in items if i.ok)
    return BulkResult(action=body.action, succeeded=ok, failed=len(items) - ok, items=items)
