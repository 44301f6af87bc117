"""The front door of `webbscope up`: the built frontend (`frontend/dist`) with an SPA fallback,
and `/api` and `/hubs` (WebSocket included) proxied to the backend — what nginx does in
staging and production, with the same security headers (read from nginx's snippet, see
`webbscope.devstack.headers`)."""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from webbscope.devstack.headers import security_headers
from webbscope.services.common.client import cookieless

_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "host",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
}


def create_frontdoor(dist: Path, backend: str) -> Starlette:
    dist = dist.resolve()
    # The proxy must never keep cookies: an httpx client stores every Set-Cookie it sees and
    # would send one user's refresh cookie along with everybody's requests.
    client = httpx.AsyncClient(
        base_url=backend, timeout=httpx.Timeout(None, connect=5.0), cookies=cookieless()
    )
    ws_backend = backend.replace("http://", "ws://").replace("https://", "wss://")

    async def proxy(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        client_host = request.client.host if request.client else ""
        headers["x-forwarded-for"] = client_host
        headers["x-forwarded-proto"] = request.url.scheme
        headers["x-forwarded-host"] = request.headers.get("host", "")
        upstream = client.build_request(
            request.method,
            request.url.path,
            params=request.query_params,
            headers=headers,
            content=request.stream(),
        )
        try:
            resp = await client.send(upstream, stream=True)
        except httpx.HTTPError:
            return Response(
                b'{"error": {"code": "backend_unreachable", "message": "the backend is not '
                b'answering", "details": null}}',
                status_code=502,
                media_type="application/json",
                headers=security_headers(request.url.scheme, request.headers.get("host", "")),
            )
        out_headers = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP}
        # As nginx's server-level add_header does: API answers carry the security headers too
        # (a header the backend set itself is kept).
        present = {k.lower() for k in out_headers}
        for name, value in security_headers(
            request.url.scheme, request.headers.get("host", "")
        ).items():
            if name.lower() not in present:
                out_headers[name] = value

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in resp.aiter_raw():
                    yield chunk
            finally:
                await resp.aclose()

        return StreamingResponse(body(), status_code=resp.status_code, headers=out_headers)

    async def hub(ws: WebSocket) -> None:
        await ws.accept()
        url = ws_backend + ws.url.path
        try:
            async with websockets.connect(url, max_size=None) as upstream:

                async def down() -> None:
                    async for msg in upstream:
                        if isinstance(msg, bytes):
                            await ws.send_bytes(msg)
                        else:
                            await ws.send_text(msg)

                async def up() -> None:
                    while True:
                        msg = await ws.receive()
                        if msg["type"] == "websocket.disconnect":
                            return
                        if msg.get("text") is not None:
                            await upstream.send(msg["text"])
                        elif msg.get("bytes") is not None:
                            await upstream.send(msg["bytes"])

                tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for t in tasks:
                    t.cancel()
                close_code = upstream.close_code or 1000
        except (OSError, websockets.WebSocketException, WebSocketDisconnect):
            close_code = 1011
        with contextlib.suppress(Exception):
            await ws.close(code=close_code)

    async def static(request: Request) -> Response:
        headers = security_headers(request.url.scheme, request.headers.get("host", ""))
        rel = request.path_params.get("path", "")
        target = (dist / rel).resolve()
        if rel and target.is_file() and target.is_relative_to(dist):
            media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            cache = (
                "public, max-age=31536000, immutable" if rel.startswith("assets/") else "no-cache"
            )
            return FileResponse(
                target, media_type=media, headers={**headers, "Cache-Control": cache}
            )
        index = dist / "index.html"
        if not index.is_file():
            return Response(
                "the frontend is not built: run `npm run build` in frontend/",
                status_code=503,
                media_type="text/plain",
            )
        return FileResponse(
            index, media_type="text/html", headers={**headers, "Cache-Control": "no-cache"}
        )

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes = [
        Route("/api/{rest:path}", proxy, methods=methods),
        WebSocketRoute("/hubs/{rest:path}", hub),
        Route("/{path:path}", static, methods=["GET", "HEAD"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(routes=routes, lifespan=lifespan)
