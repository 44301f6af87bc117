"""The mast ASGI app (internal: every route but /health needs the service credential)."""

from __future__ import annotations

from fastapi import FastAPI

from webbscope.services.common.app import create_service_app
from webbscope.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app("mast", settings or get_settings(), internal=True)
