"""The shared archive store (`mast/` in storage): what it holds, when each file was last used,
which running imports hold it, and least-recently-used eviction of files no library record uses
and no running import holds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.domain.jobs import JobStatus
from webbscope.jobs.queue import JobQueue
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.archive_cache")
_LIVE = [JobStatus.queued.value, JobStatus.running.value]


async def live_jobs(db: Database, job_ids: Iterable[str]) -> set[str]:
    """Those of `job_ids` that are queued or running."""
    oids = [ObjectId(j) for j in set(job_ids) if ObjectId.is_valid(j)]
    if not oids:
        return set()
    found = JobQueue(db).coll.find({"_id": {"$in": oids}, "status": {"$in": _LIVE}}, {"_id": 1})
    return {str(d["_id"]) async for d in found}


class ArchiveFiles:
    """One document per stored archive file, keyed by its storage key. `holders` lists the
    imports about to record the file: eviction leaves it alone while one of them runs."""

    def __init__(self, db: Database) -> None:
        self.coll = db.collection("archive_files")

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": key})

    async def remember(self, key: str, size: int, sha256: str, obs_id: str) -> None:
        await self.coll.update_one(
            {"_id": key},
            {
                "$set": {
                    "size": size,
                    "sha256": sha256,
                    "obs_id": obs_id,
                    "last_used": datetime.now(UTC),
                }
            },
            upsert=True,
        )

    async def hold(self, key: str, job_id: str) -> dict[str, Any] | None:
        """Claim a stored file for a running import (the document, or None when the store
        does not know it — or eviction has just taken it)."""
        doc: dict[str, Any] | None = await self.coll.find_one_and_update(
            {"_id": key},
            {"$addToSet": {"holders": job_id}, "$set": {"last_used": datetime.now(UTC)}},
        )
        return doc

    async def release(self, job_id: str) -> None:
        """Drop every hold of an import (it has recorded its files, failed or stopped)."""
        await self.coll.update_many({"holders": job_id}, {"$pull": {"holders": job_id}})

    async def used(self, key: str) -> None:
        await self.coll.update_one({"_id": key}, {"$set": {"last_used": datetime.now(UTC)}})


async def evict(db: Database, storage: StorageProvider, max_bytes: int) -> list[str]:
    """Delete least-recently-used archive files until the store fits in `max_bytes`. Files in
    libraries are never evicted (they are not cache), nor files a queued or running import
    holds; holds of imports that ended without releasing them are ignored."""
    files = ArchiveFiles(db)
    docs = [d async for d in files.coll.find({})]
    total = sum(int(d["size"]) for d in docs)
    if total <= max_bytes:
        return []
    records = RecordsRepo(db)
    held = await live_jobs(db, [h for d in docs for h in d.get("holders") or []])
    evicted: list[str] = []
    for doc in sorted(docs, key=lambda d: d["last_used"]):
        if total <= max_bytes:
            break
        if set(doc.get("holders") or []) & held:
            continue
        if await records.count_key_references(doc["_id"]) > 0:
            continue
        # Only if nobody took a hold (or used it) since it was read: a hold changes both.
        gone = await files.coll.find_one_and_delete(
            {"_id": doc["_id"], "last_used": doc["last_used"]}
        )
        if gone is None:
            continue
        await asyncio.to_thread(storage.delete, doc["_id"])
        total -= int(doc["size"])
        evicted.append(doc["_id"])
    if evicted:
        log.info("evicted %d archive files; the store now holds %d bytes", len(evicted), total)
    return evicted
