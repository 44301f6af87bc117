"""The queue's state machine against the real wire-protocol database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bson import ObjectId

from tests.support.faults import CuttingProxy
from tests.support.wait import eventually_async
from webbscope.db import Database
from webbscope.db.events import EventLog, EventReader
from webbscope.devstack.wiredb import WireDB
from webbscope.domain.jobs import JobError, JobStatus, Progress
from webbscope.errors import Conflict, TooManyRequests
from webbscope.jobs import JobLimits, JobQueue
from webbscope.jobs.worker import JobContext
from webbscope.settings import load_settings
from webbscope.storage import make_storage

pytestmark = pytest.mark.integration


@pytest.fixture
async def queue(database: Database) -> JobQueue:
    await database.ensure_indexes()
    return JobQueue(
        database,
        JobLimits(max_active_per_user=5, max_running_per_user=2, max_compute=1, max_attempts=2),
    )


async def test_claim_takes_the_oldest_of_its_types(queue: JobQueue) -> None:
    a = await queue.enqueue("a", "u1")
    b = await queue.enqueue("b", "u1")
    a2 = await queue.enqueue("a", "u1")
    first = await queue.claim("w1", ["a"], 30)
    assert first is not None and first.id == a.id and first.status is JobStatus.running
    assert first.attempts == 1 and first.lease is not None and first.lease.worker == "w1"
    second = await queue.claim("w1", ["a", "b"], 30)
    assert second is not None and second.id == b.id
    assert await queue.claim("w2", ["c"], 30) is None
    # u1 now has 2 running: its running limit keeps a2 queued.
    assert await queue.claim("w2", ["a"], 30) is None
    assert (await queue.get(a2.id)).status is JobStatus.queued


async def test_progress_and_completion_are_final(queue: JobQueue) -> None:
    job = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 30)
    assert await queue.progress(job.id, "w1", Progress(fraction=0.5, stage="half"))
    assert not await queue.progress(job.id, "intruder", Progress(fraction=0.9))
    done = await queue.complete(job.id, "w1", {"n": 1}, Progress(fraction=0.5))
    assert done is not None and done.status is JobStatus.succeeded and done.result == {"n": 1}
    assert done.progress.fraction == 1.0 and done.finished_at is not None
    # Completion is final: a second completion or failure changes nothing.
    assert await queue.complete(job.id, "w1", {"n": 2}, Progress()) is None
    assert await queue.fail(job.id, "w1", JobError(code="x", message="y"), retryable=True) is None
    assert (await queue.get(job.id)).result == {"n": 1}


async def test_failures_retry_until_the_last_attempt(queue: JobQueue) -> None:
    job = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 30)
    again = await queue.fail(job.id, "w1", JobError(code="flaky", message="m"), retryable=True)
    assert again is not None and again.status is JobStatus.queued
    await queue.claim("w1", ["a"], 30)
    final = await queue.fail(job.id, "w1", JobError(code="flaky", message="m"), retryable=True)
    assert final is not None and final.status is JobStatus.failed and final.attempts == 2
    bad = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 30)
    failed = await queue.fail(
        bad.id, "w1", JobError(code="bad_input", message="m"), retryable=False
    )
    assert failed is not None and failed.status is JobStatus.failed and failed.attempts == 1


async def test_cancel_and_retry(queue: JobQueue) -> None:
    queued = await queue.enqueue("a", "u1")
    cancelled = await queue.cancel(queued.id)
    assert cancelled.status is JobStatus.cancelled  # at once
    assert await queue.claim("w1", ["a"], 30) is None
    running = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 30)
    asked = await queue.cancel(running.id)
    assert asked.status is JobStatus.running and asked.cancel_requested
    assert (await queue.still_mine(running.id, "w1"))["cancel"] is True  # type: ignore[index]
    await queue.mark_cancelled(running.id, "w1")
    with pytest.raises(Conflict):
        await queue.cancel(running.id)
    retried = await queue.retry(running.id)
    assert (
        retried.status is JobStatus.queued
        and retried.attempts == 0
        and not retried.cancel_requested
    )
    with pytest.raises(Conflict):
        await queue.retry(retried.id)


async def test_per_user_limit_is_a_429_naming_the_setting(queue: JobQueue) -> None:
    for _ in range(5):
        await queue.enqueue("a", "u2")
    with pytest.raises(TooManyRequests) as info:
        await queue.enqueue("a", "u2")
    assert "JOBS_MAX_ACTIVE_PER_USER" in info.value.message and info.value.status == 429
    await queue.enqueue("a", "u3")  # another user is not affected


async def test_global_compute_limit(queue: JobQueue) -> None:
    await queue.enqueue("render", "u1", compute=True)
    await queue.enqueue("render", "u4", compute=True)
    light = await queue.enqueue("light", "u5")
    assert await queue.claim("w1", ["render", "light"], 30) is not None
    nxt = await queue.claim("w2", ["render", "light"], 30)
    assert nxt is not None and nxt.id == light.id  # the second compute job waits


async def expire(queue: JobQueue, job_id: str) -> None:
    """As if the worker had died: its lease runs out."""
    past = datetime.now(UTC) - timedelta(seconds=5)
    await queue.coll.update_one({"_id": ObjectId(job_id)}, {"$set": {"lease.expires_at": past}})
    await queue.running.update_one({"_id": ObjectId(job_id)}, {"$set": {"expires_at": past}})


async def test_reaper_requeues_then_fails_with_worker_lost(queue: JobQueue) -> None:
    job = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 0.01)
    await expire(queue, job.id)
    reaped = await queue.reap()
    assert [j.id for j in reaped] == [job.id] and reaped[0].status is JobStatus.queued
    await queue.claim("w2", ["a"], 0.01)
    await expire(queue, job.id)
    final = (await queue.reap())[0]
    assert final.status is JobStatus.failed and final.error is not None
    assert final.error.code == "worker_lost" and "worker lost" in final.error.message
    # The dead worker cannot complete it any more.
    assert await queue.complete(job.id, "w2", {}, Progress()) is None


async def test_every_change_is_an_event_in_order(queue: JobQueue, database: Database) -> None:
    reader = await EventReader.at_head(EventLog(database, "job"))
    job = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 30)
    await queue.progress(job.id, "w1", Progress(fraction=0.3))
    await queue.complete(job.id, "w1", {}, Progress())
    events = await reader.poll()
    assert [e.data["status"] for e in events] == ["queued", "running", "running", "succeeded"]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert all(e.owner_id == "u1" for e in events)
    assert await reader.poll() == []


async def test_a_gap_left_by_a_dead_writer_is_skipped(database: Database) -> None:
    log = EventLog(database, "job")
    reader = await EventReader.at_head(log)
    # A writer allocates a number and dies before writing its event.
    await log.counters.update_one({"_id": "job_events"}, {"$inc": {"seq": 1}}, upsert=True)
    seq = await log.publish("u1", {"id": "x", "status": "queued"})
    assert await reader.poll() == []  # waits for the missing one first
    # After GAP_TIMEOUT_S the reader moves past the gap.
    events = await eventually_async(reader.poll, bool, within=30, every=0.5)
    assert [e.seq for e in events] == [seq]
    # The skipped number, written late after all, is still delivered.
    from webbscope.db.events import event_id

    await log.events.insert_one({"_id": event_id(seq - 1), "owner_id": "u1", "data": {"id": "y"}})
    assert [e.seq for e in await reader.poll()] == [seq - 1]


async def test_sweep_repairs_what_a_crash_between_steps_leaves(queue: JobQueue) -> None:
    lost_entry = await queue.enqueue("a", "u1")
    await queue.entries("a").delete_one({"_id": ObjectId(lost_entry.id)})  # crash after insert
    assert await queue.claim("w1", ["a"], 30) is None
    stuck = await queue.enqueue("b", "u1")
    await queue.claim("w1", ["b"], 30)
    await expire(queue, stuck.id)
    await queue.running.delete_one({"_id": ObjectId(stuck.id)})  # no running entry
    assert await queue.reap() == []  # the fast path cannot see it
    await queue.coll.update_many(
        {}, {"$set": {"updated_at": datetime.now(UTC) - timedelta(minutes=5)}}
    )
    assert await queue.sweep(settle_s=0.1) == 2
    claimed = await queue.claim("w2", ["a"], 30)
    assert claimed is not None and claimed.id == lost_entry.id
    assert (await queue.get(stuck.id)).status is JobStatus.queued


async def test_finished_jobs_are_forgotten_after_the_retention(queue: JobQueue) -> None:
    old = await queue.enqueue("a", "u1")
    await queue.cancel(old.id)
    await queue.coll.update_one(
        {"_id": ObjectId(old.id)},
        {"$set": {"finished_at": datetime.now(UTC) - timedelta(days=40)}},
    )
    recent = await queue.enqueue("a", "u1")
    await queue.cancel(recent.id)
    waiting = await queue.enqueue("a", "u1")
    assert await queue.forget_finished(timedelta(days=30)) == 1
    remaining = {j.id for j in (await queue.list_jobs(owner_id="u1"))[0]}
    assert remaining == {recent.id, waiting.id}


async def test_a_worker_dying_mid_claim_leaves_a_lease_the_reaper_finds(queue: JobQueue) -> None:
    job = await queue.enqueue("a", "u1")
    # The first step of a claim only: the queue entry taken and the lease written, then death.
    await queue.entries("a").delete_one({"_id": ObjectId(job.id)})
    past = datetime.now(UTC) - timedelta(seconds=5)
    await queue.running.insert_one(
        {
            "_id": ObjectId(job.id),
            "worker": "dead",
            "owner_id": "u1",
            "compute": False,
            "type": "a",
            "expires_at": past,
            "cancel": False,
        }
    )
    assert await queue.claim("w2", ["a"], 30) is None
    await queue.reap()
    claimed = await queue.claim("w2", ["a"], 30)
    assert claimed is not None and claimed.id == job.id


async def test_every_write_increments_the_version(queue: JobQueue, database: Database) -> None:
    reader = await EventReader.at_head(EventLog(database, "job"))
    job = await queue.enqueue("a", "u1")
    assert job.version == 1
    await queue.claim("w1", ["a"], 30)
    await queue.heartbeat(job.id, "w1", 30)  # a write too, though not an event
    await queue.progress(job.id, "w1", Progress(fraction=0.3))
    done = await queue.complete(job.id, "w1", {}, Progress())
    assert done is not None and done.version == 5
    versions = [e.data["version"] for e in await reader.poll()]
    assert versions == [1, 2, 4, 5]


async def test_one_owners_long_queue_does_not_starve_another(database: Database) -> None:
    """A claim used to read only the first 20 entries: a user at the running limit with 50
    queued jobs hid everyone queued behind them."""
    await database.ensure_indexes()
    queue = JobQueue(database, JobLimits(max_active_per_user=100, max_running_per_user=2))
    flood = [await queue.enqueue("a", "flood") for _ in range(50)]
    late = await queue.enqueue("a", "late")
    first = await queue.claim("w1", ["a"], 30)
    second = await queue.claim("w1", ["a"], 30)
    assert first is not None and second is not None
    assert {first.owner_id, second.owner_id} == {"flood", "late"}  # round-robin, not FIFO
    assert late.id in {first.id, second.id} and first.id in {flood[0].id, late.id}
    third = await queue.claim("w1", ["a"], 30)
    assert third is not None and third.id == flood[1].id
    # "flood" is now at its running limit (2): others are still served at once.
    again = await queue.enqueue("a", "late")
    assert (nxt := await queue.claim("w2", ["a"], 30)) is not None and nxt.id == again.id
    assert await queue.claim("w2", ["a"], 30) is None  # only "flood" waits, for its limit


async def test_owners_are_served_in_turn(database: Database) -> None:
    await database.ensure_indexes()
    queue = JobQueue(database, JobLimits(max_running_per_user=100, max_active_per_user=100))
    for owner in ("x", "y", "z"):
        for _ in range(4):
            await queue.enqueue("a", owner)
    order = []
    while (job := await queue.claim("w", ["a"], 30)) is not None:
        order.append(job.owner_id)
    assert len(order) == 12
    for turn in range(4):  # every owner once per turn
        assert sorted(order[3 * turn : 3 * turn + 3]) == ["x", "y", "z"], order


async def test_concurrent_claims_take_each_job_exactly_once(wiredb: WireDB) -> None:
    name = f"claims_{ObjectId()}"
    limits = JobLimits(max_active_per_user=1000, max_running_per_user=1000)
    dbs = [Database(wiredb.uri, name) for _ in range(4)]  # a connection pool per worker
    try:
        await dbs[0].ensure_indexes()
        setup = JobQueue(dbs[0], limits)
        ids = set()
        for i in range(60):
            job = await setup.enqueue("a" if i % 3 else "b", f"owner{i % 5}")
            ids.add(job.id)

        async def worker(n: int) -> list[str]:
            queue = JobQueue(dbs[n], limits)
            taken: list[str] = []
            while (job := await queue.claim(f"w{n}", ["a", "b"], 30)) is not None:
                taken.append(job.id)
            return taken

        results = await asyncio.gather(*(worker(n) for n in range(4)))
        claimed = [j for r in results for j in r]
        assert len(claimed) == len(set(claimed)) == 60 and set(claimed) == ids
        running = await setup.running.count_documents({})
        assert running == 60  # one lease per job, none lost, none doubled
    finally:
        await dbs[0].client.drop_database(name)
        for db in dbs:
            await db.close()


async def test_retry_is_refused_at_the_active_limit(queue: JobQueue) -> None:
    failed = await queue.enqueue("a", "u6")
    await queue.cancel(failed.id)
    for _ in range(5):
        await queue.enqueue("a", "u6")
    with pytest.raises(TooManyRequests) as info:
        await queue.retry(failed.id)
    assert info.value.details == {"limit": 5, "setting": "JOBS_MAX_ACTIVE_PER_USER"}
    assert (await queue.get(failed.id)).status is JobStatus.cancelled  # unchanged


async def test_system_jobs_count_but_are_not_refused(queue: JobQueue) -> None:
    for _ in range(5):
        await queue.enqueue("a", "u7")
    thumb = await queue.enqueue("thumbnail", "u7", compute=True, check_limits=False)
    assert thumb.status is JobStatus.queued
    with pytest.raises(TooManyRequests):
        await queue.check_active("u7")  # what an upload asks before it starts


async def test_a_missed_heartbeat_shows_the_job_waiting_for_a_worker(
    queue: JobQueue, database: Database
) -> None:
    reader = await EventReader.at_head(EventLog(database, "job"))
    job = await queue.enqueue("a", "u1")
    await queue.claim("w1", ["a"], 30)
    assert await queue.mark_stalled() == []  # its worker is on time
    past = datetime.now(UTC) - timedelta(seconds=1)
    await queue.running.update_one({"_id": ObjectId(job.id)}, {"$set": {"stale_at": past}})
    [stalled] = await queue.mark_stalled()
    assert stalled.status is JobStatus.running and stalled.waiting_for_worker
    assert await queue.mark_stalled() == []  # flagged once
    events = await reader.poll()
    assert events[-1].data["waiting_for_worker"] is True  # the hub carries it
    # A late heartbeat after all: running again.
    await queue.heartbeat(job.id, "w1", 30)
    assert not (await queue.get(job.id)).waiting_for_worker
    # Missed again, then the lease runs out: queued again, no longer waiting on that worker.
    await queue.running.update_one({"_id": ObjectId(job.id)}, {"$set": {"stale_at": past}})
    await queue.mark_stalled()
    await expire(queue, job.id)
    [reaped] = await queue.reap()
    assert reaped.status is JobStatus.queued and not reaped.waiting_for_worker


async def test_a_progress_write_rides_out_a_dropped_connection(
    wiredb: WireDB, tmp_path: Path
) -> None:
    """A progress write that lost its connection (AutoReconnect) used to fail the attempt."""
    proxy = CuttingProxy(wiredb.host, wiredb.port)
    port = await proxy.start()
    name = f"blip_{ObjectId()}"
    db = Database(f"mongodb://127.0.0.1:{port}", name)
    try:
        queue = JobQueue(db)
        job = await queue.enqueue("a", "u1")
        claimed = await queue.claim("w1", ["a"], 30)
        assert claimed is not None
        settings = load_settings(environment="test", DATA_DIR=str(tmp_path))
        ctx = JobContext(claimed, queue, "w1", db, make_storage(settings), settings)
        await ctx.progress(fraction=0.1, stage="starting")
        proxy.cut_next(b"findAndModify")  # the next write is lost in flight
        await ctx.progress(fraction=0.5, stage="halfway")
        assert proxy.cuts == 1
        written = await queue.get(job.id)
        assert written.progress.fraction == 0.5 and written.progress.stage == "halfway"
        assert written.status is JobStatus.running
    finally:
        await db.client.drop_database(name)
        await db.close()
        await proxy.close()
