"""The backend's clients for the internal services, opened at start-up."""

from __future__ import annotations

from fastapi import FastAPI

from webbscope.services.common.client import ServiceClient


async def open_clients(app: FastAPI) -> None:
    s = app.state.settings
    token = s.service_token.get_secret_value()
    app.state.engine = ServiceClient("engine", s.engine_url, token, s.service_timeout_s)
    app.state.mast = ServiceClient("mast", s.mast_url, token, s.service_timeout_s)


async def close_clients(app: FastAPI) -> None:
    await app.state.engine.aclose()
    await app.state.mast.aclose()
