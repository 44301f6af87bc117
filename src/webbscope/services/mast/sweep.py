"""Abandoned partial downloads: an import that was cancelled and never retried, or whose worker
died, leaves its partial files under `DATA_DIR/.partial/mast/<job id>/`. Once untouched for
`MAST_PARTIAL_MAX_AGE_S`, and their job is neither queued nor running, they are deleted.

Runs when the mast service starts, every hour while it runs, and before each import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

from webbscope.db import Database
from webbscope.services.mast.cache import live_jobs
from webbscope.settings import Settings

log = logging.getLogger("webbscope.import")
SWEEP_EVERY_S = 3600.0


def partial_root(settings: Settings) -> Path:
    return settings.data_dir / ".partial" / "mast"


def _last_touched(path: Path) -> float:
    """The newest modification time of a directory and everything in it."""
    newest = path.stat().st_mtime
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            with contextlib.suppress(OSError):
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return newest


def _stale(root: Path, max_age_s: float, now: float) -> list[Path]:
    if not root.is_dir():
        return []
    out = []
    for entry in root.iterdir():
        try:
            if now - _last_touched(entry) >= max_age_s:
                out.append(entry)
        except OSError:
            continue
    return out


async def sweep_partials(db: Database, settings: Settings, now: float | None = None) -> list[Path]:
    """Delete abandoned partial downloads; return what was deleted."""
    root = partial_root(settings)
    stale = await asyncio.to_thread(
        _stale, root, settings.mast_partial_max_age_s, time.time() if now is None else now
    )
    if not stale:
        return []
    alive = await live_jobs(db, [p.name for p in stale])
    removed = []
    for path in stale:
        if path.name in alive:
            continue
        if path.is_dir():
            await asyncio.to_thread(shutil.rmtree, path, True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    if removed:
        log.info("removed %d abandoned partial download(s) from %s", len(removed), root)
    return removed


async def sweep_forever(db: Database, settings: Settings) -> None:
    while True:
        try:
            await sweep_partials(db, settings)
        except Exception:
            log.exception("sweeping partial downloads failed")
        await asyncio.sleep(SWEEP_EVERY_S)
