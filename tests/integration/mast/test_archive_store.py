"""The shared archive store's eviction with a small cache limit, against the real wire-protocol
database and local storage: files a running import holds, or a record uses, stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from webbscope.db import Database
from webbscope.jobs import JobQueue
from webbscope.services.mast.cache import ArchiveFiles, evict
from webbscope.storage import LocalStorage

pytestmark = pytest.mark.integration


async def _store(storage: LocalStorage, files: ArchiveFiles, name: str) -> str:
    key = f"mast/jw0/{name}"
    storage.put_bytes(key, b"x" * 100)
    await files.remember(key, 100, "0" * 64, "jw0")
    return key


async def test_eviction_spares_files_held_by_running_imports(
    database: Database, tmp_path: Path
) -> None:
    await database.ensure_indexes()
    storage = LocalStorage(tmp_path)
    files = ArchiveFiles(database)
    queue = JobQueue(database)
    held = await _store(storage, files, "held.fits")
    free = await _store(storage, files, "free.fits")
    running = await queue.enqueue("import", "u1")
    assert (await queue.claim("w1", ["import"], 30)) is not None
    assert await files.hold(held, running.id) is not None
    assert await files.hold("mast/jw0/unknown.fits", running.id) is None

    assert await evict(database, storage, max_bytes=1) == [free]  # a tiny cache
    assert storage.exists(held) and not storage.exists(free)
    assert await files.get(free) is None

    # Once the import ends (here: it fails without releasing), its holds no longer count.
    await queue.complete(running.id, "w1", {}, (await queue.get(running.id)).progress)
    assert await evict(database, storage, max_bytes=1) == [held]
    assert not storage.exists(held)


async def test_release_drops_every_hold_of_an_import(database: Database, tmp_path: Path) -> None:
    await database.ensure_indexes()
    storage = LocalStorage(tmp_path)
    files = ArchiveFiles(database)
    queue = JobQueue(database)
    key = await _store(storage, files, "a.fits")
    job = await queue.enqueue("import", "u1")
    await queue.claim("w1", ["import"], 30)
    await files.hold(key, job.id)
    assert await evict(database, storage, max_bytes=1) == []
    await files.release(job.id)
    assert (await files.get(key) or {}).get("holders") == []
    assert await evict(database, storage, max_bytes=1) == [key]
