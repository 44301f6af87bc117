"""Rendered tiles, cached in memory (LRU with a byte budget), then in storage.

Tiles are keyed by their ETag (`params.tile_etag`: file, plane, format, rendering, place).
A miss renders the tile once even when many requests ask for it at the same moment (the
others wait for that render). Tiles that were slow to render are also written to storage
under ``tiles/<sha>/<etag>.<fmt>``, off the request path, so other engine replicas and
later processes find them; the storage copy is looked up before rendering.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from webbscope.caches import ByteLru
from webbscope.errors import WebbscopeError
from webbscope.storage import TILES_PREFIX, StorageProvider

log = logging.getLogger("webbscope.engine.tiles")


@dataclass(frozen=True)
class Tile:
    body: bytes
    source: str  # "memory", "storage" or "render"
    render_ms: float = 0.0


def storage_key(sha: str, etag: str, fmt: str) -> str:
    name = etag.strip('"')
    return f"{TILES_PREFIX}{sha}/{name}.{'jpg' if fmt == 'jpeg' else fmt}"


class TileCache:
    def __init__(
        self, storage: StorageProvider | None, memory_budget: int, store_min_ms: float
    ) -> None:
        self.storage = storage
        self.memory: ByteLru[str, bytes] = ByteLru(memory_budget)
        self.store_min_ms = store_min_ms
        self._pending: dict[str, asyncio.Future[Tile]] = {}
        self._writes: set[asyncio.Task[None]] = set()

    async def get(
        self,
        sha: str,
        etag: str,
        fmt: str,
        render: Callable[[], Awaitable[tuple[bytes, float]]],
        stored_copy: bool = True,
    ) -> Tile:
        """The tile from memory, storage or `render()` (one render per tile at a time);
        `render` returns the body and the milliseconds the render itself took. Without
        `stored_copy` storage is neither looked at first nor written: the caller knows the
        render is quick (a tile of a stored pyramid), so a copy would save nothing."""
        body = self.memory.get(etag)
        if body is not None:
            return Tile(body, "memory")
        pending = self._pending.get(etag)
        if pending is None:
            pending = asyncio.ensure_future(self._load(sha, etag, fmt, render, stored_copy))
            self._pending[etag] = pending
            pending.add_done_callback(lambda _: self._pending.pop(etag, None))
        return await asyncio.shield(pending)

    async def _load(
        self,
        sha: str,
        etag: str,
        fmt: str,
        render: Callable[[], Awaitable[tuple[bytes, float]]],
        stored_copy: bool,
    ) -> Tile:
        key = storage_key(sha, etag, fmt)
        if self.storage is not None and stored_copy:
            stored = await asyncio.to_thread(self._read, key)
            if stored is not None:
                self.memory.put(etag, stored, len(stored))
                return Tile(stored, "storage")
        body, elapsed = await render()
        self.memory.put(etag, body, len(body))
        if self.storage is not None and stored_copy and elapsed >= self.store_min_ms:
            task = asyncio.create_task(asyncio.to_thread(self._write, key, body))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)
        return Tile(body, "render", elapsed)

    def _read(self, key: str) -> bytes | None:
        assert self.storage is not None
        try:
            return self.storage.read_bytes(key)
        except WebbscopeError:  # missing (the usual case) or storage trouble: render instead
            return None

    def _write(self, key: str, body: bytes) -> None:
        assert self.storage is not None
        try:
            self.storage.put_bytes(key, body)
        except WebbscopeError as exc:  # a cache: failing to keep a tile is not an error
            log.warning("could not store tile %s: %s", key, exc.message)

    async def drain(self) -> None:
        """Wait for the storage writes in flight (shutdown, tests)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
