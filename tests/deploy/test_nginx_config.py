"""The nginx configs in deploy/nginx, checked with a real nginx.

The configs are copied to a temporary prefix, with the container paths, the listen ports and the
`backend:5000` upstream rewritten to loopback. Then `nginx -t` checks them, and two live nginx
processes (staging and production) are driven against a tiny ASGI upstream that echoes what it
received (HTTP) or the messages it is sent (WebSocket).

Needs the Debian package `nginx` (1.22 in bookworm) and `openssl`. A missing nginx fails the test:
the configs are a deliverable and must be checked.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.nginx import Nginx, NginxMissing, check, nginx_binary, prepare, running
from tests.support.nginx import free_port as _free_port
from tests.support.nginx import wait_port as _wait_port
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

INDEX_MARKER = "<!-- webbscope-spa-shell -->"
ASSET_NAME = "index-3f9a1c2b.js"


def _nginx_binary() -> str:
    try:
        return nginx_binary()
    except NginxMissing as exc:
        pytest.fail(str(exc))


# ----------------------------------------------------------------------------- upstream


async def _echo_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """HTTP: answer JSON describing the request. WebSocket: echo every text message."""
    if scope["type"] == "http":
        size = 0
        more = True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        payload = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "body_bytes": size,
        }
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"x-request-id", b"from-upstream"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
    elif scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or (message.get("bytes") or b"").decode()
            await send({"type": "websocket.send", "text": "echo:" + text})


@pytest.fixture(scope="module")
def upstream_port() -> Iterator[int]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(
        _echo_app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="nginx-test-upstream", daemon=True)
    thread.start()
    try:
        _wait_port(port)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# ----------------------------------------------------------------------------- nginx


def _prepare(tmp: Path, name: str, upstream: int, public_https_port: int | None = None) -> Nginx:
    ng = prepare(
        tmp,
        name,
        [f"127.0.0.1:{upstream}"],
        f"127.0.0.1:{upstream}",
        public_https_port=public_https_port,
    )
    html = ng.prefix / "html"
    (html / "index.html").write_text(
        f"<!doctype html><html><head><title>Webbscope</title></head>"
        f"<body>{INDEX_MARKER}<div id=root></div></body></html>\n"
    )
    (html / "assets" / ASSET_NAME).write_text("console.log('webbscope');\n" * 400)
    return ng


def _nginx_test(ng: Nginx) -> subprocess.CompletedProcess[str]:
    _nginx_binary()
    return check(ng)


def _running(ng: Nginx) -> contextlib.AbstractContextManager[Nginx]:
    _nginx_binary()
    return running(ng)


@pytest.fixture(scope="module")
def nginx_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _nginx_binary()
    return tmp_path_factory.mktemp("nginx")


@pytest.fixture(scope="module")
def staging(nginx_tmp: Path, upstream_port: int) -> Iterator[Nginx]:
    with _running(_prepare(nginx_tmp, "staging", upstream_port)) as ng:
        yield ng


@pytest.fixture(scope="module")
def prod(nginx_tmp: Path, upstream_port: int) -> Iterator[Nginx]:
    with _running(_prepare(nginx_tmp, "prod", upstream_port)) as ng:
        yield ng


@pytest.fixture(scope="module")
def prod_on_443(nginx_tmp: Path, upstream_port: int) -> Iterator[Nginx]:
    """Production as usually published: HTTPS_PORT=443 (nginx itself listens elsewhere here)."""
    with _running(_prepare(nginx_tmp, "prod-443", upstream_port, public_https_port=443)) as ng:
        yield ng


# ----------------------------------------------------------------------------- clients


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def _insecure_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _request(
    port: int,
    path: str,
    *,
    tls: bool = False,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    conn: http.client.HTTPConnection
    if tls:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=10, context=_insecure_context()
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def _ws_echo(url: str, tls: bool) -> str:
    from websockets.sync.client import connect

    ctx = _insecure_context() if tls else None
    with connect(url, ssl=ctx, open_timeout=5, close_timeout=2) as ws:
        ws.send("hello hub")
        return str(ws.recv(timeout=5))


# ----------------------------------------------------------------------------- nginx -t


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_nginx_t_accepts_config(name: str, nginx_tmp: Path) -> None:
    ng = _prepare(nginx_tmp / "syntax", name, 9)
    result = _nginx_test(ng)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


# ----------------------------------------------------------------------------- staging


def test_staging_proxies_api_with_forwarded_headers(staging: Nginx) -> None:
    reply = _request(staging.http_port, "/api/health?x=1", headers={"X-Request-ID": "req-42"})
    assert reply.status == 200
    seen = reply.json()
    assert seen["path"] == "/api/health"
    assert seen["query"] == "x=1"
    h = seen["headers"]
    assert h["x-forwarded-proto"] == "http"
    assert h["x-forwarded-for"] == "127.0.0.1"
    assert h["x-forwarded-host"] == "127.0.0.1"
    assert h["x-request-id"] == "req-42"
    assert reply.headers.get_all("X-Request-ID") == ["req-42"]


def test_staging_generates_request_id_and_rejects_junk_ids(staging: Nginx) -> None:
    reply = _request(staging.http_port, "/api/x", headers={"X-Request-ID": "bad id;<script>"})
    rid = reply.json()["headers"]["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert reply.headers["X-Request-ID"] == rid


def test_staging_spa_fallback_and_caching(staging: Nginx) -> None:
    deep = _request(staging.http_port, "/library/records/123")
    assert deep.status == 200
    assert INDEX_MARKER in deep.body.decode()
    assert deep.headers["Cache-Control"] == "no-cache"

    root = _request(staging.http_port, "/")
    assert root.status == 200 and INDEX_MARKER in root.body.decode()
    assert root.headers["Cache-Control"] == "no-cache"

    asset = _request(staging.http_port, f"/assets/{ASSET_NAME}")
    assert asset.status == 200
    assert asset.headers["Cache-Control"] == "max-age=31536000"

    missing = _request(staging.http_port, "/assets/index-00000000.js")
    assert missing.status == 404


def _connect_src(reply: Reply) -> list[str]:
    csp = reply.headers["Content-Security-Policy"]
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("connect-src"))
    return directive.split()[1:]


def test_staging_security_headers_without_hsts(staging: Nginx) -> None:
    reply = _request(staging.http_port, "/")
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert _connect_src(reply) == ["'self'", f"ws://127.0.0.1:{staging.http_port}"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in reply.headers
    assert "nginx/" not in reply.headers.get("Server", "")


def test_csp_connect_src_keeps_the_port_the_browser_used(staging: Nginx) -> None:
    """The hub is reached on the page's own host and port; a port other than 80 must stay."""
    on_8080 = _request(staging.http_port, "/", headers={"Host": "webbscope.example.org:8080"})
    assert _connect_src(on_8080) == ["'self'", "ws://webbscope.example.org:8080"]
    on_80 = _request(staging.http_port, "/", headers={"Host": "webbscope.example.org"})
    assert _connect_src(on_80) == ["'self'", "ws://webbscope.example.org"]
    v6 = _request(staging.http_port, "/", headers={"Host": "[::1]:8080"})
    assert _connect_src(v6) == ["'self'", "ws://[::1]:8080"]


