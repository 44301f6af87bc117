"""The mast ASGI app (internal: every route but /health needs the service credential): archive
search, product lists and previews, plus the worker that runs import jobs."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from webbscope.jobs.registry import SERVICE_TYPES
from webbscope.jobs.runner import worker_hooks
from webbscope.mast import ArchiveClient, ProductList, ProductsQuery, SearchPage, SearchQuery
from webbscope.services.common.app import create_service_app
from webbscope.services.mast.previews import CONCURRENT_FETCHES, fetch_preview, preview_url
from webbscope.services.mast.products import import_rules, judge
from webbscope.services.mast.sweep import sweep_forever
from webbscope.settings import Settings, get_settings

router = APIRouter(prefix="/internal", tags=["archive"])


async def archive(request: Request) -> ArchiveClient:
    client: ArchiveClient = request.app.state.archive
    return client


Archive = Annotated[ArchiveClient, Depends(archive)]


async def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ServiceSettings = Annotated[Settings, Depends(settings_of)]


@router.post("/search", response_model=SearchPage, summary="Search the archive")
async def search(query: SearchQuery, client: Archive) -> SearchPage:
    return await asyncio.to_thread(client.search, query)


@router.post("/products", response_model=ProductList, summary="Products of observations")
async def products(body: ProductsQuery, client: Archive, settings: ServiceSettings) -> ProductList:
    items = await asyncio.to_thread(
        client.list_products,
        body.obsids,
        recommended_only=body.recommended_only,
    )
    rules = import_rules(settings, token_set=body.token_set)
    return ProductList(items=await asyncio.to_thread(judge, client, items, rules))


@router.get(
    "/preview",
    summary="The preview image of an observation the archive lists",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
async def preview(
    request: Request,
    client: Archive,
    settings: ServiceSettings,
    obsid: Annotated[str, Query(min_length=1, max_length=40)],
    product: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    url, observation = await preview_url(client, obsid, product)
    async with request.app.state.preview_slots:
        data, media = await fetch_preview(client, url, settings.mast_preview_max_bytes, observation)
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=86400"})


class TokenCheck(BaseModel):
    token: str = Field(min_length=1, max_length=512)


class TokenInfo(BaseModel):
    valid: bool
    name: str | None = None


@router.post("/token-check", response_model=TokenInfo, summary="Ask the archive about a token")
async def token_check(body: TokenCheck, client: Archive) -> TokenInfo:
    info = await asyncio.to_thread(client.session_info, body.token)
    attrib = info.get("attrib") if isinstance(info.get("attrib"), dict) else {}
    name = attrib.get("display_name") if attrib else None
    return TokenInfo(valid=not info.get("anon", True), name=str(name) if name else None)


async def open_archive(app: FastAPI) -> None:
    s: Settings = app.state.settings
    app.state.archive = ArchiveClient(
        s.mast_server_url, s.mast_timeout_s, cache_ttl_s=s.mast_search_cache_ttl_s
    )
    app.state.preview_slots = asyncio.Semaphore(CONCURRENT_FETCHES)
    parts = app.state.parts
    parts.tasks.append(asyncio.create_task(sweep_forever(parts.db, s)))


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
