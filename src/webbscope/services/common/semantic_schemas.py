"""What backend and engine exchange about semantic search: the library's filters (as
`RecordQuery` takes them) and the caller, so the engine applies the same filters and the same
access rule before it takes the top k."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from webbscope.domain.records import Visibility
from webbscope.library.query import RecordQuery


class LibraryFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument: list[str] = Field(default_factory=list)
    filter: list[str] = Field(default_factory=list)
    target: list[str] = Field(default_factory=list)
    program: list[str] = Field(default_factory=list)
    processing_level: list[str] = Field(default_factory=list)
    product_type: list[str] = Field(default_factory=list)
    source: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    visibility: Visibility | None = None
    archived: bool | None = False
    owner: Literal["me", "others", "any"] = "any"
    observed_after: datetime | None = None
    observed_before: datetime | None = None
    ra: float | None = None
    dec: float | None = None
    radius: float | None = None
    wavelength_min: float | None = None
    wavelength_max: float | None = None

    def query(self) -> RecordQuery:
        return RecordQuery(**self.model_dump())


class SemanticSearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=500, description="a query to embed")
    like: str | None = Field(None, max_length=40, description="a record id: records similar to it")
    filters: LibraryFilters = Field(default_factory=LibraryFilters)
    caller_id: str | None = None
    is_admin: bool = False
    k: int = Field(50, ge=1, le=2000)
    exclude: list[str] = Field(default_factory=list, max_length=2000)


class SemanticHitOut(BaseModel):
    id: str
    score: float


class SemanticSearchResponse(BaseModel):
    items: list[SemanticHitOut]
    model: str
    took_ms: float


class SemanticStatusOut(BaseModel):
    state: Literal["starting", "ready", "rebuilding", "degraded"]
    reason: str | None = None
    model: str | None = None
    model_version: str | None = None
    precision: str | None = None
    loaded: bool = False
    count: int = 0
    dead_rows: int = 0
    memory_bytes: int = 0
    applied_seq: int = 0
    snapshot: dict[str, object] | None = None
