"""A worker: claims jobs of its types, runs their handlers with a lease kept alive by a
heartbeat, writes throttled progress, honours cancel requests within a second, and reaps
jobs whose worker died."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pymongo.errors import ConnectionFailure

from webbscope.db import Database
from webbscope.db.events import EventLog
from webbscope.domain.jobs import Job, JobError, Progress
from webbscope.errors import ServiceUnavailable, UpstreamError, UpstreamTimeout, WebbscopeError
from webbscope.jobs.process import ChildCrashed, run_in_process
from webbscope.jobs.queue import JobQueue
from webbscope.settings import Settings
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.worker")

#: Errors worth another attempt: the archive or a dependency was briefly away.
TRANSIENT = (UpstreamError, UpstreamTimeout, ServiceUnavailable, ChildCrashed, ConnectionError)


#: How often a worker sweeps for jobs left inconsistent by a crash (seconds).
SWEEP_EVERY_S = 300.0

#: Pauses between the attempts of a progress write that met a database blip (a dropped
#: connection, a failover: pymongo's AutoReconnect family). After the last, the write is left
#: for the next one, as a missed heartbeat is: progress is never worth failing a job for.
PROGRESS_RETRY_S = (0.1, 0.3, 1.0, 2.0)


class JobCancelled(Exception):
    """Raised inside a handler when its job was cancelled."""


@dataclass
class JobContext:
    """What a handler gets besides its job: resources, progress and cancellation."""

    job: Job
    queue: JobQueue
    worker: str
    db: Database
    storage: StorageProvider
    settings: Settings
    min_interval_s: float = 0.25
    _progress: Progress = field(default_factory=Progress)
    _last_write: float = 0.0
    _pending: bool = False

    @property
    def current(self) -> Progress:
        return self._progress

    async def progress(
        self,
        *,
        force: bool = False,
        fraction: float | None = None,
        stage: str | None = None,
        message: str | None = None,
        bytes_done: int | None = None,
        bytes_total: int | None = None,
        items_done: int | None = None,
        items_total: int | None = None,
    ) -> None:
        """Update the given fields; writes are throttled to a few per second per job (a change
        of stage is always written)."""
        given = {
            "fraction": fraction,
            "stage": stage,
            "message": message,
            "bytes_done": bytes_done,
            "bytes_total": bytes_total,
            "items_done": items_done,
            "items_total": items_total,
        }
        fields = {k: v for k, v in given.items() if v is not None}
        stage_changed = "stage" in fields and fields["stage"] != self._progress.stage
        self._progress = self._progress.model_copy(update=fields)
        now = time.monotonic()
        if force or stage_changed or now - self._last_write >= self.min_interval_s:
            self._last_write = now
            self._pending = not await self._write()
        else:
            self._pending = True

    async def _write(self) -> bool:
        """Write the current progress, retrying briefly through a database blip."""
        for pause in (*PROGRESS_RETRY_S, None):
            try:
                await self.queue.progress(self.job.id, self.worker, self._progress)
                return True
            except ConnectionFailure as exc:
                if pause is None:
                    log.warning("progress of job %s not written: %s", self.job.id, exc)
                    return False
                await asyncio.sleep(pause)
        return False  # not reached

    async def flush(self) -> None:
        if self._pending:
            await self.progress(force=True)

    async def run_cpu(self, fn: Callable[..., Any], *args: Any, stage: str | None = None) -> Any:
        """Run `fn(report, *args)` in a child process that a cancel terminates."""

        async def report(fraction: float, message: str | None) -> None:
            await self.progress(
                fraction=max(0.0, min(1.0, fraction)),
                message=message,
                stage=stage,
            )

        return await run_in_process(fn, *args, progress=report)


Handler = Callable[[JobContext], Coroutine[Any, Any, dict[str, Any] | None]]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        db: Database,
        storage: StorageProvider,
        settings: Settings,
        handlers: Mapping[str, Handler],
        *,
        queue: JobQueue,
        concurrency: int = 1,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.storage = storage
        self.settings = settings
        self.handlers = dict(handlers)
        self.queue = queue
        self.concurrency = concurrency
        self.id = worker_id or default_worker_id()
        self.lease_s = settings.jobs_lease_s
        self.poll_s = settings.jobs_poll_interval_s
        self._running: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker %s serving %s", self.id, sorted(self.handlers))
        try:
            await self.queue.ensure_indexes(list(self.handlers))
        except Exception:
            log.exception("creating the queue indexes failed (claims still work, slower)")
        reaper = asyncio.create_task(self._reap_loop(stop))
        try:
            while not stop.is_set():
                if len(self._running) >= self.concurrency:
                    await self._wait_any(stop)
                    continue
                try:
                    job = await self.queue.claim(self.id, list(self.handlers), self.lease_s)
                except Exception:
                    log.exception("claim failed")
                    job = None
                if job is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.poll_s)
                    continue
                task = asyncio.create_task(self._run_job(job))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
        finally:
            reaper.cancel()
            for task in list(self._running):
                task.cancel()
            await asyncio.gather(reaper, *self._running, return_exceptions=True)

    async def _wait_any(self, stop: asyncio.Event) -> None:
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({stopper, *self._running}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()

    async def _reap_loop(self, stop: asyncio.Event) -> None:
        interval = max(1.0, self.lease_s / 3)
        next_sweep = time.monotonic() + random.uniform(5, 30)
        next_derived = time.monotonic()  # at start-up, then every DERIVED_SWEEP_INTERVAL_S
        while not stop.is_set():
            derived = "thumbnail" in self.handlers or "pyramid" in self.handlers
            if derived and time.monotonic() >= next_derived:
                every = self.settings.derived_sweep_interval_s
                next_derived = time.monotonic() + every * random.uniform(0.8, 1.2)
                await self._sweep_derived()
            try:
                for job in await self.queue.reap():
                    log.warning("reaped job %s (%s): now %s", job.id, job.type, job.status)
                for job in await self.queue.mark_stalled():
                    log.warning("job %s (%s) missed a heartbeat", job.id, job.type)
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + SWEEP_EVERY_S * random.uniform(0.8, 1.2)
                    if repaired := await self.queue.sweep():
                        log.warning("sweep repaired %d job(s)", repaired)
                    for stream in ("job", "record", "semantic"):
                        await EventLog(self.db, stream).prune()
                    await self.queue.forget_finished(
                        timedelta(days=self.settings.jobs_retention_days)
                    )
            except Exception:
                log.exception("reaper failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)

    async def _sweep_derived(self) -> None:
        """Queue the thumbnails and pyramids a crash left unqueued (see
        `webbscope.library.derived`)."""
        from webbscope.library.derived import sweep_derived

        for job_type in ("thumbnail", "pyramid"):
            if job_type not in self.handlers:
                continue
            try:
                queued = await sweep_derived(
                    self.db, self.queue, self.settings.derived_sweep_grace_s, job_type
                )
            except Exception:
                log.exception("the derived-work sweep failed (it runs again later)")
                return
            if queued:
                log.warning("derived-work sweep queued %d %s job(s)", queued, job_type)

    async def _run_job(self, job: Job) -> None:
        ctx = JobContext(job, self.queue, self.id, self.db, self.storage, self.settings)
        handler = self.handlers[job.type]
        work: asyncio.Task[dict[str, Any] | None] = asyncio.create_task(handler(ctx))
        try:
            outcome = await self._supervise(job, work)
        except Exception:
            log.exception("supervising job %s failed", job.id)
            work.cancel()
            return
        try:
            await self._finish(job, ctx, work, outcome)
        except Exception:
            log.exception("could not record the outcome of job %s", job.id)

    async def _supervise(self, job: Job, work: asyncio.Task[Any]) -> str:
        """Heartbeat until the handler ends; 'done', 'cancelled' or 'lost'."""
        tick = min(0.5, self.lease_s / 3)
        beat_every = self.lease_s / 3
        last_beat = time.monotonic()
        try:
            while not work.done():
                await asyncio.wait({work}, timeout=tick)
                if work.done():
                    break
                try:
                    if time.monotonic() - last_beat >= beat_every:
                        doc = await self.queue.heartbeat(job.id, self.id, self.lease_s)
                        last_beat = time.monotonic()
                    else:
                        doc = await self.queue.still_mine(job.id, self.id)
                except Exception:
                    # The database is briefly away: keep working; if the lease runs out
                    # meanwhile, the next answer says so.
                    log.warning("heartbeat for job %s failed", job.id, exc_info=True)
                    continue
                if doc is None:
                    work.cancel()
                    return "lost"
                if doc.get("cancel"):
                    work.cancel()
                    return "cancelled"
        except asyncio.CancelledError:
            work.cancel()
            with contextlib.suppress(BaseException):
                await work
            with contextlib.suppress(Exception):
                await asyncio.shield(self.queue.release(job.id, self.id))
            raise
        return "done"

    async def _finish(
        self, job: Job, ctx: JobContext, work: asyncio.Task[Any], outcome: str
    ) -> None:
        if outcome != "done":
            with contextlib.suppress(BaseException):
                await work
            if outcome == "cancelled":
                await self.queue.mark_cancelled(job.id, self.id)
                log.info("job %s cancelled", job.id)
            else:
                log.warning("job %s lost its lease; left to its new owner", job.id)
            return
        exc = work.exception()
        if exc is None:
            await ctx.flush()
            await self.queue.complete(job.id, self.id, work.result(), ctx.current)
            return
        if isinstance(exc, JobCancelled):
            await self.queue.mark_cancelled(job.id, self.id)
            return
        if isinstance(exc, WebbscopeError):
            error = JobError(code=exc.code, message=exc.message)
        else:
            error = JobError(code="internal_error", message=f"{exc.__class__.__name__}: {exc}")
            log.error("job %s failed", job.id, exc_info=exc)
        retryable = isinstance(exc, TRANSIENT) or not isinstance(exc, WebbscopeError)
        await self.queue.fail(job.id, self.id, error, retryable=retryable)
