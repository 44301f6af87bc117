"""An update written by a worker in its own process reaches hub clients on two backend
replicas (the database is the only thing they share)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.support.api import register
from tests.support.cluster import Cluster, start_cluster
from webbscope.db import Database
from webbscope.jobs import JobQueue

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = start_cluster(tmp_path)
    try:
        c.add_backend()
        c.add_backend()
        c.add_worker("diagnostic.sleep")
        c.add_worker("diagnostic.sleep")
        yield c
    finally:
        c.stop()


async def _watch(port: int, token: str, job_ready: asyncio.Event, out: list[dict]) -> None:  # type: ignore[type-arg]
    async with websockets.connect(f"ws://127.0.0.1:{port}/hubs/jobs") as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        await ws.recv()
        await ws.send(json.dumps({"type": "subscribe"}))
        job_ready.set()
        while not out or out[-1]["status"] != "succeeded":
            msg = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if msg["type"] == "job":
                out.append(msg["job"])


async def _run(cluster: Cluster) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    (_, p1), (_, p2) = cluster.backends
    user = register(f"http://127.0.0.1:{p1}")
    assert user.token
    seen1: list[dict] = []  # type: ignore[type-arg]
    seen2: list[dict] = []  # type: ignore[type-arg]
    r1, r2 = asyncio.Event(), asyncio.Event()
    t1 = asyncio.create_task(_watch(p1, user.token, r1, seen1))
    t2 = asyncio.create_task(_watch(p2, user.token, r2, seen2))
    await r1.wait()
    await r2.wait()
    db = Database(cluster.db.uri, cluster.db_name)
    await JobQueue(db).enqueue("diagnostic.sleep", user.id, {"seconds": 1, "steps": 4})
    await db.close()
    await asyncio.gather(t1, t2)
    return seen1, seen2


def test_both_replicas_deliver_every_update(cluster: Cluster) -> None:
    seen1, seen2 = asyncio.run(_run(cluster))
    fractions1 = [j["progress"]["fraction"] for j in seen1 if j["status"] == "running"]
    fractions2 = [j["progress"]["fraction"] for j in seen2 if j["status"] == "running"]
    assert seen1[0]["status"] == "queued"
    assert fractions1 == fractions2 and len(fractions1) >= 4
    assert seen1[-1]["status"] == seen2[-1]["status"] == "succeeded"
