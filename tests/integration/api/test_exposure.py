"""What the public learns when parts are down (issue 12, item 10): generic health messages,
502s that do not name internal addresses, the reasons only for administrators. A real backend
whose engine and mast addresses answer nothing (port 9)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.support.api import register, sign_in
from tests.support.cluster import Cluster, start_cluster

pytestmark = pytest.mark.integration


@dataclass
class Lonely:
    cluster: Cluster
    url: str


@pytest.fixture(scope="module")
def lonely(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lonely]:
    cluster = start_cluster(tmp_path_factory.mktemp("lonely"))
    try:
        port = cluster.add_backend()  # ENGINE_URL and MAST_URL point at 127.0.0.1:9
        yield Lonely(cluster, f"http://127.0.0.1:{port}")
    finally:
        cluster.stop()


def test_public_health_is_generic(lonely: Lonely) -> None:
    r = httpx.get(f"{lonely.url}/api/health", timeout=30)
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert checks["database"]["status"] == "ok"
    for name in ("engine", "mast"):
        assert checks[name] == {**checks[name], "status": "error", "message": "unavailable"}
    for leak in ("127.0.0.1", ":9", "Error", "http://", str(lonely.cluster.root)):
        assert leak not in r.text, leak


def test_a_502_does_not_name_the_service_address(lonely: Lonely) -> None:
    r = httpx.post(f"{lonely.url}/api/mast/search", json={"mode": "program", "proposal_id": "2731"})
    assert r.status_code == 502 and r.json()["error"]["code"] == "mast_unreachable"
    assert "127.0.0.1" not in r.text and "http://" not in r.text


def test_administrators_see_the_reasons(lonely: Lonely) -> None:
    user = register(lonely.url, "healthadmin", login=False)
    promoted = subprocess.run(
        [sys.executable, "-m", "webbscope", "admin", "promote", user.username],
        env={"MONGODB_URI": lonely.cluster.db.uri, "PATH": "/usr/bin:/bin",
             "WEBBSCOPE_ENV": "test"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    sign_in(user)
    r = user.get("/api/health/details")
    assert r.status_code == 503
    assert "unreachable" in r.json()["checks"]["mast"]["message"]
    plain = register(lonely.url, "healthuser")
    assert plain.get("/api/health/details").status_code == 403
    assert httpx.get(f"{lonely.url}/api/health/details").status_code == 401
