"""Every record eventually gets its derived artefacts — today its thumbnail.

Uploads and imports queue a record's thumbnail job right after committing the record; a
process killed between the two leaves a record with no job. Two things close that gap:

- `ensure_thumbnail`: adding a file the owner already has (a re-upload, a re-import) queues
  the job when the existing record has neither a thumbnail nor a thumbnail job;
- `sweep_thumbnails`: run by the workers that make thumbnails, at start-up and periodically,
  finds records older than a grace period with neither, and queues their jobs.

Both are idempotent: a record whose thumbnail job exists (queued, running or finished) gets no
other, and a sweep claims each record it looks at with a single-document update, so two
replicas sweeping at once queue one job, not two. (Tiles are rendered on demand and the
semantic index follows the record change log, so neither can be stranded this way.)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument

from webbscope.db import Database, Document
from webbscope.jobs.queue import JobQueue

log = logging.getLogger("webbscope.derived")

#: Files a thumbnail is made of (catalogue tables and other products have none).
THUMBNAIL_SUFFIXES = (".fits", ".fit", ".fts", ".fz")
#: A record the sweep looked at is left alone this long (by the other replicas too).
CLAIM_S = 600.0
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
    unclaimed = {
        "$or": [
            {"derived_checked_at": {"$exists": False}},
            {"derived_checked_at": {"$lt": now - timedelta(seconds=CLAIM_S)}},
        ]
    }
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
