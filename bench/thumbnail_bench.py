"""Thumbnails of tiny files: the seconds each one took were the child process importing the
database driver, storage clients and astropy again, not the rendering.

Measured, for a 64 x 64 image and a 256 x 256 JWST-like i2d (medians of several jobs):
- floor: the rendering alone, in the calling process (`render_thumbnail`);
- now: a thumbnail as the job runs it, in a child of the fork server that preloads the
  science modules (`webbscope.jobs.process.PRELOAD`), the child importing only
  `webbscope.services.engine.thumbnail_render`;
- baseline: the same render in a child of a fork server that preloads what it preloaded
  before (numpy, astropy.io.fits), the child importing the job module
  (`webbscope.services.engine.thumbnails`) as it did, measured in a fresh interpreter.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUNS = 8
OLD_PRELOAD = ["numpy", "astropy.io.fits", "webbscope.errors"]


def _files(out: Path) -> dict[str, Path]:
    import numpy as np
    from astropy.io import fits

    from webbscope.demo import write_demo_data

    tiny = out / "tiny.fits"
    fits.PrimaryHDU(np.random.default_rng(0).random((64, 64), np.float32)).writeto(tiny)
    write_demo_data(out / "demo", seed=0, size=256)
    i2d = next((out / "demo").glob("*_i2d.fits"))
    return {"64 x 64": tiny, "256 x 256 i2d": i2d}


def _old_child(report: Any, path: str) -> bytes | None:
    """What a thumbnail child did before: import the job module, then render."""
    from webbscope.fits import FitsLimits
    from webbscope.services.engine import thumbnails

    return thumbnails.render_thumbnail(report, path, FitsLimits(), thumbnails.THUMBNAIL_SIZE)


def _children(fn: Any, args: tuple[Any, ...], runs: int) -> list[float]:
    import asyncio

    from webbscope.jobs.process import run_in_process

    async def go() -> list[float]:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await run_in_process(fn, *args)
            times.append(time.perf_counter() - start)
        return times

    return asyncio.run(go())


def _baseline(path: str) -> None:
    """In a fresh interpreter: the fork server as it was, the child importing the job module."""
    import multiprocessing as mp
    from multiprocessing import forkserver

    import webbscope.jobs.process as process

    process._CTX = mp.get_context("forkserver")
    process._CTX.set_forkserver_preload(OLD_PRELOAD)
    forkserver.ensure_running()
    print(json.dumps(_children(_old_child, (path,), max(3, RUNS // 2))))


def main() -> None:
    from webbscope.fits import FitsLimits
    from webbscope.jobs.process import start_children
    from webbscope.services.engine.thumbnail_render import THUMBNAIL_SIZE, render_thumbnail

    start_children()
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        print(f"{'file':<16} {'floor (in process)':>19} {'now (child)':>12} "
              f"{'baseline (child)':>17} {'baseline / now':>15}")  # fmt: skip
        for name, path in files.items():
            floor = []
            for _ in range(RUNS):
                start = time.perf_counter()
                render_thumbnail(lambda *a: None, str(path), FitsLimits(), THUMBNAIL_SIZE)
                floor.append(time.perf_counter() - start)
            now = _children(render_thumbnail, (str(path), FitsLimits(), THUMBNAIL_SIZE), RUNS)
            old = subprocess.run(
                [sys.executable, "-m", "bench.thumbnail_bench", "--baseline", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            before = json.loads(old.stdout.strip().splitlines()[-1])
            f, n, b = (statistics.median(x) for x in (floor, now, before))
            print(f"{name:<16} {f * 1000:>16.0f} ms {n * 1000:>9.0f} ms {b * 1000:>14.0f} ms "
                  f"{b / n:>14.1f}x")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--baseline":
        _baseline(sys.argv[2])
    else:
        main()
