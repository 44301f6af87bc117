"""Asking the engine about a record's file on the caller's behalf (after the route has
checked access): the file is named by its storage key and sha256, and the engine's answer is
passed back unchanged (status, body, ETag / 304, caching headers and the error shape)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
from fastapi import Request, Response

from webbscope.db import Document
from webbscope.services.common.client import ServiceClient
from webbscope.services.common.viewer_query import VIEWER_PARAMS

PASS_HEADERS = (
    "content-type",
    "content-length",
    "etag",
    "cache-control",
    "content-disposition",
    "retry-after",
    "server-timing",
    "x-image-width",
    "x-image-height",
)


async def forward(
    request: Request,
    doc: Document,
    path: str,
    *,
    json: Any = None,
    method: str = "GET",
    stream: bool = False,
    names: frozenset[str] = VIEWER_PARAMS,
    extra: list[tuple[str, str]] | None = None,
    client: str = "engine",
) -> Response:
    """The engine's answer for `path` of the record's file, passed back unchanged (streamed
    for the large ones: previews, exports, cutouts; read whole for the small ones). The query
    parameters named in `names` are passed on, with `extra` ones; `client` names the app's
    engine client (`engine_tiles` for tiles)."""
    engine: ServiceClient = getattr(request.app.state, client)
    params = engine_params(request.query_params.multi_items(), doc, path, names, extra)
    headers = {}
    if etag := request.headers.get("if-none-match"):
        headers["If-None-Match"] = etag
    target = engine_target(doc, path)
    if stream:
        return await engine.forward(
            method, target, params=params, headers=headers, json=json, pass_headers=PASS_HEADERS
        )
    resp = await engine.request(method, target, params=params, headers=headers, json=json)
    return Response(resp.content, status_code=resp.status_code, headers=passed_headers(resp))


def engine_target(doc: Document, path: str) -> str:
    """The engine's route for `path` of the record's file (named by its content)."""
    return f"/internal/images/{doc['sha256']}{path}"


def engine_params(
    query: Iterable[tuple[str, str]],
    doc: Document,
    path: str,
    names: frozenset[str] = VIEWER_PARAMS,
    extra: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """The query the engine gets: the caller's parameters named in `names`, `extra`, and
    where the file is (its storage key and size; the download name for exports and cutouts)."""
    params = [(k, v) for k, v in query if k in names]
    params += extra or []
    params += [("key", doc["storage_key"]), ("file_size", str(doc["size"]))]
    if path in ("/export", "/cutout"):
        params.append(("name", str(doc["file_name"])))
    return params


def passed_headers(resp: httpx.Response) -> dict[str, str]:
    """The engine's answer headers passed back to the browser (content-length is set anew)."""
    return {
        k: v
        for k, v in resp.headers.items()
        if k.lower() in PASS_HEADERS and k.lower() != "content-length"
    }
