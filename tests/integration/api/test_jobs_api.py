"""Jobs over HTTP and the WebSocket hub, against the running stack (its engine has a worker)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
import websockets

from tests.support.api import ApiUser, wait_job
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.db import Database
from webbscope.domain.jobs import Job
from webbscope.jobs import JobQueue

pytestmark = pytest.mark.integration


async def enqueue(stack: RunningStack, owner: ApiUser, type_: str, params: dict, **kw) -> Job:  # type: ignore[type-arg]
    db = Database(stack.mongodb_uri, "webbscope")
    try:
        return await JobQueue(db).enqueue(type_, owner.id, params, **kw)
    finally:
        await db.close()


def test_upload_produces_a_thumbnail_through_a_job(alice: ApiUser, i2d: Path) -> None:
    rec = alice.upload(i2d).json()["items"][0]["record"]
    jobs = alice.get("/api/jobs", params={"type": "thumbnail"}).json()
    job = next(j for j in jobs["items"] if j["params"]["record_id"] == rec["id"])
    done = wait_job(alice, job["id"])
    assert done["status"] == "succeeded", done
    thumb = alice.get(f"/api/records/{rec['id']}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content[:2] == b"\xff\xd8"
    assert alice.get(f"/api/records/{rec['id']}").json()["thumbnail_url"]


def test_jobs_routes_and_access(
    alice: ApiUser, bob: ApiUser, admin: ApiUser, api_stack: RunningStack
) -> None:
    job = asyncio.run(enqueue(api_stack, alice, "diagnostic.sleep", {"seconds": 5, "steps": 50}))
    assert alice.get(f"/api/jobs/{job.id}").status_code == 200
    assert bob.get(f"/api/jobs/{job.id}").status_code == 404  # not another user's
    assert admin.get(f"/api/jobs/{job.id}").status_code == 200
    assert bob.post(f"/api/jobs/{job.id}/cancel").status_code == 404
    assert job.id in {j["id"] for j in alice.get("/api/jobs").json()["items"]}
    assert job.id not in {j["id"] for j in bob.get("/api/jobs").json()["items"]}
    assert alice.get("/api/jobs", params={"status": "exploded"}).status_code == 422
    assert alice.get("/api/jobs/not-an-id").status_code == 422
    wait_job(alice, job.id, final=False)
    cancelled = alice.post(f"/api/jobs/{job.id}/cancel")
    assert cancelled.status_code == 200
    final = wait_job(alice, job.id)
    assert final["status"] == "cancelled"
    again = alice.post(f"/api/jobs/{job.id}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "job_finished"
    retried = alice.post(f"/api/jobs/{job.id}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    assert alice.post(f"/api/jobs/{job.id}/retry").status_code == 409
    assert httpx.get(api_stack.url("backend", "/api/jobs")).status_code == 401


def ws_url(stack: RunningStack) -> str:
    return f"ws://127.0.0.1:{stack.ports['backend']}/hubs/jobs"


async def _recv(ws, wait: float = 10) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(await asyncio.wait_for(ws.recv(), wait))  # type: ignore[no-any-return]


async def _hub_run(stack: RunningStack, alice: ApiUser, bob: ApiUser) -> None:
    async with websockets.connect(ws_url(stack)) as a, websockets.connect(ws_url(stack)) as b:
        await a.send(json.dumps({"type": "auth", "token": alice.token}))
        await b.send(json.dumps({"type": "auth", "token": bob.token}))
        assert (await _recv(a))["type"] == "ready"
        assert (await _recv(b))["type"] == "ready"
        await a.send(json.dumps({"type": "subscribe"}))
        await b.send(json.dumps({"type": "subscribe"}))
        job = await enqueue(stack, alice, "diagnostic.sleep", {"seconds": 1, "steps": 5})
        seen: list[dict] = []  # type: ignore[type-arg]
        while not seen or seen[-1]["status"] not in ("succeeded", "failed"):
            msg = await _recv(a)
            if msg["type"] == "job" and msg["job"]["id"] == job.id:
                seen.append(msg["job"])
        statuses = [j["status"] for j in seen]
        assert statuses[0] == "queued" and statuses[-1] == "succeeded"
        assert any(0 < j["progress"]["fraction"] < 1 for j in seen)
        # Bob saw nothing of Alice's job.
        with pytest.raises(TimeoutError):
            while True:
                msg = await _recv(b, wait=0.5)
                assert msg["type"] != "job" or msg["job"]["owner_id"] == bob.id
        # Subscribing to someone else's job is refused.
        await b.send(json.dumps({"type": "subscribe", "job_id": job.id}))
        err = await _recv(b)
        assert err["type"] == "error" and err["error"]["code"] == "job_not_found"
    # A reconnecting client gets the current state at once.
    async with websockets.connect(ws_url(stack)) as again:
        await again.send(json.dumps({"type": "auth", "token": alice.token}))
        await _recv(again)
        await again.send(json.dumps({"type": "subscribe", "job_id": job.id}))
        current = await _recv(again)
        assert current["type"] == "job" and current["job"]["status"] == "succeeded"


def test_hub_streams_own_jobs_only(alice: ApiUser, bob: ApiUser, api_stack: RunningStack) -> None:
    asyncio.run(_hub_run(api_stack, alice, bob))


async def _bad_auth(stack: RunningStack) -> None:
    for first in (
        json.dumps({"type": "auth", "token": "nope"}),
        "not json",
        json.dumps({"type": "subscribe"}),
    ):
        async with websockets.connect(ws_url(stack)) as ws:
            await ws.send(first)
            msg = await _recv(ws)
            assert msg["type"] == "error" and set(msg["error"]) == {"code", "message", "details"}
            with pytest.raises(websockets.ConnectionClosed) as info:
                await _recv(ws)
            assert info.value.rcvd is not None and info.value.rcvd.code == 4401


def test_hub_refuses_bad_tokens(api_stack: RunningStack) -> None:
    asyncio.run(_bad_auth(api_stack))


async def _thumbnail_then_list(stack: RunningStack, user: ApiUser, path: Path) -> None:
    async with websockets.connect(ws_url(stack)) as ws:
        await ws.send(json.dumps({"type": "auth", "token": user.token}))
        await _recv(ws)
        await ws.send(json.dumps({"type": "subscribe"}))
        record = user.upload(path).json()["items"][0]["record"]
        while True:
            msg = await _recv(ws, wait=60)
            job = msg.get("job") or {}
            if job.get("type") == "thumbnail" and job.get("status") == "succeeded":
                break
    # Seen from the hub as finished: the very next listing shows the thumbnail.
    listed = user.get("/api/records", params={"owner": "me"}).json()["items"]
    assert next(r for r in listed if r["id"] == record["id"])["thumbnail_url"]


def test_a_finished_job_s_records_are_listed_at_once(
    alice: ApiUser, api_stack: RunningStack, demo_dir: Path
) -> None:
    asyncio.run(
        _thumbnail_then_list(api_stack, alice, demo_dir / "jw02731-o002_t017_miri_f770w_i2d.fits")
    )


def test_every_path_that_adds_jobs_is_refused_at_the_active_limit(
    alice: ApiUser, api_stack: RunningStack, i2d: Path
) -> None:
    """Uploads (which queue a thumbnail per record) and retries used to bypass the limit."""
    # 50 jobs (JOBS_MAX_ACTIVE_PER_USER) of a type no worker serves: they stay queued.
    jobs = [asyncio.run(enqueue(api_stack, alice, "test.idle", {})) for _ in range(50)]
    try:
        r = alice.upload(i2d)
        assert r.status_code == 429, r.text
        error = r.json()["error"]
        assert error["code"] == "job_limit"
        assert error["details"]["setting"] == "JOBS_MAX_ACTIVE_PER_USER"
        assert "JOBS_MAX_ACTIVE_PER_USER" in error["message"] and r.headers["retry-after"]
        assert alice.get("/api/records", params={"owner": "me"}).json()["total"] == 0
        # A retry makes a finished job active again: refused the same way.
        assert alice.post(f"/api/jobs/{jobs[0].id}/cancel").status_code == 200
        asyncio.run(enqueue(api_stack, alice, "test.idle", {}))
        retried = alice.post(f"/api/jobs/{jobs[0].id}/retry")
        assert retried.status_code == 429
        assert retried.json()["error"]["details"]["setting"] == "JOBS_MAX_ACTIVE_PER_USER"
    finally:
        for job in alice.get("/api/jobs", params={"status": "queued", "limit": 200}).json()[
            "items"
        ]:
            alice.post(f"/api/jobs/{job['id']}/cancel")
    assert alice.upload(i2d).status_code == 201  # under the limit again


def test_a_thumbnail_waits_for_a_compute_slot(
    alice: ApiUser, api_stack: RunningStack, i2d: Path
) -> None:
    """JOBS_MAX_COMPUTE queues: with both compute slots (and the engine's two worker slots)
    busy, an upload's thumbnail waits, and the record says its thumbnail is not ready yet."""
    busy = [
        asyncio.run(enqueue(api_stack, alice, "diagnostic.cpu", {"seconds": 120}, compute=True))
        for _ in range(2)
    ]
    try:
        for job in busy:
            eventually(
                lambda job=job: alice.get(f"/api/jobs/{job.id}").json()["status"],
                lambda status: status == "running",
                timeout=30,
            )
        record = alice.upload(i2d).json()["items"][0]["record"]
        thumbs = alice.get("/api/jobs", params={"type": "thumbnail"}).json()["items"]
        thumb = next(j for j in thumbs if j["params"]["record_id"] == record["id"])
        assert alice.get(f"/api/jobs/{thumb['id']}").json()["status"] == "queued"
        waiting = alice.get(f"/api/records/{record['id']}/thumbnail")
        assert waiting.status_code == 404
        assert waiting.json()["error"]["code"] == "thumbnail_not_ready"
    finally:
        for job in busy:
            alice.post(f"/api/jobs/{job.id}/cancel")
    assert wait_job(alice, thumb["id"], timeout=60)["status"] == "succeeded"
    assert alice.get(f"/api/records/{record['id']}/thumbnail").status_code == 200