def test_staging_gzip(staging: Nginx) -> None:
    reply = _request(
        staging.http_port, f"/assets/{ASSET_NAME}", headers={"Accept-Encoding": "gzip"}
    )
    assert reply.headers["Content-Encoding"] == "gzip"


def test_staging_uploads_are_large_and_unbuffered_elsewhere_small(staging: Nginx) -> None:
    body = b"\0" * (20 * 1024 * 1024)
    up = _request(staging.http_port, "/api/records/upload", method="POST", body=body)
    assert up.status == 200
    assert up.json()["body_bytes"] == len(body)
    other = _request(staging.http_port, "/api/jobs", method="POST", body=body)
    assert other.status == 413


def test_staging_healthz(staging: Nginx) -> None:
    reply = _request(staging.http_port, "/healthz")
    assert reply.status == 200 and reply.body == b"ok\n"


def test_staging_websocket_upgrade_on_hubs(staging: Nginx) -> None:
    assert _ws_echo(f"ws://127.0.0.1:{staging.http_port}/hubs/jobs", tls=False) == "echo:hello hub"


# ----------------------------------------------------------------------------- production


def test_prod_redirects_http_to_https_on_its_port(prod: Nginx) -> None:
    reply = _request(prod.http_port, "/library?page=2")
    assert reply.status == 301
    assert reply.headers["Location"] == f"https://127.0.0.1:{prod.https_port}/library?page=2"
    api = _request(prod.http_port, "/api/health", headers={"Host": "webbscope.example.org:8080"})
    assert api.status == 301
    assert api.headers["Location"] == f"https://webbscope.example.org:{prod.https_port}/api/health"
    assert _request(prod.http_port, "/healthz").status == 200


