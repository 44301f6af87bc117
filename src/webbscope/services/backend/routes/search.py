"""`/api/search`: the library searched by meaning and by keyword at once (reciprocal rank
fusion), with the library's filters and the caller's access applied before the top k;
`/api/records/{id}/similar`; the semantic index's status and rebuild (administrators).

The keyword ranking runs here, over the library index; the semantic ranking on the engine,
which holds the model and the vectors. Every hit the engine returns is checked again against
this replica's library index (the access rule and the filters), so a record the caller may
not read never shows, even while the engine's copy of its sharing lags. When the engine
cannot answer, the search is keyword-only and says why.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, Field

from webbscope.db.events import EventLog
from webbscope.db.semantic import SemanticStore
from webbscope.discovery import resolve_place
from webbscope.domain.records import Visibility
from webbscope.domain.users import User
from webbscope.errors import Unprocessable, WebbscopeError
from webbscope.jobs import JobQueue
from webbscope.library.query import predicate
from webbscope.semantic import hybrid, parse_hints
from webbscope.services.backend.access import readable
from webbscope.services.backend.deps import (
    AdminUser,
    DbDep,
    Library,
    OptionalUser,
    Records,
    SettingsDep,
)
from webbscope.services.backend.fair_share import fair_share
from webbscope.services.backend.query_params import Csv, split_csv, strict_query
from webbscope.services.backend.schemas import RecordOut
from webbscope.services.common.semantic_jobs import request_rebuild
from webbscope.services.common.semantic_schemas import LibraryFilters, SemanticStatusOut

log = logging.getLogger("webbscope.search")
router = APIRouter(prefix="/api", tags=["search"])

MAX_QUERY = 500
SEMANTIC_K_MAX = 1000


class ChipOut(BaseModel):
    key: str = Field(description="name it in `drop` to remove the chip")
    label: str
    params: dict[str, Any]


class SearchHit(BaseModel):
    record: RecordOut
    score: float = Field(description="the fused score (reciprocal rank fusion)")
    semantic_score: float | None = Field(None, description="cosine similarity to the query")
    keyword_score: float | None = Field(None, description="BM25 score of the matched words")
    ranks: dict[str, int] = Field(description="rank in each list the record was in")
    why: list[str]


class LibrarySearchResult(BaseModel):
    q: str
    mode: Literal["hybrid", "keyword", "semantic"]
    degraded: str | None = Field(None, description="why semantic ranking was left out")
    chips: list[ChipOut]
    dropped: list[str]
    items: list[SearchHit]
    total: int
    has_more: bool
    offset: int
    limit: int


class SimilarResult(BaseModel):
    record_id: str
    degraded: str | None = None
    items: list[SearchHit]


class IndexStatus(BaseModel):
    engine: SemanticStatusOut | None
    engine_error: str | None = None
    library_records: int
    undispatched_changes: int
    queued_embed_records: int
    lag: int = Field(description="record changes not yet in the index")
    rebuild_job: str | None = None


class RebuildOut(BaseModel):
    job_id: str


def _caller(caller: User | None) -> tuple[str | None, bool]:
    return (caller.id if caller else None, bool(caller and caller.is_admin))


async def _semantic(
    request: Request, body: dict[str, Any]
) -> tuple[list[tuple[str, float]], str | None]:
    """The engine's ranking, or (nothing, why not)."""
    try:
        data = await request.app.state.engine.call("POST", "/internal/semantic/search", json=body)
    except WebbscopeError as exc:
        return [], exc.message
    return [(str(h["id"]), float(h["score"])) for h in data["items"]], None


async def _hits(ranked: list[Any], library: Library) -> list[SearchHit]:
    out = []
    entries = await library.get_many([r.id for r in ranked])
    for r in ranked:
        entry = entries.get(r.id)
        if entry is None:
            continue
        out.append(
            SearchHit(
                record=RecordOut.model_validate(entry["body"]),
                score=r.score,
                semantic_score=r.semantic_score,
                keyword_score=r.keyword_score,
                ranks=r.ranks,
                why=r.why,
            )
        )
    return out


