"""Infrastructure failures keep their meaning: a database that cannot be reached is a 503
`database_unavailable` with Retry-After (never an authentication answer, never a 500), a full
disk is a 507, anything else unexpected stays a 500."""

from __future__ import annotations

import errno
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from webbscope.auth import create_access_token
from webbscope.services.backend.deps import user_from_token
from webbscope.services.common.errors import install_error_handlers
from webbscope.services.common.middleware import RequestIdMiddleware
from webbscope.settings import load_settings


def _app() -> FastAPI:
    app = FastAPI()
    app.state.settings = SimpleNamespace(database_retry_after_s=7)
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/db")
    async def db() -> None:
        raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")

    @app.get("/full")
    async def full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    @app.get("/denied")
    async def denied() -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    return app


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after() -> None:
    r = TestClient(_app(), raise_server_exceptions=False).get("/db")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "database_unavailable"
    assert r.headers["retry-after"] == "7"


def test_a_full_disk_is_a_507_and_other_os_errors_stay_500() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    r = client.get("/full")
    assert r.status_code == 507 and r.json()["error"]["code"] == "storage_full"
    r = client.get("/denied")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"


class _UsersAway:
    async def get(self, user_id: str) -> None:
        raise AutoReconnect("connection closed")


async def test_a_database_error_while_reading_the_account_is_not_an_auth_answer() -> None:
    settings = load_settings(environment="test")
    token, _ = create_access_token(
        "6b13a6802c8152e272c7f79f", "user", 0, settings.jwt_secret.get_secret_value(), 900
    )
    with pytest.raises(AutoReconnect):  # becomes the 503 above, not 401 "no longer exists"
        await user_from_token(token, settings, _UsersAway())  # type: ignore[arg-type]
