"""The shared archive store (`mast/` in storage): what it holds, when each file was last used,
and least-recently-used eviction of files no library record uses."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.archive_cache")


class ArchiveFiles:
    """One document per stored archive file, keyed by its storage key."""

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

    async def used(self, key: str) -> None:
        await self.coll.update_one({"_id": key}, {"$set": {"last_used": datetime.now(UTC)}})


async def evict(db: Database, storage: StorageProvider, max_bytes: int) -> list[str]:
    """Delete least-recently-used archive files that no record uses until the store fits in
    `max_bytes`. Files in libraries are never evicted (they are not cache)."""
    files = ArchiveFiles(db)
    docs = [d async for d in files.coll.find({})]
    total = sum(int(d["size"]) for d in docs)
    if total <= max_bytes:
        return []
    records = RecordsRepo(db)
    evicted: list[str] = []
    for doc in sorted(docs, key=lambda d: d["last_used"]):
        if total <= max_bytes:
            break
        if await records.count_key_references(doc["_id"]) > 0:
            continue
        await asyncio.to_thread(storage.delete, doc["_id"])
        await files.coll.delete_one({"_id": doc["_id"]})
        total -= int(doc["size"])
        evicted.append(doc["_id"])
    if evicted:
        log.info("evicted %d archive files; the store now holds %d bytes", len(evicted), total)
    return evicted
