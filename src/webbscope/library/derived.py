"""Every record eventually gets its derived artefacts: its thumbnail and its entry in the
semantic index.

Uploads and imports queue a record's thumbnail job right after committing the record; a
process killed between the two leaves a record with no job. Two things close that gap:

- `ensure_thumbnail`: adding a file the owner already has (a re-upload, a re-import) queues
  the job when the existing record has neither a thumbnail nor a thumbnail job;
- `sweep_thumbnails`: run by the workers that make thumbnails, at start-up and periodically,
  finds records older than a grace period with neither, and queues their jobs.

Both are idempotent: a record whose thumbnail job exists (queued, running or finished) gets no
other, and a sweep claims each record it looks at with a single-document update, so two
replicas sweeping at once queue one job, not two.

The semantic index follows the record change log, and a record's change is published just
after the record is written: a process killed in between leaves a record the index never
hears of. `sweep_index` (run by the engine's semantic service while it is ready) publishes the
change again for records older than the grace period that have no vector. Tiles are rendered
on demand, so they cannot be stranded.
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

#: Files a thumbnail is made of (catalogue tables and other products have none).
THUMBNAIL_SUFFIXES = (".fits", ".fit", ".fts", ".fz")
#: A record the sweep looked at is left alone this long (by the other replicas too).
CLAIM_S = 600.0
#: A record the index sweep nudged is left alone this long (embedding may be slow or failing).
INDEX_CLAIM_S = 3600.0
#: Records looked at in one pass (the next pass takes the next ones).
SWEEP_BATCH = 500


def wants_thumbnail(doc: Document) -> bool:
    return doc.get("thumbnail_key") is None and str(doc.get("file_name", "")).lower().endswith(
        THUMBNAIL_SUFFIXES
    )


async def has_thumbnail_job(db: Database, record_id: str) -> bool:
    """Whether a thumbnail job for the record exists, in any state (a failed one is retried by
    its owner, not by the sweep)."""
    found = await db.collection("jobs").find_one(
        {"type": "thumbnail", "params.record_id": record_id}, {"_id": 1}
    )
    return found is not None


async def queue_thumbnail(queue: JobQueue, doc: Document) -> str:
    job = await queue.enqueue(
        "thumbnail",
        str(doc["owner_id"]),
        {"record_id": str(doc["_id"])},
        compute=True,
        check_limits=False,  # work already admitted with the record: counted, never refused
    )
    return job.id


async def ensure_thumbnail(db: Database, queue: JobQueue, record_id: str) -> str | None:
    """Queue the record's thumbnail job if it has neither a thumbnail nor a job; the job id,
    or None when nothing was needed."""
    doc = await db.collection("records").find_one(
        {"_id": ObjectId(record_id)}, {"owner_id": 1, "file_name": 1, "thumbnail_key": 1}
    )
    if doc is None or not wants_thumbnail(doc) or await has_thumbnail_job(db, record_id):
        return None
    return await queue_thumbnail(queue, doc)


async def sweep_thumbnails(
    db: Database, queue: JobQueue, grace_s: float, *, now: datetime | None = None
) -> int:
    """Queue the thumbnail job of every record older than `grace_s` that has neither a
    thumbnail nor a thumbnail job; the number queued."""
    now = now or datetime.now(UTC)
    records = db.collection("records")
    unclaimed = _unclaimed("derived_checked_at", now, CLAIM_S)
    query = {
        "thumbnail_key": None,
        "file_name": {"$regex": r"\.(fits|fit|fts|fz)$", "$options": "i"},
        "created_at": {"$lt": now - timedelta(seconds=grace_s)},
        **unclaimed,
    }
    fields = {"owner_id": 1, "file_name": 1, "thumbnail_key": 1}
    queued = 0
    async for doc in records.find(query, fields).limit(SWEEP_BATCH):
        if not wants_thumbnail(doc):
            continue
        claimed = await records.find_one_and_update(
            {"_id": doc["_id"], "thumbnail_key": None, **unclaimed},
            {"$set": {"derived_checked_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            continue  # another replica is looking at it
        if await has_thumbnail_job(db, str(doc["_id"])):
            continue
        job_id = await queue_thumbnail(queue, claimed)
        log.warning(
            "record %s had no thumbnail and no thumbnail job: queued %s", doc["_id"], job_id
        )
        queued += 1
    return queued


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
