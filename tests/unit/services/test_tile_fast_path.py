"""The backend's tile fast path on a tile it does not keep yet: one engine request however many
callers ask at that moment, the caller's fair share counted, and anything but a 200 left to
the route. The engine is an in-process double (the integration suite runs the real one)."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from webbscope.auth import create_access_token
from webbscope.caches import TTLCache
from webbscope.domain.users import User
from webbscope.errors import UpstreamError
from webbscope.services.backend.fair_share import CallerGate
from webbscope.services.backend.tile_cache import TileFastPath, new_cache

SECRET = "s" * 40
RID = "a" * 24
SHA = "b" * 64
PATH = f"/api/records/{RID}/tiles/2/1/1.webp"


class Engine:
    """Answers tile requests after `delay`, counting them."""

    def __init__(self, status: int = 200, delay: float = 0.05, fail: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.status, self.delay, self.fail = status, delay, fail

    async def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        self.calls.append((path, kw.get("params")))
        await asyncio.sleep(self.delay)
        if self.fail:
            raise UpstreamError("the engine service is unreachable", code="engine_unreachable")
        return httpx.Response(
            self.status,
            content=b"tile-bytes",
            headers={"etag": '"e1"', "content-type": "image/webp", "server-timing": "render"},
        )


def _setup(engine: Engine, limit: int = 16) -> tuple[TileFastPath, list[str], str, Any]:
    now = datetime.now(UTC)
    user = User(
        id="u" * 24,
        username="viewer",
        email="v@example.org",
        password_hash="x",
        created_at=now,
        updated_at=now,
    )
    access: TTLCache[Any, Any] = TTLCache(60)
    access.set(("user", user.id), user)
    access.set(
        ("record", RID),
        {"_id": RID, "sha256": SHA, "storage_key": "k", "size": 10, "readers": [user.id]},
    )
    state = SimpleNamespace(
        tile_cache=new_cache(10_000_000),
        viewer_access=access,
        engine_tiles=engine,
        settings=SimpleNamespace(jwt_secret=SecretStr(SECRET), caller_concurrency=limit),
        caller_gate=CallerGate(),
    )
    routed: list[str] = []

    async def route(scope: Any, receive: Any, send: Any) -> None:
        routed.append(scope["path"])
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"route"})

    token, _ = create_access_token(user.id, "user", 0, SECRET, 600)
    return TileFastPath(route), routed, token, state


async def _get(app: TileFastPath, state: Any, token: str) -> tuple[int, bytes, dict[str, str]]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": PATH,
        "query_string": b"stretch=log&cmap=viridis&unrelated=1",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "app": SimpleNamespace(state=state),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], sent[1]["body"], headers


def test_concurrent_callers_of_a_new_tile_cost_one_engine_request() -> None:
    engine = Engine()
    app, routed, token, state = _setup(engine)

    async def run() -> list[tuple[int, bytes, dict[str, str]]]:
        return await asyncio.gather(*(_get(app, state, token) for _ in range(8)))

    answers = asyncio.run(run())
    assert [a[:2] for a in answers] == [(200, b"tile-bytes")] * 8
    assert len(engine.calls) == 1 and routed == []
    path, params = engine.calls[0]
    assert path == f"/internal/images/{SHA}/tiles/2/1/1.webp"
    assert ("stretch", "log") in params and ("key", "k") in params
    assert all(k != "unrelated" for k, _ in params)  # only the viewer's parameters pass
    again = asyncio.run(_get(app, state, token))
    assert again[1] == b"tile-bytes" and "backend memory" in again[2]["server-timing"]
    assert len(engine.calls) == 1
    assert state.caller_gate.in_flight == {}  # every slot given back


@pytest.mark.parametrize(
    "engine", [Engine(status=422), Engine(fail=True)], ids=["error-answer", "unreachable"]
)
def test_anything_but_a_200_is_left_to_the_route(engine: Engine) -> None:
    app, routed, token, state = _setup(engine)
    status, body, _ = asyncio.run(_get(app, state, token))
    assert (status, body) == (299, b"route") and routed == [PATH]
    assert len(state.tile_cache) == 0


def test_a_caller_at_its_fair_share_goes_to_the_route() -> None:
    engine = Engine()
    app, routed, token, state = _setup(engine, limit=2)
    state.caller_gate.in_flight["user:" + "u" * 24] = 2  # two requests already in flight
    status, _, _ = asyncio.run(_get(app, state, token))
    assert status == 299 and routed == [PATH] and engine.calls == []
