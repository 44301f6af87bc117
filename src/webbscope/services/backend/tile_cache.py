"""Hot tiles in the backend's memory, and a fast path that answers them.

A tile depends only on its file's content (sha256) and the display settings in its query, so
a rendered tile never goes stale. The tile route keeps what the engine answered here
(`BACKEND_TILE_CACHE_BYTES`). The fast path, an ASGI layer in front of the app, answers a
request for a kept tile without routing and dependency injection — but only when the same
checks the route makes can be made from what the route itself recently established: the
access token is verified (signature and expiry) every time, and the account and the record
must be in the viewer's access memory (`VIEWER_ACCESS_CACHE_S`), re-checked with the route's
own rules. Anything else goes to the route.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from webbscope.auth import decode_access_token
from webbscope.caches import ByteLru, TTLCache
from webbscope.errors import WebbscopeError
from webbscope.services.backend.access import can_read
from webbscope.services.backend.viewer_access import usable_user
from webbscope.services.common.metrics import ROUTE_SCOPE_KEY
from webbscope.services.common.viewer_query import VIEWER_PARAMS

#: Tiles larger than this are not kept (a float16 tile is about 130 kB).
MAX_ITEM = 1024 * 1024

#: The tile route's template (for the request metrics of the tiles answered here).
TILE_ROUTE = "/api/records/{record_id}/tiles/{level}/{x}/{y}.{fmt}"

TileKey = tuple[str, str, str]
Kept = tuple[bytes, dict[str, str]]

_TILE_PATH = re.compile(
    r"^/api/records/([0-9a-f]{24})(/tiles/\d{1,2}/\d{1,9}/\d{1,9}\.(?:png|jpg|jpeg|webp|f16|f32))$"
)


def tile_key(sha256: str, path: str, query: list[tuple[str, str]]) -> TileKey:
    """The key of a tile: content, tile path, and the display settings (sorted)."""
    return sha256, path, repr(sorted((k, v) for k, v in query if k in VIEWER_PARAMS))


def new_cache(budget: int) -> ByteLru[TileKey, Kept]:
    return ByteLru(budget)


def served(kept: Kept, if_none_match: str | None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body for a kept tile (304 when the browser has it)."""
    body, headers = kept
    headers = {**headers, "server-timing": 'cache;dur=0;desc="backend memory"'}
    if if_none_match is not None and if_none_match == headers.get("etag"):
        return 304, headers, b""
    return 200, headers, body


class TileFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _TILE_PATH.match(scope["path"])
            answer = self._answer(scope, match) if match else None
            if answer is not None:
                scope[ROUTE_SCOPE_KEY] = TILE_ROUTE
                status, headers, body = answer
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [(k.encode(), v.encode()) for k, v in headers.items()]
                        + [(b"content-length", str(len(body)).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _answer(
        self, scope: Scope, match: re.Match[str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        state: Any = scope["app"].state
        cache: ByteLru[TileKey, Kept] | None = getattr(state, "tile_cache", None)
        access: TTLCache[Any, Any] | None = getattr(state, "viewer_access", None)
        if cache is None or access is None:
            return None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        auth = headers.get("authorization", "")
        user = None
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token:
                return None
            try:
                claims = decode_access_token(token, state.settings.jwt_secret.get_secret_value())
                user = usable_user(access.get(("user", claims.user_id)), claims)
            except WebbscopeError:
                return None  # the route gives the proper answer
            if user is None:
                return None
        doc = access.get(("record", match.group(1)))
        if doc is None or not can_read(doc, user):
            return None
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        kept = cache.get(tile_key(doc["sha256"], match.group(2), query))
        if kept is None:
            return None
        return served(kept, headers.get("if-none-match"))
