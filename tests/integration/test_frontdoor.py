"""The front door of `webbscope up` (the built frontend, /api and /hubs proxied), run for real
with a stand-in backend: it passes cookies through and never keeps them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from webbscope.devstack.process import ManagedProcess, free_port

pytestmark = pytest.mark.integration

BACKEND = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def login(request):
    r = JSONResponse({"ok": True})
    r.set_cookie("webbscope_refresh", request.query_params["who"], path="/api/auth",
                 httponly=True)
    return r

async def whoami(request):
    return JSONResponse({"cookie": request.cookies.get("webbscope_refresh"),
                         "forwarded_for": request.headers.get("x-forwarded-for")})

app = Starlette(routes=[Route("/api/auth/login", login, methods=["POST"]),
                        Route("/api/auth/whoami", whoami)])
"""


@pytest.fixture
def door(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "fake_backend.py").write_text(BACKEND)
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Webbscope</title>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    bport, dport = free_port(), free_port()
    backend = ManagedProcess(
        "fake-backend",
        [sys.executable, "-m", "uvicorn", "fake_backend:app", "--port", str(bport)],
        log_path=tmp_path / "backend.log",
        cwd=tmp_path,
    )
    frontdoor = ManagedProcess(
        "frontdoor",
        [
            sys.executable,
            "-m",
            "webbscope",
            "frontdoor",
            "--port",
            str(dport),
            "--dist",
            str(dist),
            "--backend",
            f"http://127.0.0.1:{bport}",
        ],
        log_path=tmp_path / "frontdoor.log",
    )
    url = f"http://127.0.0.1:{dport}"
    try:
        backend.wait_ready(
            lambda: httpx.get(f"http://127.0.0.1:{bport}/api/auth/whoami").is_success
        )
        frontdoor.wait_ready(lambda: httpx.get(url + "/").is_success)
        yield url
    finally:
        frontdoor.stop()
        backend.stop()


def test_cookies_reach_their_owner_only(door: str) -> None:
    alice, stranger = httpx.Client(base_url=door), httpx.Client(base_url=door)
    assert alice.post("/api/auth/login", params={"who": "alice"}).status_code == 200
    assert alice.get("/api/auth/whoami").json()["cookie"] == "alice"
    assert stranger.get("/api/auth/whoami").json()["cookie"] is None


def test_proxied_api_answers_carry_the_security_headers(door: str) -> None:
    """Before: only the static files had them (issue 12, item 12)."""
    r = httpx.get(door + "/api/auth/whoami")
    assert r.status_code == 200
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options",
                 "referrer-policy", "cross-origin-opener-policy"):  # fmt: skip
        assert name in r.headers, name
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers.get_list("x-frame-options") == ["DENY"]  # once, not twice


def test_spa_fallback_assets_and_security_headers(door: str) -> None:
    page = httpx.get(door + "/library/anything")
    assert page.status_code == 200 and "<title>Webbscope" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    port = door.rsplit(":", 1)[1]
    # The hub on this page's own host and port, nothing wider (no bare ws:/wss: schemes).
    assert f"connect-src 'self' ws://127.0.0.1:{port};" in csp
    named = httpx.get(door + "/", headers={"Host": "webbscope.test:8080"})
    assert (
        "connect-src 'self' ws://webbscope.test:8080;" in named.headers["content-security-policy"]
    )
    junk = httpx.get(door + "/", headers={"Host": "x; script-src *"})
    assert "script-src *" not in junk.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-cache"
    asset = httpx.get(door + "/assets/app-1234.js")
    assert "immutable" in asset.headers["cache-control"]
    assert httpx.get(door + "/../../etc/passwd").text.startswith("<!doctype html>")
