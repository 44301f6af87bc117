"""LocalStorage failure paths that cannot be produced for real here, or not on demand (a full
disk, a directory pruned by a concurrent delete at one exact moment)."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from webbscope.storage import LocalStorage, StorageConflict, StorageFull


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


def test_directory_pruned_during_mkdir_is_not_a_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mkdir(exist_ok=True)` raises FileExistsError when another thread's delete removes the
    empty directory between its mkdir and its is_dir check (seen in a CI run); the write must
    try again, not report a collision."""
    storage = LocalStorage(tmp_path / "root")
    real_mkdir = Path.mkdir
    raced: list[Path] = []

    def mkdir_racing_a_delete(self: Path, *args: object, **kwargs: object) -> None:
        if not raced and self.name == "1":
            raced.append(self)
            raise FileExistsError(errno.EEXIST, "File exists", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir_racing_a_delete)
    storage.put_bytes("tiles/z/1/4-1.png", b"tile")
    assert raced, "the race was not simulated"
    assert storage.read_bytes("tiles/z/1/4-1.png") == b"tile"


def test_an_object_in_the_way_is_still_a_conflict(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    storage.put_bytes("tiles/z", b"an object where a directory is needed")
    with pytest.raises(StorageConflict):
        storage.put_bytes("tiles/z/1/4-1.png", b"tile")
    storage.put_bytes("tiles/y/1.png", b"tile")
    with pytest.raises(StorageConflict):
        storage.put_bytes("tiles/y", b"an object where a directory is")
    assert list((storage.root / ".tmp").iterdir()) == []