def test_prod_redirect_to_443_names_no_port(prod_on_443: Nginx) -> None:
    reply = _request(prod_on_443.http_port, "/library?page=2")
    assert reply.status == 301
    assert reply.headers["Location"] == "https://127.0.0.1/library?page=2"
    named = _request(prod_on_443.http_port, "/", headers={"Host": "webbscope.example.org"})
    assert named.headers["Location"] == "https://webbscope.example.org/"


def test_prod_serves_acme_challenges_over_http(prod: Nginx) -> None:
    challenge = prod.prefix / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "token123").write_text("token123.thumbprint")
    reply = _request(prod.http_port, "/.well-known/acme-challenge/token123")
    assert reply.status == 200 and reply.body == b"token123.thumbprint"


def test_prod_tls_with_hsts_and_csp(prod: Nginx) -> None:
    assert prod.https_port is not None
    reply = _request(prod.https_port, "/", tls=True)
    assert reply.status == 200 and INDEX_MARKER in reply.body.decode()
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csp = reply.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp
    assert _connect_src(reply) == ["'self'", f"wss://127.0.0.1:{prod.https_port}"]
    # Headers are inherited by every location, including assets and proxied responses.
    asset = _request(prod.https_port, f"/assets/{ASSET_NAME}", tls=True)
    assert asset.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    api = _request(prod.https_port, "/api/health", tls=True)
    assert api.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert api.headers["Content-Security-Policy"] == csp


def test_prod_proxies_api_with_forwarded_proto_https(prod: Nginx) -> None:
    assert prod.https_port is not None
    reply = _request(prod.https_port, "/api/me", tls=True, headers={"X-Forwarded-For": "6.6.6.6"})
    h = reply.json()["headers"]
    assert h["x-forwarded-proto"] == "https"
    assert h["x-forwarded-for"] == "127.0.0.1"  # a client-supplied chain is not trusted
    assert h["x-forwarded-port"] == str(prod.https_port)
    assert re.fullmatch(r"[0-9a-f]{32}", h["x-request-id"])


def _handshake(port: int, version: ssl.TLSVersion) -> str:
    ctx = _insecure_context()
    # Let the client offer old protocols, so a refusal is the server's doing.
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.maximum_version = version
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ctx.wrap_socket(raw) as tls,
    ):
        return f"{tls.version()} {tls.selected_alpn_protocol()}"


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_prod_tls_versions(prod: Nginx) -> None:
    assert prod.https_port is not None
    assert _handshake(prod.https_port, ssl.TLSVersion.TLSv1_3) == "TLSv1.3 h2"
    assert _handshake(prod.https_port, ssl.TLSVersion.TLSv1_2) == "TLSv1.2 h2"
    with pytest.raises(ssl.SSLError):
        _handshake(prod.https_port, ssl.TLSVersion.TLSv1_1)


def test_prod_websocket_upgrade_on_hubs(prod: Nginx) -> None:
    url = f"wss://127.0.0.1:{prod.https_port}/hubs/jobs"
    assert _ws_echo(url, tls=True) == "echo:hello hub"


def test_prod_nginx_log_has_request_ids(prod: Nginx) -> None:
    _request(prod.http_port, "/x", headers={"X-Request-ID": "trace-me-7"})
    log = prod.prefix / "logs" / "access.log"
    eventually(
        lambda: log.read_text() if log.exists() else "", lambda text: "id=trace-me-7" in text
    )


