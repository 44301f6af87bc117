"""Fair share (issue 12, item 3): one caller's requests in flight are bounded per replica; other
callers are not affected. In process: the route holds its requests open until released."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx
from fastapi import Depends, FastAPI

from webbscope.services.backend.fair_share import fair_share
from webbscope.services.common.errors import install_error_handlers
from webbscope.settings import load_settings


def _app(limit: int) -> tuple[FastAPI, asyncio.Event]:
    app = FastAPI()
    app.state.settings = load_settings(WEBBSCOPE_ENV="test", CALLER_CONCURRENCY=limit)
    app.state.parts = SimpleNamespace(db=SimpleNamespace(collection=lambda name: None))
    install_error_handlers(app)
    release = asyncio.Event()

    @app.get("/slow", dependencies=[Depends(fair_share)])
    async def slow() -> dict[str, bool]:
        await release.wait()
        return {"ok": True}

    return app, release


async def _run() -> None:
    app, release = _app(limit=3)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as greedy:
        held = [asyncio.create_task(greedy.get("/slow")) for _ in range(3)]
        await asyncio.sleep(0.05)
        extra = await greedy.get("/slow")
        assert extra.status_code == 429
        assert extra.json()["error"]["code"] == "caller_busy"
        assert extra.headers["retry-after"] == "1"
        other_transport = httpx.ASGITransport(app=app, client=("10.0.0.2", 1234))
        async with httpx.AsyncClient(transport=other_transport, base_url="http://t") as other:
            theirs = asyncio.create_task(other.get("/slow"))
            await asyncio.sleep(0.05)
            release.set()
            assert (await theirs).status_code == 200  # another caller still gets in
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200, 200]
        assert (await greedy.get("/slow")).status_code == 200  # slots come back


def test_one_caller_cannot_hold_more_than_its_share() -> None:
    asyncio.run(_run())


def test_every_backend_route_that_has_the_engine_read_pixels_takes_a_slot() -> None:
    """The composites' estimate, creation and preview and the DS9 region files reach the
    engine too (a review found them outside the fair share)."""
    from fastapi.routing import APIRoute

    from webbscope.services.backend.routes import annotations, composites, records, viewer

    routes = [
        r
        for module in (annotations, composites, records, viewer)
        for r in module.router.routes
        if isinstance(r, APIRoute)
    ]
    assert len(routes) > 20
    shared = {
        (method, route.path)
        for route in routes
        if any(d.call is fair_share for d in route.dependant.dependencies)
        for method in route.methods
    }
    heavy = {
        ("POST", "/api/composites/estimate"),
        ("POST", "/api/composites"),
        ("GET", "/api/composites/{composite_id}/preview.{fmt}"),
        ("GET", "/api/records/{record_id}/regions.reg"),
        ("POST", "/api/records/{record_id}/regions.reg"),
        ("GET", "/api/records/{record_id}/tiles/{level}/{x}/{y}.{fmt}"),
        ("GET", "/api/records"),
    }
    assert heavy <= shared, heavy - shared
