"""The job event log: every change to a job, in order, for the realtime hub of every replica.

Each event has a sequence number, allocated from a counter, and its `_id` is that number as
a zero-padded string, so a reader follows the log with lookups by `_id` alone — cheap on
MongoDB and on the development wire-protocol server alike (which looks up only string and
ObjectId `_id`s without reading the whole collection). A reader that meets a gap (a number
allocated but not yet written) waits for it briefly, then moves on, so a writer that died
between the two steps cannot stall the log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from webbscope.db import Database, Document

COUNTER = "job_events"
GAP_TIMEOUT_S = 2.0
RETENTION = timedelta(minutes=30)


@dataclass(frozen=True)
class JobEvent:
    seq: int
    owner_id: str
    job: dict[str, Any]


def event_id(seq: int) -> str:
    return f"{seq:016d}"


class EventLog:
    def __init__(self, db: Database) -> None:
        self.counters = db.collection("counters")
        self.events = db.collection("job_events")

    async def publish(self, job_doc: Document) -> int:
        counter = await self.counters.find_one_and_update(
            {"_id": COUNTER},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert counter is not None  # upsert=True always returns a document
        seq = int(counter["seq"])
        await self.events.insert_one(
            {
                "_id": event_id(seq),
                "owner_id": job_doc["owner_id"],
                "job": job_doc,
                "at": datetime.now(UTC),
            }
        )
        return seq

    async def head(self) -> int:
        """The newest sequence number allocated (0 before the first event)."""
        doc = await self.counters.find_one({"_id": COUNTER})
        return int(doc["seq"]) if doc else 0

    async def prune(self) -> int:
        result = await self.events.delete_many({"at": {"$lt": datetime.now(UTC) - RETENTION}})
        return int(result.deleted_count)


class EventReader:
    """Follows the log from where it was created (or from `start`)."""

    def __init__(self, log: EventLog, start: int) -> None:
        self.log = log
        self.next = start
        self._gap_since: float | None = None

    @classmethod
    async def at_head(cls, log: EventLog) -> EventReader:
        return cls(log, await log.head() + 1)

    async def poll(self, limit: int = 500) -> list[JobEvent]:
        out: list[JobEvent] = []
        while len(out) < limit:
            doc = await self.log.events.find_one({"_id": event_id(self.next)})
            if doc is not None:
                out.append(JobEvent(self.next, doc["owner_id"], doc["job"]))
                self.next += 1
                self._gap_since = None
                continue
            if await self.log.head() < self.next:
                break  # nothing new
            now = time.monotonic()
            if self._gap_since is None:
                self._gap_since = now
            if now - self._gap_since < GAP_TIMEOUT_S:
                break  # allocated but not yet written: wait for it
            self.next += 1  # its writer is gone; skip it
            self._gap_since = None
        return out
