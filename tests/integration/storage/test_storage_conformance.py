"""One conformance suite for every StorageProvider: LocalStorage on a temporary directory and
S3Storage against a real SeaweedFS. Both must behave the same through the protocol."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import tracemalloc
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.wait import eventually
from webbscope.errors import BadRequest
from webbscope.storage import (
    LocalStorage,
    S3Storage,
    StorageNotFound,
    StorageProvider,
)

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
TEST_MULTIPART_THRESHOLD = 5 * MiB  # as the S3 fixture in conftest.py


def pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating-looking bytes."""
    block = hashlib.sha256(str(seed).encode()).digest() * 4096  # 128 KiB
    reps = size // len(block) + 1
    return (block * reps)[:size]


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def no_incomplete_uploads(storage: StorageProvider) -> bool:
    if isinstance(storage, S3Storage):
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
        return not uploads
    return True


def no_temp_files(storage: StorageProvider) -> bool:
    if isinstance(storage, LocalStorage):
        return not any((storage.root / ".tmp").iterdir())
    return True


# --- round trips --------------------------------------------------------------------------


def test_put_and_read_round_trip(storage: StorageProvider) -> None:
    key = "mast/jw02733/jw02733-o001_t001_nircam_clear-f090w_i2d.fits"
    data = pattern(100_000)
    before = datetime.now(UTC) - timedelta(seconds=5)

    stored = storage.put_bytes(key, data, content_type="application/fits")

    assert stored.key == key
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.read_bytes(key) == data
    assert storage.exists(key)
    assert storage.size(key) == len(data)
    info = storage.stat(key)
    assert info.key == key and info.size == len(data)
    assert info.modified.tzinfo is not None
    assert before <= info.modified <= datetime.now(UTC) + timedelta(seconds=5)


def test_put_replaces_existing_object(storage: StorageProvider) -> None:
    storage.put_bytes("composites/c1.png", b"first version")
    storage.put_bytes("composites/c1.png", b"second")
    assert storage.read_bytes("composites/c1.png") == b"second"
    assert storage.size("composites/c1.png") == 6


def test_empty_object(storage: StorageProvider) -> None:
    stored = storage.put_stream("uploads/empty.bin", iter([]))
    assert stored.size == 0
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert storage.exists("uploads/empty.bin")
    assert storage.read_bytes("uploads/empty.bin") == b""
    assert list(storage.iter_range("uploads/empty.bin")) == []
    assert storage.read_range("uploads/empty.bin", 0, 10) == b""


def test_streamed_put_of_a_large_object(storage: StorageProvider) -> None:
    """40 MiB through put_stream in uneven chunks: multipart on S3, constant memory."""
    data = pattern(40 * MiB + 12_345, seed=7)
    chunk_sizes = [3 * MiB + 7, 1 * MiB, 2 * MiB + 1]

    def chunks() -> Iterator[bytes]:
        i, n = 0, 0
        while i < len(data):
            size = chunk_sizes[n % len(chunk_sizes)]
            yield data[i : i + size]
            i += size
            n += 1

    tracemalloc.start()
    try:
        stored = storage.put_stream("mosaics/big.fits", chunks())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    # The source is already in memory; the provider may add a few parts, not the object.
    assert peak < 4 * TEST_MULTIPART_THRESHOLD, f"peak {peak / MiB:.1f} MiB"
    digest = hashlib.sha256()
    for block in storage.iter_range("mosaics/big.fits", chunk_size=MiB):
        digest.update(block)
    assert digest.hexdigest() == stored.sha256
    if isinstance(storage, S3Storage):
        head = storage.client.head_object(Bucket=storage.bucket, Key="mosaics/big.fits")
        assert head["ETag"].strip('"').endswith("-9")  # 8 full 5 MiB parts + the rest
    assert no_incomplete_uploads(storage)


