"""Every record eventually gets its derived artefacts: its thumbnail, its stored pyramid (the
coarse levels the tile route reads) and its entry in the semantic index.

Uploads and imports queue a record's thumbnail and pyramid jobs right after committing the
record (derived records queue their pyramid job; their thumbnail comes with them); a process
killed in between leaves a record with no job. Two things close that gap:

- `ensure_derived`: adding a file the owner already has (a re-upload, a re-import) queues
  each job whose artefact and job are both missing;
- `sweep_derived`: run by the workers that make them, at start-up and periodically, finds
  records older than a grace period with neither an artefact nor its job, and queues the jobs.

Both are idempotent: a record whose job of a type exists (queued, running or finished) gets no
other, and a sweep claims each record it looks at with a single-document update, so two
replicas sweeping at once queue one job, not two.

The semantic index follows the record change log, and a record's change is published just
after the record is written: a process killed in between leaves a record the index never
hears of. `sweep_index` (run by the engine's semantic service while it is ready) publishes the
change again for records older than the grace period that have no vector. Rendered tiles are
made on demand, so they cannot be stranded.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument

from webbscope.db import Database, Document
from webbscope.db.events import EventLog
from webbscope.jobs.queue import JobQueue

log = logging.getLogger("webbscope.derived")

#: Files a thumbnail and a pyramid are made of (catalogue tables and other products have none).
THUMBNAIL_SUFFIXES = (".fits", ".fit", ".fts", ".fz")
#: A record the sweep looked at is left alone this long (by the other replicas too).
CLAIM_S = 600.0
#: A record the index sweep nudged is left alone this long (embedding may be slow or failing).
INDEX_CLAIM_S = 3600.0
#: Records looked at in one pass (the next pass takes the next ones).
SWEEP_BATCH = 500
#: Derived job type -> the record field that is set once its job has done its work.
DERIVED_FIELDS = {"thumbnail": "thumbnail_key", "pyramid": "pyramid"}


def _is_image_file(doc: Document) -> bool:
    return str(doc.get("file_name", "")).lower().endswith(THUMBNAIL_SUFFIXES)


def wants(job_type: str, doc: Document) -> bool:
    """Whether the record still lacks what a `job_type` job makes."""
    return doc.get(DERIVED_FIELDS[job_type]) is None and _is_image_file(doc)


def wants_thumbnail(doc: Document) -> bool:
    return wants("thumbnail", doc)


async def has_job(db: Database, job_type: str, record_id: str) -> bool:
    """Whether a `job_type` job for the record exists, in any state (a failed one is retried
    by its owner, not by the sweep)."""
    found = await db.collection("jobs").find_one(
        {"type": job_type, "params.record_id": record_id}, {"_id": 1}
    )
    return found is not None


async def has_thumbnail_job(db: Database, record_id: str) -> bool:
    return await has_job(db, "thumbnail", record_id)


async def queue_derived_job(queue: JobQueue, job_type: str, owner_id: str, record_id: str) -> str:
    job = await queue.enqueue(
        job_type,
        owner_id,
        {"record_id": record_id},
        compute=True,
        check_limits=False,  # work already admitted with the record: counted, never refused
    )
    return job.id


async def queue_thumbnail(queue: JobQueue, doc: Document) -> str:
    return await queue_derived_job(queue, "thumbnail", str(doc["owner_id"]), str(doc["_id"]))


async def queue_pyramid(queue: JobQueue, owner_id: str, record_id: str) -> str:
    """Queue the record's `pyramid` job (after an upload, an import or a derived record)."""
    return await queue_derived_job(queue, "pyramid", owner_id, record_id)


async def ensure_derived(
    db: Database, queue: JobQueue, record_id: str, types: tuple[str, ...] = ("thumbnail", "pyramid")
) -> list[str]:
    """Queue each of the record's derived jobs (of `types`) whose artefact and job are both
    missing; the ids of the jobs queued."""
    fields = {"owner_id": 1, "file_name": 1, **{DERIVED_FIELDS[t]: 1 for t in types}}
    doc = await db.collection("records").find_one({"_id": ObjectId(record_id)}, fields)
    queued: list[str] = []
    for job_type in types:
        if doc is None or not wants(job_type, doc) or await has_job(db, job_type, record_id):
            continue
        queued.append(await queue_derived_job(queue, job_type, str(doc["owner_id"]), record_id))
    return queued


