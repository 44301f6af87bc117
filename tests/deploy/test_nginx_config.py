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
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
NGINX_DIR = REPO / "deploy" / "nginx"
INDEX_MARKER = "<!-- webbscope-spa-shell -->"
ASSET_NAME = "index-3f9a1c2b.js"


def _nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        pytest.fail("nginx is not installed (Debian: apt-get install -y nginx)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


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


@dataclass
class Nginx:
    conf: Path
    prefix: Path
    http_port: int
    https_port: int | None


def _make_cert(certs: Path) -> None:
    certs.mkdir()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    shutil.copy(certs / "fullchain.pem", certs / "chain.pem")


def _sub(text: str, pattern: str, replacement: str, what: str) -> str:
    """Rewrite one thing the test must change; fail if the config no longer contains it."""
    new, count = re.subn(pattern, replacement, text)
    assert count, f"config drift: expected to find {what} ({pattern!r})"
    return new


def _render_templates(conf_dir: Path, env: dict[str, str]) -> None:
    """What the nginx image's entrypoint does at start: envsubst templates/*.template into
    conf.d/ (only variables set in the environment are replaced)."""
    out = conf_dir / "conf.d"
    out.mkdir(exist_ok=True)
    for template in (conf_dir / "templates").glob("*.template"):
        text = template.read_text()
        for key, value in env.items():
            text = text.replace("${" + key + "}", value)
        (out / template.name.removesuffix(".template")).write_text(text)


def _prepare(tmp: Path, name: str, upstream: int, public_https_port: int | None = None) -> Nginx:
    """`public_https_port`: the HTTPS_PORT the container is given (default: the port nginx
    really listens on for TLS, as when the host publishes it unchanged)."""
    prefix = tmp / name
    conf_dir = prefix / "conf"
    shutil.copytree(NGINX_DIR, conf_dir)
    for sub in ("logs", "html/assets", "acme", "temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    mime = Path("/etc/nginx/mime.types")
    if mime.exists():
        shutil.copy(mime, conf_dir / "mime.types")
    else:
        (conf_dir / "mime.types").write_text(
            "types { text/html html; text/css css; application/javascript js; "
            "application/json json; image/svg+xml svg; }\n"
        )
    html = prefix / "html"
    (html / "index.html").write_text(
        f"<!doctype html><html><head><title>Webbscope</title></head>"
        f"<body>{INDEX_MARKER}<div id=root></div></body></html>\n"
    )
    (html / "assets" / ASSET_NAME).write_text("console.log('webbscope');\n" * 400)

    conf = conf_dir / f"{name.split('-')[0]}.conf"
    text = conf.read_text()
    user = "user root;" if os.geteuid() == 0 else ""
    text = _sub(text, r"(?m)^user nginx;", user, "the worker user")
    text = _sub(text, r"/var/run/nginx\.pid", str(prefix / "nginx.pid"), "the pid path")
    text = _sub(text, r"/var/log/nginx/", f"{prefix}/logs/", "the error log")
    temp = prefix / "temp"
    text = _sub(
        text,
        r"(?m)^http \{",
        "http {\n"
        + "".join(
            f"    {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        "the http block",
    )
    http_port = _free_port()
    text = _sub(text, r"listen 3000 ", f"listen 127.0.0.1:{http_port} ", "listen 3000")
    https_port = None
    if "listen 443" in text:
        https_port = _free_port()
        text = _sub(text, r"listen 443 ", f"listen 127.0.0.1:{https_port} ", "listen 443")
        text = _sub(text, r"/var/www/acme", str(prefix / "acme"), "the ACME webroot")
        port = public_https_port if public_https_port is not None else https_port
        _render_templates(conf_dir, {"HTTPS_PORT": str(port)})
    conf.write_text(text)

    snippets = conf_dir / "snippets"
    for snippet in snippets.glob("*.conf"):
        s = snippet.read_text()
        s = s.replace("/var/log/nginx/", f"{prefix}/logs/")
        s = s.replace("/usr/share/nginx/html", str(html))
        s = s.replace("/etc/nginx/certs/", f"{prefix}/certs/")
        snippet.write_text(s)
    ups = snippets / "upstreams.conf"
    ups.write_text(
        _sub(ups.read_text(), r"server backend:5000;", f"server 127.0.0.1:{upstream};", "backend")
    )
    if https_port is not None:
        _make_cert(prefix / "certs")
    return Nginx(conf=conf, prefix=prefix, http_port=http_port, https_port=https_port)


def _nginx_test(ng: Nginx) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _nginx_binary(), "-t", "-c", str(ng.conf), "-p", str(ng.prefix),
            "-e", str(ng.prefix / "logs" / "startup.log"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip


@contextlib.contextmanager
def _running(ng: Nginx) -> Iterator[Nginx]:
    checked = _nginx_test(ng)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        [
            _nginx_binary(), "-c", str(ng.conf), "-p", str(ng.prefix),
            "-e", str(ng.prefix / "logs" / "startup.log"), "-g", "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for port in (ng.http_port, ng.https_port):
            if port is not None:
                try:
                    _wait_port(port)
                except TimeoutError:
                    proc.kill()
                    _, err = proc.communicate(timeout=5)
                    raise AssertionError(f"nginx did not start: {err.decode()}") from None
        yield ng
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


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
    deadline = time.monotonic() + 3
    log = prod.prefix / "logs" / "access.log"
    while time.monotonic() < deadline:
        if log.exists() and "id=trace-me-7" in log.read_text():
            return
        time.sleep(0.05)
    raise AssertionError("request id missing from the access log")
