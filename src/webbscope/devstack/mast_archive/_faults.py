"""Faults injected on request, changeable at runtime through `/_faults`.

A rule scopes itself (path prefixes, invoke service names, HTTP methods, how many requests,
with what probability) and carries effects. Effects apply only where they make sense:

- `latency_ms`, `status`, `hold`: every request kind (`hold`: the request waits until the rule
  is removed — a test decides exactly when it goes on);
- `archive_error`, `executing`: `/api/v0/invoke` (answer `"status": "ERROR"` with the message;
  answer `"EXECUTING"` the first k times each distinct request is posted);
- `drop_after_bytes`, `throttle_bps`, `throttle_total_bps`: GET downloads (close the
  connection after N bytes of the body; pace this download; pace all downloads the rule
  matches together, as one shared link).

`count` is the number of requests the rule affects before it expires. State lives on the
server's single event loop: no locks are needed (nothing awaits between reading and updating).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["invoke", "columnsconfig", "resolver", "download", "bundle", "other"]


class FaultRule(BaseModel):
    """One fault rule (the body of `POST /_faults`)."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(default_factory=list, description="path prefixes; empty: any")
    services: list[str] = Field(default_factory=list, description="invoke services; empty: any")
    methods: list[str] = Field(default_factory=list, description="HTTP methods; empty: any")
    count: int | None = Field(None, ge=0, description="requests affected before expiring")
    rate: float = Field(1.0, ge=0.0, le=1.0, description="probability of affecting a request")
    seed: int = 0
    latency_ms: int = Field(0, ge=0)
    hold: bool = Field(False, description="wait until this rule is removed")
    status: int | None = Field(None, ge=400, le=599)
    archive_error: str | None = None
    executing: int = Field(0, ge=0)
    drop_after_bytes: int | None = Field(None, ge=0)
    throttle_bps: int | None = Field(None, gt=0)
    throttle_total_bps: int | None = Field(None, gt=0)

    def effects_for(self, kind: Kind, method: str) -> bool:
        if self.latency_ms or self.hold or self.status is not None:
            return True
        if kind == "invoke" and (self.archive_error is not None or self.executing):
            return True
        return (
            kind == "download"
            and method == "GET"
            and (
                self.drop_after_bytes is not None
                or self.throttle_bps is not None
                or self.throttle_total_bps is not None
            )
        )


class Pacer:
    """Paces bytes to a rate; shared by every download of a `throttle_total_bps` rule."""

    def __init__(self, bytes_per_s: float) -> None:
        self.rate = float(bytes_per_s)
        self._next = time.monotonic()

    async def take(self, n: int) -> None:
        now = time.monotonic()
        start = max(now, self._next)
        self._next = start + n / self.rate
        # Send this chunk once the link has carried the previous ones: `start` is when it may
        # begin; wait until it would have finished so the average rate holds from byte one.
        delay = self._next - now
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass
class _RuleState:
    rule: FaultRule
    id: int
    remaining: int | None
    rng: random.Random
    fired: int = 0
    seen: dict[str, int] = field(default_factory=dict)
    pacer: Pacer | None = None
    released: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Decision:
    """What the matching rules ask of one request."""

    latency_s: float = 0.0
    holds: list[asyncio.Event] = field(default_factory=list)
    status: int | None = None
    archive_error: str | None = None
    executing: bool = False
    drop_after_bytes: int | None = None
    pacers: list[Pacer] = field(default_factory=list)


class FaultBook:
    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self._rules: list[_RuleState] = []
        self._next_id = 1
        for rule in rules or []:
            self.add(rule)

    def add(self, rule: FaultRule) -> int:
        state = _RuleState(rule, self._next_id, rule.count, random.Random(rule.seed))
        if rule.throttle_total_bps:
            state.pacer = Pacer(rule.throttle_total_bps)
        self._rules.append(state)
        self._next_id += 1
        return state.id

    def replace(self, rules: list[FaultRule]) -> list[int]:
        self.clear()
        return [self.add(r) for r in rules]

    def remove(self, rule_id: int) -> bool:
        gone = [s for s in self._rules if s.id == rule_id]
        self._rules = [s for s in self._rules if s.id != rule_id]
        for state in gone:
            state.released.set()
        return bool(gone)

    def clear(self) -> None:
        for state in self._rules:
            state.released.set()
        self._rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "rule": s.rule.model_dump(exclude_defaults=True),
                "remaining": s.remaining,
                "fired": s.fired,
            }
            for s in self._rules
        ]

    def decide(
        self, kind: Kind, path: str, method: str, service: str | None = None, key: str = ""
    ) -> Decision:
        """Apply every matching rule to one request (updating counts) and combine them."""
        decision = Decision()
        for s in self._rules:
            rule = s.rule
            if s.remaining is not None and s.remaining <= 0:
                continue
            if rule.paths and not any(path.startswith(p) for p in rule.paths):
                continue
            if rule.methods and method.upper() not in {m.upper() for m in rule.methods}:
                continue
            if rule.services and (service is None or service not in rule.services):
                continue
            if not rule.effects_for(kind, method):
                continue
            executing = False
            if kind == "invoke" and rule.executing:
                seen = s.seen.get(key, 0)
                s.seen[key] = seen + 1
                executing = seen < rule.executing
                only_executing = (
                    rule.status is None and rule.archive_error is None and not rule.latency_ms
                )
                if only_executing and not executing:
                    continue
            if rule.rate < 1.0 and s.rng.random() >= rule.rate:
                continue
            if s.remaining is not None:
                s.remaining -= 1
            s.fired += 1
            decision.latency_s += rule.latency_ms / 1000.0
            if rule.hold:
                decision.holds.append(s.released)
            if rule.status is not None and decision.status is None:
                decision.status = rule.status
            if kind == "invoke":
                if rule.archive_error is not None and decision.archive_error is None:
                    decision.archive_error = rule.archive_error
                decision.executing = decision.executing or executing
            if kind == "download" and method == "GET":
                if rule.drop_after_bytes is not None:
                    current = decision.drop_after_bytes
                    decision.drop_after_bytes = (
                        rule.drop_after_bytes
                        if current is None
                        else min(current, rule.drop_after_bytes)
                    )
                if rule.throttle_bps is not None:
                    decision.pacers.append(Pacer(rule.throttle_bps))
                if s.pacer is not None:
                    decision.pacers.append(s.pacer)
        return decision
