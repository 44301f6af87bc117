"""A service run with several uvicorn workers (mast in Compose: `--workers 2`) reports the
requests of all its workers on every scrape, whichever worker answers it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from webbscope.devstack.process import ManagedProcess, free_port
from webbscope.devstack.wiredb import WireDB

pytestmark = pytest.mark.integration


def _count(text: str, route: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "webbscope_http_request_duration_seconds_count" and s.labels["route"] == route
    )


def test_two_workers_share_their_metrics(wiredb: WireDB, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "WEBBSCOPE_ENV": "test", "MONGODB_URI": wiredb.uri,
           "MONGODB_DB": "t_metrics_workers", "DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    argv = [sys.executable, "-m", "webbscope", "serve", "mast", "--port", str(port)]
    with ManagedProcess(
        "mast", [*argv, "--workers", "2"], log_path=tmp_path / "mast.log", env=env
    ) as proc:
        url = f"http://127.0.0.1:{port}"
        proc.wait_ready(lambda: httpx.get(f"{url}/health", timeout=1).status_code == 200, 120)
        with httpx.Client(base_url=url) as client:
            for _ in range(30):  # new connections: both workers answer some of them
                assert httpx.get(f"{url}/nowhere").status_code == 404
            scrapes = [client.get("/metrics").text for _ in range(4)]
    assert {_count(text, "<unmatched>") for text in scrapes} == {30.0}
