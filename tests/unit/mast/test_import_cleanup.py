"""An import that fails for any reason — an unexpected exception included — stops every
download still running and removes its partial files (the archive is an in-process double; the
database is the real wire-protocol server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bson import ObjectId

from webbscope.db import Database
from webbscope.db.users import UsersRepo
from webbscope.domain.jobs import Progress
from webbscope.mast import ArchiveProduct, RemoteFile
from webbscope.services.mast import importer
from webbscope.settings import load_settings
from webbscope.storage import LocalStorage

SIZE = 1_000_000


def _product(name: str) -> ArchiveProduct:
    return ArchiveProduct(
        product_id=name,
        filename=name,
        obs_id="jw01234-o001_t001_nircam_clear-f200w",
        obsid="1",
        product_type="SCIENCE",
        subgroup="i2d",
        calib_level=3,
        size=SIZE,
        data_uri=f"mast:JWST/product/{name}",
        download_url=f"http://archive.invalid/{name}",
        recommended=True,
    )


class Archive:
    """Two files: one streams slowly until cancelled, the other breaks with a plain
    exception (not one of the project's errors) once the first has started."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.finished = False
        Archive.last = self

    last: Archive

    def list_products(self, obsids: list[str], **kw: Any) -> list[ArchiveProduct]:
        return [_product("a_slow_i2d.fits"), _product("b_broken_i2d.fits")]

    async def ahead(self, url: str) -> RemoteFile:
        return RemoteFile(size=SIZE, checksum=None, accepts_ranges=True)

    async def _slow(self) -> AsyncIterator[bytes]:
        self.started.set()
        try:
            for _ in range(SIZE // 1000):
                yield b"x" * 1000
                await asyncio.sleep(0.05)
            self.finished = True
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled.set()
            raise

    async def _broken(self) -> AsyncIterator[bytes]:
        await self.started.wait()
        yield b"y" * 1000
        raise RuntimeError("an unexpected failure")

    def adownload_range(self, url: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        return self._slow() if "slow" in url else self._broken()

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None


class Context:
    def __init__(self, job: Any, db: Database, storage: Any, settings: Any) -> None:
        self.job, self.db, self.storage, self.settings = job, db, storage, settings
        self.current = Progress()

    async def progress(self, **fields: Any) -> None:
        given = {k: v for k, v in fields.items() if v is not None and k != "force"}
        self.current = self.current.model_copy(update=given)


async def test_an_unexpected_failure_cancels_sibling_downloads_and_cleans_up(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await database.ensure_indexes()
    owner = await UsersRepo(database).create(
        username="importer", email="importer@example.org", password_hash="x"
    )
    settings = load_settings(DATA_DIR=str(tmp_path), MAST_DOWNLOAD_CONCURRENCY=3)
    job = SimpleNamespace(id=str(ObjectId()), owner_id=owner.id, params={"obsids": ["1"]})
    ctx = Context(job, database, LocalStorage(tmp_path / "store"), settings)
    monkeypatch.setattr(importer, "ArchiveClient", Archive)

    with pytest.raises(RuntimeError, match="unexpected failure"):
        await importer.import_job(ctx)  # type: ignore[arg-type]

    archive = Archive.last
    assert archive.cancelled.is_set() and not archive.finished  # no download left running
    staging = tmp_path / ".partial" / "mast" / job.id
    assert not staging.exists()  # no partial file left behind
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not any("fetch" in repr(t.get_coro()) for t in pending)


async def test_run_together_cancels_the_rest_when_one_fails() -> None:
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def fails() -> None:
        await asyncio.sleep(0)
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await importer.run_together([forever(), fails()])
    assert cancelled.is_set()
    assert await importer.run_together(
        [asyncio.sleep(0, result=1), asyncio.sleep(0, result=2)]
    ) == [
        1,
        2,
    ]
