"""The app factory every service uses: settings, logging, errors, request ids, lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from webbscope import __version__
from webbscope.db import Database
from webbscope.errors import ServiceUnavailable
from webbscope.logs import configure_logging
from webbscope.services.common.errors import ErrorResponse, install_error_handlers
from webbscope.services.common.internal import require_service_token
from webbscope.services.common.metrics import Families, Sampler, install_metrics
from webbscope.services.common.middleware import RequestIdMiddleware
from webbscope.settings import Settings
from webbscope.storage import StorageProvider, make_storage

log = logging.getLogger("webbscope.service")

Hook = Callable[[FastAPI], Awaitable[None]]


@dataclass
class ServiceParts:
    """What a service owns while it runs; kept on `app.state`."""

    db: Database | None = None
    storage: StorageProvider | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


async def _wait_for_database(db: Database, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            await db.ping()
            return
        except ServiceUnavailable:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


def create_service_app(
    name: str,
    settings: Settings,
    *,
    routers: Sequence[APIRouter] = (),
    internal: bool = False,
    uses_database: bool = True,
    uses_storage: bool = True,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    description: str = "",
    metric_families: Families | None = None,
    metric_sample: Sampler | None = None,
    edge: Sequence[Callable[[ASGIApp], ASGIApp]] = (),
) -> FastAPI:
    """Build a service app. `internal=True` (engine, mast) puts every router behind the
    service credential; only `/health` stays open for container health checks. Start-up fails
    with a clear error if the database or storage cannot be reached (after
    `settings.startup_wait_s`). Every service has `/metrics` (`metric_families` and
    `metric_sample` add its own); `edge` middleware runs inside the metrics layer, before
    routing (the backend's tile fast path)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(name, settings.log_level)
        parts: ServiceParts = app.state.parts
        if uses_database:
            parts.db = Database(
                settings.mongodb_uri, settings.mongodb_db, timeout_ms=settings.mongodb_timeout_ms
            )
            await _wait_for_database(parts.db, settings.startup_wait_s)
            await parts.db.ensure_indexes()
        if uses_storage:
            parts.storage = make_storage(settings)
            await asyncio.to_thread(parts.storage.health)
        for hook in on_startup:
            await hook(app)
        # What start-up made (modules, the app, its clients: hundreds of thousands of objects)
        # lives as long as the process: the cyclic collector no longer walks it. Without this
        # each full collection under load stopped the service for 150-350 ms.
        gc.collect()
        gc.freeze()
        log.info("%s started", name, extra={"version": __version__})
        try:
            yield
        finally:
            for hook in reversed(on_shutdown):
                await hook(app)
            for task in parts.tasks:
                task.cancel()
            if parts.tasks:
                await asyncio.gather(*parts.tasks, return_exceptions=True)
            if parts.db is not None:
                await parts.db.close()
            log.info("%s stopped", name)

    app = FastAPI(
        # The services export Prometheus metrics (`metrics`), not OpenTelemetry: with FastAPI's
        # native telemetry on, every request asked the global providers (and the environment)
        # whether to trace it, about 8 % of the engine's time per cached tile.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title=f"Webbscope {name}",
        version=__version__,
        description=description,
        lifespan=lifespan,
        responses={
            "4XX": {"model": ErrorResponse, "description": "Client error"},
            "5XX": {"model": ErrorResponse, "description": "Server error"},
        },
    )
    app.state.settings = settings
    app.state.parts = ServiceParts()
    install_error_handlers(app)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestIdMiddleware)
    for middleware in edge:
        app.add_middleware(middleware)
    install_metrics(app, metric_families, metric_sample)

    @app.get("/health", tags=["health"], summary="Liveness of this process")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": name, "version": __version__}

    guard = [Depends(require_service_token)] if internal else []
    if internal:
        app.include_router(_whoami_router(name), dependencies=guard)
    for router in routers:
        app.include_router(router, dependencies=guard)
    return app


def _whoami_router(name: str) -> APIRouter:
    router = APIRouter(prefix="/internal", tags=["internal"])

    @router.get("/whoami", summary="Confirm that the caller holds the service credential")
    async def whoami() -> dict[str, str]:
        return {"service": name}

    return router
