"""The backend's clients for the internal services, opened at start-up."""

from __future__ import annotations

from fastapi import FastAPI

from webbscope.services.common.client import ServiceClient

#: Connections of the engine client that carries tiles only. Tiles are short, so a few
#: connections keep the engine busy, and each request checks fewer pooled ones: with 8 instead
#: of 32 the backend spent a quarter less CPU per new tile (bench/engine_bench.py). Exports,
#: previews and analyses use the other client, so they never hold up tiles.
TILE_CONNECTIONS = 8


async def open_clients(app: FastAPI) -> None:
    s = app.state.settings
    token = s.service_token.get_secret_value()
    app.state.engine = ServiceClient("engine", s.engine_url, token, s.service_timeout_s)
    app.state.engine_tiles = ServiceClient(
        "engine", s.engine_url, token, s.service_timeout_s, TILE_CONNECTIONS
    )
    app.state.mast = ServiceClient("mast", s.mast_url, token, s.service_timeout_s)


async def close_clients(app: FastAPI) -> None:
    await app.state.engine.aclose()
    await app.state.engine_tiles.aclose()
    await app.state.mast.aclose()
