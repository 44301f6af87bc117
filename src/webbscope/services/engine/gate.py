"""The render gate: at most `concurrency` heavy renders at once, `queue` more waiting.

Every route that reads pixels or tables (tiles not in a cache, previews, exports, cutouts,
image statistics, histograms, grids, pixel values one at a time or in a batch, cube spectra,
1-D spectra, catalogues and their exports, regions and contours, composite and mosaic plans)
runs its work through `RenderGate.run`, which runs the function in a worker thread (numpy
and the encoders release the GIL, so two renders use two cores).
A request that finds every slot busy and the queue full is refused at once with 429 and
`Retry-After`, before it allocates anything; the engine's memory therefore stays bounded by
`concurrency` renders plus its caches.

A slot is released when the thread finishes, not when the request goes away: a client
that disconnects mid-render cannot make room for more concurrent work than the gate allows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from webbscope.errors import TooManyRequests

T = TypeVar("T")


class RenderGate:
    def __init__(self, concurrency: int, queue: int, retry_after_s: int = 1) -> None:
        if concurrency < 1 or queue < 0:
            raise ValueError("concurrency must be >= 1 and queue >= 0")
        self.concurrency = concurrency
        self.queue = queue
        self.retry_after_s = retry_after_s
        self._slots = asyncio.Semaphore(concurrency)
        self._admitted = 0  # running + waiting
        self._running = 0
        self.rejected = 0

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._admitted - self._running

    def _busy(self) -> TooManyRequests:
        self.rejected += 1
        err = TooManyRequests(
            f"the engine is busy ({self.concurrency} renders running, {self.queue} waiting); "
            f"retry in {self.retry_after_s} s",
            code="render_busy",
            details={"concurrency": self.concurrency, "queue": self.queue},
        )
        err.headers = {"Retry-After": str(self.retry_after_s)}
        return err

    async def run(self, fn: Callable[..., T], /, *args: Any) -> T:
        """`fn(*args)` in a worker thread once a slot is free; 429 when none is in sight."""
        if self._admitted >= self.concurrency + self.queue:
            raise self._busy()
        self._admitted += 1
        try:
            await self._slots.acquire()
        except BaseException:
            self._admitted -= 1
            raise
        self._running += 1
        task = asyncio.ensure_future(asyncio.to_thread(fn, *args))

        def release(done: asyncio.Future[T]) -> None:
            self._running -= 1
            self._admitted -= 1
            self._slots.release()
            if not done.cancelled():
                done.exception()  # retrieved: no "never retrieved" warning when abandoned

        task.add_done_callback(release)
        return await asyncio.shield(task)
