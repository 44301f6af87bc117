"""The upload staging area, `DATA_DIR/.staging/`: files being received, and their clean-up.

An upload streams each file to `<uuid>.part` here, then moves it into storage or removes it.
A backend killed mid-upload leaves its `.part` files behind, so `sweep_staging` removes those
older than `STAGING_MAX_AGE_S` (by modification time: a file still being written is fresh)
at start-up and every `STAGING_SWEEP_INTERVAL_S`, never one that an upload of this process is
still using (`in_use`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI

log = logging.getLogger("webbscope.backend.staging")

SUFFIX = ".part"

#: Staging files of uploads running in this process (never swept).
_in_use: set[Path] = set()


def staging_dir(data_dir: Path) -> Path:
    return data_dir / ".staging"


def new_staging_path(directory: Path, name: str) -> Path:
    """Register `directory / (name + SUFFIX)` as in use and return it."""
    path = directory / f"{name}{SUFFIX}"
    _in_use.add(path)
    return path


def release(path: Path) -> None:
    """The upload is done with `path` (moved into storage or removed)."""
    _in_use.discard(path)


def in_use() -> frozenset[Path]:
    return frozenset(_in_use)


def _candidates(directory: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            yield from (e for e in entries if e.name.endswith(SUFFIX) and e.is_file())
    except FileNotFoundError:
        return


def sweep_staging(directory: Path, max_age_s: float, now: float | None = None) -> list[Path]:
    """Remove the `.part` files of `directory` last modified more than `max_age_s` seconds
    ago and not in use by a running upload; return those removed."""
    cutoff = (time.time() if now is None else now) - max_age_s
    busy = in_use()
    removed = []
    for entry in _candidates(directory):
        path = Path(entry.path)
        if path in busy:
            continue
        try:
            if entry.stat().st_mtime > cutoff:
                continue
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(path)
    if removed:
        log.info("removed %d stale upload file(s) from %s", len(removed), directory)
    return removed


async def _sweep_forever(directory: Path, max_age_s: float, interval_s: float) -> None:
    while True:
        try:
            await asyncio.to_thread(sweep_staging, directory, max_age_s)
        except OSError as exc:  # a full or unreadable disk: try again next time
            log.warning("could not sweep %s: %s", directory, exc)
        await asyncio.sleep(interval_s)


async def start_staging_sweeper(app: FastAPI) -> None:
    """Sweep at start-up, then periodically, until the service stops (a task of the app)."""
    settings = app.state.settings
    sweeper = _sweep_forever(
        staging_dir(settings.data_dir),
        settings.staging_max_age_s,
        settings.staging_sweep_interval_s,
    )
    app.state.parts.tasks.append(asyncio.create_task(sweeper))
