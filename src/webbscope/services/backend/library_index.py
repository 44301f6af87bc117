"""The library index: each backend replica answers `GET /api/records` (and the keyword half of
`/api/search`) from its own read model (`library.read_model`: SQLite with FTS5,
plus numpy columns), never from Python loops over every record and never on the event loop:
every call into the model runs in a worker thread.

MongoDB stays the source of truth. The model is loaded at start-up (streamed from the
database in batches) and follows the `record` event log, so a change made anywhere reaches it
within a poll interval; a request that changes records refreshes them at once, so its own
replica answers with the change. A periodic reconciliation finds what the event log missed
(a writer that died between its insert and its event, an event the log lost): records changed
since the last pass (by `updated_at`), and, when the counts differ, records added or removed
without one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId
from fastapi import FastAPI
from pymongo.errors import ConnectionFailure

from webbscope.db import Database, Document
from webbscope.db.events import EventLog, EventReader, event_id
from webbscope.db.records import RecordsRepo, to_record
from webbscope.domain.users import User
from webbscope.library.query import RecordQuery, query_entry
from webbscope.library.read_model import KeywordMatch, Page, ReadModel
from webbscope.services.backend.schemas import RecordOut
from webbscope.settings import Settings
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.library_index")
BATCH = 1000
#: Where the model's snapshot is kept in storage, and the model's note of when it was last in
#: line with the database (every change after it, less the slack, is read again).
SNAPSHOT_KEY = "library/read-model.sqlite"
SYNCED = "synced_at"


def _entry(doc: Document) -> dict[str, Any]:
    entry = query_entry(doc)
    entry["body"] = RecordOut.of(to_record(doc)).model_dump(mode="json")
    return entry


def _caller(caller: User | None) -> tuple[str | None, bool]:
    return (caller.id if caller else None, bool(caller and caller.is_admin))


class LibraryIndex:
    def __init__(
        self, db: Database, settings: Settings, storage: StorageProvider | None = None
    ) -> None:
        self.repo = RecordsRepo(db)
        self.log = EventLog(db, "record")
        self.poll_s = settings.events_poll_interval_s
        self.reconcile_s = settings.library_reconcile_interval_s
        self.slack = timedelta(seconds=settings.library_reconcile_slack_s)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        path = settings.library_db_path
        if path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="webbscope-library-")
            path = Path(self._tmp.name) / "library.sqlite"
        self.path = Path(path)
        self.cache_mb = settings.library_cache_mb
        self.storage = storage
        self.snapshot_s = settings.library_snapshot_interval_s
        self.model = ReadModel(path, cache_mb=settings.library_cache_mb)
        self._tasks: list[asyncio.Task[None]] = []
        self.reader: EventReader | None = None
        self._since = datetime.now(UTC)
        self.reconciled = 0

    async def start(self) -> None:
        """Serve from the model on local disk or the snapshot in storage, then catch up (the
        reconciliation's first pass, in the background); without either, load every record
        from the database, streamed in batches."""
        reader = await EventReader.at_head(self.log)  # before loading: nothing slips between
        self.reader = reader
        started = time.perf_counter()
        synced = await asyncio.to_thread(self._open_snapshot)
        if synced is not None:
            self._since = synced
            log.info(
                "library index opened %d records (synced %s) in %.1f s",
                await asyncio.to_thread(len, self.model),
                synced.isoformat(),
                time.perf_counter() - started,
            )
        else:
            self._since = datetime.now(UTC)
            await asyncio.to_thread(self.model.remove, await asyncio.to_thread(self._all_ids))
            batch: list[Document] = []
            async for doc in self.repo.coll.find({}):
                batch.append(doc)
                if len(batch) >= BATCH:
                    await asyncio.to_thread(self._apply, batch)
                    batch = []
            await asyncio.to_thread(self._apply, batch)
            await asyncio.to_thread(self.model.set_meta, SYNCED, self._since.isoformat())
            log.info(
                "library index loaded %d records in %.1f s",
                await asyncio.to_thread(len, self.model),
                time.perf_counter() - started,
            )
        self._tasks = [asyncio.create_task(self._follow(reader))]
        if synced is not None:
            self._tasks.append(asyncio.create_task(self._catch_up()))
        if self.reconcile_s > 0:
            self._tasks.append(asyncio.create_task(self._reconcile_loop()))
        if self.snapshot_s > 0 and self.storage is not None:
            self._tasks.append(asyncio.create_task(self._snapshot_loop()))

    def _open_snapshot(self) -> datetime | None:
        """Open the model file left on local disk, else the snapshot in storage; the time the
        model was last in line with the database, or None (nothing usable)."""
        synced = self.model.get_meta(SYNCED)
        if synced is None and self.storage is not None and self.storage.exists(SNAPSHOT_KEY):
            self.model.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.storage.download_to(SNAPSHOT_KEY, self.path)
            self.model = ReadModel(self.path, cache_mb=self.cache_mb)
            synced = self.model.get_meta(SYNCED)
        return None if synced is None else datetime.fromisoformat(synced)

    async def _catch_up(self) -> None:
        try:
            fixed = await self.reconcile()
            log.info("library index caught up with the database: %d records changed", fixed)
        except Exception:
            log.exception("library catch-up failed (the periodic reconciliation retries)")

    async def _snapshot_loop(self) -> None:
        while True:
            await asyncio.sleep(self.snapshot_s)
            try:
                await self.snapshot()
            except Exception:
                log.exception("library snapshot failed")

    async def snapshot(self) -> None:
        """Store a copy of the model for replicas that start later (`SNAPSHOT_KEY`)."""
        assert self.storage is not None
        storage = self.storage
        since = self._since

        def write() -> None:
            with tempfile.TemporaryDirectory(prefix="webbscope-snapshot-") as tmp:
                copy = Path(tmp) / "library.sqlite"
                self.model.snapshot_to(copy)
                with contextlib.closing(sqlite3.connect(copy)) as db:
                    db.execute(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                        (SYNCED, since.isoformat()),
                    )
                    db.commit()
                storage.put_file(SNAPSHOT_KEY, copy, move=True)

        await asyncio.to_thread(write)

    def _all_ids(self) -> list[str]:
        return list(self.model.ids_updated())

    def _apply(self, docs: Sequence[Document]) -> None:
        if docs:
            self.model.upsert(_entry(d) for d in docs)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await asyncio.to_thread(self.model.close, self._tmp is None)
        if self._tmp is not None:
            self._tmp.cleanup()

    async def refresh(self, *record_ids: str) -> None:
        """Re-read records from the database (after a change this replica made)."""
        found: list[Document] = []
        gone: list[str] = []
        for rid in dict.fromkeys(record_ids):
            doc = await self.repo.coll.find_one({"_id": ObjectId(rid)})
            if doc is None:
                gone.append(rid)
            else:
                found.append(doc)
        await asyncio.to_thread(self._apply, found)
        if gone:
            await asyncio.to_thread(self.model.remove, gone)

    async def lag(self) -> tuple[int, float]:
        """Events published but not applied yet, and the age in seconds of the oldest of them."""
        if self.reader is None:
            return 0, 0.0
        behind = max(0, await self.log.head() - (self.reader.next - 1))
        if not behind:
            return 0, 0.0
        doc = await self.log.events.find_one({"_id": event_id(self.reader.next)}, {"at": 1})
        age = (datetime.now(UTC) - doc["at"]).total_seconds() if doc else 0.0
        return behind, max(0.0, age)

    async def _follow(self, reader: EventReader) -> None:
        away = False
        while True:
            try:
                events = await reader.poll()
                ids = list(dict.fromkeys(str(e.data["id"]) for e in events))
                await self.refresh(*ids)
            except ConnectionFailure as exc:
                # The database is away: one line per outage, no traceback; it resumes after.
                if not away:
                    log.warning("record event log paused, database unavailable: %r", exc)
                away, events = True, []
            except Exception:
                log.exception("following the record event log failed")
                events = []
            else:
                if away:
                    log.warning("record event log resumed")
                away = False
            if not events:
                await asyncio.sleep(self.poll_s)

    # -- reconciliation ---------------------------------------------------------------------

    async def _reconcile_loop(self) -> None:
        while True:
            await asyncio.sleep(self.reconcile_s)
            try:
                fixed = await self.reconcile()
                if fixed:
                    log.warning("library reconciliation repaired %d records", fixed)
            except ConnectionFailure:
                pass  # the follower already says the database is away
            except Exception:
                log.exception("library reconciliation failed")

    async def reconcile(self) -> int:
        """Bring the model in line with the database where the event log missed changes;
        returns how many records were repaired."""
        started = datetime.now(UTC)
        changed: list[Document] = []
        async for doc in self.repo.coll.find({"updated_at": {"$gte": self._since - self.slack}}):
            changed.append(doc)
        have = await asyncio.to_thread(self.model.updated_at, [str(d["_id"]) for d in changed])
        stale = [
            d
            for d in changed
            if abs(have.get(str(d["_id"]), -1.0) - _ts(d.get("updated_at"))) > 1e-3
        ]
        await asyncio.to_thread(self._apply, stale)
        fixed = len(stale)
        # Inserts without an event and an old `updated_at`, and deletes without one: only
        # when the counts differ is every id compared.
        if await self.repo.coll.count_documents({}) != await asyncio.to_thread(len, self.model):
            ids = {str(d["_id"]) async for d in self.repo.coll.find({}, {"_id": 1})}
            mine = set(await asyncio.to_thread(self._all_ids))
            gone = sorted(mine - ids)
            missing = sorted(ids - mine)
            # Each difference is read again by its id before it changes the model: the scan
            # and the model are read at different moments (a record inserted in between, with
            # its event applied, or a record moved by a concurrent update, is not gone).
            await self.refresh(*gone, *missing)
            fixed += len(gone) + len(missing)
        self._since = started
        await asyncio.to_thread(self.model.set_meta, SYNCED, started.isoformat())
        self.reconciled += fixed
        return fixed

    # -- queries (each in a worker thread) --------------------------------------------------

    async def query(self, q: RecordQuery, caller: User | None, cursor: str | None = None) -> Page:
        """One page; its records' bodies come as JSON text, ready to send."""
        caller_id, is_admin = _caller(caller)
        return await asyncio.to_thread(self.model.query, q, caller_id, is_admin, cursor)

    async def facets(self, q: RecordQuery, caller: User | None) -> dict[str, Any]:
        caller_id, is_admin = _caller(caller)
        return await asyncio.to_thread(self.model.facets, q, caller_id, is_admin)

    async def keyword_search(
        self, text: str, q: RecordQuery, caller: User | None
    ) -> list[KeywordMatch]:
        caller_id, is_admin = _caller(caller)
        return await asyncio.to_thread(self.model.keyword_search, text, q, caller_id, is_admin)

    async def get(self, record_id: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self.model.get, record_id)

    async def get_many(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await asyncio.to_thread(self.model.get_many, list(record_ids))

    async def owned(self, owner_id: str, product_type: str) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.model.owned_entries, owner_id, product_type)

    async def count(self) -> int:
        return await asyncio.to_thread(len, self.model)


def _ts(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float("nan")


async def start_library(app: FastAPI) -> None:
    index = LibraryIndex(app.state.parts.db, app.state.settings, app.state.parts.storage)
    await index.start()
    app.state.library = index


async def stop_library(app: FastAPI) -> None:
    await app.state.library.stop()
