"""Event logs: every change to a kind of document (jobs, records), in order, for every backend
replica to follow (the realtime hub, the library index). The database is the only thing the
replicas share.

Each event has a sequence number, allocated from a counter, and its `_id` is that number as
a zero-padded string, so a reader follows the log with lookups by `_id` alone — cheap on
MongoDB and on the development wire-protocol server alike (which looks up only string and
ObjectId `_id`s without reading the whole collection). A reader that meets a gap (a number
allocated but not yet written) waits for it briefly, then moves on, so a writer that died
between the two steps cannot stall the log; it keeps looking for the skipped number for a
while and delivers it late if it appears (job events carry whole snapshots with a `version`
that every write of the job increments, so a consumer can drop one older than what it has;
record events only name the record, which the consumer reads again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from webbscope.db import Database, Document

GAP_TIMEOUT_S = 5.0
#: How long a number skipped as a gap is still looked for (its writer may just be slow).
LATE_WINDOW_S = 300.0
RETENTION = timedelta(minutes=30)


@dataclass(frozen=True)
class Event:
    seq: int
    owner_id: str
    data: dict[str, Any]


def event_id(seq: int) -> str:
    return f"{seq:016d}"


class EventLog:
    """The log of one stream: `job` or `record` (collection `<stream>_events`)."""

    def __init__(self, db: Database, stream: str) -> None:
        self.name = f"{stream}_events"
        self.counters = db.collection("counters")
        self.events = db.collection(self.name)

    async def publish(self, owner_id: str, data: Document) -> int:
        counter = await self.counters.find_one_and_update(
            {"_id": self.name},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert counter is not None  # upsert=True always returns a document
        seq = int(counter["seq"])
        await self.events.insert_one(
            {
                "_id": event_id(seq),
                "owner_id": owner_id,
                "data": data,
                "at": datetime.now(UTC),
            }
        )
        return seq

    async def head(self) -> int:
        """The newest sequence number allocated (0 before the first event)."""
        doc = await self.counters.find_one({"_id": self.name})
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
        self._late: dict[int, float] = {}

    @classmethod
    async def at_head(cls, log: EventLog) -> EventReader:
        return cls(log, await log.head() + 1)

    async def _get(self, seq: int) -> Event | None:
        doc = await self.log.events.find_one({"_id": event_id(seq)})
        return None if doc is None else Event(seq, doc["owner_id"], doc["data"])

    async def poll(self, limit: int = 500) -> list[Event]:
        out: list[Event] = []
        now = time.monotonic()
        for seq, skipped_at in list(self._late.items()):
            event = await self._get(seq)
            if event is not None:
                out.append(event)
            if event is not None or now - skipped_at > LATE_WINDOW_S:
                del self._late[seq]
        while len(out) < limit:
            event = await self._get(self.next)
            if event is not None:
                out.append(event)
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
            self._late[self.next] = now  # skip it for now; look again on later polls
            self.next += 1
            self._gap_since = None
        return out
