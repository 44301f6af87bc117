"""Retention: `backup create --keep N` keeps the N newest complete backups."""

from __future__ import annotations

import os
import time
from pathlib import Path

from webbscope.backup import prune_backups


def _backup(root: Path, stamp: str, complete: bool = True) -> Path:
    path = root / f"webbscope-backup-{stamp}{'' if complete else '.partial'}"
    path.mkdir()
    if complete:
        (path / "manifest.json").write_text("{}")
    return path


def test_keeps_the_newest_complete_backups(tmp_path: Path) -> None:
    old = [_backup(tmp_path, f"2026010{d}T000000Z") for d in range(1, 6)]
    fresh_partial = _backup(tmp_path, "20260106T000000Z", complete=False)
    stale_partial = _backup(tmp_path, "20251231T000000Z", complete=False)
    day_ago = time.time() - 2 * 86_400
    os.utime(stale_partial, (day_ago, day_ago))
    unrelated = tmp_path / "notes"
    unrelated.mkdir()

    removed = prune_backups(tmp_path, keep=2)

    assert set(removed) == {*old[:3], stale_partial}
    assert all(p.exists() for p in old[3:])
    assert fresh_partial.exists()  # may be a backup still being written
    assert unrelated.exists()
