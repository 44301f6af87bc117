"""`/api/records`: the library — list and filter, upload, read, change, delete, download,
headers, lineage and bulk actions. Another user's private record answers 404."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
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
from webbscope.library.auto_mosaics import inputs_deleted
from webbscope.library.derived import ensure_derived, queue_pyramid
from webbscope.library.ingest import add_file
from webbscope.library.query import RecordQuery, SortKey
from webbscope.library.quota import check_quota, check_user_quota
from webbscope.library.read_model import BadCursor
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
from webbscope.services.backend.query_params import Csv, split_csv, strict_query
from webbscope.services.backend.schemas import (
    BulkAction,
    BulkItem,
    BulkRequest,
    BulkResult,
    DownloadLinkOut,
    HeadersOut,
    LineageGraph,
    LineageNode,
    RecordFacets,
    RecordOut,
    RecordPage,
    RecordPatch,
    UploadItem,
    UploadResult,
)
from webbscope.services.backend.signed_links import check_link, make_link
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

log = logging.getLogger("webbscope.records")

router = APIRouter(prefix="/api/records", tags=["records"])

SKY_HELP = (
    "sky search: a record matches when its footprint polygon meets the circle of `radius` "
    "degrees around (ra, dec); a record without a footprint is matched by its centre"
)
LIST_HELP = """Records you can see, filtered and sorted.

- **Free text** (`q`): every word must start a word of the record's file name, target,
  instrument, filter, programme, observation id, description or tags (case-insensitive).
- **Sky** (`ra`, `dec`, `radius` in degrees, ICRS): a record matches when its footprint
  polygon (the image's corners) intersects the circle of `radius` around the point; without
  `radius`, when the footprint contains the point. A record without a footprint is matched
  by its centre (within `radius`). RA wraps at 0/360 and circles may cover a pole.
- **Paging**: `offset`/`limit`, or, for deep pages, the `next_cursor` of the previous page
  as `cursor` (same filters and sort); records without the sort field come last in either
  order, ties by id.
- An unknown query parameter is a 422 naming it.
"""


async def writable(records: Records, record_id: str, caller: User | None) -> Document:
    doc = await readable(records, record_id, caller)
    if not can_write(doc, caller):
        raise Forbidden("only the owner may change this record", code="not_owner")
    return doc


# -- list and upload -----------------------------------------------------------------------


async def record_filters(
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
    ra: Annotated[float | None, Query(ge=0, lt=360, description=SKY_HELP)] = None,
    dec: Annotated[float | None, Query(ge=-90, le=90, description=SKY_HELP)] = None,
    radius: Annotated[
        float | None,
        Query(gt=0, le=10, description="degrees; omit for 'footprint contains the point'"),
    ] = None,
) -> RecordQuery:
    """The library's filters, shared by the list and the facets."""
    if (ra is None) != (dec is None):
        raise Unprocessable("give both ra and dec for a sky position", code="validation_error")
    if radius is not None and ra is None:
        raise Unprocessable("radius needs ra and dec", code="validation_error")
    return RecordQuery(
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
    )


Filters = Annotated[RecordQuery, Depends(record_filters)]


@router.get(
    "",
    response_model=RecordPage,
    summary="List and filter the records you can see",
    description=LIST_HELP,
    dependencies=[Depends(fair_share), Depends(strict_query)],
)
async def list_records(
    caller: OptionalUser,
    library: Library,
    filters: Filters,
    sort: SortKey = "created_at",
    order: Literal["asc", "desc"] = "desc",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=500,
            description="continue after the page that returned this `next_cursor` "
            "(same filters and sort)",
        ),
    ] = None,
) -> Response:
    query = replace(filters, sort=sort, descending=order == "desc", offset=offset, limit=limit)
    try:
        page = await library.query(query, caller, cursor)
    except BadCursor as exc:
        raise Unprocessable(str(exc), code="bad_cursor") from None
    # The bodies are stored as the JSON of `RecordOut`: joined, not decoded and re-validated
    # on the event loop.
    text = (
        f'{{"items":[{",".join(page.bodies)}],"total":{page.total},"offset":{offset},'
        f'"limit":{limit},"next_cursor":{json.dumps(page.next_cursor)}}}'
    )
    return Response(content=text, media_type="application/json")


@router.get(
    "/facets",
    response_model=RecordFacets,
    summary="Counts per instrument, filter, level and target for the current filter",
    dependencies=[Depends(fair_share), Depends(strict_query)],
)
async def record_facets(caller: OptionalUser, library: Library, filters: Filters) -> RecordFacets:
    return RecordFacets.model_validate(await library.facets(filters, caller))


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
    for rid in created_ids:  # thumbnails and pyramids are produced by the engine's workers
        # Checked above: the derived work of an accepted file is counted, never refused.
        await queue.enqueue(
            "thumbnail", caller.id, {"record_id": rid}, compute=True, check_limits=False
        )
        await queue_pyramid(queue, caller.id, rid)
    for item in results:
        if not item.created:  # a file already recorded: its derived jobs may have been stranded
            await ensure_derived(db, queue, item.record.id)
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
    settings: SettingsDep,
) -> Response:
    await writable(records, record_id, caller)
    removed = await _delete_record(record_id, db, storage)
    also = await _after_delete([removed], db, storage, settings)
    await library.refresh(record_id, *also)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _delete_record(record_id: str, db: DbDep, storage: StorageDep) -> Document | None:
    return await remove_record(db, storage, record_id)


