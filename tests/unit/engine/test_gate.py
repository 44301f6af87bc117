"""The render gate: bounded concurrency, a bounded queue, 429 with Retry-After beyond it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.support.wait import eventually_async
from webbscope.errors import TooManyRequests
from webbscope.services.engine.gate import RenderGate


async def _until(gate: RenderGate, running: int, waiting: int = 0) -> None:
    async def state() -> tuple[int, int]:
        return gate.running, gate.waiting

    await eventually_async(state, lambda s: s == (running, waiting))


async def test_runs_the_function_in_a_thread() -> None:
    gate = RenderGate(2, 2)
    main = threading.get_ident()
    assert await gate.run(threading.get_ident) != main
    assert await gate.run(lambda a, b: a + b, 2, 3) == 5
    assert gate.running == 0 and gate.waiting == 0


async def test_full_gate_answers_429_with_retry_after() -> None:
    gate = RenderGate(1, 1, retry_after_s=3)
    release = threading.Event()
    first = asyncio.ensure_future(gate.run(release.wait, 5))
    second = asyncio.ensure_future(gate.run(lambda: "queued"))
    await _until(gate, running=1, waiting=1)
    with pytest.raises(TooManyRequests) as info:
        await gate.run(lambda: None)
    assert info.value.status == 429
    assert info.value.code == "render_busy"
    assert info.value.headers == {"Retry-After": "3"}
    assert gate.rejected == 1
    release.set()
    assert await first is True
    assert await second == "queued"
    assert await gate.run(lambda: "free again") == "free again"


async def test_the_queue_is_served_and_concurrency_never_exceeded() -> None:
    gate = RenderGate(2, 50)
    lock = threading.Lock()
    active = [0, 0]  # now, peak

    def work() -> None:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        threading.Event().wait(0.005)
        with lock:
            active[0] -= 1

    await asyncio.gather(*(gate.run(work) for _ in range(20)))
    assert active[1] == 2


async def test_a_slot_is_held_until_the_thread_finishes_even_if_the_caller_leaves() -> None:
    gate = RenderGate(1, 0)
    release = threading.Event()
    task = asyncio.ensure_future(gate.run(release.wait, 5))
    await _until(gate, running=1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(TooManyRequests):
        await gate.run(lambda: None)  # the abandoned render still runs
    release.set()
    await _until(gate, running=0)
    assert await gate.run(lambda: 1) == 1


async def test_errors_propagate_and_free_the_slot() -> None:
    gate = RenderGate(1, 0)

    def boom() -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        await gate.run(boom)
    assert await gate.run(lambda: "ok") == "ok"


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        RenderGate(0, 1)
    with pytest.raises(ValueError):
        RenderGate(1, -1)
