"""Waiting for something another process does (an event to be followed, a log line to be
written): poll until a condition holds, failing with its last value."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T], ok: Callable[[T], bool], timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if ok(value) or time.monotonic() > deadline:
            assert ok(value), f"condition not met within {timeout} s; last value: {value!r}"
            return value
        time.sleep(0.05)
