"""A thread-safe least-recently-used cache with a byte budget (and optionally an entry cap).

The engine's caches (open files, display views, rendered tiles, image information) and the
backend's tile cache are all one of these: renders run in worker threads, so every operation
takes a lock; values are never copied. An entry larger than the whole budget is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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