@router.get(
    "/search",
    dependencies=[Depends(fair_share), Depends(strict_query)],
    response_model=LibrarySearchResult,
    summary="Search the library by meaning and keywords, with the library's filters",
)
async def search(
    request: Request,
    caller: OptionalUser,
    library: Library,
    settings: SettingsDep,
    q: Annotated[str, Query(description="what to look for (1-500 characters)")],
    instrument: Csv = None,
    filter: Csv = None,
    target: Csv = None,
    program: Csv = None,
    processing_level: Csv = None,
    product_type: Csv = None,
    source: Csv = None,
    tags: Csv = None,
    visibility: Visibility | None = None,
    archived: Literal["false", "true", "any"] = "false",
    owner: Literal["me", "others", "any"] = "any",
    observed_after: datetime | None = None,
    observed_before: datetime | None = None,
    ra: Annotated[float | None, Query(ge=0, lt=360)] = None,
    dec: Annotated[float | None, Query(ge=-90, le=90)] = None,
    radius: Annotated[float | None, Query(gt=0, le=10)] = None,
    wavelength_min: Annotated[float | None, Query(ge=0, le=1000, description="µm")] = None,
    wavelength_max: Annotated[float | None, Query(ge=0, le=1000, description="µm")] = None,
    hints: Annotated[bool, Query(description="turn words like 'MIRI' into filters")] = True,
    drop: Csv = None,
    mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
    offset: Annotated[int, Query(ge=0, le=900)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> LibrarySearchResult:
    text = q.strip()
    if not text:
        raise Unprocessable("the query is empty", code="empty_query")
    if len(q) > MAX_QUERY:
        raise Unprocessable(
            f"the query is {len(q)} characters; at most {MAX_QUERY}",
            code="query_too_long",
            details={"max_length": MAX_QUERY},
        )
    if (ra is None) != (dec is None):
        raise Unprocessable("give both ra and dec for a sky position", code="validation_error")
    dropped = split_csv(drop)
    parsed = parse_hints(text, resolve_place) if hints else None
    chips = [c for c in (parsed.chips if parsed else []) if c.key not in dropped]
    explicit: dict[str, Any] = {
        "instrument": split_csv(instrument),
        "filter": split_csv(filter),
        "target": split_csv(target),
        "program": split_csv(program),
        "processing_level": split_csv(processing_level),
        "product_type": split_csv(product_type),
        "source": split_csv(source),
        "tags": split_csv(tags),
        "visibility": visibility,
        "archived": None if archived == "any" else archived == "true",
        "owner": owner,
        "observed_after": observed_after,
        "observed_before": observed_before,
        "ra": ra,
        "dec": dec,
        "radius": radius,
        "wavelength_min": wavelength_min,
        "wavelength_max": wavelength_max,
    }
    merged = parsed.params(dropped) if parsed else {}
    for key, value in explicit.items():
        if value not in (None, [], "any") or key not in merged:
            merged[key] = value
    if merged.get("owner") is None:
        merged["owner"] = "any"
    filters = LibraryFilters(**merged)
    caller_id, is_admin = _caller(caller)
    test = predicate(filters.query(), caller_id, is_admin)
    keyword_text = (parsed.residual if parsed else "") or text
    window = offset + 2 * limit
    keyword = (
        [
            (h.id, h.score, h.matched)
            for h in await library.keyword_search(keyword_text, filters.query(), caller)
        ]
        if mode != "semantic"
        else []
    )
    semantic: list[tuple[str, float]] = []
    degraded = None
    if mode != "keyword":
        found, degraded = await _semantic(
            request,
            {
                "text": text,
                "filters": filters.model_dump(mode="json"),
                "caller_id": caller_id,
                "is_admin": is_admin,
                "k": min(SEMANTIC_K_MAX, window + 20),
            },
        )
        # Checked again here: the access rule and the filters over this replica's index.
        known = await library.get_many([rid for rid, _ in found])
        semantic = [(rid, s) for rid, s in found if (e := known.get(rid)) is not None and test(e)]
    effective = mode if degraded is None else "keyword"
    ranked = hybrid(keyword, semantic, min_score=settings.semantic_min_score, mode=effective)
    page = ranked[offset : offset + limit]
    return LibrarySearchResult(
        q=text,
        mode=effective,
        degraded=degraded,
        chips=[ChipOut(key=c.key, label=c.label, params=c.params) for c in chips],
        dropped=dropped,
        items=await _hits(page, library),
        total=len(ranked),
        has_more=len(ranked) > offset + limit,
        offset=offset,
        limit=limit,
    )


@router.get(
    "/records/{record_id}/similar",
    response_model=SimilarResult,
    summary="Records similar to this one (that you may read)",
)
async def similar(
    record_id: str,
    request: Request,
    caller: OptionalUser,
    records: Records,
    library: Library,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SimilarResult:
    doc = await readable(records, record_id, caller)
    caller_id, is_admin = _caller(caller)
    test = predicate(LibraryFilters().query(), caller_id, is_admin)
    found, degraded = await _semantic(
        request,
        {"like": record_id, "caller_id": caller_id, "is_admin": is_admin, "k": limit + 10},
    )
    me = doc.get("facets") or {}
    items: list[SearchHit] = []
    known = await library.get_many([rid for rid, _ in found])
    for rid, score in found:
        entry = known.get(rid)
        if entry is None or not test(entry) or rid == record_id:
            continue
        facets = entry.get("facets") or {}
        why = [f"similar in meaning ({score:.2f})"]
        same = [
            name
            for name in ("target", "instrument", "filter", "program")
            if me.get(name) and facets.get(name) == me.get(name)
        ]
        if same:
            why.append("same " + ", ".join(same))
        items.append(
            SearchHit(
                record=RecordOut.model_validate(entry["body"]),
                score=score,
                semantic_score=score,
                ranks={"semantic": len(items) + 1},
                why=why,
            )
        )
        if len(items) >= limit:
            break
    return SimilarResult(record_id=record_id, degraded=degraded, items=items)


@router.get(
    "/semantic/status",
    response_model=IndexStatus,
    summary="The semantic index: count, lag and model (administrators)",
)
async def index_status(
    request: Request, _admin: AdminUser, db: DbDep, library: Library, settings: SettingsDep
) -> IndexStatus:
    engine: SemanticStatusOut | None = None
    error = None
    try:
        engine = SemanticStatusOut.model_validate(
            await request.app.state.engine.call("GET", "/internal/semantic/status")
        )
    except WebbscopeError as exc:
        error = exc.message
    store = SemanticStore(db)
    cursor = await store.cursor("dispatch")
    head = await EventLog(db, "record").head()
    undispatched = max(0, head - int((cursor or {}).get("seq", head)))
    jobs, _ = await JobQueue(db, settings.job_limits).list_jobs(
        owner_id="system", status=["queued", "running"], types=["embed"], limit=500
    )
    queued = sum(len(j.params.get("record_ids", [])) for j in jobs)
    rebuild = await store.cursor("rebuild")
    return IndexStatus(
        engine=engine,
        engine_error=error,
        library_records=await library.count(),
        undispatched_changes=undispatched,
        queued_embed_records=queued,
        lag=undispatched + queued,
        rebuild_job=(rebuild or {}).get("pending"),
    )


@router.post(
    "/semantic/rebuild",
    response_model=RebuildOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Embed every record again and rebuild the index (a job; administrators)",
)
async def rebuild(admin: AdminUser, db: DbDep, settings: SettingsDep) -> RebuildOut:
    job_id = await request_rebuild(
        db, settings, reembed=True, reason=f"requested by {admin.username}", owner_id=admin.id
    )
    return RebuildOut(job_id=job_id)
