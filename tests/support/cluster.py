"""Several backend replicas and workers as separate processes on one database (and one data
directory), for the realtime and library-consistency tests and the job and replica benchmarks."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from webbscope.devstack.process import ManagedProcess, free_port
from webbscope.devstack.wiredb import WireDB, start_wiredb


@dataclass
class Cluster:
    root: Path
    db: WireDB
    backends: list[tuple[ManagedProcess, int]] = field(default_factory=list)
    workers: list[ManagedProcess] = field(default_factory=list)
    db_name: str = "webbscope"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "WEBBSCOPE_ENV": "test",
            "MONGODB_URI": self.db.uri,
            "MONGODB_DB": self.db_name,
            "DATA_DIR": str(self.root / "data"),
            "JOBS_POLL_INTERVAL_S": "0.05",
            "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
            "ENGINE_URL": "http://127.0.0.1:9",
            "MAST_URL": "http://127.0.0.1:9",
            **extra,
        }

    def add_backend(self, **env: str) -> int:
        port = free_port()
        n = len(self.backends)
        proc = ManagedProcess(
            f"backend{n}",
            [sys.executable, "-m", "webbscope", "serve", "backend", "--port", str(port)],
            log_path=self.root / f"backend{n}.log",
            env=self.env(**env),
        )
        proc.wait_ready(
            lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200,
            60,
        )
        self.backends.append((proc, port))
        return port

    def add_worker(self, types: str, concurrency: int = 1, **env: str) -> ManagedProcess:
        n = len(self.workers)
        proc = ManagedProcess(
            f"worker{n}",
            [
                sys.executable,
                "-m",
                "webbscope",
                "worker",
                "--types",
                types,
                "--concurrency",
                str(concurrency),
            ],
            log_path=self.root / f"worker{n}.log",
            env=self.env(**env),
        )
        self.workers.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.workers:
            proc.stop()
        for proc, _ in self.backends:
            proc.stop()
        self.db.stop()


def start_cluster(root: Path) -> Cluster:
    root.mkdir(parents=True, exist_ok=True)
    return Cluster(root, start_wiredb(root / "db"))


#: Two library replicas that learn of each other's writes only from the record event log: the
#: periodic reconciliation is off, and the thumbnail jobs of many uploads (no worker runs them)
#: never reach the per-user limit.
LIBRARY_REPLICAS_ENV = {"LIBRARY_RECONCILE_INTERVAL_S": "0", "JOBS_MAX_ACTIVE_PER_USER": "100000"}


def start_replicas(root: Path, n: int = 2) -> Cluster:
    """`n` backend replicas on one database and one data directory (`LIBRARY_REPLICAS_ENV`)."""
    cluster = start_cluster(root)
    try:
        for _ in range(n):
            cluster.add_backend(**LIBRARY_REPLICAS_ENV)
    except BaseException:
        cluster.stop()
        raise
    return cluster
