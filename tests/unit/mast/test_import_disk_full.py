"""A full disk during an import download is a clear `storage_full` failure (the code uploads
and the API use for a full disk), not a crash."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from webbscope.errors import WebbscopeError
from webbscope.mast import ArchiveProduct, RemoteFile
from webbscope.services.mast import importer


class FakeArchive:
    async def ahead(self, url: str) -> RemoteFile:
        return RemoteFile(size=10, checksum=None, accepts_ranges=True)

    async def _chunks(self) -> AsyncIterator[bytes]:
        yield b"0123456789"

    def adownload_range(self, url: str, start: int, end: int | None) -> AsyncIterator[bytes]:
        return self._chunks()


class FakeContext:
    async def progress(self, **fields: Any) -> None:
        return None


class FullDisk:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


async def test_a_full_disk_fails_the_download_with_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = ArchiveProduct(
        product_id="f.fits",
        filename="f.fits",
        obs_id="o",
        obsid="1",
        product_type="SCIENCE",
        data_uri="mast:JWST/product/f.fits",
        download_url="http://archive.invalid/f.fits",
        size=10,
    )
    monkeypatch.setattr(importer, "open", FullDisk, raising=False)
    transfer = importer.Transfer(FakeContext(), 10, 1)  # type: ignore[arg-type]
    with pytest.raises(WebbscopeError) as info:
        await importer._download(FakeArchive(), product, tmp_path / "f.fits.part", transfer, 3)  # type: ignore[arg-type]
    assert info.value.code == "storage_full" and info.value.status == 507
    assert "disk is full" in info.value.message and "f.fits" in info.value.message
