"""A mosaic's inputs on Dask workers that do not share the engine's disk.

With S3 storage the engine downloads each input into its own temporary directory, so the
paths in the plan mean nothing on a Dask worker in another pod. `StoredInputs` travels with
every block task instead: on the worker it maps each input the engine downloaded to a copy
in the worker's own cache (``$TMPDIR/webbscope-mosaic-inputs``), fetched from the same bucket
once per worker and reused by every later block. Record files are never rewritten under
their key, so a cached copy stays valid; the cache keeps the most recently used files within
`WORKER_CACHE_BYTES`.

Credentials come from the worker's own environment, under the names the services use
(`S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`; without them the S3 client's default chain, such
as an instance role), never through the scheduler.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from webbscope.imaging.mosaic import MosaicInput
from webbscope.storage import S3Storage

#: The worker's cache of fetched inputs (its emptyDir in the Kubernetes component is 10 GiB).
WORKER_CACHE_BYTES = 6 << 30
CACHE_DIR_NAME = "webbscope-mosaic-inputs"

_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
_clock = [0]
_storages: dict[tuple[str, str | None, str], S3Storage] = {}


@dataclass(frozen=True)
class StoredInputs:
    """Which of the engine's input paths are copies of which objects, and the bucket."""

    keys: tuple[tuple[str, str], ...]  # (path in the engine, storage key)
    bucket: str
    endpoint_url: str | None
    region: str
    cache_bytes: int = WORKER_CACHE_BYTES

    def __call__(self, inputs: list[MosaicInput]) -> list[MosaicInput]:
        """The inputs with each stored one pointing at this worker's copy (fetched if new)."""
        keys = dict(self.keys)
        out = []
        for item in inputs:
            key = keys.get(item.path)
            out.append(item if key is None else replace(item, path=str(self.fetch(key))))
        return out

    def fetch(self, key: str) -> Path:
        root = cache_dir()
        path = root / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".fits")
        with _lock_for(path.name):
            if path.exists():
                _touch(path)
                return path
            storage = self._storage()
            _make_room(root, storage.size(key), self.cache_bytes, keep=path)
            storage.download_to(key, path)
            _touch(path)
        return path

    def _storage(self) -> S3Storage:
        spec = (self.bucket, self.endpoint_url, self.region)
        with _guard:
            if spec not in _storages:
                _storages[spec] = S3Storage(
                    bucket=self.bucket,
                    endpoint_url=self.endpoint_url,
                    region=self.region,
                    access_key=os.environ.get("S3_ACCESS_KEY_ID") or None,
                    secret_key=os.environ.get("S3_SECRET_ACCESS_KEY") or None,
                )
            return _storages[spec]


def cache_dir() -> Path:
    root = Path(tempfile.gettempdir()) / CACHE_DIR_NAME
    root.mkdir(parents=True, exist_ok=True)
    return root


def _touch(path: Path) -> None:
    """Mark the file most recently used: its mtime set from a clock finer than the file
    system's own (whose timestamps can be a few milliseconds coarse), and always increasing."""
    with _guard:
        now = _clock[0] = max(time.time_ns(), _clock[0] + 1)
    os.utime(path, ns=(now, now))


def _lock_for(name: str) -> threading.Lock:
    with _guard:
        return _locks.setdefault(name, threading.Lock())


def _make_room(root: Path, need: int, budget: int, keep: Path) -> None:
    """Remove the least recently used cached inputs until `need` more bytes fit the budget.
    (A file still memory-mapped by a running block stays readable after its removal.)"""
    files = []
    for p in root.glob("*.fits"):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        files.append((st.st_mtime_ns, st.st_size, p))
    used = sum(size for _, size, _ in files)
    for _, size, p in sorted(files, key=lambda f: f[0]):
        if used + need <= budget:
            return
        if p != keep:
            p.unlink(missing_ok=True)
            used -= size
