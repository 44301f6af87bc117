"""The mast ASGI app (internal: every route but /health needs the service credential): archive
search, product lists and previews, plus the worker that runs import jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import StreamingResponse

from webbscope.errors import BadRequest
from webbscope.jobs.registry import SERVICE_TYPES
from webbscope.jobs.runner import worker_hooks
from webbscope.mast import ArchiveClient, ProductList, ProductsRequest, SearchPage, SearchQuery
from webbscope.services.common.app import create_service_app
from webbscope.settings import Settings, get_settings

router = APIRouter(prefix="/internal", tags=["archive"])


def archive(request: Request) -> ArchiveClient:
    client: ArchiveClient = request.app.state.archive
    return client


Archive = Annotated[ArchiveClient, Depends(archive)]


@router.post("/search", response_model=SearchPage, summary="Search the archive")
async def search(query: SearchQuery, client: Archive) -> SearchPage:
    return await asyncio.to_thread(client.search, query)


@router.post("/products", response_model=ProductList, summary="Products of observations")
async def products(body: ProductsRequest, client: Archive) -> ProductList:
    items = await asyncio.to_thread(
        client.list_products,
        body.obsids,
        recommended_only=body.recommended_only,
    )
    return ProductList(items=items)


@router.get("/preview", summary="An archive preview image, fetched from the archive")
async def preview(
    client: Archive, url: Annotated[str, Query(max_length=2000)]
) -> StreamingResponse:
    if not url.startswith(client.server_url.rstrip("/") + "/") or not url.lower().endswith(
        (".jpg", ".jpeg", ".png")
    ):
        raise BadRequest(
            "only preview images of the configured archive are served", code="invalid_preview_url"
        )
    chunks = client.adownload_range(url, 0, None)

    async def body() -> AsyncIterator[bytes]:
        async for chunk in chunks:
            yield chunk

    media = "image/png" if url.lower().endswith(".png") else "image/jpeg"
    return StreamingResponse(
        body(), media_type=media, headers={"Cache-Control": "public, max-age=86400"}
    )


async def open_archive(app: FastAPI) -> None:
    s: Settings = app.state.settings
    app.state.archive = ArchiveClient(
        s.mast_server_url, s.mast_timeout_s, cache_ttl_s=s.mast_search_cache_ttl_s
    )


async def close_archive(app: FastAPI) -> None:
    await app.state.archive.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    start_worker, stop_worker = worker_hooks(SERVICE_TYPES["mast"])
    return create_service_app(
        "mast",
        settings or get_settings(),
        internal=True,
        routers=[router],
        on_startup=[open_archive, start_worker],
        on_shutdown=[stop_worker, close_archive],
    )
