"""The engine's semantic routes: search by meaning (or by likeness to a record) with the
library's filters and the caller's access applied before the top k, and the index status."""

from __future__ import annotations

import time
from dataclasses import asdict

from fastapi import APIRouter, Request

from webbscope.errors import NotFound
from webbscope.library.query import predicate
from webbscope.services.common.semantic_schemas import (
    SemanticHitOut,
    SemanticSearchRequest,
    SemanticSearchResponse,
    SemanticStatusOut,
)
from webbscope.services.engine.semantic.service import SemanticService

router = APIRouter(prefix="/internal/semantic", tags=["semantic"])


def _service(request: Request) -> SemanticService:
    service: SemanticService = request.app.state.semantic
    return service


@router.get("/status", response_model=SemanticStatusOut, summary="The index on this replica")
async def status(request: Request) -> SemanticStatusOut:
    return SemanticStatusOut(**asdict(_service(request).status()))


@router.post("/search", response_model=SemanticSearchResponse, summary="Nearest records")
async def search(body: SemanticSearchRequest, request: Request) -> SemanticSearchResponse:
    service = _service(request)
    service.require_ready()
    started = time.perf_counter()
    exclude = list(body.exclude)
    if body.like:
        vector = service.index.vector_of(body.like)
        if vector is None:
            raise NotFound("this record is not in the semantic index yet", code="not_indexed")
        exclude.append(body.like)
    elif body.text and body.text.strip():
        vector = await service.embed_query(body.text.strip())
    else:
        from webbscope.errors import Unprocessable

        raise Unprocessable("give 'text' or 'like'", code="validation_error")
    allowed = predicate(body.filters.query(), body.caller_id, body.is_admin)
    hits = await service.search(vector, body.k, allowed, exclude)
    assert service.identity is not None
    return SemanticSearchResponse(
        items=[SemanticHitOut(id=h.id, score=round(h.score, 5)) for h in hits],
        model=service.identity.key(),
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )
