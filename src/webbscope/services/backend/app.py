"""The backend ASGI app."""

from __future__ import annotations

from fastapi import FastAPI

from webbscope.services.backend import hub, metrics
from webbscope.services.backend.clients import close_clients, open_clients
from webbscope.services.backend.library_index import start_library, stop_library
from webbscope.services.backend.routes import (
    analysis,
    auth,
    composites,
    discover,
    health,
    jobs,
    mast,
    mosaics,
    records,
    search,
    users,
    viewer,
)
from webbscope.services.backend.routes import annotations as annotation_routes
from webbscope.services.backend.staging import start_staging_sweeper
from webbscope.services.backend.tile_cache import TileFastPath
from webbscope.services.common.app import create_service_app
from webbscope.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(
        "backend",
        settings or get_settings(),
        routers=[
            health.router,
            auth.router,
            users.router,
            search.router,
            discover.router,
            records.router,
            viewer.router,
            composites.router,
            mosaics.router,
            analysis.router,
            analysis.lines_router,
            annotation_routes.router,
            jobs.router,
            mast.router,
            hub.router,
        ],
        on_startup=[
            open_clients,
            hub.start_hub,
            start_library,
            viewer.open_tile_cache,
            start_staging_sweeper,
        ],
        on_shutdown=[stop_library, hub.stop_hub, close_clients],
        description="The public Webbscope API. Every error has the shape "
        '`{"error": {"code", "message", "details"}}`.',
        metric_families=metrics.families,
        metric_sample=metrics.sample,
        # Before routing: a kept tile is answered at once (and is not logged per request).
        edge=[TileFastPath],
    )
    return app
