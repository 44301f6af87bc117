"""Password hashing off the event loop, with a bound on hashes in flight.

argon2id takes 64 MiB per hash. Left to the default thread pool, a burst of simultaneous
log-ins runs as many hashes at once as there are pool threads and takes the backend past its
memory limit. Here at most `PASSWORD_HASH_CONCURRENCY` hashes run at once; up to
`PASSWORD_HASH_QUEUE` more wait their turn, and beyond that the request is refused at once with
503 `busy` (no memory spent). docs/security.md has the measurement behind the defaults.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from webbscope.auth import hash_password, verify_password
from webbscope.errors import ServiceUnavailable
from webbscope.settings import Settings

T = TypeVar("T")

# Verifying against this hash when the user does not exist keeps the timing the same.
DUMMY_HASH = hash_password("not-a-real-password-but-a-timing-equaliser")


class PasswordWork:
    def __init__(self, concurrency: int, queue: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._max_waiting = queue
        self._waiting = 0
        self.in_flight = 0
        self.peak = 0

    async def _run(self, fn: Callable[..., T], *args: str) -> T:
        if self._slots.locked() and self._waiting >= self._max_waiting:
            err = ServiceUnavailable(
                "the server is busy checking passwords; try again in a moment", code="busy"
            )
            err.headers = {"Retry-After": "1"}
            raise err
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await asyncio.to_thread(fn, *args)
        finally:
            self.in_flight -= 1
            self._slots.release()

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(verify_password, password_hash, password)


async def password_work(request: Request) -> PasswordWork:
    """The app's one `PasswordWork`, made on first use."""
    work: PasswordWork | None = getattr(request.app.state, "password_work", None)
    if work is None:
        settings: Settings = request.app.state.settings
        work = PasswordWork(settings.password_hash_concurrency, settings.password_hash_queue)
        request.app.state.password_work = work
    return work
