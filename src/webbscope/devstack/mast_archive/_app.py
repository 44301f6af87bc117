"""The Starlette app: the archive's routes, the fault gate in front of them, the admin API."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from webbscope.devstack.mast_archive._access import TOKEN_COOKIE, denied, session_info
from webbscope.devstack.mast_archive._catalog import URI_PREFIX, Archive
from webbscope.devstack.mast_archive._columns import column_config
from webbscope.devstack.mast_archive._faults import Decision, FaultBook, FaultRule, Kind
from webbscope.devstack.mast_archive._files import (
    ByteRange,
    RangeNotSatisfiable,
    file_headers,
    parse_range,
    stream,
)
from webbscope.devstack.mast_archive._query import ServiceError, invoke, resolver_entries

INVOKE_PATH = "/api/v0/invoke"
COLUMNS_CONFIG_PATH = "/portal/Mashup/Mashup.asmx/columnsconfig"
DOWNLOAD_PATH = "/api/v0.1/Download/file"
BUNDLE_PATH = "/api/v0.1/Download/bundle.sh"
RESOLVER_PATH = "/Santa-war/query"
SESSION_INFO_PATH = "/whoami"
_RULES = TypeAdapter(list[FaultRule])
_MAX_RANGES_KEPT = 200


@dataclass
class _FileStats:
    requests: int = 0
    heads: int = 0
    bytes: int = 0
    ranges: list[list[int]] = field(default_factory=list)


@dataclass
class Stats:
    """What the server was asked (for tests: cache hits, resumed ranges, bytes re-sent)."""

    requests: Counter[str] = field(default_factory=Counter)
    services: Counter[str] = field(default_factory=Counter)
    files: dict[str, _FileStats] = field(default_factory=dict)

    def file(self, name: str) -> _FileStats:
        return self.files.setdefault(name, _FileStats())

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "services": dict(self.services),
            "files": {
                name: {
                    "requests": s.requests,
                    "heads": s.heads,
                    "bytes": s.bytes,
                    "ranges": s.ranges,
                }
                for name, s in self.files.items()
            },
        }


@dataclass
class ServerState:
    archive: Archive
    faults: FaultBook
    stats: Stats = field(default_factory=Stats)


class AbsoluteFormPaths:
    """Route proxy-style requests (`GET http://mastresolver.stsci.edu/Santa-war/query`, what a
    client sends when HTTP_PROXY points here) by their path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = str(scope.get("path", ""))
            if path.startswith(("http://", "https://")):
                parts = urlsplit(path)
                scope = {
                    **scope,
                    "path": parts.path or "/",
                    "raw_path": (parts.path or "/").encode(),
                }
                if parts.query and not scope.get("query_string"):
                    scope["query_string"] = parts.query.encode()
        await self.app(scope, receive, send)


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.mast
    return state


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "ERROR", "msg": message}, status_code=status)


async def _gate(
    request: Request, kind: Kind, service: str | None = None, key: str = ""
) -> tuple[Decision, Response | None]:
    state = _state(request)
    path = request.url.path
    state.stats.requests[path] += 1
    if service:
        state.stats.services[service] += 1
    decision = state.faults.decide(kind, path, request.method, service, key)
    if decision.latency_s:
        await asyncio.sleep(decision.latency_s)
    for released in decision.holds:
        await released.wait()
    if decision.status is not None:
        return decision, _error(decision.status, f"injected fault: HTTP {decision.status}")
    return decision, None


async def _form(request: Request) -> dict[str, list[str]]:
    body = (await request.body()).decode("utf-8", errors="replace")
    form = parse_qs(body, keep_blank_values=True)
    for key, values in parse_qs(request.url.query, keep_blank_values=True).items():
        form.setdefault(key, values)
    return form


async def columns_config(request: Request) -> Response:
    form = await _form(request)
    _decision, failed = await _gate(request, "columnsconfig")
    if failed is not None:
        return failed
    return JSONResponse(column_config((form.get("colConfigId") or [""])[0]))


async def invoke_route(request: Request) -> Response:
    form = await _form(request)
    raw = (form.get("request") or [""])[0]
    try:
        mashup = json.loads(raw)
        if not isinstance(mashup, dict):
            raise ValueError("not an object")
    except ValueError:
        await _gate(request, "invoke")
        return _error(400, "request must be a JSON object in the form field 'request'")
    service = str(mashup.get("service", ""))
    decision, failed = await _gate(request, "invoke", service, key=raw)
    if failed is not None:
        return failed
    if decision.archive_error is not None:
        return JSONResponse({"status": "ERROR", "msg": decision.archive_error, "data": []})
    if decision.executing:
        return JSONResponse({"status": "EXECUTING", "msg": "", "data": [], "fields": []})
    try:
        return JSONResponse(invoke(_state(request).archive, mashup))
    except ServiceError as exc:
        return JSONResponse({"status": "ERROR", "msg": str(exc), "data": [], "fields": []})


async def resolver(request: Request) -> Response:
    _decision, failed = await _gate(request, "resolver")
    if failed is not None:
        return failed
    names = request.query_params.getlist("name")
    entries = resolver_entries(_state(request).archive, names)
    return JSONResponse({"resolvedCoordinate": entries, "status": ""})


