"""The Kubernetes topology (deploy/k8s) as local processes: 2 backends, 2 engines and 2 mast
services on one database and one store, behind the real nginx. The public side is the staging
configuration (deploy/nginx/staging.conf) with both backends in its upstream; the two internal
Services are stood in for by round-robin nginx upstreams (what kube-proxy does in the cluster).

Uploads, archive imports, jobs and hub events must flow across the replicas: a hub client on
either backend (or through nginx) sees every change, whichever replica or worker made it; every
replica serves requests; and each backend lists what the others made."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from tests.support.api import ApiUser, register
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.nginx import Nginx, prepare, running
from tests.support.wait import eventually
from webbscope.devstack.mast_server import MastServer, start_mast_server
from webbscope.devstack.process import ManagedProcess, free_port
from webbscope.devstack.wiredb import WireDB, start_wiredb

pytestmark = pytest.mark.integration


def _internal_services(engines: list[int], masts: list[int], engine_lb: int, mast_lb: int) -> str:
    """Two Kubernetes Services: a port each, round-robin over the replicas."""
    out = []
    for name, ports, lb in (("engine", engines, engine_lb), ("mast", masts, mast_lb)):
        servers = " ".join(f"server 127.0.0.1:{p};" for p in ports)
        out.append(
            f"""
    upstream {name}_service {{ {servers} keepalive 8; }}
    server {{
        listen 127.0.0.1:{lb};
        client_max_body_size 0;
        location / {{
            proxy_pass http://{name}_service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 300s;
        }}
    }}"""
        )
    return "".join(out)


@dataclass
class Topology:
    root: Path
    db: WireDB
    archive: MastServer
    nginx: Nginx
    backends: list[int]
    engines: list[int]
    masts: list[int]
    procs: list[ManagedProcess] = field(default_factory=list)

    @property
    def public(self) -> str:
        return f"http://127.0.0.1:{self.nginx.http_port}"


def _serve(root: Path, service: str, port: int, env: dict[str, str], n: int) -> ManagedProcess:
    return ManagedProcess(
        f"{service}{n}",
        [sys.executable, "-m", "webbscope", "serve", service, "--port", str(port)],
        log_path=root / "logs" / f"{service}{n}.log",
        env=env,
    )


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    root = tmp_path_factory.mktemp("replicas")
    db = start_wiredb(root / "db")
    archive = start_mast_server(root / "archive", size=64, log_path=root / "logs" / "archive.log")
    backends, engines, masts = ([free_port() for _ in range(2)] for _ in range(3))
    engine_lb, mast_lb = free_port(), free_port()
    env = {
        **os.environ,
        "WEBBSCOPE_ENV": "test",
        "MONGODB_URI": db.uri,
        "DATA_DIR": str(root / "data"),
        "ENGINE_URL": f"http://127.0.0.1:{engine_lb}",
        "MAST_URL": f"http://127.0.0.1:{mast_lb}",
        "MAST_SERVER_URL": archive.url,
        "JOBS_POLL_INTERVAL_S": "0.1",
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "MAST_SEARCH_CACHE_TTL_S": "0",
    }
    ng = prepare(
        root,
        "staging",
        [f"127.0.0.1:{p}" for p in backends],
        "127.0.0.1:9",
        extra_http=_internal_services(engines, masts, engine_lb, mast_lb),
    )
    (ng.prefix / "html" / "index.html").write_text("<!doctype html><div id=root></div>")
    topo = Topology(root, db, archive, ng, backends, engines, masts)
    try:
        with running(ng):
            for service, ports in (("engine", engines), ("mast", masts), ("backend", backends)):
                for n, port in enumerate(ports):
                    topo.procs.append(_serve(root, service, port, env, n))
            for proc, port in zip(topo.procs, engines + masts + backends, strict=True):
                proc.wait_ready(
                    lambda p=port: httpx.get(f"http://127.0.0.1:{p}/health", timeout=1).is_success,
                    120,
                )
            yield topo
    finally:
        for proc in reversed(topo.procs):
            proc.stop()
        archive.stop()
        db.stop()


class HubWatcher:
    """A hub client in a thread, keeping every job state it is sent."""

    def __init__(self, url: str, token: str) -> None:
        self.jobs: dict[str, list[str]] = {}
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, token), daemon=True)
        self._thread.start()
        assert self.ready.wait(20), f"hub at {url} did not become ready"

    def _run(self, url: str, token: str) -> None:
        with connect(url, open_timeout=10) as ws:
            ws.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(ws.recv(timeout=10))["type"] == "ready"
            ws.send(json.dumps({"type": "subscribe"}))
            self.ready.set()
            while not self._stop.is_set():
                try:
                    msg = json.loads(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                if msg["type"] == "job":
                    job = msg["job"]
                    self.jobs.setdefault(job["id"], []).append(job["status"])
                elif msg["type"] == "ping":
                    ws.send(json.dumps({"type": "pong"}))

    def finished(self, job_id: str) -> bool:
        return "succeeded" in self.jobs.get(job_id, [])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


def _requests_served(port: int, route_part: str = "") -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if (
                s.name == "webbscope_http_request_duration_seconds_count"
                and route_part in s.labels["route"]
            ):
                total += s.value
    return total


def _wait_job(user: ApiUser, job_id: str, timeout: float = 180) -> dict[str, Any]:
    return eventually(
        lambda: user.get(f"/api/jobs/{job_id}").json(),
        lambda j: j["status"] in ("succeeded", "failed", "cancelled"),
        timeout,
    )


def test_uploads_imports_jobs_and_hub_events_flow_across_replicas(
    topology: Topology, tmp_path: Path
) -> None:
    user = register(topology.public, "replica")
    assert user.token
    hubs = [
        HubWatcher(f"ws://127.0.0.1:{topology.backends[0]}/hubs/jobs", user.token),
        HubWatcher(f"ws://127.0.0.1:{topology.backends[1]}/hubs/jobs", user.token),
        HubWatcher(f"ws://127.0.0.1:{topology.nginx.http_port}/hubs/jobs", user.token),  # upgrade
    ]
    try:
        # An upload through nginx: a record, and a thumbnail job for an engine's worker.
        image = write_image(
            tmp_path / "r_i2d.fits", gradient(256, 256), header=sky_header(256, 256)
        )
        added = user.upload(image)
        assert added.status_code == 201, added.text
        record_id = added.json()["items"][0]["record"]["id"]
        # Archive searches and an import through nginx: the mast replicas and their workers.
        found = []
        for radius in (0.2, 0.3, 0.4, 0.5):
            body = {"mode": "target", "target": "NGC 3324", "radius": radius}
            r = user.post("/api/mast/search", json=body)
            assert r.status_code == 200, r.text
            found += r.json()["items"]
        assert found
        imported = user.post("/api/mast/import", json={"obsids": [found[0]["obsid"]]})
        assert imported.status_code == 202, imported.text
        import_job = imported.json()["id"]
        # Tiles through nginx: each render request may go to either engine.
        for level, cmap in [(0, "gray"), (0, "inferno"), (0, "magma"), (0, "viridis")]:
            tile = user.get(
                f"/api/records/{record_id}/tiles/{level}/0/0.png", params={"cmap": cmap}
            )
            assert tile.status_code == 200, tile.text

        assert _wait_job(user, import_job)["status"] == "succeeded"
        jobs = user.get("/api/jobs").json()["items"]
        thumbnail_jobs = [j["id"] for j in jobs if j["type"] == "thumbnail"]
        assert thumbnail_jobs
        for job_id in thumbnail_jobs:
            assert _wait_job(user, job_id)["status"] == "succeeded"
        # Every hub client (either backend, or through nginx) saw every job finish.
        for hub in hubs:
            for job_id in [import_job, *thumbnail_jobs]:
                eventually(lambda h=hub, j=job_id: h.finished(j), bool, 30)
    finally:
        for hub in hubs:
            hub.close()

    # Each backend lists the same library: the upload (made on one of them) and the imported
    # records (made by a mast worker), learnt from the event log.
    listings = []
    for port in topology.backends:
        direct = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=user.auth, timeout=30)
        listings.append(
            eventually(
                lambda c=direct: _listed_ids(c),
                lambda ids: record_id in ids and len(ids) >= 2,
                30,
            )
        )
    assert listings[0] == listings[1]

    # Every replica served: both backends (behind nginx), both engines, both mast services.
    for port in topology.backends:
        assert _requests_served(port, "/api/") > 0, f"backend :{port}"
    for port in topology.engines:
        assert _requests_served(port, "tiles") > 0, f"engine :{port}"
    for port in topology.masts:
        assert _requests_served(port, "/internal/search") > 0, f"mast :{port}"


def _listed_ids(client: httpx.Client) -> list[str]:
    r = client.get("/api/records")
    assert r.status_code == 200, r.text
    return sorted(i["id"] for i in r.json()["items"])
