"""Local copies of stored files for memory-mapping (S3): one download, LRU, limits first."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from webbscope.errors import PayloadTooLarge
from webbscope.fits import FitsLimits
from webbscope.services.engine.localcopy import LocalCopies
from webbscope.storage import LocalStorage


class RemoteLike(LocalStorage):
    """Local storage that, like S3, has no local path: objects must be downloaded."""

    downloads = 0

    def local_path(self, key: str) -> Path | None:
        return None

    def download_to(self, key: str, dest: Path) -> Path:
        type(self).downloads += 1
        time.sleep(0.02)
        return super().download_to(key, dest)


@pytest.fixture
def remote(tmp_path: Path) -> RemoteLike:
    RemoteLike.downloads = 0
    storage = RemoteLike(tmp_path / "store")
    for name in ("a", "b", "c"):
        storage.put_bytes(f"uploads/{name}.fits", name.encode() * 100)
    return storage


async def test_local_storage_needs_no_copy(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    storage.put_bytes("uploads/x.fits", b"data")
    copies = LocalCopies(storage, tmp_path / "cache", 10_000, FitsLimits())
    path = await copies.path_for("uploads/x.fits", "1" * 64)
    assert path == storage.local_path("uploads/x.fits")
    assert not (tmp_path / "cache").exists()


async def test_one_download_for_concurrent_requests(remote: RemoteLike, tmp_path: Path) -> None:
    copies = LocalCopies(remote, tmp_path / "cache", 10_000, FitsLimits())
    paths = await asyncio.gather(*(copies.path_for("uploads/a.fits", "a" * 64) for _ in range(5)))
    assert RemoteLike.downloads == 1
    assert len(set(paths)) == 1 and paths[0].read_bytes() == b"a" * 100
    assert paths[0] == tmp_path / "cache" / f"{'a' * 64}.fits"
    await copies.path_for("uploads/a.fits", "a" * 64)
    assert RemoteLike.downloads == 1


async def test_least_recently_used_copies_are_removed(remote: RemoteLike, tmp_path: Path) -> None:
    copies = LocalCopies(remote, tmp_path / "cache", 250, FitsLimits())
    a = await copies.path_for("uploads/a.fits", "a" * 64)
    old = time.time() - 100
    os.utime(a, (old, old))
    b = await copies.path_for("uploads/b.fits", "b" * 64)
    c = await copies.path_for("uploads/c.fits", "c" * 64)
    assert not a.exists() and b.exists() and c.exists()


async def test_the_size_limit_is_checked_before_downloading(
    remote: RemoteLike, tmp_path: Path
) -> None:
    copies = LocalCopies(remote, tmp_path / "cache", 10_000, FitsLimits(max_bytes=50))
    with pytest.raises(PayloadTooLarge) as info:
        await copies.path_for("uploads/a.fits", "a" * 64)
    assert info.value.code == "fits_too_large"
    assert RemoteLike.downloads == 0
