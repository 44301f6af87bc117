"""Fair share of the expensive read routes: at most `CALLER_CONCURRENCY` requests of one caller
(an account, or an address when anonymous) in flight on a replica at once.

The engine's render gate is global; without this one client (anonymous on public records) with
a few dozen concurrent large exports fills it and everyone else gets 429 `render_busy`. With it,
that client gets 429 `caller_busy` on its own extra requests and the gate keeps room for others.
The count is per replica (in memory): the bound scales with replicas, as the engine does. nginx
adds a per-address request rate in front (deploy/nginx/snippets/fair-share.conf).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request

from webbscope.errors import TooManyRequests
from webbscope.services.backend.deps import ClientAddress, OptionalUser, SettingsDep


class CallerGate:
    def __init__(self) -> None:
        self.in_flight: Counter[str] = Counter()

    def enter(self, key: str, limit: int) -> None:
        if self.in_flight[key] >= limit:
            err = TooManyRequests(
                f"you have {limit} requests in progress; wait for them to finish",
                code="caller_busy",
                details={"limit": limit, "retry_after_s": 1},
            )
            err.headers = {"Retry-After": "1"}
            raise err
        self.in_flight[key] += 1

    def leave(self, key: str) -> None:
        self.in_flight[key] -= 1
        if self.in_flight[key] <= 0:
            del self.in_flight[key]


def caller_gate(state: Any) -> CallerGate:
    """The replica's gate (made on first use)."""
    gate: CallerGate | None = getattr(state, "caller_gate", None)
    if gate is None:
        gate = state.caller_gate = CallerGate()
    return gate


async def fair_share(
    request: Request, settings: SettingsDep, user: OptionalUser, address: ClientAddress
) -> AsyncIterator[None]:
    """A route dependency: holds one of the caller's slots for the request."""
    gate = caller_gate(request.app.state)
    key = f"user:{user.id}" if user else f"addr:{address}"
    gate.enter(key, settings.caller_concurrency)
    try:
        yield
    finally:
        gate.leave(key)
