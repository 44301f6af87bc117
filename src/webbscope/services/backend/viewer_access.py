"""Access checks for the viewer routes, with a short memory.

A viewer asks for dozens of tiles a second, each needing the caller's account (is it still
enabled, is the session current) and the record (may this caller read it). Both lookups are
remembered for `VIEWER_ACCESS_CACHE_S` seconds (default 2; 0 turns it off) in a bounded
per-process cache, so a burst of tiles costs one database round trip instead of two per tile.
The access token itself is checked on every request (its expiry; its signature once per
token, `decode_access_token`). A change of
account status, session or record visibility therefore reaches the viewer routes within that
many seconds, on every replica (no replica relies on another's cache).

An entry still in use past half its life is read again in the background (`refresh_ahead`,
once per entry at a time), so under steady use it never runs out. Before, it ran out every
`VIEWER_ACCESS_CACHE_S` seconds, and every tile request in flight at that moment took the
route's slow path at once: with 100 viewers, a stall of 100-200 ms every 2 s (the 100-client
benchmark's p95 was 205 ms with it, 27 ms with a 60 s memory). A refreshed entry is never
older than `VIEWER_ACCESS_CACHE_S`, so changes still reach the viewer routes within that time;
an account or record that is gone, or a failed read, is forgotten, and the next request takes
the route, which gives the proper answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from bson import ObjectId
from bson.errors import InvalidId
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from webbscope.auth import AccessClaims, decode_access_token
from webbscope.caches import TTLCache
from webbscope.db import Document
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.users import User
from webbscope.errors import NotFound, Unauthorized, WebbscopeError
from webbscope.services.backend.access import can_read, readable
from webbscope.services.backend.deps import Records, SettingsDep, Users, check_user

_bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login")
MAX_ENTRIES = 10_000


async def _once(request: Request, key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
    """Run `load` once for concurrent requests of one key: when the memory of an account or
    a record runs out under load, one database lookup serves every waiting request."""
    pending: dict[Any, asyncio.Future[Any]] = request.app.state.__dict__.setdefault(
        "viewer_access_pending", {}
    )
    future = pending.get(key)
    if future is not None:
        return await asyncio.shield(future)
    future = asyncio.get_running_loop().create_future()
    pending[key] = future
    try:
        value = await load()
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: waiters re-raise it; nobody else must
        raise
    else:
        future.set_result(value)
        return value
    finally:
        pending.pop(key, None)


def refresh_ahead(state: Any, key: tuple[str, str]) -> None:
    """Read the remembered account (``("user", id)``) or record (``("record", id)``) again
    in the background when it is past half its life (see the module notes)."""
    cache: TTLCache[Any, Any] | None = getattr(state, "viewer_access", None)
    left = 0.0 if cache is None else cache.left(key)
    if cache is None or left == 0.0 or left > cache.ttl_s / 2:
        return  # not kept (the route reads it), or not old enough
    refreshing: dict[tuple[str, str], asyncio.Task[None]] = state.__dict__.setdefault(
        "viewer_access_refreshing", {}
    )
    if key not in refreshing:
        task = asyncio.get_running_loop().create_task(_reload(state, cache, key))
        refreshing[key] = task
        task.add_done_callback(lambda _: refreshing.pop(key, None))


async def _reload(state: Any, cache: TTLCache[Any, Any], key: tuple[str, str]) -> None:
    kind, ident = key
    try:
        if kind == "user":
            value: Any = await UsersRepo(state.parts.db).get(ident)
        else:
            value = await RecordsRepo(state.parts.db).get_raw(ident)
    except (WebbscopeError, InvalidId, TypeError):
        value = None
    if value is None:
        cache.pop(key)
    else:
        cache.set(key, value)


def _cache(request: Request) -> TTLCache[Any, Any]:
    cache: TTLCache[Any, Any] | None = getattr(request.app.state, "viewer_access", None)
    if cache is None:
        cache = TTLCache(request.app.state.settings.viewer_access_cache_s, MAX_ENTRIES)
        request.app.state.viewer_access = cache
    return cache


async def viewer_caller(
    request: Request,
    settings: SettingsDep,
    users: Users,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    """The signed-in caller (or None), as `OptionalUser` checks it, the account lookup
    remembered briefly."""
    if credentials is None:
        return None
    claims = decode_access_token(credentials.credentials, settings.jwt_secret.get_secret_value())
    cache = _cache(request)
    user: User | None = cache.get(("user", claims.user_id))
    if user is None:

        async def load() -> User | None:
            try:
                return await users.get(claims.user_id)
            except (InvalidId, TypeError):  # a malformed subject (a database error: 503)
                return None

        user = await _once(request, ("user", claims.user_id), load)
        if user is None:
            raise Unauthorized("the account no longer exists", code="invalid_token")
        cache.set(("user", claims.user_id), user)
    else:
        refresh_ahead(request.app.state, ("user", claims.user_id))
    return check_user(user, claims)


def usable_user(user: User | None, claims: AccessClaims) -> User | None:
    """`check_user` for a remembered account; None when there is none."""
    return None if user is None else check_user(user, claims)


ViewerCaller = Annotated[User | None, Depends(viewer_caller)]


async def viewable(
    request: Request, records: Records, record_id: str, caller: User | None
) -> Document:
    """The record if the caller may read it (`readable`), the record lookup remembered
    briefly; 404 otherwise."""
    cache = _cache(request)
    doc: Document | None = cache.get(("record", record_id))
    if doc is not None and can_read(doc, caller):
        refresh_ahead(request.app.state, ("record", record_id))
        return doc
    doc = None
    if ObjectId.is_valid(record_id):
        try:
            doc = await _once(request, ("record", record_id), lambda: records.get_raw(record_id))
        except NotFound:
            doc = None
    if doc is None or not can_read(doc, caller):
        doc = await readable(records, record_id, caller)  # the answer (or the 404) as ever
    cache.set(("record", record_id), doc)
    return doc
