"""Creating and restoring a backup (the orchestration; the parts are in _database and
_storage)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from webbscope import __version__
from webbscope.backup import _database as database
from webbscope.backup import _storage as storage_dump
from webbscope.backup._manifest import Manifest, check_files
from webbscope.db import Database
from webbscope.errors import WebbscopeError
from webbscope.jobs import JobQueue
from webbscope.library.derived import queue_pyramid
from webbscope.storage import S3Storage, StorageProvider

log = logging.getLogger("webbscope.backup")
PREFIX = "webbscope-backup-"
STALE_PARTIAL_S = 86_400.0


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest


@dataclass
class RestoreResult:
    collections: int
    documents: int
    objects_restored: int
    objects_unchanged: int


async def create_backup(db: Database, storage: StorageProvider, out_dir: Path) -> BackupResult:
    """Write a new backup under `out_dir`; it appears under its final name only when complete."""
    now = datetime.now(UTC)
    name = PREFIX + now.strftime("%Y%m%dT%H%M%SZ")
    final = out_dir / name
    work = out_dir / (name + ".partial")
    work.mkdir(parents=True)
    try:
        snapshot = await database.supports_snapshots(db)
        manifest = Manifest(
            created_at=now.isoformat(),
            version=__version__,
            database=db.name,
            consistency="snapshot" if snapshot else "per-collection cursor",
        )
        for name_ in await database.collection_names(db):
            # One snapshot per collection on a replica set: each collection is a consistent
            # point in time; collections are read one after another.
            session = db.client.start_session(snapshot=True) if snapshot else None
            try:
                dump = await database.dump_collection(db, name_, work, session)
            finally:
                if session is not None:
                    await session.end_session()
            manifest.collections.append(dump)
            log.info("collection %s: %d documents", dump.name, dump.count)
        if isinstance(storage, S3Storage):
            manifest.storage = await asyncio.to_thread(storage_dump.dump_versions, storage, work)
        else:
            manifest.storage = await asyncio.to_thread(storage_dump.dump_objects, storage, work)
        log.info("storage: %d objects, %d bytes", manifest.storage.count, manifest.storage.bytes)
        manifest.write(work)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(final, manifest)


async def restore_backup(
    db: Database, storage: StorageProvider, path: Path, *, replace: bool = False
) -> RestoreResult:
    """Check every file of the backup, then restore the database and the stored files."""
    manifest = Manifest.read(path)
    await asyncio.to_thread(check_files, path, manifest)
    if not replace:
        busy = await database.non_empty(db)
        if busy:
            raise database.refuse_non_empty(busy)
    documents = 0
    for dump in manifest.collections:
        await database.restore_collection(db, dump, path)
        documents += dump.count
        log.info("collection %s: %d documents restored", dump.name, dump.count)
    await db.ensure_indexes()
    if any(dump.name == "records" for dump in manifest.collections):
        queued = await _rebuild_pyramids(db)
        log.info("%d stored pyramid(s) queued to be built again", queued)
    restored = storage_dump.StorageRestore()
    if manifest.storage is not None:
        if manifest.storage.mode == "versions":
            if not isinstance(storage, S3Storage):
                raise WebbscopeError(
                    "this backup lists S3 object versions; restore it with STORAGE_PROVIDER=s3",
                    code="backup_storage_mismatch",
                )
            restored = await asyncio.to_thread(storage_dump.restore_versions, storage, path)
        else:
            restored = await asyncio.to_thread(storage_dump.restore_objects, storage, path)
    return RestoreResult(
        collections=len(manifest.collections),
        documents=documents,
        objects_restored=restored.restored,
        objects_unchanged=restored.unchanged,
    )


async def _rebuild_pyramids(db: Database) -> int:
    """Stored pyramids live under tiles/, a cache no backup holds: mark each restored record's
    as not built and queue its `pyramid` job (the restored jobs already name a finished one, so
    the derived-work sweep would not; a job whose levels are still in storage only marks them).
    """
    records = db.collection("records")
    queue = JobQueue(db)
    queued = 0
    async for doc in records.find({"pyramid.built": True}, {"owner_id": 1}):
        await records.update_one({"_id": doc["_id"]}, {"$unset": {"pyramid": ""}})
        await queue_pyramid(queue, str(doc["owner_id"]), str(doc["_id"]))
        queued += 1
    return queued


def prune_backups(out_dir: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest complete backups in `out_dir` (and stale partial ones)."""
    complete = sorted(
        p for p in out_dir.glob(PREFIX + "*") if p.is_dir() and (p / "manifest.json").is_file()
    )
    removed = complete[:-keep] if keep > 0 else []
    stale = time.time() - STALE_PARTIAL_S  # a partial one this old was left by a crash
    removed += [
        p for p in out_dir.glob(PREFIX + "*.partial") if p.is_dir() and p.stat().st_mtime < stale
    ]
    for p in removed:
        with contextlib.suppress(OSError):
            shutil.rmtree(p)
    return removed
