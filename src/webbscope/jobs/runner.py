"""Running a worker inside a service, or on its own (`webbscope worker --types ...`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from webbscope.db import Database
from webbscope.jobs.queue import JobQueue
from webbscope.jobs.registry import load_handlers
from webbscope.jobs.worker import Worker
from webbscope.logs import configure_logging
from webbscope.settings import Settings, load_settings
from webbscope.storage import make_storage

Hook = Callable[[FastAPI], Awaitable[None]]


def worker_hooks(types: list[str]) -> tuple[Hook, Hook]:
    """Start-up and shut-down hooks that run a worker for `types` inside a service (none when
    WORKER_CONCURRENCY=0 or no types)."""

    async def start(app: FastAPI) -> None:
        settings: Settings = app.state.settings
        app.state.worker_stop = asyncio.Event()
        app.state.worker_task = None
        if not types or settings.worker_concurrency == 0:
            return
        parts = app.state.parts
        worker = Worker(
            parts.db,
            parts.storage,
            settings,
            load_handlers(types),
            queue=JobQueue(parts.db, settings.job_limits),
            concurrency=settings.worker_concurrency,
            worker_id=None,
        )
        app.state.worker_task = asyncio.create_task(worker.run(app.state.worker_stop))

    async def stop(app: FastAPI) -> None:
        app.state.worker_stop.set()
        if app.state.worker_task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(app.state.worker_task, 15)

    return start, stop


async def _run(types: list[str], concurrency: int | None) -> None:
    settings = load_settings()
    configure_logging("worker", settings.log_level)
    db = Database(settings.mongodb_uri, settings.mongodb_db, timeout_ms=settings.mongodb_timeout_ms)
    await db.ping()
    await db.ensure_indexes()
    storage = make_storage(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(
        db,
        storage,
        settings,
        load_handlers(types),
        queue=JobQueue(db, settings.job_limits),
        concurrency=concurrency or max(1, settings.worker_concurrency),
    )
    try:
        await worker.run(stop)
    finally:
        await db.close()


def run_worker(types: list[str], concurrency: int | None = None) -> int:
    asyncio.run(_run(types, concurrency))
    return 0
