"""`/api/jobs`: your jobs (administrators: everyone's), one job, cancel and retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from webbscope.domain.jobs import Job, JobStatus
from webbscope.domain.users import User
from webbscope.errors import NotFound
from webbscope.jobs import JobQueue
from webbscope.services.backend.deps import CurrentUser, DbDep, SettingsDep

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


async def get_queue(db: DbDep, settings: SettingsDep) -> JobQueue:
    return JobQueue(db, settings.job_limits)


Queue = Annotated[JobQueue, Depends(get_queue)]


class JobPage(BaseModel):
    items: list[Job]
    total: int
    offset: int
    limit: int


async def visible_job(queue: JobQueue, job_id: str, user: User) -> Job:
    job = await queue.get(job_id)
    if job.owner_id != user.id and not user.is_admin:
        raise NotFound(f"job {job_id} not found", code="job_not_found")
    return job


@router.get("", response_model=JobPage, summary="Your jobs (administrators: all)")
async def list_jobs(
    user: CurrentUser,
    queue: Queue,
    status: Annotated[list[JobStatus] | None, Query()] = None,
    type: Annotated[list[str] | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobPage:
    items, total = await queue.list_jobs(
        owner_id=None if user.is_admin else user.id,
        status=[s.value for s in status] if status else None,
        types=type,
        offset=offset,
        limit=limit,
    )
    return JobPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/{job_id}", response_model=Job, summary="One job")
async def get_job(job_id: str, user: CurrentUser, queue: Queue) -> Job:
    return await visible_job(queue, job_id, user)


@router.post("/{job_id}/cancel", response_model=Job, summary="Cancel a queued or running job")
async def cancel_job(job_id: str, user: CurrentUser, queue: Queue) -> Job:
    await visible_job(queue, job_id, user)
    return await queue.cancel(job_id)


@router.post("/{job_id}/retry", response_model=Job, summary="Queue a failed or cancelled job again")
async def retry_job(job_id: str, user: CurrentUser, queue: Queue) -> Job:
    await visible_job(queue, job_id, user)
    return await queue.retry(job_id)