async def ensure_thumbnail(db: Database, queue: JobQueue, record_id: str) -> str | None:
    """Queue the record's thumbnail job if it has neither a thumbnail nor a job; the job id,
    or None when nothing was needed."""
    queued = await ensure_derived(db, queue, record_id, ("thumbnail",))
    return queued[0] if queued else None


async def sweep_derived(
    db: Database,
    queue: JobQueue,
    grace_s: float,
    job_type: str,
    *,
    now: datetime | None = None,
) -> int:
    """Queue the `job_type` job of every record older than `grace_s` that has neither its
    artefact nor such a job; the number queued."""
    now = now or datetime.now(UTC)
    records = db.collection("records")
    field = DERIVED_FIELDS[job_type]
    claim_field = "derived_checked_at" if job_type == "thumbnail" else f"{job_type}_checked_at"
    unclaimed = _unclaimed(claim_field, now, CLAIM_S)
    query = {
        field: None,
        "file_name": {"$regex": r"\.(fits|fit|fts|fz)$", "$options": "i"},
        "created_at": {"$lt": now - timedelta(seconds=grace_s)},
        **unclaimed,
    }
    fields = {"owner_id": 1, "file_name": 1, field: 1}
    queued = 0
    async for doc in records.find(query, fields).limit(SWEEP_BATCH):
        if not wants(job_type, doc):
            continue
        claimed = await records.find_one_and_update(
            {"_id": doc["_id"], field: None, **unclaimed},
            {"$set": {claim_field: now}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            continue  # another replica is looking at it
        if await has_job(db, job_type, str(doc["_id"])):
            continue
        job_id = await queue_derived_job(
            queue, job_type, str(claimed["owner_id"]), str(claimed["_id"])
        )
        log.warning(
            "record %s had no %s and no %s job: queued %s", doc["_id"], job_type, job_type, job_id
        )
        queued += 1
    return queued


async def sweep_thumbnails(
    db: Database, queue: JobQueue, grace_s: float, *, now: datetime | None = None
) -> int:
    """`sweep_derived` for thumbnails."""
    return await sweep_derived(db, queue, grace_s, "thumbnail", now=now)


def _unclaimed(field: str, now: datetime, claim_s: float) -> Document:
    return {
        "$or": [
            {field: {"$exists": False}},
            {field: {"$lt": now - timedelta(seconds=claim_s)}},
        ]
    }


async def sweep_index(db: Database, grace_s: float, *, now: datetime | None = None) -> int:
    """Publish the change of every record older than `grace_s` that has no vector in the
    semantic index (and was not nudged within INDEX_CLAIM_S), so the index takes it in; the
    number published. Reads ids only: two id scans per pass."""
    now = now or datetime.now(UTC)
    indexed = {str(d["_id"]) async for d in db.collection("semantic_vectors").find({}, {"_id": 1})}
    records = db.collection("records")
    unclaimed = _unclaimed("index_checked_at", now, INDEX_CLAIM_S)
    query = {"created_at": {"$lt": now - timedelta(seconds=grace_s)}, **unclaimed}
    events = EventLog(db, "record")
    published = 0
    async for doc in records.find(query, {"_id": 1, "owner_id": 1}):
        if str(doc["_id"]) in indexed:
            continue
        claimed = await records.find_one_and_update(
            {"_id": doc["_id"], **unclaimed}, {"$set": {"index_checked_at": now}}
        )
        if claimed is None:
            continue
        await events.publish(str(doc["owner_id"]), {"id": str(doc["_id"])})
        log.warning("record %s was missing from the semantic index: change published", doc["_id"])
        published += 1
        if published >= SWEEP_BATCH:
            break
    return published
