"""`GET /api/health`: the database, storage, engine and mast, each with its latency.

The public answer says only which part is down, in generic words; the reasons (exception text,
storage paths, service addresses) go to the log and to administrators at
`GET /api/health/details`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from webbscope import __version__
from webbscope.errors import WebbscopeError
from webbscope.services.backend.deps import AdminUser
from webbscope.services.common.client import ServiceClient
from webbscope.settings import Settings
from webbscope.storage import StorageFull
from webbscope.storage.space import check_reserve

router = APIRouter(prefix="/api", tags=["health"])
log = logging.getLogger("webbscope.health")

#: What the public sees for each state; the specifics are for the log and administrators.
_PUBLIC = {"error": "unavailable", "degraded": "degraded: some features are limited"}


class Check(BaseModel):
    status: Literal["ok", "degraded", "error"]
    latency_ms: float
    message: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    checks: dict[str, Check]


async def _timed(probe: Callable[[], Awaitable[None]], timeout_s: float = 3.0) -> Check:
    start = time.perf_counter()
    message: str | None
    try:
        await asyncio.wait_for(probe(), timeout_s)
    except TimeoutError:
        message = f"no answer within {timeout_s:.0f} s"
    except WebbscopeError as exc:
        message = exc.message
    except Exception as exc:
        message = f"{exc.__class__.__name__}: {exc}"
    else:
        message = None
    ms = round((time.perf_counter() - start) * 1000, 2)
    return Check(status="error" if message else "ok", latency_ms=ms, message=message)


def _service_probe(client: ServiceClient) -> Callable[[], Awaitable[None]]:
    async def probe() -> None:
        resp = await client.request("GET", "/health")
        if resp.status_code != 200:
            raise RuntimeError(f"{client.name} answered HTTP {resp.status_code}")

    return probe


async def _semantic(client: ServiceClient) -> Check:
    """`degraded` (with the reason) while the engine cannot search by meaning: keyword search
    still works."""
    start = time.perf_counter()
    try:
        data = await asyncio.wait_for(client.call("GET", "/internal/semantic/status"), 3.0)
        state, reason = str(data.get("state")), data.get("reason")
    except TimeoutError:
        state, reason = "unknown", "the engine did not answer within 3 s"
    except WebbscopeError as exc:
        state, reason = "unknown", exc.message
    ms = round((time.perf_counter() - start) * 1000, 2)
    if state == "ready":
        return Check(status="ok", latency_ms=ms)
    return Check(status="degraded", latency_ms=ms, message=f"{state}: {reason or 'not ready'}")


async def _disk_reserve(settings: Settings, check: Check) -> Check:
    """`degraded` once the data directory's disk is below its reserve (uploads and imports are
    refused then; sign-in and everything that only reads still work)."""
    try:
        await asyncio.to_thread(check_reserve, settings.data_dir, settings.min_free_disk_bytes)
    except StorageFull as exc:
        return Check(status="degraded", latency_ms=check.latency_ms, message=exc.message)
    except OSError as exc:
        return Check(status="error", latency_ms=check.latency_ms, message=str(exc))
    return check


async def _checks(request: Request) -> dict[str, Check]:
    parts = request.app.state.parts

    async def database() -> None:
        await parts.db.ping()

    async def storage() -> None:
        await asyncio.to_thread(parts.storage.health)

    names = ["database", "storage", "engine", "mast", "semantic"]
    results = await asyncio.gather(
        _timed(database),
        _timed(storage),
        _timed(_service_probe(request.app.state.engine)),
        _timed(_service_probe(request.app.state.mast)),
        _semantic(request.app.state.engine),
    )
    checks = dict(zip(names, results, strict=True))
    if checks["storage"].status == "ok":
        checks["storage"] = await _disk_reserve(request.app.state.settings, checks["storage"])
    for name, check in checks.items():
        if check.status != "ok":
            log.warning("health: %s is %s: %s", name, check.status, check.message)
    return checks


def _answer(checks: dict[str, Check]) -> JSONResponse:
    ok = all(c.status == "ok" for c in checks.values())
    # A degraded part (semantic search without its model) leaves the service usable: 503
    # only when something is down.
    down = any(c.status == "error" for c in checks.values())
    body = Health(status="ok" if ok else "degraded", version=__version__, checks=checks)
    return JSONResponse(body.model_dump(), status_code=503 if down else 200)


@router.get(
    "/health",
    response_model=Health,
    summary="Health of the backend and everything it depends on (generic messages)",
    responses={503: {"model": Health, "description": "A dependency is unhealthy"}},
)
async def health(request: Request) -> JSONResponse:
    checks = await _checks(request)
    public = {
        name: c.model_copy(update={"message": _PUBLIC.get(c.status)}) for name, c in checks.items()
    }
    return _answer(public)


@router.get(
    "/health/details",
    response_model=Health,
    summary="Health with the reasons (administrators)",
    responses={503: {"model": Health, "description": "A dependency is unhealthy"}},
)
async def health_details(request: Request, _: AdminUser) -> JSONResponse:
    return _answer(await _checks(request))
