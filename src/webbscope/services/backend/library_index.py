"""The library index: each backend replica keeps what listing needs of every record in memory
and answers `GET /api/records` from it, filtering, sorting and paging in Python.

The database stays the source of truth. The index is loaded at start-up and follows the
`record` event log, so a change made anywhere (another replica, an import worker, a thumbnail
job) reaches it within a poll interval; a request that changes records refreshes them at once,
so its own replica answers with the change. Memory: about 2 KB a record (10,000 records, about
20 MB per replica).

Why in memory: the development database (FerretDB over SQLite) reads and decodes every
document for any query but a lookup by `_id`, so a filtered list of 10,000 records costs
seconds there; this keeps listing to milliseconds on every database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from fastapi import FastAPI
from pymongo.errors import ConnectionFailure

from webbscope.db import Database, Document
from webbscope.db.events import EventLog, EventReader, event_id
from webbscope.db.records import RecordsRepo, to_record
from webbscope.domain.users import User
from webbscope.library.query import RecordQuery, query_entry, run_query
from webbscope.semantic import KeywordIndex
from webbscope.services.backend.schemas import RecordOut

log = logging.getLogger("webbscope.library_index")


def _entry(doc: Document) -> dict[str, Any]:
    entry = query_entry(doc)
    entry["body"] = RecordOut.of(to_record(doc)).model_dump(mode="json")
    return entry


class LibraryIndex:
    def __init__(self, db: Database, poll_s: float) -> None:
        self.repo = RecordsRepo(db)
        self.log = EventLog(db, "record")
        self.poll_s = poll_s
        self.entries: dict[str, dict[str, Any]] = {}
        #: Keyword ranking for `/api/search`, kept with the entries.
        self.keywords = KeywordIndex()
        self._task: asyncio.Task[None] | None = None
        self.reader: EventReader | None = None

    async def start(self) -> None:
        reader = await EventReader.at_head(self.log)  # before loading: nothing slips between
        self.reader = reader
        started = time.perf_counter()
        async for doc in self.repo.coll.find({}):
            self._put(_entry(doc))
        log.info(
            "library index loaded %d records in %.1f s",
            len(self.entries),
            time.perf_counter() - started,
        )
        self._task = asyncio.create_task(self._follow(reader))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def refresh(self, *record_ids: str) -> None:
        """Re-read records from the database (after a change this replica made)."""
        for rid in record_ids:
            doc = await self.repo.coll.find_one({"_id": ObjectId(rid)})
            if doc is None:
                self.entries.pop(rid, None)
                self.keywords.remove(rid)
            else:
                self._put(_entry(doc))

    def _put(self, entry: dict[str, Any]) -> None:
        self.entries[entry["_id"]] = entry
        self.keywords.put(entry["_id"], entry.get("search") or "")

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

    def query(self, q: RecordQuery, caller: User | None) -> tuple[list[dict[str, Any]], int]:
        page, total = run_query(
            self.entries.values(),
            q,
            caller.id if caller else None,
            bool(caller and caller.is_admin),
        )
        return [e["body"] for e in page], total

    def get(self, record_id: str) -> dict[str, Any] | None:
        return self.entries.get(record_id)


async def start_library(app: FastAPI) -> None:
    index = LibraryIndex(app.state.parts.db, app.state.settings.events_poll_interval_s)
    await index.start()
    app.state.library = index


async def stop_library(app: FastAPI) -> None:
    await app.state.library.stop()
