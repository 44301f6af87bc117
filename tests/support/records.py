"""Records made directly in a running stack's database and storage (as an archive import
or an earlier, looser configuration would leave them): for files too large to upload, such
as huge sparse images."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from tests.support.stack import RunningStack
from webbscope.db import Database
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source
from webbscope.fits import FitsLimits
from webbscope.library.ingest import add_file
from webbscope.storage import LocalStorage

LOOSE = FitsLimits(max_bytes=64 * 1024**3, max_elements=20 * 10**9)


async def _add(stack: RunningStack, owner_id: str, path: Path, file_name: str) -> str:
    db = Database(stack.mongodb_uri, "webbscope")
    try:
        owner = await UsersRepo(db).get(owner_id)
        assert owner is not None, owner_id
        size = path.stat().st_size
        sha = hashlib.sha256(f"{file_name}:{size}:{path.stat().st_mtime_ns}".encode()).hexdigest()
        added = await add_file(
            db,
            LocalStorage(stack.data_dir),
            owner=owner,
            path=path,
            file_name=file_name,
            size=size,
            sha256=sha,
            key=f"uploads/{owner.id}/{sha}.fits",
            source=Source.upload,
            limits=LOOSE,
            move=True,
        )
        return added.record.id
    finally:
        await db.close()


def add_local_record(stack: RunningStack, owner_id: str, path: Path, file_name: str) -> str:
    """Move `path` into the stack's storage as a record of `owner_id` (its sha256 is a stand-in
    derived from the name, size and time: hashing a sparse 10 GB file would read 10 GB)."""
    return asyncio.run(_add(stack, owner_id, path, file_name))
