"""LocalStorage failure paths that cannot be produced for real here (a full disk)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from webbscope.storage import LocalStorage, StorageFull


def test_disk_full_is_a_clear_storage_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = LocalStorage(tmp_path / "root")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)  # the module calls os.fsync
    with pytest.raises(StorageFull) as info:
        storage.put_bytes("mast/big.fits", b"x" * 1000)
    assert info.value.status == 507
    assert info.value.code == "storage_full"
    assert "no space left" in info.value.message
    assert "mast/big.fits" in info.value.message
    assert list((storage.root / ".tmp").iterdir()) == []
    assert not (storage.root / "mast" / "big.fits").exists()


def test_failing_source_removes_the_temp_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")

    def source() -> Iterator[bytes]:
        yield b"abc"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        storage.put_stream("uploads/x", source())
    assert list((storage.root / ".tmp").iterdir()) == []
    assert list(storage.list()) == []
