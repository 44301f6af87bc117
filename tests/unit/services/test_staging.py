"""The staging sweep: stale `.part` files go, fresh ones and those in use stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

from webbscope.services.backend.staging import new_staging_path, release, sweep_staging


def _aged(path: Path, seconds: float) -> Path:
    path.write_bytes(b"x")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_only_stale_unused_part_files_are_removed(tmp_path: Path) -> None:
    stale = _aged(tmp_path / "old.part", 7200)
    fresh = _aged(tmp_path / "new.part", 10)
    other = _aged(tmp_path / "keep.txt", 7200)  # not an upload's file
    running = _aged(new_staging_path(tmp_path, "running"), 7200)
    try:
        assert sweep_staging(tmp_path, max_age_s=3600) == [stale]
        assert not stale.exists() and fresh.exists() and other.exists() and running.exists()
    finally:
        release(running)
    assert sweep_staging(tmp_path, max_age_s=3600) == [running]


def test_a_missing_staging_directory_is_nothing_to_sweep(tmp_path: Path) -> None:
    assert sweep_staging(tmp_path / "never-made", max_age_s=60) == []
