"""`webbscope semantic rebuild`: queue a rebuild job and see it through. This process runs a
worker for it (so it works without a running engine); if an engine's worker takes the job
first, the command follows that one. Progress is printed as it goes; Ctrl-C cancels the job."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from webbscope.db import Database
from webbscope.domain.jobs import JobStatus
from webbscope.jobs.queue import JobQueue
from webbscope.jobs.registry import load_handlers
from webbscope.jobs.worker import Worker
from webbscope.logs import configure_logging
from webbscope.services.common.semantic_jobs import request_rebuild
from webbscope.settings import load_settings
from webbscope.storage import make_storage


async def _rebuild(batch_size: int | None, reembed: bool) -> int:
    settings = load_settings()
    configure_logging("semantic", settings.log_level)
    db = Database(settings.mongodb_uri, settings.mongodb_db, timeout_ms=settings.mongodb_timeout_ms)
    await db.ping()
    await db.ensure_indexes()
    queue = JobQueue(db, settings.job_limits)
    job_id = await request_rebuild(
        db, settings, reembed=reembed, reason="webbscope semantic rebuild", batch_size=batch_size
    )
    print(f"rebuild job {job_id}", flush=True)
    stop = asyncio.Event()
    cancelled = False

    def interrupt() -> None:
        nonlocal cancelled
        cancelled = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)
    worker = Worker(
        db, make_storage(settings), settings, load_handlers(["semantic_rebuild"]), queue=queue
    )
    running = asyncio.create_task(worker.run(stop))
    last = ""
    try:
        while True:
            job = await queue.get(job_id)
            p = job.progress
            line = f"{job.status} {p.stage or ''} {p.items_done or 0}/{p.items_total or '?'}"
            if line != last:
                print(line, flush=True)
                last = line
            if JobStatus(job.status).final:
                break
            if cancelled:
                with contextlib.suppress(Exception):
                    await queue.cancel(job_id)
                cancelled = False
            await asyncio.sleep(0.5)
    finally:
        stop.set()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(running, 15)
        await db.close()
    if job.status != JobStatus.succeeded.value:
        print(f"rebuild {job.status}: {job.error.message if job.error else ''}", file=sys.stderr)
        return 1
    print(f"rebuilt: {job.result}", flush=True)
    return 0


def run_rebuild(batch_size: int | None, reembed: bool = True) -> int:
    return asyncio.run(_rebuild(batch_size, reembed))
