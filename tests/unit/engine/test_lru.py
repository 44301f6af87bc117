"""The byte-budget LRU every engine cache is built on."""

from __future__ import annotations

import threading

import pytest

from webbscope.caches import ByteLru


def test_least_recently_used_goes_first_when_over_budget() -> None:
    cache: ByteLru[str, str] = ByteLru(10)
    cache.put("a", "A", 4)
    cache.put("b", "B", 4)
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C", 4)
    assert "b" not in cache
    assert cache.get("a") == "A" and cache.get("c") == "C"
    assert cache.bytes == 8
    assert cache.stats.evictions == 1


def test_entry_cap_and_replacement() -> None:
    evicted: list[tuple[str, int]] = []
    cache: ByteLru[str, int] = ByteLru(
        1000, max_entries=2, on_evict=lambda k, v: evicted.append((k, v))
    )
    cache.put("a", 1, 1)
    cache.put("a", 2, 1)  # replacing hands the old value to on_evict
    cache.put("b", 3, 1)
    cache.put("c", 4, 1)
    assert evicted == [("a", 1), ("a", 2)]
    assert len(cache) == 2 and cache.bytes == 2


def test_a_value_larger_than_the_budget_is_not_kept() -> None:
    cache: ByteLru[str, bytes] = ByteLru(10)
    assert cache.put("big", b"x" * 11, 11) is False
    assert cache.get("big") is None
    assert cache.bytes == 0


def test_pop_clear_and_stats() -> None:
    closed: list[str] = []
    cache: ByteLru[str, str] = ByteLru(100, on_evict=lambda k, _: closed.append(k))
    cache.put("a", "A", 5)
    cache.put("b", "B", 5)
    assert cache.pop("a") == "A" and cache.pop("a") is None
    assert cache.get("zzz") is None
    cache.clear()
    assert closed == ["a", "b"] and len(cache) == 0 and cache.bytes == 0
    assert cache.stats.misses == 1


def test_invalid_budgets_are_refused() -> None:
    with pytest.raises(ValueError):
        ByteLru(-1)
    with pytest.raises(ValueError):
        ByteLru(10, max_entries=0)


def test_concurrent_use_keeps_the_accounting_right() -> None:
    cache: ByteLru[int, int] = ByteLru(500)

    def work(offset: int) -> None:
        for i in range(2000):
            cache.put(offset + i % 97, i, 3)
            cache.get(offset + (i * 7) % 97)

    threads = [threading.Thread(target=work, args=(n * 1000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.bytes == 3 * len(cache) <= 500
