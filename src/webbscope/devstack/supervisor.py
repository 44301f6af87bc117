"""Keep the children of `webbscope up` running: a child that dies is started again after a
growing pause while the others keep serving, and only a crash loop stops the stack.

The policy is deliberately simple (and close to what process managers do): the first restart
waits `first_backoff_s`, each further one twice as long up to `max_backoff_s`, and a child that
stayed up `stable_s` starts again from the first pause. A child that crashes `loop_crashes`
times within `loop_window_s` is in a crash loop: the supervisor gives up and says which child
and why (its exit and the last lines of its log).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from webbscope.devstack.process import ManagedProcess


@dataclass(frozen=True)
class RestartPolicy:
    first_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    stable_s: float = 30.0
    loop_crashes: int = 5
    loop_window_s: float = 60.0


@dataclass
class _Child:
    proc: ManagedProcess
    ready: Callable[[], bool] | None
    started_at: float
    backoff: float
    crashes: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    waiting_ready: bool = False
    restarts: int = 0


class CrashLoop(RuntimeError):
    """A child kept crashing: the message names it and says why."""


class Supervisor:
    def __init__(
        self,
        say: Callable[[str], None],
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.say = say
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self.children: list[_Child] = []

    def add(self, proc: ManagedProcess, ready: Callable[[], bool] | None = None) -> None:
        """Watch `proc` (already started and ready); `ready` says when a restart serves."""
        self.children.append(
            _Child(proc, ready, started_at=self.clock(), backoff=self.policy.first_backoff_s)
        )

    def restarts(self, name: str) -> int:
        return sum(c.restarts for c in self.children if c.proc.name == name)

    def tick(self) -> None:
        """Look at every child once: note deaths, restart those due, announce recoveries.
        Raises `CrashLoop` when a child crashed too often."""
        for child in self.children:
            self._look(child, self.clock())

    def _look(self, child: _Child, now: float) -> None:
        proc, policy = child.proc, self.policy
        if child.restart_at is None and not proc.alive():
            if now - child.started_at >= policy.stable_s:
                child.backoff = policy.first_backoff_s  # it had been fine: start over
            child.crashes.append(now)
            while child.crashes and now - child.crashes[0] > policy.loop_window_s:
                child.crashes.popleft()
            reason = proc.exit_reason()
            if len(child.crashes) >= policy.loop_crashes:
                raise CrashLoop(
                    f"{proc.name} crashed {len(child.crashes)} times within "
                    f"{policy.loop_window_s:.0f} s (last: {reason}); giving up. "
                    f"The end of its log ({proc.log_path}):\n{proc.log_tail()}"
                )
            child.restart_at = now + child.backoff
            self.say(
                f"{proc.name} {reason}; restarting it in {child.backoff:g} s "
                f"(crash {len(child.crashes)} of {policy.loop_crashes} allowed within "
                f"{policy.loop_window_s:.0f} s); the other services keep serving"
            )
            child.backoff = min(child.backoff * 2, policy.max_backoff_s)
            return
        if child.restart_at is not None and now >= child.restart_at:
            child.restart_at = None
            try:
                proc.restart()
            except OSError as exc:  # its program is gone or cannot run: no point retrying
                raise CrashLoop(f"{proc.name} could not be started again: {exc}") from exc
            child.restarts += 1
            child.started_at = now
            child.waiting_ready = child.ready is not None
            self.say(f"{proc.name} restarted (pid {proc.pid})")
            return
        if child.waiting_ready and child.ready is not None and proc.alive():
            try:
                ok = child.ready()
            except Exception:
                ok = False
            if ok:
                child.waiting_ready = False
                self.say(f"{proc.name} is serving again")
