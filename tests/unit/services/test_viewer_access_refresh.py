"""The viewer's access memory is read again ahead of its end while in use, once at a time;
an account or record that is gone is forgotten (the route then answers)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from webbscope.caches import TTLCache
from webbscope.errors import NotFound
from webbscope.services.backend import viewer_access


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Records:
    """The records collection as `_reload` reads it: a version that changes, or gone."""

    calls = 0
    version = 1
    gone = False

    def __init__(self, db: Any) -> None:
        pass

    async def get_raw(self, record_id: str) -> dict[str, Any]:
        type(self).calls += 1
        await asyncio.sleep(0.01)
        if type(self).gone:
            raise NotFound("no such record", code="record_not_found")
        return {"_id": record_id, "version": type(self).version}


@pytest.fixture
def state(monkeypatch: pytest.MonkeyPatch) -> Any:
    Records.calls, Records.version, Records.gone = 0, 1, False
    monkeypatch.setattr(viewer_access, "RecordsRepo", Records)
    clock = Clock()
    cache: TTLCache[Any, Any] = TTLCache(2.0, 100, clock=clock)
    return SimpleNamespace(viewer_access=cache, parts=SimpleNamespace(db=None), clock=clock)


def test_an_entry_in_use_is_read_again_past_half_its_life_once(state: Any) -> None:
    key = ("record", "r1")

    async def run() -> None:
        state.viewer_access.set(key, {"_id": "r1", "version": 0})
        state.clock.now = 0.9
        viewer_access.refresh_ahead(state, key)
        await asyncio.sleep(0.05)
        assert Records.calls == 0  # 1.1 s left of 2: nothing to do yet
        state.clock.now = 1.5
        Records.version = 2
        for _ in range(20):  # many requests at once: one read
            viewer_access.refresh_ahead(state, key)
        await asyncio.sleep(0.05)
        assert Records.calls == 1
        assert state.viewer_access.get(key) == {"_id": "r1", "version": 2}
        assert state.viewer_access.left(key) == pytest.approx(2.0)
        state.clock.now = 3.0  # past the first entry's end: the new one is still there
        assert state.viewer_access.get(key) is not None

    asyncio.run(run())


def test_a_record_gone_meanwhile_is_forgotten(state: Any) -> None:
    key = ("record", "r2")

    async def run() -> None:
        state.viewer_access.set(key, {"_id": "r2"})
        state.clock.now = 1.8
        Records.gone = True
        viewer_access.refresh_ahead(state, key)
        await asyncio.sleep(0.05)
        assert state.viewer_access.get(key) is None

    asyncio.run(run())


def test_nothing_kept_is_nothing_read(state: Any) -> None:
    async def run() -> None:
        viewer_access.refresh_ahead(state, ("record", "never-seen"))
        await asyncio.sleep(0.05)

    asyncio.run(run())
    assert Records.calls == 0
