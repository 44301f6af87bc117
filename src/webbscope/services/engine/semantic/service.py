"""The semantic index as one engine replica serves it.

At start-up the replica checks the model's files (missing: `degraded`, with the reason), loads
the snapshot from storage and checks it (corrupt, or built with another model: not served, a
rebuild job is requested), catches up with the changes made since, then follows the
`semantic` event log. Every replica applies the same changes in the same way (newest stamp
wins), so all of them agree on what is indexed. It also hands record changes to `embed` jobs
(`Dispatcher`) and asks for a snapshot when enough has changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from webbscope.db import Database
from webbscope.db.events import EventLog, EventReader, event_id
from webbscope.db.semantic import SemanticStore, bytes_vector
from webbscope.jobs.queue import JobQueue
from webbscope.library.derived import sweep_index
from webbscope.semantic import (
    Allowed,
    Embedder,
    Hit,
    ModelIdentity,
    ModelUnavailable,
    VectorIndex,
    decode_attrs,
    default_model_dir,
)
from webbscope.services.common.semantic_jobs import SYSTEM_OWNER, request_rebuild
from webbscope.services.engine.semantic.snapshot import Manifest, SnapshotInvalid, load_snapshot
from webbscope.settings import Settings
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.semantic")

State = Literal["starting", "ready", "rebuilding", "degraded"]
DISPATCH_BATCH = 200
GAP_WAIT_S = 5.0

_embedders: dict[tuple[str, int, str], Embedder] = {}


def shared_embedder(settings: Settings) -> Embedder:
    """The process's embedder (jobs and queries share one loaded model);
    `ModelUnavailable` when its files are missing."""
    model_dir = settings.semantic_model_dir or default_model_dir()
    key = (str(model_dir), settings.semantic_threads, settings.semantic_precision)
    embedder = _embedders.get(key)
    if embedder is None:
        embedder = Embedder(
            model_dir, threads=settings.semantic_threads, precision=settings.semantic_precision
        )
        _embedders[key] = embedder
    return embedder


@dataclass
class Status:
    state: State
    reason: str | None
    model: str | None
    model_version: str | None
    precision: str | None
    loaded: bool
    count: int
    dead_rows: int
    memory_bytes: int
    applied_seq: int
    snapshot: dict[str, Any] | None


class _NoIndex:
    """Stands in for the index while there is none (degraded or starting)."""

    dead_rows = 0

    def __len__(self) -> int:
        return 0

    def memory_bytes(self) -> int:
        return 0


_EMPTY: Any = _NoIndex()


class SemanticService:
    def __init__(self, settings: Settings, db: Database, storage: StorageProvider) -> None:
        self.settings = settings
        self.db = db
        self.storage = storage
        self.store = SemanticStore(db)
        self.log = EventLog(db, "semantic")
        self.state: State = "starting"
        self.reason: str | None = None
        self.embedder: Embedder | None = None
        self.identity: ModelIdentity | None = None
        self.index = _EMPTY
        self.manifest: Manifest | None = None
        self.applied_seq = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._loading: asyncio.Task[None] | None = None
        #: Set by `stop`: the loops end at their next turn even if a cancellation was lost (the
        #: database driver can swallow one that arrives mid-operation, and a loop that never
        #: ends holds the process open: a service that failed to bind its port never exited).
        self.stopping = False

    # -- start and stop ------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            self.embedder = shared_embedder(self.settings)
            self.identity = self.embedder.identity
            import faiss  # noqa: F401  (the 'semantic' extra)
        except (ModelUnavailable, ImportError) as exc:
            self.state, self.reason = "degraded", str(exc)
            log.warning("semantic search degraded: %s", exc)
            return
        self.index = VectorIndex(
            self.identity.dimension, exact_below=self.settings.semantic_exact_below
        )
        reader = await EventReader.at_head(self.log)
        await self._load(reader.next - 1)
        self._tasks.append(asyncio.create_task(self._follow(reader)))
        self._tasks.append(asyncio.create_task(Dispatcher(self).run()))
        self._tasks.append(asyncio.create_task(self._sweep()))
        if len(self.index) > 0:
            self.warm_up()  # a library to search: have the model ready for the first query

    async def stop(self) -> None:
        self.stopping = True
        pending = {t for t in self._tasks if not t.done()}
        deadline = time.monotonic() + 10.0
        while pending and time.monotonic() < deadline:
            for task in pending:
                task.cancel()
            _done, pending = await asyncio.wait(pending, timeout=0.5)
        if pending:
            log.warning("%d semantic task(s) did not stop within 10 s", len(pending))

    async def _load(self, head: int) -> None:
        """Snapshot, then the changes after it up to `head`."""
        assert self.identity is not None
        try:
            loaded = await asyncio.to_thread(
                load_snapshot, self.storage, self.identity, self.settings.semantic_exact_below
            )
        except SnapshotInvalid as exc:
            self.state, self.reason = "rebuilding", f"the stored index is not usable: {exc}"
            log.warning("semantic index not served: %s; requesting a rebuild", exc)
            await request_rebuild(self.db, self.settings, reembed=True, reason=str(exc))
            return
        if loaded is None:
            index = VectorIndex(
                self.identity.dimension, exact_below=self.settings.semantic_exact_below
            )
            await self._from_store(index)
            if len(index) == 0 and await self.db.collection("records").find_one({}, {"_id": 1}):
                await request_rebuild(self.db, self.settings, reembed=True, reason="no index yet")
        else:
            index, self.manifest = loaded
            if not await self._replay(index, self.manifest.seq + 1, head):
                await self._from_store(index)
        self.index = index
        self.applied_seq = head
        self.state, self.reason = "ready", None
        log.info("semantic index ready: %d records", len(index))

    async def _replay(self, index: VectorIndex, start: int, end: int) -> bool:
        """Apply events start..end; False if some are no longer kept."""
        events = []
        for seq in range(start, end + 1):
            doc = await self.log.events.find_one({"_id": event_id(seq)})
            if doc is None:
                return False
            events.append(doc["data"])
        for data in events:
            self._apply(index, data)
        return True

    async def _from_store(self, index: VectorIndex) -> None:
        """Bring `index` up to the stored vectors (the truth)."""
        assert self.identity is not None
        model = self.identity.key()
        batch: list[tuple[str, np.ndarray, dict[str, Any], str]] = []
        async for doc in self.store.all():
            rid, stamp = str(doc["_id"]), str(doc["stamp"])
            if doc.get("deleted"):
                index.remove(rid, stamp)
            elif doc.get("model") == model and index.stamp_of(rid) != stamp:
                batch.append((rid, bytes_vector(doc["vector"]), dict(doc["attrs"]), stamp))
            if len(batch) >= 1000:
                await asyncio.to_thread(index.upsert_many, batch)
                batch = []
        if batch:
            await asyncio.to_thread(index.upsert_many, batch)

    # -- following changes -----------------------------------------------------------------------

    def _apply(self, index: VectorIndex, data: Mapping[str, Any]) -> None:
        op, rid = data.get("op"), str(data.get("id"))
        stamp = str(data.get("stamp", ""))
        if op == "put":
            if self.identity is not None and data.get("model") == self.identity.key():
                index.upsert_many(
                    [(rid, bytes_vector(data["vector"]), decode_attrs(dict(data["attrs"])), stamp)]
                )
        elif op == "attrs":
            index.update_attrs(rid, decode_attrs(dict(data["attrs"])), stamp)
        elif op == "delete":
            index.remove(rid, stamp)

    async def _sweep(self) -> None:
        """At start-up and every DERIVED_SWEEP_INTERVAL_S while the index is ready: records a
        crash kept out of the index are published again (`webbscope.library.derived`)."""
        every = self.settings.derived_sweep_interval_s
        while not self.stopping:
            if self.state == "ready":
                try:
                    await sweep_index(self.db, self.settings.derived_sweep_grace_s)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("the semantic index sweep failed (it runs again later)")
            await asyncio.sleep(every * random.uniform(0.8, 1.2))

    async def _follow(self, reader: EventReader) -> None:
        while not self.stopping:
            try:
                events = await reader.poll()
                for event in events:
                    if event.data.get("op") == "snapshot":
                        await self._load(event.seq)
                    elif self.state in ("ready", "rebuilding"):
                        self._apply(self.index, event.data)
                    self.applied_seq = max(self.applied_seq, event.seq)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("following the semantic event log failed")
                events = []
            if not events:
                await asyncio.sleep(self.settings.events_poll_interval_s)

    # -- queries ---------------------------------------------------------------------------

    def require_ready(self) -> None:
        from webbscope.errors import ServiceUnavailable

        if self.state != "ready":
            raise ServiceUnavailable(
                f"semantic search is {self.state}: {self.reason or 'starting up'}",
                code="semantic_unavailable",
                details={"state": self.state, "reason": self.reason},
            )

    def warm_up(self) -> None:
        """Load the model in the background (once)."""
        if self.embedder is None or self.embedder.loaded or self._loading is not None:
            return
        self._loading = asyncio.create_task(asyncio.to_thread(self.embedder.load))
        self._tasks.append(self._loading)

    async def embed_query(self, text: str) -> np.ndarray:
        from webbscope.errors import ServiceUnavailable

        assert self.embedder is not None
        if self._loading is not None and self._loading.done() and self._loading.exception():
            failed = self._loading.exception()
            self._loading = None  # the next query tries again
            raise ServiceUnavailable(
                f"semantic search cannot load its model: {failed}",
                code="semantic_unavailable",
                details={"state": "degraded"},
            )
        if not self.embedder.loaded:
            # The first query does not wait for the model: it starts loading and keyword
            # search answers meanwhile.
            self.warm_up()
            raise ServiceUnavailable(
                "semantic search is starting: the model is loading",
                code="semantic_unavailable",
                details={"state": "loading"},
            )
        vectors = await asyncio.to_thread(self.embedder.encode, [text])
        first: np.ndarray = vectors[0]
        return first

    async def search(
        self, vector: np.ndarray, k: int, allowed: Allowed | None, exclude: list[str]
    ) -> list[Hit]:
        return await asyncio.to_thread(self.index.search, vector, k, allowed, exclude=exclude)

    def status(self) -> Status:
        snap = None
        if self.manifest is not None:
            snap = {
                "version": self.manifest.version,
                "count": self.manifest.count,
                "seq": self.manifest.seq,
                "created_at": self.manifest.created_at,
            }
        return Status(
            state=self.state,
            reason=self.reason,
            model=self.identity.name if self.identity else None,
            model_version=self.identity.version if self.identity else None,
            precision=self.embedder.effective_precision
            if self.embedder and self.embedder.loaded
            else None,
            loaded=bool(self.embedder and self.embedder.loaded),
            count=len(self.index),
            dead_rows=self.index.dead_rows,
            memory_bytes=self.index.memory_bytes() if self.state == "ready" else 0,
            applied_seq=self.applied_seq,
            snapshot=snap,
        )


class Dispatcher:
    """Hands record changes to `embed` jobs. The cursor over the record event log lives in
    the database and moves by compare-and-swap: whichever replica moves it enqueues the job
    (a replica that loses the race cancels the job it queued)."""

    def __init__(self, service: SemanticService) -> None:
        self.service = service
        self.store = service.store
        self.records = EventLog(service.db, "record")
        self.queue = JobQueue(service.db, service.settings.job_limits)
        self._missing_since: dict[int, float] = {}
        self._next_snapshot_check = 0.0

    async def run(self) -> None:
        interval = max(0.2, self.service.settings.events_poll_interval_s)
        while not self.service.stopping:
            try:
                moved = await self.step()
                await self.maybe_snapshot()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatching record changes failed")
                moved = False
            if not moved:
                await asyncio.sleep(interval)

    async def step(self) -> bool:
        cursor = await self.store.start_cursor("dispatch", {"seq": await self.records.head()})
        start = int(cursor["seq"])
        head = await self.records.head()
        if head <= start:
            return False
        ids: list[str] = []
        last = start
        for seq in range(start + 1, min(head, start + DISPATCH_BATCH) + 1):
            doc = await self.records.events.find_one({"_id": event_id(seq)})
            if doc is None:
                since = self._missing_since.setdefault(seq, time.monotonic())
                if time.monotonic() - since < GAP_WAIT_S:
                    break  # allocated, not yet written: wait for it
                last = seq  # its writer died: skip it
                continue
            self._missing_since.pop(seq, None)
            ids.append(str(doc["data"]["id"]))
            last = seq
        if last == start:
            return False
        job_id = None
        if ids:
            job = await self.queue.enqueue(
                "embed",
                SYSTEM_OWNER,
                {"record_ids": list(dict.fromkeys(ids)), "upto": last},
                compute=False,
                check_limits=False,
            )
            job_id = job.id
        if not await self.store.advance("dispatch", "seq", start, last):
            if job_id is not None:
                with contextlib.suppress(Exception):
                    await self.queue.cancel(job_id)
            return False
        return True

    async def maybe_snapshot(self) -> None:
        now = time.monotonic()
        if now < self._next_snapshot_check:
            return
        self._next_snapshot_check = now + 10.0
        head = await self.service.log.head()
        snap = await self.store.cursor("snapshot")
        done = int((snap or {}).get("seq", 0))
        if head - done >= self.service.settings.semantic_snapshot_every:
            await request_rebuild(
                self.service.db,
                self.service.settings,
                reembed=False,
                reason="changes since the last snapshot",
            )


async def start_semantic(app: Any) -> None:
    parts = app.state.parts
    service = SemanticService(app.state.settings, parts.db, parts.storage)
    app.state.semantic = service
    await service.start()


async def stop_semantic(app: Any) -> None:
    service: SemanticService | None = getattr(app.state, "semantic", None)
    if service is not None:
        await service.stop()
