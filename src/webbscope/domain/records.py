"""Library records: one per file in a user's library."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Visibility(StrEnum):
    private = "private"
    public = "public"
    shared = "shared"


class Source(StrEnum):
    upload = "upload"
    mast = "mast"
    derived = "derived"


class Lineage(BaseModel):
    derived_from: list[str] = Field(default_factory=list)
    derivatives: list[str] = Field(default_factory=list)
    #: A short description of how the record was made (e.g. "MAST import of jw02731-o001").
    note: str | None = None


class Record(BaseModel):
    """A record as stored (ids as strings)."""

    model_config = ConfigDict(frozen=True)

    id: str
    owner_id: str
    owner_username: str
    file_name: str
    visibility: Visibility = Visibility.private
    shared_with: list[str] = Field(default_factory=list)
    source: Source
    storage_key: str
    extra_keys: list[str] = Field(default_factory=list)
    size: int
    sha256: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    processing_level: str | None = None
    product_type: str | None = None
    tags: list[str] = Field(default_factory=list)
    description: str = ""
    archived: bool = False
    lineage: Lineage = Field(default_factory=Lineage)
    thumbnail_key: str | None = None
    created_at: datetime
    updated_at: datetime
