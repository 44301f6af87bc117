"""Workers as real processes: killed with SIGKILL mid-job, and a CPU-bound job cancelled."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from webbscope.db import Database
from webbscope.db.events import EventReader
from webbscope.devstack.process import ManagedProcess
from webbscope.devstack.wiredb import WireDB
from webbscope.domain.jobs import Job, JobStatus
from webbscope.jobs import JobLimits, JobQueue

pytestmark = pytest.mark.integration


@pytest.fixture
def dbname() -> str:
    return f"w_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def start_worker(wiredb: WireDB, dbname: str, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    started: list[ManagedProcess] = []

    def start(types: str = "diagnostic.sleep,diagnostic.cpu", lease: float = 2.0) -> ManagedProcess:
        env = {
            **os.environ,
            "MONGODB_URI": wiredb.uri,
            "MONGODB_DB": dbname,
            "DATA_DIR": str(tmp_path / "data"),
            "JOBS_LEASE_S": str(lease),
            "JOBS_POLL_INTERVAL_S": "0.1",
            "WEBBSCOPE_ENV": "test",
        }
        proc = ManagedProcess(
            f"worker{len(started)}",
            [sys.executable, "-m", "webbscope", "worker", "--types", types, "--concurrency", "1"],
            log_path=tmp_path / f"worker{len(started)}.log",
            env=env,
        )
        started.append(proc)
        return proc

    yield start
    for p in started:
        p.stop()


async def _wait(queue: JobQueue, job_id: str, pred, limit_s: float = 30) -> Job:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        job = await queue.get(job_id)
        if pred(job):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached the state: {await queue.get(job_id)}")


@pytest.fixture
async def queue(wiredb: WireDB, dbname: str):  # type: ignore[no-untyped-def]
    db = Database(wiredb.uri, dbname)
    await db.ensure_indexes()
    yield JobQueue(db, JobLimits(max_attempts=3))
    await db.client.drop_database(dbname)
    await db.close()


async def test_killed_worker_job_finishes_exactly_once_elsewhere(
    queue: JobQueue, start_worker
) -> None:  # type: ignore[no-untyped-def]
    reader = await EventReader.at_head(queue.events)
    job = await queue.enqueue("diagnostic.sleep", "u1", {"seconds": 3, "steps": 30})
    first = start_worker()
    running = await _wait(
        queue, job.id, lambda j: j.status is JobStatus.running and j.progress.fraction > 0.1
    )
    assert running.lease is not None
    first.kill()  # SIGKILL: no clean-up, the lease simply stops being renewed
    second = start_worker()
    done = await _wait(queue, job.id, lambda j: j.status.final, limit_s=40)
    assert done.status is JobStatus.succeeded, done
    assert done.attempts == 2 and done.result == {"slept_s": 3.0}
    assert done.lease is None
    events = []
    while batch := await reader.poll():
        events += batch
    assert sum(1 for e in events if e.data["status"] == "succeeded") == 1
    assert second.alive()


async def test_worker_lost_after_the_last_attempt(queue: JobQueue, start_worker) -> None:  # type: ignore[no-untyped-def]
    job = await queue.enqueue(
        "diagnostic.sleep", "u1", {"seconds": 30, "steps": 30}, max_attempts=1
    )
    first = start_worker()
    await _wait(queue, job.id, lambda j: j.status is JobStatus.running)
    first.kill()
    start_worker()  # its reaper finds the expired lease
    failed = await _wait(queue, job.id, lambda j: j.status.final, limit_s=30)
    assert failed.status is JobStatus.failed and failed.error is not None
    assert failed.error.code == "worker_lost" and "worker lost" in failed.error.message


async def test_cancel_of_a_cpu_bound_job_stops_it_for_real(queue: JobQueue, start_worker) -> None:  # type: ignore[no-untyped-def]
    job = await queue.enqueue("diagnostic.cpu", "u1", {"seconds": 120}, compute=True)
    worker = start_worker()
    await _wait(queue, job.id, lambda j: j.status is JobStatus.running and j.progress.fraction > 0)
    # The work runs in a process forked by the worker's fork server (a grandchild).
    forkservers = [
        c for c in psutil.Process(worker.pid).children() if "forkserver" in " ".join(c.cmdline())
    ]
    spinning = [g for f in forkservers for g in f.children()]
    assert spinning, "the CPU-bound work should run in a child process"
    await queue.cancel(job.id)
    cancelled = await _wait(queue, job.id, lambda j: j.status.final, limit_s=10)
    assert cancelled.status is JobStatus.cancelled
    # How fast: bench/jobs_bench.py measures it (the issue asks for under 2 s).
    _gone, alive = psutil.wait_procs(spinning, timeout=2)
    assert not alive, "the child process must be terminated"
    # The worker is still healthy: it takes the next job.
    nxt = await queue.enqueue("diagnostic.sleep", "u1", {"seconds": 0.1})
    assert (await _wait(queue, nxt.id, lambda j: j.status.final)).status is JobStatus.succeeded
