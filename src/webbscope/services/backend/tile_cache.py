"""Hot tiles in the backend's memory, and a fast path that answers them.

A tile depends only on its file's content (sha256) and the display settings in its query, so
a rendered tile never goes stale. The tile route keeps what the engine answered here
(`BACKEND_TILE_CACHE_BYTES`). The fast path, an ASGI layer in front of the app, answers a
request for a kept tile without routing and dependency injection — but only when the same
checks the route makes can be made from what the route itself recently established: the
access token is checked every time (its expiry; its signature once per token, as everywhere:
`decode_access_token`), and the account and the record
must be in the viewer's access memory (`VIEWER_ACCESS_CACHE_S`), re-checked with the route's
own rules. A tile of a file whose pyramid is built (f16, or WebP in the default rendering)
is read from its tile pack (`stored_tiles`), as the route does. Another tile not kept yet is
asked of the engine from the fast path too, for a signed-in caller within its fair share
(`CALLER_CONCURRENCY`): one engine request per tile however many callers ask for it at once,
kept when it is a 200. Anything else goes to the route.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from webbscope.auth import decode_access_token
from webbscope.caches import ByteLru, TTLCache
from webbscope.errors import WebbscopeError
from webbscope.services.backend.access import can_read
from webbscope.services.backend.engine_proxy import engine_params, engine_target, passed_headers
from webbscope.services.backend.fair_share import caller_gate as _caller_gate
from webbscope.services.backend.stored_tiles import StoredTiles
from webbscope.services.backend.viewer_access import refresh_ahead, usable_user
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


def served(
    kept: Kept, if_none_match: str | None, fresh: bool = False
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body for a kept tile (304 when the browser has it); a `fresh` one,
    just answered by the engine, keeps the engine's Server-Timing."""
    body, headers = kept
    if not fresh:
        headers = {**headers, "server-timing": 'cache;dur=0;desc="backend memory"'}
    if if_none_match is not None and if_none_match == headers.get("etag"):
        return 304, headers, b""
    return 200, headers, body


async def from_pack(
    state: Any,
    cache: ByteLru[TileKey, Kept],
    key: TileKey,
    doc: dict[str, Any],
    query: list[tuple[str, str]],
    if_none_match: str | None,
) -> tuple[int, dict[str, str], bytes] | None:
    """The tile `key` from the file's tile packs (`stored_tiles`), kept when it is a 200; None
    when the packs do not hold it."""
    stored: StoredTiles | None = getattr(state, "stored_tiles", None)
    if stored is None:
        return None
    answer = await stored.answer(doc["sha256"], key[1], query, if_none_match)
    if answer is not None and answer[0] == 200:
        cache.put(key, (answer[2], answer[1]), len(answer[2]))
    return answer


class TileFastPath:
    """Tiles before routing, for callers whose access the route recently established: a kept
    tile is answered at once; a tile not kept yet is asked of the engine here (one request
    per tile however many callers want it at that moment, counted in the caller's fair share)
    and kept. Anything else, and any answer but a 200, is left to the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._pending: dict[TileKey, asyncio.Future[Kept | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _TILE_PATH.match(scope["path"])
            answer = await self._answer(scope, match) if match else None
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

    async def _answer(
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
            refresh_ahead(state, ("user", claims.user_id))
        doc = access.get(("record", match.group(1)))
        if doc is None or not can_read(doc, user):
            return None
        refresh_ahead(state, ("record", match.group(1)))
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        key = tile_key(doc["sha256"], match.group(2), query)
        kept = cache.get(key)
        if kept is not None:
            return served(kept, headers.get("if-none-match"))
        answer = await from_pack(state, cache, key, doc, query, headers.get("if-none-match"))
        if answer is not None:
            return answer
        if user is None:
            return None  # an anonymous caller's share goes by address: the route counts it
        gate = _caller_gate(state)
        slot = f"user:{user.id}"
        if gate.in_flight[slot] >= state.settings.caller_concurrency:
            return None  # the route answers 429 caller_busy
        gate.enter(slot, state.settings.caller_concurrency)
        try:
            fetched = await self._fetch(state, cache, doc, match.group(2), query, key)
        finally:
            gate.leave(slot)
        if fetched is None:
            return None
        return served(fetched, headers.get("if-none-match"), fresh=True)

    async def _fetch(
        self,
        state: Any,
        cache: ByteLru[TileKey, Kept],
        doc: dict[str, Any],
        path: str,
        query: list[tuple[str, str]],
        key: TileKey,
    ) -> Kept | None:
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._from_engine(state, cache, doc, path, query, key))
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    @staticmethod
    async def _from_engine(
        state: Any,
        cache: ByteLru[TileKey, Kept],
        doc: dict[str, Any],
        path: str,
        query: list[tuple[str, str]],
        key: TileKey,
    ) -> Kept | None:
        try:
            resp = await state.engine_tiles.request(
                "GET", engine_target(doc, path), params=engine_params(query, doc, path)
            )
        except WebbscopeError:
            return None  # unreachable or timed out: the route asks again and reports it
        if resp.status_code != 200 or "etag" not in resp.headers or len(resp.content) > MAX_ITEM:
            return None
        kept = (resp.content, passed_headers(resp))
        cache.put(key, kept, len(resp.content))
        return kept
