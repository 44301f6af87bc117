"""The stored pyramids (`pyramid_build`) as the tile route reads them.

`PyramidStore.find(sha)` answers whether a file's pyramid is built, from memory: a manifest
found is kept (least recently used beyond `max_files`), a miss is trusted for
`PYRAMID_RECHECK_S` seconds, and concurrent look-ups of one file share one storage read.
`StoredPyramid.tile` reads one tile: a slice of the level file memory-mapped on local storage,
or one ranged read of 256 KiB from S3. A level file that has gone (the record deleted) is
forgotten, and the caller falls back to downsampling on request.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

from webbscope.caches import StoredLookup
from webbscope.imaging import (
    TILE,
    LevelLayout,
    advise_random,
    level_layout,
    read_stored_tile,
    tile_from_bytes,
)
from webbscope.imaging._pyramid import TILE_BYTES
from webbscope.services.common.pyramid_keys import MANIFEST_VERSION, manifest_key
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.engine.pyramids")


class StoredPyramid:
    """One file's built pyramid: its science HDU, plane count and level files."""

    def __init__(self, storage: StorageProvider, manifest: dict[str, Any]) -> None:
        self.storage = storage
        self.manifest = manifest
        self.hdu = int(manifest["hdu"])
        self.planes = int(manifest["planes"])
        self.shape = (int(manifest["height"]), int(manifest["width"]))
        self.layouts: dict[int, LevelLayout] = {
            int(lv): level_layout(self.shape, int(lv), self.planes) for lv in manifest["levels"]
        }
        self.keys = {int(lv): str(e["key"]) for lv, e in manifest["levels"].items()}
        self._maps: dict[int, NDArray[np.float32] | None] = {}
        #: Set when a read failed (the files were removed): the store drops it.
        self.failed = False
        self._lock = threading.Lock()

    def covers(self, hdu: int, shape: tuple[int, ...], level: int) -> bool:
        """Whether tiles of `level` of the image `hdu` (a plane of `shape`) are stored."""
        return hdu == self.hdu and tuple(shape[-2:]) == self.shape and level in self.layouts

    def _map(self, level: int) -> NDArray[np.float32] | None:
        """The level's file memory-mapped, when storage has it on a local disk."""
        with self._lock:
            if level not in self._maps:
                path = self.storage.local_path(self.keys[level])
                mapped = None
                if path is not None:
                    mapped = np.memmap(path, dtype="<f4", mode="r", shape=self.layouts[level].shape)
                    advise_random(mapped)
                self._maps[level] = mapped
            return self._maps[level]

    def tile(self, plane: int, level: int, x: int, y: int) -> NDArray[np.float32]:
        """Tile (x, y) of `plane` at `level`, as `extract_tile` returns it (raises
        `WebbscopeError` or `OSError` when the stored level cannot be read)."""
        layout = self.layouts[level]
        mapped = self._map(level)
        if mapped is not None:
            return read_stored_tile(mapped, layout, plane, x, y)
        start = layout.tile_offset(plane, x, y)
        body = self.storage.read_range(self.keys[level], start, start + TILE_BYTES)
        if len(body) != TILE * TILE * 4:
            raise OSError(f"short read of a stored tile ({len(body)} bytes)")
        return tile_from_bytes(body, layout, x, y)


class PyramidStore:
    def __init__(self, storage: StorageProvider, recheck_s: float, max_files: int = 256) -> None:
        self.storage = storage
        self._lookup: StoredLookup[StoredPyramid] = StoredLookup(
            self._load, recheck_s, budget=max_files, max_entries=max_files, what="pyramid"
        )

    async def find(self, sha: str) -> StoredPyramid | None:
        """The file's pyramid, or None while it is not built (or cannot be read)."""
        found = await self._lookup.find(sha)
        if found is not None and found.failed:
            self._lookup.forget(sha)
            return None
        return found

    def _load(self, sha: str) -> tuple[StoredPyramid, int]:
        manifest = json.loads(self.storage.read_bytes(manifest_key(sha)))
        if manifest.get("version") != MANIFEST_VERSION:
            raise ValueError(f"manifest version {manifest.get('version')}")
        return StoredPyramid(self.storage, manifest), 1

    def forget(self, sha: str) -> None:
        """Drop a pyramid that failed to read (its files were removed); looked up again later."""
        self._lookup.forget(sha)
