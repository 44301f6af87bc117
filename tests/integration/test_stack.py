"""The whole local stack as real processes: `webbscope up` → database, backend, engine, mast."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually
from webbscope.devstack.process import free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    s = start_stack(tmp_path_factory.mktemp("stack"))
    yield s
    stop_stack(s)


def test_api_health_reports_every_dependency(stack: RunningStack) -> None:
    r = httpx.get(stack.url("backend", "/api/health"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "storage", "engine", "mast", "semantic"}
    assert all(c["status"] == "ok" for c in body["checks"].values())


@pytest.mark.parametrize("service", ["engine", "mast"])
def test_internal_services_require_the_credential(stack: RunningStack, service: str) -> None:
    assert httpx.get(stack.url(service, "/health")).status_code == 200  # liveness stays open
    r = httpx.get(stack.url(service, "/internal/whoami"))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "service_credential_required"
    r = httpx.get(stack.url(service, "/internal/whoami"), headers={"X-Service-Token": "wrong"})
    assert r.status_code == 401
    r = httpx.get(
        stack.url(service, "/internal/whoami"), headers={"X-Service-Token": stack.service_token}
    )
    assert r.status_code == 200 and r.json() == {"service": service}


def test_errors_use_the_shared_shape_and_carry_a_request_id(stack: RunningStack) -> None:
    r = httpx.get(
        stack.url("backend", "/api/no-such-route"), headers={"X-Request-ID": "req-12345678"}
    )
    assert r.status_code == 404
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert r.headers["x-request-id"] == "req-12345678"


def test_request_id_reaches_the_logs_as_json(stack: RunningStack) -> None:
    httpx.get(stack.url("backend", "/api/health"), headers={"X-Request-ID": "trace-abcdef99"})
    import json

    def entries() -> list[dict[str, object]]:
        lines = (stack.data_dir / "logs" / "backend.log").read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    # The request's log line is written after its response is sent.
    eventually(
        entries,
        lambda es: any(
            e.get("request_id") == "trace-abcdef99" and e.get("path") == "/api/health" for e in es
        ),
    )


@pytest.mark.parametrize("service", ["backend", "engine", "mast"])
def test_each_service_publishes_openapi(stack: RunningStack, service: str) -> None:
    r = httpx.get(stack.url(service, "/openapi.json"))
    assert r.status_code == 200
    assert r.json()["info"]["title"] == f"Webbscope {service}"


def test_health_degrades_when_a_service_stops(tmp_path: Path) -> None:
    """With mast unreachable, /api/health says so (503) and names it; nothing else breaks."""
    s = start_stack(tmp_path)
    try:
        mast_pid = _child_pid(s, "mast")
        os.kill(mast_pid, 9)
        r = httpx.get(s.url("backend", "/api/health"), timeout=10)
        assert r.status_code == 503
        checks = r.json()["checks"]
        assert checks["mast"]["status"] == "error"
        assert checks["database"]["status"] == "ok"
        # The public learns that mast is down, not where it lives or what raised (issue 12,
        # item 10): before, the message named the internal URL and the exception.
        assert checks["mast"]["message"] == "unavailable"
        mast_port = str(s.ports["mast"])
        assert mast_port not in r.text and "127.0.0.1" not in r.text and "Error" not in r.text
    finally:
        stop_stack(s)


def _child_pid(stack: RunningStack, name: str) -> int:
    for child in psutil.Process(stack.proc.pid).children(recursive=True):
        cmd = child.cmdline()
        if "serve" in cmd and name in cmd:
            return child.pid
    raise AssertionError(f"no {name} process under webbscope up")


def test_ctrl_c_leaves_no_process_behind(tmp_path: Path) -> None:
    s = start_stack(tmp_path)
    children = psutil.Process(s.proc.pid).children(recursive=True)
    assert len(children) >= 4  # database, engine, mast, backend
    stop_stack(s)
    assert s.proc.proc.returncode == 0
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left behind: {[p.cmdline() for p in alive]}"


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "webbscope", "serve", "backend", "--port", str(free_port())],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_default_secrets() -> None:
    r = _serve({"WEBBSCOPE_ENV": "production"})
    assert r.returncode == 2
    assert "JWT_SECRET must be set to a non-default secret" in r.stderr


def test_a_service_without_environment_or_secrets_refuses_to_start(tmp_path: Path) -> None:
    """A deployment that forgets WEBBSCOPE_ENV fails closed: production rules, no secrets."""
    unset = ("WEBBSCOPE_ENV", "JWT_SECRET", "INTERNAL_SERVICE_TOKEN")
    r = subprocess.run(
        [sys.executable, "-m", "webbscope", "serve", "backend", "--port", str(free_port())],
        env={k: v for k, v in os.environ.items() if k not in unset},
        cwd=tmp_path,  # no .env here
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2, r.stderr
    assert "JWT_SECRET must be set to a non-default secret when WEBBSCOPE_ENV=production" in (
        r.stderr
    )
    assert "INTERNAL_SERVICE_TOKEN must be set" in r.stderr
    assert "WEBBSCOPE_ENV is not set, so production rules apply" in r.stderr


def test_unreachable_database_at_start_up_is_named(tmp_path: Path) -> None:
    r = _serve(
        {
            "MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}",
            "MONGODB_TIMEOUT_MS": "200",
            "STARTUP_WAIT_S": "1",
            "DATA_DIR": str(tmp_path),
        }
    )
    assert r.returncode != 0
    assert "is unreachable" in r.stderr
