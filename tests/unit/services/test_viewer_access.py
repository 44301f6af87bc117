"""The short memory of the viewer routes' access checks."""

from __future__ import annotations

import time

from webbscope.services.backend.viewer_access import TtlCache


def test_values_expire_after_the_ttl() -> None:
    cache = TtlCache(0.05)
    cache.put("a", 1)
    assert cache.get("a") == 1
    time.sleep(0.06)
    assert cache.get("a") is None


def test_zero_ttl_remembers_nothing() -> None:
    cache = TtlCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None


def test_the_cache_is_bounded() -> None:
    cache = TtlCache(60, max_entries=3)
    for i in range(5):
        cache.put(i, i)
    assert [cache.get(i) for i in range(5)] == [None, None, 2, 3, 4]
