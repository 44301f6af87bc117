"""Free space on the local disk that holds the data directory, and the reserve kept on it.

Uploads and imports are refused (507 `storage_full`) while taking them would leave less than
the reserve (`MIN_FREE_DISK_BYTES`) free, before the disk is full: the reserve is what sign-in,
deletes and job outcomes still need once the library stops growing.
"""

from __future__ import annotations

import os
from pathlib import Path

from webbscope.storage.base import StorageFull


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem holding `path` (or its
    nearest existing parent)."""
    p = path.resolve()
    while not p.exists() and p != p.parent:
        p = p.parent
    st = os.statvfs(p)
    return int(st.f_bavail) * int(st.f_frsize)


def check_reserve(path: Path, reserve: int, incoming: int = 0, what: str = "upload") -> None:
    """Raise `StorageFull` (507) when storing `incoming` more bytes under `path` would leave
    less than `reserve` free."""
    if reserve <= 0 and incoming <= 0:
        return
    free = free_bytes(path)
    if free - incoming >= reserve:
        return
    raise StorageFull(
        f"the server is low on disk space ({free:,} bytes free, {reserve:,} kept in reserve"
        f"{f', {incoming:,} needed' if incoming else ''}): the {what} is refused until space "
        "is freed; delete records you no longer need or ask the operator",
        details={
            "free_bytes": free,
            "reserve_bytes": reserve,
            "needed_bytes": incoming,
            "setting": "MIN_FREE_DISK_BYTES",
        },
    )
