"""The in-process caches, each process (each replica) with its own; nothing is shared, so a
miss costs one lookup elsewhere.

- `ByteLru`: least recently used first, with a byte budget — the engine's open files, views,
  tiles and image information, and the backend's hot tiles.
- `TTLCache`: entries forgotten after a time — archive searches, and the viewer routes'
  short memory of accounts and records.
- `StoredLookup`: what storage holds for a file (its stored pyramid, its tile packs), found
  values kept and misses trusted for a while.

Both are thread-safe (renders and archive calls run in worker threads).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from webbscope.errors import WebbscopeError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

log = logging.getLogger("webbscope.caches")


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0


class ByteLru(Generic[K, V]):
    """`budget` bytes of values (sizes given by the caller), at most `max_entries` of them.

    `on_evict(key, value)` runs (outside the lock) for every value pushed out or replaced,
    e.g. to close a file.
    """

    def __init__(
        self,
        budget: int,
        *,
        max_entries: int | None = None,
        on_evict: Callable[[K, V], None] | None = None,
    ) -> None:
        if budget < 0 or (max_entries is not None and max_entries < 1):
            raise ValueError("budget must be >= 0 and max_entries >= 1")
        self.budget = budget
        self.max_entries = max_entries
        self._on_evict = on_evict
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: K) -> bool:
        return key in self._items

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: K) -> V | None:
        """The value (now the most recently used), or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.stats.misses += 1
                return None
            self._items.move_to_end(key)
            self.stats.hits += 1
            return item[0]

    def put(self, key: K, value: V, size: int) -> bool:
        """Keep `value` (replacing any under `key`); False when it is larger than the budget."""
        size = max(0, int(size))
        evicted: list[tuple[K, V]] = []
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
                if old[0] is not value:
                    evicted.append((key, old[0]))
            kept = size <= self.budget
            if kept:
                self._items[key] = (value, size)
                self._bytes += size
            evicted += self._shrink()
        self._evicted(evicted)
        return kept

    def pop(self, key: K) -> V | None:
        with self._lock:
            item = self._items.pop(key, None)
            if item is None:
                return None
            self._bytes -= item[1]
        self._evicted([(key, item[0])])
        return item[0]

    def clear(self) -> None:
        with self._lock:
            items = [(k, v) for k, (v, _) in self._items.items()]
            self._items.clear()
            self._bytes = 0
        self._evicted(items)

    def _shrink(self) -> list[tuple[K, V]]:
        out: list[tuple[K, V]] = []
        while self._items and (
            self._bytes > self.budget
            or (self.max_entries is not None and len(self._items) > self.max_entries)
        ):
            key, (value, size) = self._items.popitem(last=False)
            self._bytes -= size
            self.stats.evictions += 1
            out.append((key, value))
        return out

    def _evicted(self, items: list[tuple[K, V]]) -> None:
        if self._on_evict is not None:
            for key, value in items:
                self._on_evict(key, value)


class TTLCache(Generic[K, V]):
    """At most `max_entries` values, each forgotten `ttl_s` seconds after it was set (least
    recently used first when full; `ttl_s <= 0` keeps nothing)."""

    def __init__(
        self,
        ttl_s: float,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        if self.ttl_s <= 0:
            return None
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                if entry is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def set(self, key: K, value: V) -> None:
        if self.ttl_s <= 0:
            return
        expires = self._clock() + self.ttl_s
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def left(self, key: K) -> float:
        """Seconds before `key` is forgotten (0 when it is not kept); not counted as a use."""
        with self._lock:
            entry = self._entries.get(key)
        return 0.0 if entry is None else max(0.0, entry[0] - self._clock())

    def pop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class StoredLookup(Generic[V]):
    """Things read from storage by a file's sha256 (its stored pyramid, its tile packs), from
    memory: a value found is kept (least recently used beyond `budget` bytes or `max_entries`),
    a miss is trusted for `recheck_s` seconds, and concurrent look-ups of one file share one
    read, in a worker thread.

    `load(sha)` returns the value and its size, or None when there is none; it raises
    `WebbscopeError` (a 404 is a plain miss), `ValueError`, `KeyError` or `TypeError` when
    what is stored cannot be used, which is logged and remembered as a miss.
    """

    def __init__(
        self,
        load: Callable[[str], tuple[V, int] | None],
        recheck_s: float,
        *,
        budget: int,
        max_entries: int | None = None,
        what: str = "stored data",
    ) -> None:
        self._load = load
        self.recheck_s = recheck_s
        self.what = what
        self._found: ByteLru[str, V] = ByteLru(budget, max_entries=max_entries)
        self._missing: dict[str, float] = {}
        self._pending: dict[str, asyncio.Future[V | None]] = {}

    async def find(self, sha: str) -> V | None:
        """The file's value, or None while it has none (or it cannot be used)."""
        found = self._found.get(sha)
        if found is not None:
            return found
        checked = self._missing.get(sha)
        if checked is not None and time.monotonic() - checked < self.recheck_s:
            return None
        pending = self._pending.get(sha)
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(self._read, sha))
            self._pending[sha] = pending
            pending.add_done_callback(lambda _: self._pending.pop(sha, None))
        return await asyncio.shield(pending)

    def _read(self, sha: str) -> V | None:
        try:
            loaded = self._load(sha)
        except (WebbscopeError, ValueError, KeyError, TypeError) as exc:
            if not isinstance(exc, WebbscopeError) or exc.status != 404:
                log.warning("the %s of %s cannot be used: %s", self.what, sha, exc)
            loaded = None
        if loaded is None:
            self.forget(sha)
            return None
        value, size = loaded
        self._missing.pop(sha, None)
        self._found.put(sha, value, size)
        return value

    def forget(self, sha: str) -> None:
        """Drop what was found (it failed to read: its files were removed) and remember a
        miss; looked up again after `recheck_s`."""
        self._found.pop(sha)
        if len(self._missing) > 10_000:
            self._missing.clear()
        self._missing[sha] = time.monotonic()
