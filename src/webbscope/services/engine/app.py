"""The engine ASGI app (internal: every route but /health needs the service credential)."""

from __future__ import annotations

from fastapi import FastAPI

from webbscope.jobs.registry import SERVICE_TYPES
from webbscope.jobs.runner import worker_hooks
from webbscope.services.common.app import create_service_app
from webbscope.services.engine import metrics
from webbscope.services.engine.routes import ROUTERS
from webbscope.services.engine.semantic.service import start_semantic, stop_semantic
from webbscope.services.engine.state import start_viewer, stop_viewer
from webbscope.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    start_worker, stop_worker = worker_hooks(SERVICE_TYPES["engine"])
    return create_service_app(
        "engine",
        settings or get_settings(),
        routers=ROUTERS,
        internal=True,
        on_startup=[start_viewer, start_semantic, start_worker],
        on_shutdown=[stop_worker, stop_semantic, stop_viewer],
        metric_families=metrics.families,
        description="The processing engine (internal). Viewer routes take the file's storage "
        "key and sha256 from the backend, which has checked the caller's access.",
    )