def test_content_type_is_kept_on_s3(storage: StorageProvider) -> None:
    storage.put_bytes("thumbnails/t.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    if isinstance(storage, S3Storage):
        head = storage.client.head_object(Bucket=storage.bucket, Key="thumbnails/t.jpg")
        assert head["ContentType"] == "image/jpeg"


# --- ranges -------------------------------------------------------------------------------

SIZE = 10_000


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),
        (0, 1),
        (0, 100),
        (1234, 5678),
        (SIZE - 10, None),
        (SIZE - 10, SIZE),
        (SIZE - 10, SIZE + 500),
        (SIZE - 1, None),
        (SIZE, None),
        (SIZE + 5, SIZE + 10),
        (500, 500),
    ],
)
def test_range_reads(storage: StorageProvider, start: int, end: int | None) -> None:
    data = pattern(SIZE, seed=3)
    storage.put_bytes("tiles/r/0/0.bin", data)
    assert storage.read_range("tiles/r/0/0.bin", start, end) == data[start:end]
    streamed = b"".join(storage.iter_range("tiles/r/0/0.bin", start, end, chunk_size=333))
    assert streamed == data[start:end]


def test_range_chunks_respect_chunk_size(storage: StorageProvider) -> None:
    storage.put_bytes("tiles/c.bin", pattern(5000))
    blocks = list(storage.iter_range("tiles/c.bin", 100, 4100, chunk_size=1000))
    assert sum(map(len, blocks)) == 4000
    assert all(len(b) <= 1000 for b in blocks)


@pytest.mark.parametrize(("start", "end"), [(-1, None), (10, 5), (-5, -1)])
def test_invalid_ranges(storage: StorageProvider, start: int, end: int | None) -> None:
    storage.put_bytes("tiles/x.bin", b"0123456789")
    with pytest.raises(BadRequest) as info:
        storage.iter_range("tiles/x.bin", start, end)
    assert info.value.code == "invalid_range"


# --- missing objects, deletes -------------------------------------------------------------


def test_missing_objects(storage: StorageProvider) -> None:
    key = "mast/none/missing.fits"
    assert not storage.exists(key)
    for call in (
        lambda: storage.read_bytes(key),
        lambda: storage.iter_range(key),  # raised eagerly, before iteration
        lambda: storage.iter_range(key, 3, 3),
        lambda: storage.read_range(key, 5, 10),
        lambda: storage.stat(key),
        lambda: storage.size(key),
        lambda: storage.touch(key),
    ):
        with pytest.raises(StorageNotFound) as info:
            call()
        assert info.value.code == "storage_not_found"
        assert info.value.status == 404
        assert key in info.value.message


def test_delete_is_idempotent(storage: StorageProvider) -> None:
    storage.put_bytes("uploads/u1/a.fits", b"abc")
    storage.delete("uploads/u1/a.fits")
    assert not storage.exists("uploads/u1/a.fits")
    storage.delete("uploads/u1/a.fits")
    storage.delete("uploads/never/was.fits")
    assert list(storage.list("uploads/")) == []


def test_delete_prefix(storage: StorageProvider) -> None:
    for i in range(12):
        storage.put_bytes(f"tiles/ab/{i // 4}/{i}.png", b"x" * i)
    storage.put_bytes("tiles/abc/0.png", b"keep")
    storage.put_bytes("tiles/ab.png", b"keep")
    storage.put_bytes("thumbnails/ab/0.png", b"keep")

    assert storage.delete_prefix("tiles/ab/") == 12

    assert sorted(o.key for o in storage.list()) == [
        "thumbnails/ab/0.png",
        "tiles/ab.png",
        "tiles/abc/0.png",
    ]
    assert storage.delete_prefix("tiles/ab/") == 0
    if isinstance(storage, LocalStorage):
        assert not (storage.root / "tiles" / "ab").exists()
    with pytest.raises(BadRequest) as info:
        storage.delete_prefix("tiles/abc")  # no trailing slash: refused
    assert info.value.code == "invalid_storage_key"
    with pytest.raises(BadRequest):
        storage.delete_prefix("")


# --- listing ------------------------------------------------------------------------------


def test_list_by_prefix_with_pagination(storage: StorageProvider) -> None:
    keys = [f"semantic/idx/part-{i:03d}.bin" for i in range(23)]
    for i, key in enumerate(keys):
        storage.put_bytes(key, b"v" * (i + 1))
    storage.put_bytes("semantic/other.bin", b"o")
    storage.put_bytes("mast/x.fits", b"m")

    calls = 0

    def count(**_: object) -> None:
        nonlocal calls
        calls += 1

    if isinstance(storage, S3Storage):
        storage.client.meta.events.register("before-call.s3.ListObjectsV2", count)

    listed = list(storage.list("semantic/idx/", page_size=5))

    assert [o.key for o in listed] == keys
    assert [o.size for o in listed] == list(range(1, 24))
    assert all(o.modified.tzinfo is not None for o in listed)
    if isinstance(storage, S3Storage):
        assert calls == 5  # 23 keys, 5 per page
    assert [o.key for o in storage.list("semantic/idx/part-01")] == keys[10:20]
    assert len(list(storage.list("semantic/"))) == 24
    assert len(list(storage.list())) == 25
    assert list(storage.list("nothing/")) == []
    assert list(storage.list("semantic/idx/part-999")) == []


