"""Degraded states of semantic search, each on its own stack: missing model files (health says
`semantic: degraded` with the reason, keyword search keeps working) and an index built with
another model (detected at start-up, not served, rebuilt by a job); and a second engine
replica agrees with the first on what is indexed."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.api import register, sign_in
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually
from webbscope.devstack.process import ManagedProcess, free_port

# Each of these waits for an engine to load the real model, on a shared 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def _internal(stack: RunningStack, path: str, port: int | None = None) -> dict[str, object]:
    base = f"http://127.0.0.1:{port}" if port else stack.url("engine")
    r = httpx.get(base + path, headers={"X-Service-Token": stack.service_token}, timeout=10)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_missing_model_files_degrade_semantic_search_only(tmp_path: Path, demo_dir: Path) -> None:
    stack = start_stack(tmp_path, env={"SEMANTIC_MODEL_DIR": str(tmp_path / "no-model")})
    try:
        health = httpx.get(stack.url("backend", "/api/health"), timeout=10)
        assert health.status_code == 200  # usable: nothing is down
        check = health.json()["checks"]["semantic"]
        assert check["status"] == "degraded" and "model files missing" not in health.text
        alice = register(stack.url("backend"), "alice", login=False)
        assert stack.run_admin("promote", alice.username).returncode == 0
        sign_in(alice)  # the reason is for administrators
        detail = alice.get("/api/health/details").json()["checks"]["semantic"]
        assert detail["status"] == "degraded" and "model files missing" in detail["message"]
        assert alice.upload(demo_dir / "jw02731-o002_t017_miri_f770w_i2d.fits").status_code == 201
        body = alice.get("/api/search", params={"q": "MIRI F770W"}).json()
        assert body["mode"] == "keyword" and "model files missing" in body["degraded"]
        assert [i["record"]["file_name"] for i in body["items"]] == [
            "jw02731-o002_t017_miri_f770w_i2d.fits"
        ]
    finally:
        stop_stack(stack)


@pytest.fixture
def mismatched(tmp_path: Path) -> Iterator[RunningStack]:
    """A stack whose stored index was built with another model."""
    (tmp_path / "semantic" / "v1").mkdir(parents=True)
    (tmp_path / "semantic" / "v1" / "ids.json").write_text("{}")
    manifest = {
        "format": 1,
        "version": "v1",
        "model": "some-other-model@1/384",
        "model_name": "x",
        "model_version": "1",
        "dimension": 384,
        "count": 0,
        "seq": 0,
        "files": {"ids.json": "0" * 64},
        "created_at": "2024-01-01T00:00:00+00:00",
    }
    (tmp_path / "semantic" / "manifest.json").write_text(json.dumps(manifest))
    stack = start_stack(tmp_path)
    yield stack
    stop_stack(stack)


def test_an_index_of_another_model_is_rebuilt_not_served(mismatched: RunningStack) -> None:
    first = _internal(mismatched, "/internal/semantic/status")
    assert first["state"] in ("rebuilding", "ready")  # ready only once the rebuild is done
    if first["state"] == "rebuilding":
        assert "some-other-model" in str(first["reason"])
    status = eventually(
        lambda: _internal(mismatched, "/internal/semantic/status"),
        lambda s: s["state"] == "ready",
        300,
    )
    assert status["snapshot"] is not None
    manifest = json.loads((mismatched.data_dir / "semantic" / "manifest.json").read_text())
    assert manifest["model"].startswith("sentence-transformers/all-MiniLM-L6-v2@")
    assert not (mismatched.data_dir / "semantic" / "v1").exists()  # the old files are gone


def test_two_engine_replicas_agree(api_stack: RunningStack, demo_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "WEBBSCOPE_ENV": "test",
        "MONGODB_URI": api_stack.mongodb_uri,
        "DATA_DIR": str(api_stack.data_dir),
        "WORKER_CONCURRENCY": "1",
    }
    replica = ManagedProcess(
        "engine2",
        [sys.executable, "-m", "webbscope", "serve", "engine", "--port", str(port)],
        log_path=tmp_path / "engine2.log",
        env=env,
    )
    replica.wait_ready(
        lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200, 120
    )
    try:
        dave = register(api_stack.url("backend"), "dave")
        r = dave.upload(demo_dir / "jw02731-o001_t017_nircam_clear-f200w_i2d.fits")
        assert r.status_code == 201, r.text

        def both() -> tuple[object, object]:
            return (
                _internal(api_stack, "/internal/semantic/status")["count"],
                _internal(api_stack, "/internal/semantic/status", port)["count"],
            )

        # Both follow the same changes: the same count once the upload is embedded.
        eventually(both, lambda c: c[0] == c[1] and int(str(c[0])) > 0, 240)
        query = {"text": "infrared image of a star-forming cliff", "k": 20, "is_admin": True}

        def answers() -> list[list[str] | None]:
            out: list[list[str] | None] = []
            for base in (api_stack.url("engine"), f"http://127.0.0.1:{port}"):
                r = httpx.post(
                    base + "/internal/semantic/search",
                    json=query,
                    headers={"X-Service-Token": api_stack.service_token},
                    timeout=60,
                )
                # 503 while a replica's model is still loading
                out.append([i["id"] for i in r.json()["items"]] if r.status_code == 200 else None)
            return out

        both_answer = eventually(answers, lambda a: None not in a, 480)
        assert both_answer[0] == both_answer[1]
    finally:
        replica.stop()
