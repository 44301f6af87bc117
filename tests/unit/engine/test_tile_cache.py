"""The tile cache: memory, then storage, then one render per tile at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from webbscope.services.engine.tiles import TileCache, storage_key
from webbscope.storage import LocalStorage

SHA = "f" * 64
ETAG = '"0123456789abcdef"'


async def test_concurrent_misses_render_once_then_memory_answers(tmp_path: Path) -> None:
    cache = TileCache(LocalStorage(tmp_path), 1 << 20, store_min_ms=1e9)
    calls = 0

    async def render() -> tuple[bytes, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return b"tile", 1.0

    got = await asyncio.gather(*(cache.get(SHA, ETAG, "png", render) for _ in range(10)))
    assert calls == 1
    assert {t.body for t in got} == {b"tile"} and got[0].source == "render"
    again = await cache.get(SHA, ETAG, "png", render)
    assert again.source == "memory" and calls == 1
    assert not (tmp_path / "tiles").exists()  # fast renders are not stored


async def test_slow_tiles_go_to_storage_and_a_new_process_finds_them(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    cache = TileCache(storage, 1 << 20, store_min_ms=0)

    async def render() -> tuple[bytes, float]:
        return b"slow tile", 80.0

    first = await cache.get(SHA, ETAG, "jpeg", render)
    await cache.drain()
    key = storage_key(SHA, ETAG, "jpeg")
    assert key == f"tiles/{SHA}/0123456789abcdef.jpg"
    assert storage.read_bytes(key) == b"slow tile"
    fresh = TileCache(storage, 1 << 20, store_min_ms=0)

    async def never() -> tuple[bytes, float]:
        raise AssertionError("should come from storage")

    found = await fresh.get(SHA, ETAG, "jpeg", never)
    assert found.body == first.body and found.source == "storage"


async def test_without_stored_copy_storage_is_neither_read_nor_written(tmp_path: Path) -> None:
    """Tiles of a stored pyramid: a copy in storage would save nothing, so none is looked for
    (one thread hop and a file open less per new tile) or kept."""
    storage = LocalStorage(tmp_path)
    key = storage_key(SHA, ETAG, "jpeg")
    storage.put_bytes(key, b"an older copy")
    cache = TileCache(storage, 1 << 20, store_min_ms=0)

    async def render() -> tuple[bytes, float]:
        return b"rendered", 80.0

    found = await cache.get(SHA, ETAG, "jpeg", render, stored_copy=False)
    assert (found.body, found.source) == (b"rendered", "render")
    other = "fedcba9876543210"
    await cache.get(SHA, other, "jpeg", render, stored_copy=False)
    await cache.drain()
    assert not storage.exists(storage_key(SHA, other, "jpeg"))


async def test_errors_reach_every_waiter_and_are_not_cached(tmp_path: Path) -> None:
    cache = TileCache(None, 1 << 20, store_min_ms=0)

    async def fail() -> tuple[bytes, float]:
        await asyncio.sleep(0.01)
        raise LookupError("no such tile")

    results = await asyncio.gather(
        *(cache.get(SHA, ETAG, "png", fail) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, LookupError) for r in results)

    async def ok() -> tuple[bytes, float]:
        return b"x", 0.1

    assert (await cache.get(SHA, ETAG, "png", ok)).body == b"x"


async def test_memory_budget_is_respected() -> None:
    cache = TileCache(None, 100, store_min_ms=0)
    for i in range(10):

        async def render(i: int = i) -> tuple[bytes, float]:
            return bytes(40), 0.1

        await cache.get(SHA, f'"{i}"', "png", render)
    assert cache.memory.bytes <= 100 and len(cache.memory) == 2
