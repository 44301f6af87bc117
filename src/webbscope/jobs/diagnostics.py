"""Diagnostic jobs: a sleeping I/O-bound job and a spinning CPU-bound one. They exercise the
queue end to end (tests, benchmarks, checking a deployment) and touch no user data."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from webbscope.jobs.process import Report
from webbscope.jobs.worker import JobContext


async def sleep_job(ctx: JobContext) -> dict[str, Any]:
    """Sleep `seconds` in `steps` steps, reporting progress after each."""
    seconds = float(ctx.job.params.get("seconds", 0.0))
    steps = max(1, int(ctx.job.params.get("steps", 1)))
    for i in range(steps):
        await asyncio.sleep(seconds / steps)
        await ctx.progress(
            fraction=(i + 1) / steps, items_done=i + 1, items_total=steps, stage="sleeping"
        )
    return {"slept_s": seconds}


def _spin(report: Report, seconds: float) -> dict[str, Any]:
    """Burn CPU in a loop that never looks at any flag: only terminating the process stops it."""
    end = time.monotonic() + seconds
    n = 0
    last = time.monotonic()
    while time.monotonic() < end:
        n += sum(i * i for i in range(1000))
        if time.monotonic() - last > 0.2:
            last = time.monotonic()
            report(1 - (end - last) / seconds, "spinning")
    return {"iterations": n}


async def cpu_job(ctx: JobContext) -> dict[str, Any]:
    seconds = float(ctx.job.params.get("seconds", 1.0))
    result: dict[str, Any] = await ctx.run_cpu(_spin, seconds, stage="computing")
    return result
