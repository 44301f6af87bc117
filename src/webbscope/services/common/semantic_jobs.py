"""Asking for a rebuild of the semantic index: at most one is queued or running at a time,
whichever replica (or administrator) asks."""

from __future__ import annotations

from webbscope.db import Database
from webbscope.db.semantic import SemanticStore
from webbscope.domain.jobs import JobStatus
from webbscope.errors import NotFound
from webbscope.jobs.queue import JobQueue
from webbscope.settings import Settings

#: The owner of the jobs the system starts by itself (embedding, snapshots).
SYSTEM_OWNER = "system"


async def request_rebuild(
    db: Database,
    settings: Settings,
    *,
    reembed: bool,
    reason: str,
    owner_id: str = SYSTEM_OWNER,
    batch_size: int | None = None,
) -> str:
    """Queue a rebuild unless one is already queued or running; the job's id either way."""
    store = SemanticStore(db)
    queue = JobQueue(db, settings.job_limits)
    current = await store.start_cursor("rebuild", {"pending": None})
    pending = current.get("pending")
    if pending:
        try:
            job = await queue.get(pending)
        except NotFound:
            job = None  # gone (retention): a new one may start
        if job is not None and not JobStatus(job.status).final:
            return str(pending)
    job = await queue.enqueue(
        "semantic_rebuild",
        owner_id,
        {
            "reembed": reembed,
            "reason": reason,
            "batch_size": batch_size or settings.semantic_batch_size,
        },
        compute=True,
        check_limits=False,
    )
    if not await store.advance("rebuild", "pending", pending, job.id):
        await queue.cancel(job.id)  # another replica asked first
        again = await store.cursor("rebuild")
        return str((again or {}).get("pending") or job.id)
    return job.id