def test_list_covers_nested_and_similar_names(storage: StorageProvider) -> None:
    """Names that sort around '/' ('-', '.' before it; '_' after it), nested "directories".

    Order across a directory boundary differs between servers (AWS S3 and LocalStorage use
    byte order of the whole key; SeaweedFS lists `a/...` right after `A`), so compare sets;
    order within one directory is checked by the pagination test above.
    """
    keys = ["o/a-b", "o/a.b", "o/a/b", "o/a/c/d", "o/a0", "o/a_b", "o/A", "o/a=1", "o/a+1"]
    for key in keys:
        storage.put_bytes(key, b"1")
    listed = [o.key for o in storage.list("o/")]
    assert sorted(listed) == sorted(keys)
    assert [o.key for o in storage.list("o/", page_size=2)] == listed  # stable across pages
    assert sorted(o.key for o in storage.list("o/a")) == sorted(
        k for k in keys if k.startswith("o/a")
    )
    assert [o.key for o in storage.list("o/a/")] == ["o/a/b", "o/a/c/d"]
    if isinstance(storage, LocalStorage):
        assert listed == sorted(keys)  # byte order, as AWS S3


# --- atomicity ----------------------------------------------------------------------------


class SourceFailed(Exception):
    pass


@pytest.mark.parametrize("fail_after", [1000, 12 * MiB], ids=["small", "after-two-parts"])
def test_failed_stream_leaves_nothing(storage: StorageProvider, fail_after: int) -> None:
    def source() -> Iterator[bytes]:
        sent = 0
        while sent < fail_after:
            block = pattern(min(MiB, fail_after - sent), seed=sent)
            sent += len(block)
            yield block
        raise SourceFailed("the download broke")

    with pytest.raises(SourceFailed):
        storage.put_stream("mast/partial.fits", source())
    assert not storage.exists("mast/partial.fits")
    assert list(storage.list()) == []
    assert no_temp_files(storage)
    assert no_incomplete_uploads(storage)

    # A failed replacement keeps the previous version.
    storage.put_bytes("mast/partial.fits", b"good")
    with pytest.raises(SourceFailed):
        storage.put_stream("mast/partial.fits", source())
    assert storage.read_bytes("mast/partial.fits") == b"good"
    assert no_temp_files(storage)
    assert no_incomplete_uploads(storage)


def test_object_is_invisible_until_complete(storage: StorageProvider) -> None:
    seen: list[bool] = []

    def source() -> Iterator[bytes]:
        for i in range(3):
            seen.append(storage.exists("composites/slow.png"))
            yield pattern(1000, seed=i)

    storage.put_stream("composites/slow.png", source())
    assert seen == [False, False, False]
    assert storage.size("composites/slow.png") == 3000


# --- keys ---------------------------------------------------------------------------------

BAD_KEYS = ["../x", "/abs", "a//b", "a\\b", "a\x00b", "a\nb", "a\x7fb", "", "a/./b", "a/../b",
            "trailing/", ".tmp/x", "sp ace", "ünï", "a" * 1025]  # fmt: skip


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_refused(storage: StorageProvider, key: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: storage.put_bytes(key, b"x"),
        lambda: storage.put_stream(key, iter([b"x"])),
        lambda: storage.read_bytes(key),
        lambda: storage.iter_range(key),
        lambda: storage.exists(key),
        lambda: storage.stat(key),
        lambda: storage.size(key),
        lambda: storage.touch(key),
        lambda: storage.delete(key),
        lambda: storage.local_path(key),
        lambda: storage.url_for(key),
    ]
    for call in calls:
        with pytest.raises(BadRequest) as info:
            call()
        assert info.value.code == "invalid_storage_key"
        assert info.value.status == 400
    assert list(storage.list()) == []


