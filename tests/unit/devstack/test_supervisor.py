"""The restart policy of `webbscope up` (a fake child and clock; the real thing is in
tests/integration/resilience/test_supervise.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from webbscope.devstack.supervisor import CrashLoop, RestartPolicy, Supervisor


class FakeChild:
    def __init__(self, name: str) -> None:
        self.name = name
        self.log_path = Path("/nonexistent.log")
        self.running = True
        self.pid = 100
        self.code: int | None = None

    def alive(self) -> bool:
        return self.running

    def die(self, code: int = -9) -> None:
        self.running, self.code = False, code

    def restart(self) -> None:
        self.running, self.pid = True, self.pid + 1

    def exit_reason(self) -> str:
        return "killed by SIGKILL" if self.code == -9 else f"exited with code {self.code}"

    def log_tail(self) -> str:
        return "OSError: [Errno 98] address already in use"


def _supervisor(policy: RestartPolicy) -> tuple[Supervisor, list[str], list[float], Any]:
    said: list[str] = []
    now = [0.0]
    sup = Supervisor(said.append, policy, clock=lambda: now[0])
    return sup, said, now, FakeChild


def test_a_crashed_child_restarts_after_a_growing_pause_and_others_are_untouched() -> None:
    sup, said, now, _ = _supervisor(RestartPolicy(first_backoff_s=0.5, stable_s=30))
    engine, mast = FakeChild("engine"), FakeChild("mast")
    sup.add(engine, ready=lambda: True)  # type: ignore[arg-type]
    sup.add(mast)  # type: ignore[arg-type]
    pauses = []
    for _ in range(3):
        engine.die()
        sup.tick()
        start = now[0]
        while not engine.alive():
            now[0] += 0.25
            sup.tick()
        pauses.append(now[0] - start)
        sup.tick()  # the readiness check
    assert pauses == [0.5, 1.0, 2.0]
    assert mast.pid == 100 and mast.alive()  # never touched
    assert sup.restarts("engine") == 3 and sup.restarts("mast") == 0
    assert said[0].startswith("engine killed by SIGKILL; restarting it in 0.5 s")
    assert "engine is serving again" in said
    # Up for longer than `stable_s`: the next crash starts from the first pause again.
    now[0] += 31
    engine.die()
    sup.tick()
    assert "restarting it in 0.5 s" in said[-1]


def test_a_crash_loop_gives_up_naming_the_child_and_why() -> None:
    sup, _said, now, _ = _supervisor(RestartPolicy(loop_crashes=3, loop_window_s=60))
    engine = FakeChild("engine")
    sup.add(engine)  # type: ignore[arg-type]
    with pytest.raises(CrashLoop) as caught:
        for _ in range(10):
            engine.die(1)
            sup.tick()
            now[0] += 5
            sup.tick()
    text = str(caught.value)
    assert "engine crashed 3 times within 60 s (last: exited with code 1); giving up" in text
    assert "address already in use" in text
    assert sup.restarts("engine") == 2


def test_crashes_spread_over_more_than_the_window_are_not_a_loop() -> None:
    sup, _said, now, _ = _supervisor(RestartPolicy(loop_crashes=3, loop_window_s=60))
    engine = FakeChild("engine")
    sup.add(engine)  # type: ignore[arg-type]
    for _ in range(10):
        engine.die()
        sup.tick()
        now[0] += 40
        sup.tick()
    assert sup.restarts("engine") == 10


def test_a_child_that_cannot_be_started_again_stops_the_stack_saying_why() -> None:
    sup, _said, now, _ = _supervisor(RestartPolicy())
    engine = FakeChild("engine")

    def gone() -> None:
        raise FileNotFoundError(2, "No such file or directory", "/venv/bin/python")

    engine.restart = gone  # type: ignore[method-assign]
    sup.add(engine)  # type: ignore[arg-type]
    engine.die()
    sup.tick()
    now[0] += 1
    with pytest.raises(CrashLoop, match=r"engine could not be started again: .*No such file"):
        sup.tick()
