"""The realtime hub does not outlive its token or its session (issue 12, item 7): a real
WebSocket that keeps talking is closed when its token expires, when the password changes and
when the account is disabled. The API stack re-checks every second (HUB_RECHECK_S=1)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import jwt
import pytest
import websockets

from tests.support.api import ApiUser
from tests.support.stack import RunningStack
from webbscope.settings import DEV_JWT_SECRET

pytestmark = pytest.mark.integration


def ws_url(stack: RunningStack) -> str:
    return f"ws://127.0.0.1:{stack.ports['backend']}/hubs/jobs"


async def _chatty_until_closed(url: str, token: str, act: Any = None) -> tuple[dict, int, float]:  # type: ignore[type-arg]
    """Connect, authenticate, run `act`, then send a ping every 0.2 s (a connection that keeps
    talking); the last error message, the close code and how long it stayed open after `act`."""
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
        if act is not None:
            await asyncio.to_thread(act)
        start = time.monotonic()
        last_error: dict = {}  # type: ignore[type-arg]
        try:
            while time.monotonic() - start < 15:
                await ws.send(json.dumps({"type": "ping"}))
                try:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 0.2))
                except TimeoutError:
                    continue
                if msg["type"] == "error":
                    last_error = msg["error"]
        except websockets.ConnectionClosed:
            # The ping may fail first: read what arrived before the close.
            try:
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 1))
                    if msg["type"] == "error":
                        last_error = msg["error"]
            except (websockets.ConnectionClosed, TimeoutError):
                pass
        return last_error, ws.close_code or 0, time.monotonic() - start


def test_an_expired_token_closes_a_busy_connection(api_stack: RunningStack, alice: ApiUser) -> None:
    now = int(time.time())
    short = jwt.encode(
        {"sub": alice.id, "role": "user", "sv": 0, "iat": now, "exp": now + 2,
         "iss": "webbscope", "typ": "access"},
        DEV_JWT_SECRET, algorithm="HS256",
    )  # fmt: skip
    error, close_code, after = asyncio.run(_chatty_until_closed(ws_url(api_stack), short))
    assert error.get("code") == "token_expired" and close_code == 4401, (error, close_code, after)


def test_a_password_change_closes_the_connection(api_stack: RunningStack, alice: ApiUser) -> None:
    def change() -> None:
        r = alice.post(
            "/api/users/me/password",
            json={"current_password": alice.password, "new_password": "another long passphrase"},
        )
        assert r.status_code == 200, r.text

    assert alice.token
    error, close_code, after = asyncio.run(
        _chatty_until_closed(ws_url(api_stack), alice.token, change)
    )
    assert error.get("code") == "session_ended" and close_code == 4401, (error, close_code, after)
    assert after < 10


def test_disabling_the_account_closes_the_connection(
    api_stack: RunningStack, bob: ApiUser, admin: ApiUser
) -> None:
    def disable() -> None:
        r = admin.patch(f"/api/users/{bob.id}/disabled", json={"disabled": True})
        assert r.status_code == 200, r.text

    assert bob.token
    error, close_code, _ = asyncio.run(_chatty_until_closed(ws_url(api_stack), bob.token, disable))
    assert error.get("code") == "account_disabled" and close_code == 4401