async def download(request: Request) -> Response:
    state = _state(request)
    uri = request.query_params.get("uri", "")
    name = uri[len(URI_PREFIX) :] if uri.lower().startswith(URI_PREFIX.lower()) else ""
    # A dictionary lookup: even a hostile name added through /_products reaches no path here.
    stored = state.archive.files.get(name.lower()) if name else None
    decision, failed = await _gate(request, "download")
    if failed is not None:
        return failed
    if stored is None:
        return _error(404, f"file not found: {uri}")
    refused = denied(state.archive.rights.get(stored.filename.lower()), _token(request))
    if refused is not None:
        state.stats.requests["refused"] += 1
        what = "a MAST API token" if refused == 401 else "a token of the programme's team"
        return _error(refused, f"{stored.filename} is in exclusive access: it needs {what}")
    stats = state.stats.file(stored.filename)
    headers = file_headers(stored)
    if request.method == "HEAD":
        stats.heads += 1
        return Response(status_code=200, headers={**headers, "content-length": str(stored.size)})
    try:
        wanted = parse_range(request.headers.get("range"), stored.size)
    except RangeNotSatisfiable:
        return Response(
            status_code=416, headers={"content-range": f"bytes */{stored.size}", **headers}
        )
    part = wanted or ByteRange(0, stored.size)
    headers["content-length"] = str(part.end - part.start)
    if wanted is not None:
        headers["content-range"] = f"bytes {part.start}-{part.end - 1}/{stored.size}"
    stats.requests += 1
    if len(stats.ranges) < _MAX_RANGES_KEPT:
        stats.ranges.append([part.start, part.end])

    def count(n: int) -> None:
        stats.bytes += n

    body = stream(
        stored, part, drop_after=decision.drop_after_bytes, pacers=decision.pacers, on_bytes=count
    )
    return StreamingResponse(body, status_code=206 if wanted else 200, headers=headers)


def _token(request: Request) -> str | None:
    return request.cookies.get(TOKEN_COOKIE) or None


async def whoami(request: Request) -> Response:
    _decision, failed = await _gate(request, "other")
    if failed is not None:
        return failed
    return JSONResponse(session_info(_token(request)))


async def bundle(request: Request) -> Response:
    form = await _form(request)
    _decision, failed = await _gate(request, "bundle")
    if failed is not None:
        return failed
    base = str(request.base_url).rstrip("/") + DOWNLOAD_PATH
    lines = ["#!/bin/sh", "# Download the products (curl resumes with -C -)."]
    for uri in form.get("uri", []):
        name = uri.rsplit("/", 1)[-1]
        url = f"{base}?uri={quote(uri, safe=':/')}"
        lines.append(f"curl -f -C - --create-dirs -o 'MAST/{name}' '{url}'")
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/x-sh")


async def health(request: Request) -> Response:
    archive = _state(request).archive
    return JSONResponse(
        {"status": "ok", "observations": len(archive.rows), "files": len(archive.files)}
    )


async def faults_route(request: Request) -> Response:
    book = _state(request).faults
    try:
        if request.method == "POST":
            rule = FaultRule.model_validate_json(await request.body())
            return JSONResponse({"id": book.add(rule)}, status_code=201)
        if request.method == "PUT":
            payload = json.loads(await request.body() or b"{}")
            rules = payload.get("rules", []) if isinstance(payload, dict) else payload
            return JSONResponse({"ids": book.replace(_RULES.validate_python(rules))})
    except (ValidationError, ValueError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    if request.method == "DELETE":
        book.clear()
    return JSONResponse({"rules": book.describe()})


async def fault_route(request: Request) -> Response:
    removed = _state(request).faults.remove(int(request.path_params["rule_id"]))
    return JSONResponse({"removed": removed}, status_code=200 if removed else 404)


async def products_route(request: Request) -> Response:
    """`POST /_products` `{"obsid", "rows": [...], "files": {name: base64}}` adds product rows
    (and the bytes behind them) to an observation; `DELETE /_products` removes every one."""
    archive = _state(request).archive
    if request.method == "DELETE":
        archive.clear_extra()
        return JSONResponse({"cleared": True})
    try:
        body = json.loads(await request.body())
        files = {
            str(k): base64.b64decode(v, validate=True) for k, v in (body.get("files") or {}).items()
        }
        names = archive.add_products(str(body["obsid"]), list(body["rows"]), files)
    except KeyError as exc:
        return JSONResponse({"error": f"missing or unknown {exc}"}, status_code=422)
    except (ValueError, TypeError, AttributeError, binascii.Error) as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    return JSONResponse({"added": names}, status_code=201)


async def stats_route(request: Request) -> Response:
    state = _state(request)
    if request.method == "DELETE":
        state.stats = Stats()
    return JSONResponse(state.stats.as_dict())


def create_app(archive: Archive, faults: list[FaultRule] | None = None) -> Starlette:
    routes = [
        Route(COLUMNS_CONFIG_PATH, columns_config, methods=["GET", "POST"]),
        Route(INVOKE_PATH, invoke_route, methods=["GET", "POST"]),
        Route(RESOLVER_PATH, resolver, methods=["GET"]),
        Route(DOWNLOAD_PATH, download, methods=["GET", "HEAD"]),
        Route(BUNDLE_PATH, bundle, methods=["POST"]),
        Route(SESSION_INFO_PATH, whoami, methods=["GET"]),
        Route("/_health", health, methods=["GET"]),
        Route("/_faults", faults_route, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/_faults/{rule_id:int}", fault_route, methods=["DELETE"]),
        Route("/_stats", stats_route, methods=["GET", "DELETE"]),
        Route("/_products", products_route, methods=["POST", "DELETE"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(AbsoluteFormPaths)])
    app.state.mast = ServerState(archive, FaultBook(faults))
    return app
