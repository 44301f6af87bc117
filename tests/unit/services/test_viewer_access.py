"""The short memory of the viewer routes' access checks."""

from __future__ import annotations

from webbscope.caches import TTLCache


def test_values_expire_after_the_ttl() -> None:
    now = [100.0]
    cache: TTLCache[str, int] = TTLCache(2.0, clock=lambda: now[0])
    cache.set("a", 1)
    now[0] += 1.9
    assert cache.get("a") == 1
    now[0] += 0.2
    assert cache.get("a") is None


def test_zero_ttl_remembers_nothing() -> None:
    cache = TTLCache(0)
    cache.set("a", 1)
    assert cache.get("a") is None


def test_the_cache_is_bounded() -> None:
    cache = TTLCache(60, max_entries=3)
    for i in range(5):
        cache.set(i, i)
    assert [cache.get(i) for i in range(5)] == [None, None, 2, 3, 4]