# ----------------------------------------------------------------------------- docs, CSP source


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_docs_site_is_served_under_docs(name: str, request: pytest.FixtureRequest) -> None:
    ng: Nginx = request.getfixturevalue(name)
    port, tls = (ng.https_port, True) if ng.https_port else (ng.http_port, False)
    assert port is not None
    moved = _request(port, "/docs", tls=tls)
    assert moved.status == 301 and moved.headers["Location"].endswith("/docs/")
    page = _request(port, "/docs/operations/?q=1", tls=tls)
    assert page.status == 200
    seen = page.json()  # the stand-in docs server echoes what it was asked
    assert seen["path"] == "/operations/" and seen["query"] == "q=1"
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    if tls:
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # Only the docs get inline scripts: the app keeps the strict policy.
    app = _request(port, "/", tls=tls).headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in app


def test_metrics_are_not_reachable_through_nginx(staging: Nginx) -> None:
    for path in ("/metrics", "/api/../metrics", "/hubs/../metrics"):
        reply = _request(staging.http_port, path)
        assert INDEX_MARKER in reply.body.decode(), path  # the SPA shell, never proxied
    # /api/metrics is proxied (the stand-in echoes it); the backend has no such route (its
    # /metrics is at the root), which tests/integration/test_metrics_prometheus.py checks.


def test_csp_follows_the_scheme_a_tls_proxy_reports(staging: Nginx) -> None:
    behind_tls = _request(staging.http_port, "/", headers={"X-Forwarded-Proto": "https"})
    assert "connect-src 'self' wss://127.0.0.1" in behind_tls.headers["Content-Security-Policy"]
    plain = _request(staging.http_port, "/")
    assert "connect-src 'self' ws://127.0.0.1" in plain.headers["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_front_door_sends_the_same_security_headers_as_nginx(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """`webbscope up`'s front door reads nginx's snippet: the same CSP, HSTS and companions."""
    from starlette.testclient import TestClient

    from webbscope.devstack.frontdoor import create_frontdoor

    ng: Nginx = request.getfixturevalue(name)
    tls = ng.https_port is not None
    port = ng.https_port if tls else ng.http_port
    assert port is not None
    from_nginx = _request(port, "/", tls=tls).headers
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    with TestClient(create_frontdoor(tmp_path, "http://127.0.0.1:9"), base_url=base) as door:
        from_door = door.get("/").headers
    for header in ("Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
                   "X-Frame-Options", "Referrer-Policy", "Permissions-Policy",
                   "Cross-Origin-Opener-Policy"):  # fmt: skip
        assert from_door.get(header) == from_nginx.get(header), header
    assert ("Strict-Transport-Security" in from_door) == tls


@pytest.fixture(scope="module")
def flooded(nginx_tmp: Path, upstream_port: int) -> Iterator[Nginx]:
    """A staging nginx of its own: the flood must not spend the shared one's budget."""
    with _running(_prepare(nginx_tmp, "staging-flood", upstream_port)) as ng:
        yield ng


def test_one_address_cannot_take_the_api_from_everyone(flooded: Nginx) -> None:
    """Fair share (issue 12, item 3): past its rate an address gets 429 in the API's error shape
    with Retry-After; before, nginx passed every request on."""
    from concurrent.futures import ThreadPoolExecutor

    def hit(_: int) -> Reply:
        return _request(flooded.http_port, "/api/records/x/tiles/0/0/0.png")

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(hit, range(400)))
    refused = [r for r in replies if r.status == 429]
    assert refused and len(refused) < 400
    body = refused[0].json()
    assert body["error"]["code"] == "rate_limited"
    assert refused[0].headers["Retry-After"] == "1"
    assert "nosniff" in refused[0].headers["X-Content-Type-Options"]
    # Sign-in has a tighter budget of its own (2/s, burst 20).
    auth = [_request(flooded.http_port, "/api/auth/login", method="POST", body=b"{}")
            for _ in range(40)]  # fmt: skip
    assert any(r.status == 429 for r in auth)
