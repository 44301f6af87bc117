"""Access checks for the viewer routes, with a short memory.

A viewer asks for dozens of tiles a second, each needing the caller's account (is it still
enabled, is the session current) and the record (may this caller read it). Both lookups are
remembered for `VIEWER_ACCESS_CACHE_S` seconds (default 2; 0 turns it off) in a bounded
per-process cache, so a burst of tiles costs one database round trip instead of two per tile.
The access token itself is verified on every request (signature and expiry). A change of
account status, session or record visibility therefore reaches the viewer routes within that
many seconds, on every replica (no replica relies on another's cache).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from bson import ObjectId
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from webbscope.auth import AccessClaims, decode_access_token
from webbscope.db import Document
from webbscope.domain.users import User
from webbscope.errors import NotFound, Unauthorized
from webbscope.services.backend.deps import Records, SettingsDep, Users
from webbscope.services.backend.routes.records import can_read, readable

_bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login")
MAX_ENTRIES = 10_000


class TtlCache:
    """At most `max_entries` values, each forgotten `ttl_s` seconds after it was stored."""

    def __init__(self, ttl_s: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        if self.ttl_s <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[key]
                return None
            return item[1]

    def put(self, key: Any, value: Any) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl_s, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


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


def _cache(request: Request) -> TtlCache:
    cache: TtlCache | None = getattr(request.app.state, "viewer_access", None)
    if cache is None:
        cache = TtlCache(request.app.state.settings.viewer_access_cache_s)
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
            except Exception:  # a malformed subject
                return None

        user = await _once(request, ("user", claims.user_id), load)
        if user is None:
            raise Unauthorized("the account no longer exists", code="invalid_token")
        cache.put(("user", claims.user_id), user)
    return check_user(user, claims)


def check_user(user: User, claims: AccessClaims) -> User:
    """The account may act with this token (as `OptionalUser` decides), or `Unauthorized`."""
    if user.disabled:
        raise Unauthorized("this account is disabled", code="account_disabled")
    if claims.session_version != user.session_version:
        raise Unauthorized(
            "the session has ended (password, role or status changed); sign in again",
            code="session_ended",
        )
    return user


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
        return doc
    doc = None
    if ObjectId.is_valid(record_id):
        try:
            doc = await _once(request, ("record", record_id), lambda: records.get_raw(record_id))
        except NotFound:
            doc = None
    if doc is None or not can_read(doc, caller):
        doc = await readable(records, record_id, caller)  # the answer (or the 404) as ever
    cache.put(("record", record_id), doc)
    return doc
