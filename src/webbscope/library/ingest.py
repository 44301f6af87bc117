"""Adding a file to a user's library: inspect it, store it, record it — or leave nothing.

Shared by uploads (backend) and archive imports (mast). The FITS work runs in a thread.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.domain.fits_metadata import JwstMetadata
from webbscope.domain.records import Record, Source
from webbscope.domain.users import User
from webbscope.errors import Conflict
from webbscope.fits import FitsLimits, extract_metadata, read_headers
from webbscope.storage import StorageProvider


@dataclass(frozen=True)
class Inspected:
    metadata: JwstMetadata
    headers: list[dict[str, Any]]


def inspect_file(path: Path, file_name: str, limits: FitsLimits) -> Inspected:
    """Validate the FITS file and read its metadata and headers (raises a 4xx error)."""
    meta = extract_metadata(path, limits, file_name=file_name)
    return Inspected(metadata=meta, headers=read_headers(path, limits))


@dataclass(frozen=True)
class Added:
    record: Record
    created: bool


async def add_file(
    db: Database,
    storage: StorageProvider,
    *,
    owner: User,
    path: Path,
    file_name: str,
    size: int,
    sha256: str,
    key: str,
    source: Source,
    limits: FitsLimits,
    move: bool = True,
    inspected: Inspected | None = None,
    derived_from: list[str] | None = None,
    lineage_note: str | None = None,
) -> Added:
    """Make `path` a record of `owner`'s library, stored under `key`. A file the owner
    already has gives back the existing record (`created=False`). On failure nothing new is
    left in storage or the database."""
    records = RecordsRepo(db)
    existing = await records.find_duplicate(owner.id, sha256)
    if existing is not None:
        return Added(existing, created=False)
    info = inspected
    if info is None:
        info = await asyncio.to_thread(inspect_file, path, file_name, limits)
    stored_here = not await asyncio.to_thread(storage.exists, key)
    if stored_here:
        await asyncio.to_thread(storage.put_file, key, path, move=move)
    try:
        record = await records.create(
            owner=owner,
            file_name=file_name,
            source=source,
            storage_key=key,
            size=size,
            sha256=sha256,
            metadata=info.metadata.model_dump(mode="python"),
            headers=info.headers,
            derived_from=derived_from or [],
            lineage_note=lineage_note,
        )
    except Conflict:
        # The same content arrived twice at once: the other request's record stands.
        again = await records.find_duplicate(owner.id, sha256)
        if again is None:
            raise
        return Added(again, created=False)
    except BaseException:
        if stored_here and await records.count_key_references(key) == 0:
            await asyncio.to_thread(storage.delete, key)
        raise
    return Added(record, created=True)


def remove_staged(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
