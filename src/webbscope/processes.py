"""Small facts about this process and its children, shared by the job runner and the science
modules that start local worker processes (no web, database or storage imports).

- `die_with_parent()`: ask Linux to SIGKILL this process when its parent exits, so a child
  never outlives a cancelled job (the job's process is terminated without running cleanups);
- `available_cores()`: the cores this process may use: its CPU affinity, lowered by a cgroup
  v2 CPU quota (``cpu.max``, what a container's ``cpus:`` limit sets), at least 1;
- `keep_freed_memory()`: for a process that allocates and frees the same large arrays over
  and over (a mosaic's blocks): glibc keeps freed blocks for reuse instead of returning each
  to the kernel and faulting fresh zeroed pages in for the next (measured: half the page
  faults and a third of the system time of a mosaic run). The process's memory stays
  bounded by its peak use.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
import sys
from pathlib import Path

CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent exits (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL))


def _quota(text: str) -> float | None:
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    try:
        quota, period = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def available_cores(cpu_max: Path = CPU_MAX) -> int:
    """Cores this process may use (affinity, then the cgroup quota rounded up), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota = _quota(cpu_max.read_text())
    except OSError:
        quota = None
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def keep_freed_memory(
    mmap_threshold: int = 64 * 1024**2, trim_threshold: int = 256 * 1024**2
) -> None:
    """Serve allocations under `mmap_threshold` from the heap and keep up to
    `trim_threshold` of freed memory there (glibc's ``mallopt``; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold))
        libc.mallopt(_M_TRIM_THRESHOLD, int(trim_threshold))
    except (OSError, AttributeError):
        pass