@pytest.mark.parametrize("prefix", ["../", "/abs/", "a//", "a\\b/", ".tmp/"])
def test_invalid_prefixes_are_refused(storage: StorageProvider, prefix: str) -> None:
    with pytest.raises(BadRequest) as info:
        list(storage.list(prefix))
    assert info.value.code == "invalid_storage_key"
    with pytest.raises(BadRequest):
        storage.delete_prefix(prefix)


# --- locations, touch, health, download ---------------------------------------------------


def test_local_path_and_url_for(storage: StorageProvider) -> None:
    storage.put_bytes("mast/p/f.fits", b"SIMPLE  =                    T")
    if isinstance(storage, LocalStorage):
        path = storage.local_path("mast/p/f.fits")
        assert path is not None
        assert path == storage.root / "mast" / "p" / "f.fits"
        assert path.read_bytes() == b"SIMPLE  =                    T"
        assert storage.url_for("mast/p/f.fits") is None
        with pytest.raises(StorageNotFound):
            storage.local_path("mast/p/missing.fits")
    else:
        assert storage.local_path("mast/p/f.fits") is None
        url = storage.url_for("mast/p/f.fits", expires=60, download_name="f.fits")
        assert url is not None and url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.read() == b"SIMPLE  =                    T"
            assert 'filename="f.fits"' in response.headers["Content-Disposition"]
        # The same URL without its signature is refused: credentials are enforced.
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url.split("?")[0], timeout=5)
        assert info.value.code == 403


def test_touch_moves_modified_forward(storage: StorageProvider) -> None:
    storage.put_bytes("thumbnails/lru.jpg", b"jpeg", content_type="image/jpeg")
    if isinstance(storage, LocalStorage):
        old = time.time() - 3600
        path = storage.local_path("thumbnails/lru.jpg")
        assert path is not None
        os.utime(path, (old, old))
    before = storage.stat("thumbnails/lru.jpg").modified

    def touched() -> datetime:
        storage.touch("thumbnails/lru.jpg")
        return storage.stat("thumbnails/lru.jpg").modified

    # S3 times have one-second resolution: a touch within the second of the upload keeps it.
    eventually(touched, lambda after: after > before, every=0.25)
    assert storage.read_bytes("thumbnails/lru.jpg") == b"jpeg"
    if isinstance(storage, S3Storage):
        head = storage.client.head_object(Bucket=storage.bucket, Key="thumbnails/lru.jpg")
        assert head["ContentType"] == "image/jpeg"


def test_health(storage: StorageProvider) -> None:
    storage.health()


def test_download_to(storage: StorageProvider, tmp_path: Path) -> None:
    data = pattern(300_000)
    storage.put_bytes("mast/d/file.fits", data)
    dest = tmp_path / "cache" / "file.fits"
    assert storage.download_to("mast/d/file.fits", dest) == dest
    assert dest.read_bytes() == data
    with pytest.raises(StorageNotFound):
        storage.download_to("mast/d/missing.fits", tmp_path / "cache" / "missing.fits")
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["file.fits"]


def test_concurrent_writers_and_deleters(storage: StorageProvider) -> None:
    """Threads writing and deleting in the same new directories must not trip each other."""
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                key = f"tiles/z/{i % 3}/{n}-{i}.png"
                storage.put_bytes(key, f"{n}-{i}".encode())
                if i % 2:
                    storage.delete(key)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    remaining = {o.key for o in storage.list("tiles/z/")}
    assert remaining == {f"tiles/z/{i % 3}/{n}-{i}.png" for n in range(6) for i in range(0, 15, 2)}
    for key in remaining:
        name = key.rsplit("/", 1)[1].removesuffix(".png")
        assert storage.read_bytes(key) == name.encode()


def test_put_file_copies_or_moves(storage: StorageProvider, tmp_path: Path) -> None:
    src = tmp_path / "in.bin"
    src.write_bytes(b"abc" * 1000)
    assert storage.put_file("files/copy.bin", src) == 3000
    assert src.exists()
    assert storage.put_file("files/moved.bin", src, move=True) == 3000
    assert not src.exists()
    assert storage.read_bytes("files/moved.bin") == b"abc" * 1000
    assert storage.read_bytes("files/copy.bin") == b"abc" * 1000