async def _after_delete(
    removed: list[Document | None], db: DbDep, storage: StorageDep, settings: SettingsDep
) -> list[str]:
    """The automatic mosaics the removed records were inputs of are rebuilt or deleted
    (`inputs_deleted`); the ids of those deleted. The deletion stands whatever happens here."""
    docs = [d for d in removed if d is not None]
    if not docs:
        return []
    try:
        return (await inputs_deleted(db, storage, settings, docs))["deleted"]
    except Exception:
        log.exception("updating the automatic mosaics of deleted records failed")
        return []


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


@router.post(
    "/{record_id}/download-link",
    response_model=DownloadLinkOut,
    summary="A short-lived signed URL for the record's file (no token needed to follow it)",
)
async def download_link(
    record_id: str, caller: OptionalUser, records: Records, settings: SettingsDep
) -> DownloadLinkOut:
    doc = await readable(records, record_id, caller)
    url, expires = make_link(
        settings.jwt_secret.get_secret_value(),
        record_id,
        doc["sha256"],
        str(caller.id) if caller else "",
        settings.download_link_ttl_s,
    )
    return DownloadLinkOut(
        url=url, expires_at=datetime.fromtimestamp(expires, UTC), file_name=doc["file_name"]
    )


@router.get(
    "/{record_id}/file",
    summary="The file through a signed link (from download-link), streamed; supports Range",
    description=(
        "Access is checked again when the link is followed: the account it was issued to must "
        "still be enabled and allowed to read the record (404 otherwise, as to anyone who may "
        "not read it), and the record must still hold the same file (403 `link_stale`)."
    ),
    response_class=Response,
    responses={
        200: {"content": {"application/fits": {}}},
        206: {"content": {"application/fits": {}}, "description": "Partial content"},
        403: {"model": ErrorBody, "description": "Invalid, expired or stale link"},
        404: {"model": ErrorBody, "description": "The link's account may no longer read it"},
    },
)
async def signed_file(
    record_id: str,
    records: Records,
    users: Users,
    storage: StorageDep,
    settings: SettingsDep,
    sha256: Annotated[str, Query(pattern="^[0-9a-f]{64}$")],
    expires: Annotated[int, Query()],
    sig: Annotated[str, Query(min_length=64, max_length=64)],
    account: Annotated[str, Query(max_length=24)] = "",
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    check_link(settings.jwt_secret.get_secret_value(), record_id, sha256, account, expires, sig)
    # The signature is good: the link was issued to `account` for this file. Is it still
    # allowed? (A disabled or deleted account reads only what anyone may read.)
    user = await users.get(account) if account else None
    doc = await readable(records, record_id, None if user is None or user.disabled else user)
    if doc["sha256"] != sha256:
        raise Forbidden(
            "the record's file has changed since this link was issued; ask for a new one",
            code="link_stale",
        )
    return stream_object(
        storage,
        doc["storage_key"],
        doc["size"],
        range_header=range_header,
        media_type="application/fits",
        etag=doc["sha256"],
        file_name=doc["file_name"],
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

    parents_ids, child_ids = lin.get("derived_from", []), lin.get("derivatives", [])
    entries = await library.get_many([*parents_ids, *child_ids])
    # This replica's read model may not have followed a just-made neighbour yet (an import
    # records the image, then its catalogue): those are read from the database, which also
    # brings the model up to date, rather than shown as hidden.
    unseen = [rid for rid in (*parents_ids, *child_ids) if rid not in entries]
    if unseen:
        await library.refresh(*unseen)
        entries.update(await library.get_many(unseen))

    def visible(ids: list[str]) -> list[LineageNode]:
        out = []
        for rid in ids:
            entry = entries.get(rid)
            if entry is not None and can_read(entry, caller):
                out.append(_node(entry["body"]))
        return out

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
    removed: list[Document | None] = []
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
                removed.append(await _delete_record(rid, db, storage))
            items.append(BulkItem(id=rid, ok=True))
        except WebbscopeError as exc:
            items.append(
                BulkItem(id=rid, ok=False, error=ErrorBody(code=exc.code, message=exc.message))
            )
    also = await _after_delete(removed, db, storage, settings)
    await library.refresh(*[i.id for i in items if i.ok], *also)
    ok = sum(1 for i in items if i.ok)
    return BulkResult(action=body.action, succeeded=ok, failed=len(items) - ok, items=items)
