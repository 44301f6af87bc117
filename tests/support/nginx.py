"""The real nginx configurations (deploy/nginx) run locally: copied to a temporary prefix with
the container paths, the listen ports and the upstreams (`backend:5000`, `docs:8001`) rewritten
to loopback addresses. Used by the configuration tests, the replica test, and (as a command) by
the browser suite's TLS run:

    python -m tests.support.nginx --conf prod --root DIR --html frontend/dist \\
        --backend 127.0.0.1:5001 --docs 127.0.0.1:8001

prints `ready http=<port> https=<port>` and serves until it is terminated.

Needs Debian's `nginx` (1.22) and `openssl`; a missing nginx fails (never skips).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from webbscope.devstack.process import free_port

REPO = Path(__file__).resolve().parents[2]
NGINX_DIR = REPO / "deploy" / "nginx"


class NginxMissing(RuntimeError):
    pass


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise NginxMissing("nginx is not installed (Debian: apt-get install -y nginx)")
    return found


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


@dataclass
class Nginx:
    conf: Path
    prefix: Path
    http_port: int
    https_port: int | None


def make_cert(certs: Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    certs.mkdir(exist_ok=True)
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
    """Rewrite one thing the run must change; fail if the config no longer contains it."""
    new, count = re.subn(pattern, replacement, text)
    assert count, f"config drift: expected to find {what} ({pattern!r})"
    return new


def render_templates(conf_dir: Path, env: dict[str, str]) -> None:
    """What the nginx image's entrypoint does at start: envsubst templates/*.template into
    conf.d/ (only variables set in the environment are replaced)."""
    out = conf_dir / "conf.d"
    out.mkdir(exist_ok=True)
    for template in (conf_dir / "templates").glob("*.template"):
        text = template.read_text()
        for key, value in env.items():
            text = text.replace("${" + key + "}", value)
        (out / template.name.removesuffix(".template")).write_text(text)


def prepare(
    tmp: Path,
    name: str,
    backends: Sequence[str],
    docs: str,
    html: Path | None = None,
    extra_http: str = "",
    public_https_port: int | None = None,
) -> Nginx:
    """Copy `deploy/nginx/<conf>.conf` (`name` up to its first `-`) and its snippets under
    `tmp/name`, pointed at the given backend addresses (`host:port`, several for replicas) and
    docs address. `html` is the site root (default: an empty directory the caller fills);
    `extra_http` is appended to the http block (a test's own server blocks);
    `public_https_port` is the HTTPS_PORT the container is given (default: the port nginx really
    listens on for TLS, as when the host publishes it unchanged)."""
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
            "application/json json; image/svg+xml svg; application/wasm wasm; }\n"
        )
    root = html.resolve() if html is not None else prefix / "html"

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
    if extra_http:
        text = text.rstrip().removesuffix("}") + extra_http + "\n}\n"
    http_port = free_port()
    text = _sub(text, r"listen 3000 ", f"listen 127.0.0.1:{http_port} ", "listen 3000")
    https_port = None
    if "listen 443" in text:
        https_port = free_port()
        text = _sub(text, r"listen 443 ", f"listen 127.0.0.1:{https_port} ", "listen 443")
        text = _sub(text, r"/var/www/acme", str(prefix / "acme"), "the ACME webroot")
        port = public_https_port if public_https_port is not None else https_port
        render_templates(conf_dir, {"HTTPS_PORT": str(port)})
    conf.write_text(text)

    snippets = conf_dir / "snippets"
    for snippet in snippets.glob("*.conf"):
        s = snippet.read_text()
        s = s.replace("/var/log/nginx/", f"{prefix}/logs/")
        s = s.replace("/usr/share/nginx/html", str(root))
        s = s.replace("/etc/nginx/certs/", f"{prefix}/certs/")
        snippet.write_text(s)
    ups = snippets / "upstreams.conf"
    servers = "".join(f"server {b};\n    " for b in backends).rstrip()
    text = _sub(ups.read_text(), r"server backend:5000;", servers, "backend")
    ups.write_text(_sub(text, r"server docs:8001;", f"server {docs};", "docs"))
    if https_port is not None:
        make_cert(prefix / "certs")
    return Nginx(conf=conf, prefix=prefix, http_port=http_port, https_port=https_port)


def check(ng: Nginx) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the prepared configuration."""
    return subprocess.run(
        [
            nginx_binary(), "-t", "-c", str(ng.conf), "-p", str(ng.prefix),
            "-e", str(ng.prefix / "logs" / "startup.log"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip


@contextlib.contextmanager
def running(ng: Nginx) -> Iterator[Nginx]:
    checked = check(ng)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        [
            nginx_binary(), "-c", str(ng.conf), "-p", str(ng.prefix),
            "-e", str(ng.prefix / "logs" / "startup.log"), "-g", "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for port in (ng.http_port, ng.https_port):
            if port is not None:
                try:
                    wait_port(port)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--conf", choices=["staging", "prod"], required=True)
    parser.add_argument("--root", required=True, help="a scratch directory for the prefix")
    parser.add_argument("--html", required=True, help="the built frontend (frontend/dist)")
    parser.add_argument("--backend", action="append", required=True, help="host:port (repeat)")
    parser.add_argument("--docs", default="127.0.0.1:9", help="host:port of the docs site")
    args = parser.parse_args(argv)
    ng = prepare(Path(args.root), args.conf, args.backend, args.docs, html=Path(args.html))
    stop = False

    def on_signal(_sig: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with running(ng):
        print(f"ready http={ng.http_port} https={ng.https_port or ''}", flush=True)
        while not stop:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
