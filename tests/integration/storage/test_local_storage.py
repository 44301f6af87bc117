"""LocalStorage-only behaviour: the root is a hard boundary, temp files, key collisions."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from webbscope.errors import BadRequest
from webbscope.settings import load_settings
from webbscope.storage import (
    LocalStorage,
    StorageConflict,
    StorageUnavailable,
    make_storage,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.txt").write_bytes(b"do not read")
    return d


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "root")


def test_symlinked_directory_cannot_escape_the_root(local: LocalStorage, outside: Path) -> None:
    (local.root / "mast").symlink_to(outside, target_is_directory=True)
    for call in (
        lambda: local.read_bytes("mast/secret.txt"),
        lambda: local.exists("mast/secret.txt"),
        lambda: local.local_path("mast/secret.txt"),
        lambda: local.put_bytes("mast/new.fits", b"x"),
        lambda: local.delete("mast/secret.txt"),
        lambda: list(local.list("mast/")),
    ):
        with pytest.raises(BadRequest) as info:
            call()
        assert info.value.code == "invalid_storage_key"
        assert "leaves the storage root" in info.value.message
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"do not read"
    assert list(local.list()) == []  # symlinks are not listed, let alone followed


def test_symlinked_file_cannot_escape_the_root(local: LocalStorage, outside: Path) -> None:
    (local.root / "uploads").mkdir()
    (local.root / "uploads" / "link.fits").symlink_to(outside / "secret.txt")
    with pytest.raises(BadRequest):
        local.read_bytes("uploads/link.fits")
    with pytest.raises(BadRequest):
        local.put_bytes("uploads/link.fits", b"overwrite")
    assert (outside / "secret.txt").read_bytes() == b"do not read"


def test_symlink_into_the_temp_dir_is_refused(local: LocalStorage) -> None:
    (local.root / "sneaky").symlink_to(local.root / ".tmp", target_is_directory=True)
    with pytest.raises(BadRequest):
        local.put_bytes("sneaky/x", b"x")


def test_symlink_loop_is_refused(local: LocalStorage) -> None:
    (local.root / "loop").symlink_to(local.root / "loop")
    with pytest.raises(BadRequest) as info:
        local.read_bytes("loop/x")
    assert info.value.code == "invalid_storage_key"


def test_symlink_inside_the_root_is_followed(local: LocalStorage) -> None:
    local.put_bytes("mast/real/f.fits", b"data")
    (local.root / "alias").symlink_to(local.root / "mast" / "real", target_is_directory=True)
    assert local.read_bytes("alias/f.fits") == b"data"


def test_writes_land_atomically_via_the_temp_dir(local: LocalStorage) -> None:
    seen: list[list[str]] = []

    def source() -> Iterator[bytes]:
        yield b"part one "
        seen.append([p.name for p in (local.root / ".tmp").iterdir()])
        yield b"part two"

    local.put_stream("composites/a.png", source())
    assert len(seen[0]) == 1 and seen[0][0].endswith(".part")
    assert list((local.root / ".tmp").iterdir()) == []
    assert local.read_bytes("composites/a.png") == b"part one part two"


def test_key_colliding_with_a_directory_is_a_conflict(local: LocalStorage) -> None:
    local.put_bytes("mast/a/b.fits", b"x")
    with pytest.raises(StorageConflict) as info:
        local.put_bytes("mast/a", b"y")
    assert info.value.status == 409
    local.put_bytes("mast/file", b"x")
    with pytest.raises(StorageConflict):
        local.put_bytes("mast/file/below", b"y")
    assert not local.exists("mast/a")  # a directory is not an object
    assert list((local.root / ".tmp").iterdir()) == []


def test_purge_stale_temp(local: LocalStorage) -> None:
    stale = local.root / ".tmp" / "put-old.part"
    fresh = local.root / ".tmp" / "put-new.part"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - 2 * 86400
    os.utime(stale, (old, old))
    assert local.purge_stale_temp() == 1
    assert [p.name for p in (local.root / ".tmp").iterdir()] == ["put-new.part"]


def test_root_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(StorageUnavailable) as info:
        LocalStorage(blocker / "root")
    assert str(blocker / "root") in info.value.message


def test_make_storage_local(tmp_path: Path) -> None:
    settings = load_settings(STORAGE_PROVIDER="local", DATA_DIR=str(tmp_path / "data"))
    storage = make_storage(settings)
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "data").resolve()
    storage.put_bytes("semantic/index.faiss", b"ix")
    assert (tmp_path / "data" / "semantic" / "index.faiss").read_bytes() == b"ix"
