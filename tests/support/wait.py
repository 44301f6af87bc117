"""Waiting for something another process does (an event to be followed, a log line to be
written, a job to finish): poll until a condition holds, failing with its last value. The
timeout only bounds a test that would otherwise hang; it is never what a test asserts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    probe: Callable[[], T], ok: Callable[[T], bool], timeout: float = 10.0, every: float = 0.05
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if ok(value) or time.monotonic() > deadline:
            assert ok(value), f"condition not met within {timeout} s; last value: {value!r}"
            return value
        time.sleep(every)


def seconds_until(probe: Callable[[], T], ok: Callable[[T], bool], timeout: float = 30.0) -> float:
    """`eventually`, returning how long the condition took to hold: a figure to report (or for a
    benchmark), never one for a test to assert on."""
    start = time.perf_counter()
    eventually(probe, ok, timeout, every=0.01)
    return time.perf_counter() - start


async def eventually_async(
    probe: Callable[[], Awaitable[T]],
    ok: Callable[[T], bool],
    within: float = 10.0,
    every: float = 0.05,
) -> T:
    """`eventually` for a probe that is a coroutine (in async tests)."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if ok(value) or time.monotonic() > deadline:
            assert ok(value), f"condition not met within {within} s; last value: {value!r}"
            return value
        await asyncio.sleep(every)
