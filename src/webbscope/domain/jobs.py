"""Jobs: every long operation (imports, thumbnails, composites, mosaics, indexing)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        return self in (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


ACTIVE = (JobStatus.queued.value, JobStatus.running.value)


class Progress(BaseModel):
    fraction: float = Field(0.0, ge=0.0, le=1.0)
    stage: str | None = None
    message: str | None = None
    bytes_done: int | None = None
    bytes_total: int | None = None
    items_done: int | None = None
    items_total: int | None = None


class JobError(BaseModel):
    code: str
    message: str


class Lease(BaseModel):
    worker: str
    expires_at: datetime


class Job(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    type: str
    owner_id: str
    params: dict[str, Any] = Field(default_factory=dict)
    status: JobStatus
    progress: Progress = Field(default_factory=Progress)
    result: dict[str, Any] | None = None
    error: JobError | None = None
    attempts: int = 0
    max_attempts: int = 3
    lease: Lease | None = None
    cancel_requested: bool = False
    #: Running, but its worker stopped renewing the lease (it probably died): the job waits for
    #: another worker, which takes it over once the lease runs out.
    waiting_for_worker: bool = False
    compute: bool = False
    #: Incremented by every write of the job, in the same atomic update: the order of its states
    #: (timestamps are not, when two writes fall in the same millisecond or render differently).
    version: int = 0
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime
