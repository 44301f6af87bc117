"""A real Prometheus server (Debian's `prometheus`) scraping local services, and its query API."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from webbscope.devstack.process import ManagedProcess, free_port


@dataclass
class Prometheus:
    proc: ManagedProcess
    url: str

    def query(self, promql: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10)
        r.raise_for_status()
        body = r.json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def stop(self) -> None:
        self.proc.stop()


def start_prometheus(
    root: Path, targets: dict[str, list[str]], bearer_token: str | None = None
) -> Prometheus:
    """Scrape `/metrics` of `targets` (job name -> ["127.0.0.1:port", ...]) every second."""
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(binary).exists():
        pytest.fail("prometheus is not installed (Debian: apt-get install -y prometheus)")
    root.mkdir(parents=True, exist_ok=True)
    auth: dict[str, Any] = {}
    if bearer_token:
        token_file = root / "metrics-token"
        token_file.write_text(bearer_token)
        token_file.chmod(0o600)
        auth = {"authorization": {"type": "Bearer", "credentials_file": str(token_file)}}
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": job, "metrics_path": "/metrics", "static_configs": [{"targets": t}]} | auth
            for job, t in targets.items()
        ],
    }
    conf = root / "prometheus.yml"
    conf.write_text(json.dumps(config, indent=2))  # JSON is YAML
    port = free_port()
    proc = ManagedProcess(
        "prometheus",
        [
            binary,
            f"--config.file={conf}",
            f"--storage.tsdb.path={root / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        log_path=root / "prometheus.log",
    )
    url = f"http://127.0.0.1:{port}"
    proc.wait_ready(lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200, 60)
    return Prometheus(proc, url)
