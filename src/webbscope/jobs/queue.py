"""The job queue: enqueue, claim with a lease, heartbeat, progress, finish, cancel, retry and
reap — every state change an atomic single-document operation, published to the event log.

Four collections:

- `jobs` holds every job and is the source of truth for what a user sees. It is only ever
  updated by `_id` (cheap everywhere, whatever its size), and every update increments the
  job's `version` in the same operation, so the states of a job are totally ordered.
- `job_queue.<type>`: one entry per queued job of that type. Claiming deletes an entry; the
  delete is atomic, so exactly one worker wins a job.
- `job_running`: one entry per running job — its worker, lease expiry, when it counts as
  stalled, and cancel flag. Who holds a job is decided here, by conditional updates on this
  small collection: only the holder can renew, finish or give back a job, and the reaper takes
  over an expired lease by deleting its entry.
- `job_lanes`: one small document per job type and owner with queued jobs of that type, and
  when that lane was last served. Claims read the lanes (never the whole queue) and serve
  owners round-robin (the least recently served first), so one user's long queue never starves
  another's.

Limits: `JOBS_MAX_ACTIVE_PER_USER` refuses (429 `job_limit`) a request that would add a job;
`JOBS_MAX_RUNNING_PER_USER` and `JOBS_MAX_COMPUTE` make jobs wait in the queue. Jobs the system
queues for work it already admitted (the thumbnails of an import's records) are counted, never
refused: refusing them would leave a record without its thumbnail.

A periodic sweep repairs what a crash between two steps can leave (a queued job without an
entry, a running job without a lease entry).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from webbscope.db import Database, Document, parse_id
from webbscope.db.events import EventLog
from webbscope.domain.jobs import ACTIVE, Job, JobError, JobStatus, Progress
from webbscope.errors import Conflict, NotFound, TooManyRequests


@dataclass(frozen=True)
class JobLimits:
    """All from settings: see `.env.example`."""

    max_active_per_user: int = 50
    max_running_per_user: int = 3
    max_compute: int = 2
    max_attempts: int = 3


#: A running job whose lease was not renewed for this fraction of the lease counts as stalled
#: (its worker renews every third of the lease, so it missed a beat): it shows as waiting for a
#: worker until the lease runs out and the reaper queues it again.
STALE_FRACTION = 0.5

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def to_job(doc: Document) -> Job:
    data = dict(doc)
    data["id"] = str(data.pop("_id"))
    return Job.model_validate(data)


def snapshot(doc: Document) -> Document:
    """The JSON-friendly form of a job document carried by events."""
    return to_job(doc).model_dump(mode="json")


class JobQueue:
    def __init__(self, db: Database, limits: JobLimits | None = None) -> None:
        self.db = db
        self.coll = db.collection("jobs")
        self.running = db.collection("job_running")
        self.lanes = db.collection("job_lanes")
        self.events = EventLog(db, "job")
        self.limits = limits or JobLimits()

    def entries(self, type_: str) -> AsyncCollection[Document]:
        """The queue of one job type: an entry per queued job."""
        return self.db.collection(f"job_queue.{type_}")

    async def ensure_indexes(self, types: list[str]) -> None:
        """The index a claim uses to find each owner's next entry (workers call it at start)."""
        for t in types:
            await self.entries(t).create_index([("owner_id", ASCENDING)], name="owner")

    # -- helpers ---------------------------------------------------------------------------

    async def _set(self, oid: ObjectId, fields: Document, inc: Document | None = None) -> Job:
        """Update a job by `_id` (the caller has the right to), publish and return it. The
        version is incremented in the same update; a change of status ends any wait for a
        worker."""
        if "status" in fields:
            fields = {"waiting_for_worker": False, **fields}
        update: Document = {
            "$set": {**fields, "updated_at": _now()},
            "$inc": {"version": 1, **(inc or {})},
        }
        doc = await self.coll.find_one_and_update(
            {"_id": oid}, update, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound(f"job {oid} not found", code="job_not_found")
        await self.events.publish(doc["owner_id"], snapshot(doc))
        return to_job(doc)

    async def _raw(self, oid: ObjectId) -> Document:
        doc = await self.coll.find_one({"_id": oid})
        if doc is None:
            raise NotFound(f"job {oid} not found", code="job_not_found")
        return doc

    async def _add_entry(self, doc: Document) -> None:
        """Queue a job: its entry first, then its owner's lane (see `_close_lane`)."""
        entry = {k: doc[k] for k in ("owner_id", "compute", "created_at")}
        with contextlib.suppress(DuplicateKeyError):  # already queued (a sweep raced us)
            await self.entries(doc["type"]).insert_one({"_id": doc["_id"], **entry})
        await self._open_lane(doc["type"], doc["owner_id"])

    async def _open_lane(self, type_: str, owner_id: str) -> None:
        await self.lanes.update_one(
            {"_id": _lane_id(type_, owner_id)},
            {"$setOnInsert": {"type": type_, "owner_id": owner_id, "served_at": _NEVER}},
            upsert=True,
        )

    async def _close_lane(self, lane: Document) -> None:
        """Remove a lane found empty. An entry queued meanwhile is seen by the check after the
        delete (a queue writes its entry before its lane), and reopens it."""
        await self.lanes.delete_one({"_id": lane["_id"]})
        if await self.entries(lane["type"]).find_one({"owner_id": lane["owner_id"]}) is not None:
            await self._open_lane(lane["type"], lane["owner_id"])

    # -- the API side ----------------------------------------------------------------------

    async def check_active(self, owner_id: str) -> None:
        """Refuse (429 `job_limit`, naming the setting) a request that would add a job for an
        owner who already has JOBS_MAX_ACTIVE_PER_USER queued or running."""
        active = await self.coll.count_documents(
            {"owner_id": owner_id, "status": {"$in": list(ACTIVE)}}
        )
        limit = self.limits.max_active_per_user
        if active >= limit:
            err = TooManyRequests(
                f"you have {active} queued or running jobs; the limit is {limit} "
                "(JOBS_MAX_ACTIVE_PER_USER): wait for some to finish or cancel them",
                code="job_limit",
                details={"limit": limit, "setting": "JOBS_MAX_ACTIVE_PER_USER"},
            )
            err.headers = {"Retry-After": "10"}
            raise err

    async def enqueue(
        self,
        type: str,
        owner_id: str,
        params: dict[str, Any] | None = None,
        *,
        compute: bool = False,
        max_attempts: int | None = None,
        check_limits: bool = True,
    ) -> Job:
        """Queue a job. `check_limits=False` is for jobs the system queues as part of work it
        already admitted (a thumbnail for a record an import just made): they count towards the
        owner's active jobs but are never refused, and they wait for the running and compute
        limits like every job. A request that makes such jobs checks the limit itself first
        (`check_active`), as uploads do."""
        if check_limits:
            await self.check_active(owner_id)
        now = _now()
        doc: Document = {
            "_id": ObjectId(),
            "type": type,
            "owner_id": owner_id,
            "params": params or {},
            "status": JobStatus.queued.value,
            "progress": Progress().model_dump(),
            "result": None,
            "error": None,
            "attempts": 0,
            "max_attempts": max_attempts or self.limits.max_attempts,
            "lease": None,
            "cancel_requested": False,
            "waiting_for_worker": False,
            "compute": compute,
            "version": 1,
            "created_at": now,
            "started_at": None,
            "finished_at": None,
            "updated_at": now,
        }
        await self.coll.insert_one(doc)
        await self.events.publish(doc["owner_id"], snapshot(doc))
        await self._add_entry(doc)
        return to_job(doc)

    async def get(self, job_id: str) -> Job:
        return to_job(await self._raw(parse_id(job_id, "job id")))

    async def list_jobs(
        self,
        *,
        owner_id: str | None,
        status: list[str] | None = None,
        types: list[str] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[Job], int]:
        query: Document = {}
        if owner_id is not None:
            query["owner_id"] = owner_id
        if status:
            query["status"] = {"$in": status}
        if types:
            query["type"] = {"$in": types}
        total = await self.coll.count_documents(query)
        cursor = (
            self.coll.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [to_job(d) async for d in cursor], total

    async def cancel(self, job_id: str) -> Job:
        """A queued job is cancelled at once; a running one is asked to stop (its worker
        stops it within a second)."""
        oid = parse_id(job_id, "job id")
        for _ in range(50):
            doc = await self._raw(oid)
            status = JobStatus(doc["status"])
            if status.final:
                raise Conflict(f"the job has already {status.value}", code="job_finished")
            if status is JobStatus.queued:
                taken = await self.entries(doc["type"]).delete_one({"_id": oid})
                if taken.deleted_count == 1:  # we took it from the queue: nobody runs it
                    return await self._set(
                        oid,
                        {
                            "status": JobStatus.cancelled.value,
                            "finished_at": _now(),
                            "error": {
                                "code": "cancelled",
                                "message": "cancelled before it started",
                            },
                        },
                    )
            else:
                flagged = await self.running.find_one_and_update(
                    {"_id": oid}, {"$set": {"cancel": True}}
                )
                if flagged is not None:
                    return await self._set(oid, {"cancel_requested": True})
            # A worker is between two steps of claiming or finishing it: look again.
            await _pause()
        raise Conflict("the job is changing state; try again", code="job_busy")

    async def retry(self, job_id: str) -> Job:
        """Queue a failed or cancelled job again (its handler resumes from what it kept). It
        becomes active again, so it is refused like a new job at the active limit."""
        oid = parse_id(job_id, "job id")
        doc = await self._raw(oid)
        if doc["status"] not in (JobStatus.failed.value, JobStatus.cancelled.value):
            raise Conflict(
                f"only failed or cancelled jobs can be retried; this one is {doc['status']}",
                code="job_not_retryable",
            )
        await self.check_active(doc["owner_id"])
        job = await self._set(
            oid,
            {
                "status": JobStatus.queued.value,
                "attempts": 0,
                "error": None,
                "result": None,
                "lease": None,
                "cancel_requested": False,
                "finished_at": None,
                "progress": Progress().model_dump(),
            },
        )
        await self._add_entry(await self._raw(oid))
        return job

    # -- the worker side -------------------------------------------------------------------

    async def claim(self, worker: str, types: list[str], lease_s: float) -> Job | None:
        """Take the next job of `types`, serving owners round-robin: the owner least recently
        served whose running jobs are under JOBS_MAX_RUNNING_PER_USER goes first, with their
        oldest entry (compute jobs only while JOBS_MAX_COMPUTE slots are free). The limits are
        checked against the running set just read, so concurrent claims can exceed them by a
        job or two; each entry is still taken by exactly one claim (an atomic delete)."""
        per_owner: dict[str, int] = {}
        compute = 0
        async for r in self.running.find({}):
            per_owner[r["owner_id"]] = per_owner.get(r["owner_id"], 0) + 1
            compute += 1 if r.get("compute") else 0
        lanes: dict[str, list[Document]] = {}
        async for lane in self.lanes.find({"type": {"$in": types}}):
            if per_owner.get(lane["owner_id"], 0) < self.limits.max_running_per_user:
                lanes.setdefault(lane["owner_id"], []).append(lane)
        owners = sorted(lanes, key=lambda o: (max(ln["served_at"] for ln in lanes[o]), o))
        for owner in owners:
            heads: list[tuple[Document, Document]] = []
            for lane in lanes[owner]:
                # The owner's entries in insertion order (the `owner` index keeps it on
                # MongoDB): their oldest queued job of this type.
                head = await self.entries(lane["type"]).find_one({"owner_id": owner})
                if head is None:
                    await self._close_lane(lane)
                else:
                    heads.append((head, lane))
            heads.sort(key=lambda h: (h[0]["created_at"], h[0]["_id"]))
            for entry, lane in heads:
                if entry.get("compute") and compute >= self.limits.max_compute:
                    continue
                job = await self._take(entry, lane["type"], worker, lease_s)
                if job is not None:
                    if len(owners) > 1 or lane["served_at"] == _NEVER:  # alone: no turn to keep
                        await self.lanes.update_one(
                            {"_id": lane["_id"]}, {"$set": {"served_at": _now()}}
                        )
                    return job
        return None

    async def _take(self, entry: Document, type_: str, worker: str, lease_s: float) -> Job | None:
        taken = await self.entries(type_).delete_one({"_id": entry["_id"]})
        if taken.deleted_count != 1:
            return None  # another worker won it
        now = _now()
        expires = now + timedelta(seconds=lease_s)
        # The lease first: if this worker dies before the job is marked running, the
        # reaper still finds the lease when it runs out and queues the job again.
        await self.running.insert_one(
            {
                "_id": entry["_id"],
                "worker": worker,
                "owner_id": entry["owner_id"],
                "compute": entry.get("compute", False),
                "type": type_,
                "expires_at": expires,
                "stale_at": now + timedelta(seconds=lease_s * STALE_FRACTION),
                "stalled": False,
                "cancel": False,
            }
        )
        return await self._set(
            entry["_id"],
            {
                "status": JobStatus.running.value,
                "lease": {"worker": worker, "expires_at": expires},
                "started_at": now,
                "error": None,
                "cancel_requested": False,
            },
            inc={"attempts": 1},
        )

    async def heartbeat(self, job_id: str, worker: str, lease_s: float) -> Document | None:
        """Renew the lease; None means the job is no longer this worker's (reaped). The
        entry's `cancel` says whether a cancel was requested. A job shown as waiting for a
        worker (this one was late) is shown as running again."""
        oid = ObjectId(job_id)
        now = _now()
        expires = now + timedelta(seconds=lease_s)
        entry = await self.running.find_one_and_update(
            {"_id": oid, "worker": worker},
            {
                "$set": {
                    "expires_at": expires,
                    "stale_at": now + timedelta(seconds=lease_s * STALE_FRACTION),
                    "stalled": False,
                }
            },
            return_document=ReturnDocument.BEFORE,
        )
        if entry is None:
            return None
        if entry.get("stalled"):
            await self._set(oid, {"lease.expires_at": expires, "waiting_for_worker": False})
        else:
            await self.coll.update_one(
                {"_id": oid}, {"$set": {"lease.expires_at": expires}, "$inc": {"version": 1}}
            )
        return entry

    async def still_mine(self, job_id: str, worker: str) -> Document | None:
        """The running entry (with its `cancel` flag) if `worker` still holds the job."""
        entry = await self.running.find_one({"_id": ObjectId(job_id)})
        return entry if entry is not None and entry["worker"] == worker else None

    async def progress(self, job_id: str, worker: str, progress: Progress) -> bool:
        """Write progress if `worker` holds the job (False otherwise)."""
        if await self.still_mine(job_id, worker) is None:
            return False
        await self._set(ObjectId(job_id), {"progress": progress.model_dump()})
        return True

    async def _leave(self, job_id: str, worker: str) -> bool:
        """Give up the lease; True if `worker` held it (and so may record the outcome)."""
        gone = await self.running.delete_one({"_id": ObjectId(job_id), "worker": worker})
        return gone.deleted_count == 1

    async def _requeue(self, oid: ObjectId, fields: Document, inc: Document | None = None) -> Job:
        job = await self._set(oid, {"status": JobStatus.queued.value, "lease": None, **fields}, inc)
        await self._add_entry(await self._raw(oid))
        return job

    async def complete(
        self, job_id: str, worker: str, result: dict[str, Any] | None, progress: Progress
    ) -> Job | None:
        if not await self._leave(job_id, worker):
            return None
        final = progress.model_copy(update={"fraction": 1.0})
        return await self._set(
            ObjectId(job_id),
            {
                "status": JobStatus.succeeded.value,
                "result": result or {},
                "progress": final.model_dump(),
                "finished_at": _now(),
                "lease": None,
            },
        )

    async def fail(
        self, job_id: str, worker: str, error: JobError, *, retryable: bool
    ) -> Job | None:
        """Fail the attempt: queued again if retryable and attempts remain, else failed."""
        if not await self._leave(job_id, worker):
            return None
        oid = ObjectId(job_id)
        doc = await self._raw(oid)
        if retryable and doc["attempts"] < doc["max_attempts"]:
            return await self._requeue(oid, {"error": error.model_dump()})
        return await self._set(
            oid,
            {
                "status": JobStatus.failed.value,
                "error": error.model_dump(),
                "finished_at": _now(),
                "lease": None,
            },
        )

    async def mark_cancelled(self, job_id: str, worker: str) -> Job | None:
        if not await self._leave(job_id, worker):
            return None
        return await self._set(
            ObjectId(job_id),
            {
                "status": JobStatus.cancelled.value,
                "finished_at": _now(),
                "lease": None,
                "error": {"code": "cancelled", "message": "cancelled while running"},
            },
        )

    async def release(self, job_id: str, worker: str) -> Job | None:
        """Give a running job back to the queue (a worker shutting down); the attempt it
        used is not counted."""
        if not await self._leave(job_id, worker):
            return None
        return await self._requeue(ObjectId(job_id), {}, inc={"attempts": -1})

    async def _after_lost(self, oid: ObjectId, now: datetime) -> Job | None:
        """The lease of a job ran out and its entry is ours: queue it again or fail it."""
        doc = await self.coll.find_one({"_id": oid})
        if doc is None or doc["status"] != JobStatus.running.value:
            return None
        if doc["attempts"] < doc["max_attempts"]:
            return await self._requeue(
                oid,
                {
                    "error": {
                        "code": "worker_lost",
                        "message": "its worker stopped responding; retrying",
                    }
                },
            )
        return await self._set(
            oid,
            {
                "status": JobStatus.failed.value,
                "lease": None,
                "finished_at": now,
                "error": {
                    "code": "worker_lost",
                    "message": f"worker lost: its worker stopped responding on each of "
                    f"{doc['attempts']} attempts",
                },
            },
        )

    async def mark_stalled(self) -> list[Job]:
        """Running jobs whose worker missed a heartbeat (it probably died): shown as waiting for
        a worker until their lease runs out and `reap` queues them again. A late heartbeat that
        races this wins: the job is flagged only while its lease is the one read here."""
        now = _now()
        out: list[Job] = []
        async for r in self.running.find({"stale_at": {"$lt": now}, "stalled": {"$ne": True}}):
            flagged = await self.running.update_one(
                {"_id": r["_id"], "worker": r["worker"], "stale_at": r["stale_at"]},
                {"$set": {"stalled": True}},
            )
            if flagged.modified_count != 1:
                continue  # renewed or finished meanwhile
            doc = await self.coll.find_one_and_update(
                {
                    "_id": r["_id"],
                    "status": JobStatus.running.value,
                    "lease.expires_at": r["expires_at"],
                },
                {"$set": {"waiting_for_worker": True, "updated_at": now}, "$inc": {"version": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                await self.events.publish(doc["owner_id"], snapshot(doc))
                out.append(to_job(doc))
        return out

    async def reap(self) -> list[Job]:
        """Jobs whose worker stopped renewing its lease: queued again, or failed with
        `worker_lost` after the last attempt. Reads only the running set."""
        now = _now()
        out: list[Job] = []
        async for r in self.running.find({"expires_at": {"$lt": now}}):
            gone = await self.running.delete_one(
                {"_id": r["_id"], "worker": r["worker"], "expires_at": r["expires_at"]}
            )
            if gone.deleted_count != 1:
                continue  # renewed or finished meanwhile
            doc = await self.coll.find_one({"_id": r["_id"]}, {"status": 1, "type": 1})
            if doc is not None and doc["status"] == JobStatus.queued.value:
                # Its worker died between taking it from the queue and marking it running.
                await self._add_entry(await self._raw(r["_id"]))
                continue
            job = await self._after_lost(r["_id"], now)
            if job is not None:
                out.append(job)
        return out

    async def sweep(self, grace_s: float = 60.0, settle_s: float = 5.0) -> int:
        """Repair what a crash between two steps left (reads every active job, so it runs
        rarely): a queued job without a queue entry gets one; a running job without a lease
        entry is treated as lost. A job qualifies only if it was untouched for `grace_s` and
        is still untouched `settle_s` later, so a claim in progress is never mistaken."""
        cutoff = _now() - timedelta(seconds=grace_s)
        suspects: list[Document] = []
        async for doc in self.coll.find({"status": {"$in": list(ACTIVE)}}):
            if doc["updated_at"] <= cutoff and not await self._in_place(doc):
                suspects.append(doc)
        if not suspects:
            return 0
        await asyncio.sleep(settle_s)
        repaired = 0
        for old in suspects:
            now_doc = await self.coll.find_one({"_id": old["_id"]})
            if now_doc is None or now_doc["updated_at"] != old["updated_at"]:
                continue
            doc = now_doc
            if await self._in_place(doc):
                continue
            if doc["status"] == JobStatus.queued.value:
                await self._add_entry(doc)
                repaired += 1
            elif await self._after_lost(doc["_id"], _now()) is not None:
                repaired += 1
        return repaired

    async def forget_finished(self, older_than: timedelta) -> int:
        """Delete finished jobs older than `older_than` (JOBS_RETENTION_DAYS): the history
        users see stays bounded, and so does every query over it."""
        cutoff = _now() - older_than
        gone = await self.coll.delete_many(
            {
                "status": {
                    "$in": [
                        JobStatus.succeeded.value,
                        JobStatus.failed.value,
                        JobStatus.cancelled.value,
                    ]
                },
                "finished_at": {"$lt": cutoff},
            }
        )
        return int(gone.deleted_count)

    async def _in_place(self, doc: Document) -> bool:
        """Whether an active job has the entries its status needs."""
        if doc["status"] == JobStatus.queued.value:
            lane = _lane_id(doc["type"], doc["owner_id"])
            return (
                await self.entries(doc["type"]).find_one({"_id": doc["_id"]}) is not None
                and await self.lanes.find_one({"_id": lane}) is not None
            )
        return await self.running.find_one({"_id": doc["_id"]}) is not None


def _lane_id(type_: str, owner_id: str) -> str:
    return f"{type_}|{owner_id}"


async def _pause() -> None:
    await asyncio.sleep(0.02)
