"""A local file to memory-map for each stored FITS object.

Local storage already has one (`StorageProvider.local_path`). For S3 the object is
downloaded once to ``DATA_DIR/.cache/engine/<sha256>.fits`` and kept there, least recently
used copies removed beyond a byte budget. Concurrent requests for the same file share one
download. The FITS size limit is checked before anything is downloaded.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path

from webbscope.errors import PayloadTooLarge
from webbscope.fits import FitsLimits
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.engine.files")


class LocalCopies:
    def __init__(
        self, storage: StorageProvider, cache_dir: Path, budget: int, limits: FitsLimits
    ) -> None:
        self.storage = storage
        self.cache_dir = cache_dir
        self.budget = budget
        self.limits = limits
        self._downloads: dict[str, asyncio.Future[Path]] = {}
        self._lock = threading.Lock()

    async def path_for(self, key: str, sha: str, size: int | None = None) -> Path:
        """A local path holding the object `key` (whose content is `sha`)."""
        local = await asyncio.to_thread(self.storage.local_path, key)
        if local is not None:
            return local
        target = self.cache_dir / f"{sha}.fits"
        if await asyncio.to_thread(_touch, target):
            return target
        pending = self._downloads.get(sha)
        if pending is None:
            pending = asyncio.ensure_future(self._download(key, target, size))
            self._downloads[sha] = pending
            pending.add_done_callback(lambda _: self._downloads.pop(sha, None))
        return await asyncio.shield(pending)

    async def _download(self, key: str, target: Path, size: int | None) -> Path:
        if size is None:
            size = await asyncio.to_thread(self.storage.size, key)
        if size > self.limits.max_bytes:
            raise PayloadTooLarge(
                f"the file is {size} bytes, over the {self.limits.max_bytes}-byte limit for "
                "FITS files",
                code="fits_too_large",
                details={"size_bytes": size, "max_bytes": self.limits.max_bytes},
            )
        await asyncio.to_thread(self.cache_dir.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(self.evict, size)
        log.info("copying %s from storage for viewing (%d bytes)", key, size)
        return await asyncio.to_thread(self.storage.download_to, key, target)

    def evict(self, incoming: int = 0) -> int:
        """Remove the least recently used copies until `incoming` more bytes fit; how many."""
        with self._lock:
            try:
                entries = [
                    (e.stat().st_mtime, e.stat().st_size, Path(e.path))
                    for e in os.scandir(self.cache_dir)
                    if e.is_file() and e.name.endswith(".fits")
                ]
            except FileNotFoundError:
                return 0
            entries.sort()
            total = sum(size for _, size, _ in entries) + incoming
            removed = 0
            for _, size, path in entries:
                if total <= self.budget:
                    break
                # An open memory map keeps the unlinked file's pages until it is closed.
                path.unlink(missing_ok=True)
                total -= size
                removed += 1
            return removed


def _touch(path: Path) -> bool:
    """Mark a cached copy as just used; False when there is none."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True
