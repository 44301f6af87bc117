from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from webbscope.demo import load_demo_manifest, write_demo_data
from webbscope.fits import FitsLimits

DEMO_SIZE = 128  # test_fits_metadata.py relies on it


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fits-demo")
    write_demo_data(out, seed=1, size=DEMO_SIZE)
    return out


@pytest.fixture(scope="session")
def demo_manifest(demo_dir: Path) -> dict[str, dict[str, object]]:
    return {entry["file_name"]: entry for entry in load_demo_manifest(demo_dir)}


@pytest.fixture
def limits() -> FitsLimits:
    return FitsLimits(max_bytes=100 * 1024**2, max_elements=50_000_000, max_hdus=16)


def _open_files() -> set[tuple[str, str]]:
    """(fd, target) of every open descriptor under a pytest temporary directory."""
    fd_dir = "/proc/self/fd"
    found = set()
    for fd in os.listdir(fd_dir) if os.path.isdir(fd_dir) else []:
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if "/pytest-" in target or target.endswith(".fits"):
            found.add((fd, target))
    return found


@pytest.fixture
def no_fd_leak() -> Iterator[None]:
    """Fail if the test leaves a file open (memory maps included)."""
    before = _open_files()
    yield
    gc.collect()  # memory-mapped arrays close their mapping when collected
    leaked = _open_files() - before
    assert not leaked, sorted(leaked)
