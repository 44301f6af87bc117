"""f16 tiles sent straight from storage: the tile pack the `pyramid` job stores beside a file
(`pyramid_keys`), read by the backend without asking the engine.

Once a file's pyramid is built, every f16 tile of it (every level, full resolution included,
and every plane of a cube up to the pack's limit) is a run of bytes at an offset the pack's
index gives: the bytes, ETag and caching headers the engine's tile route would send for the
same request. Answering one costs a ranged read (a file read on local storage, one GET on
S3), not an engine request and an encode. Both the tile route and the tile fast path ask
here first, after their access checks; anything the pack does not hold (another format, a
rendering query, an extension other than the science image, a plane or tile the pack lacks,
a pyramid not built yet) returns None and goes to the engine as before, which also gives
the proper error for a tile that does not exist.

Packs are looked up by sha256 and kept in memory (manifest and offsets, least recently used
beyond `budget` bytes); a file without one is asked again after `recheck_s` seconds, so a
pyramid built meanwhile is used from then on; concurrent look-ups of one file share one read.
A pack that cannot be read (its record deleted) is forgotten.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from webbscope.caches import ByteLru
from webbscope.errors import WebbscopeError
from webbscope.imaging import MEDIA_TYPES, pack_index
from webbscope.services.common.pyramid_keys import MANIFEST_VERSION, manifest_key
from webbscope.services.engine.params import Plane, check_ext, etag_matches, tile_etag
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.backend.stored_tiles")

_F16_PATH = re.compile(r"^/tiles/(\d{1,2})/(\d{1,9})/(\d{1,9})\.f16$")
#: The only query parameters a packed tile may be asked with (f16 values do not depend on
#: the rendering; a query naming any other parameter goes to the engine, which checks it).
_PLANE_KEYS = frozenset({"ext", "slice"})

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Pack:
    """A file's f16 tile pack: which image it holds, and where each tile's bytes are."""

    key: str
    hdu: int
    ext: str
    shape: tuple[int, int]
    planes: int
    offsets: NDArray[np.uint64]

    def holds(self, ext: str) -> bool:
        """Whether the extension asked for is the packed image: `SCI` (the engine's default
        and its fallback to the first image), its name, or its index."""
        name = ext.upper()
        return name in ("SCI", self.ext.upper()) or ext == str(self.hdu)

    def span(self, plane: int, level: int, x: int, y: int) -> tuple[int, int] | None:
        """Bytes [start, end) of a tile in the pack, or None when it holds no such tile."""
        i = pack_index(self.shape, self.planes, level, plane, x, y)
        if i < 0:
            return None
        return int(self.offsets[i]), int(self.offsets[i + 1])


def _plane(query: list[tuple[str, str]]) -> Plane | None:
    """The plane a tile query asks for, when it names nothing but the plane."""
    found: dict[str, str] = {}
    for k, v in query:
        if k not in _PLANE_KEYS or k in found:
            return None
        found[k] = v
    text = found.get("slice", "0")
    if not text.isdigit() or len(text) > 7:
        return None
    try:
        ext = check_ext(found.get("ext", "SCI"))
    except WebbscopeError:
        return None
    return Plane(ext, int(text))


class StoredTiles:
    def __init__(
        self,
        storage: StorageProvider,
        *,
        recheck_s: float,
        max_age_s: int,
        budget: int = 32 * 1024 * 1024,
    ) -> None:
        self.storage = storage
        self.recheck_s = recheck_s
        self.cache_control = f"private, max-age={max_age_s}"
        self._found: ByteLru[str, Pack] = ByteLru(budget)
        self._missing: dict[str, float] = {}
        self._pending: dict[str, asyncio.Future[Pack | None]] = {}

    async def answer(
        self, sha: str, path: str, query: list[tuple[str, str]], if_none_match: str | None
    ) -> Answer | None:
        """Status, headers and body for tile `path` (``/tiles/L/X/Y.f16``) of the file `sha`
        from its pack, or None when the pack cannot answer it (see the module notes)."""
        start = time.perf_counter()
        match = _F16_PATH.match(path)
        plane = _plane(query) if match else None
        if match is None or plane is None:
            return None
        pack = await self.find(sha)
        if pack is None or not pack.holds(plane.ext):
            return None
        level, x, y = (int(g) for g in match.groups())
        span = pack.span(plane.slice, level, x, y)
        if span is None:
            return None
        etag = tile_etag(sha, plane, "f16", None, level, x, y, stored=True)
        headers = {"etag": etag, "cache-control": self.cache_control}
        if etag_matches(if_none_match, etag):
            return 304, headers, b""
        try:
            body = await asyncio.to_thread(self.storage.read_range, pack.key, *span)
        except WebbscopeError as exc:
            log.warning("the tile pack of %s cannot be read: %s", sha, exc.message)
            self.forget(sha)
            return None
        if len(body) != span[1] - span[0]:
            self.forget(sha)
            return None
        ms = (time.perf_counter() - start) * 1000.0
        headers["content-type"] = MEDIA_TYPES["f16"]
        headers["server-timing"] = f'stored;dur={ms:.2f};desc="tile pack"'
        return 200, headers, body

    async def find(self, sha: str) -> Pack | None:
        """The file's pack, or None while it has none (see the module notes)."""
        found = self._found.get(sha)
        if found is not None:
            return found
        checked = self._missing.get(sha)
        if checked is not None and time.monotonic() - checked < self.recheck_s:
            return None
        pending = self._pending.get(sha)
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(self._load, sha))
            self._pending[sha] = pending
            pending.add_done_callback(lambda _: self._pending.pop(sha, None))
        return await asyncio.shield(pending)

    def _load(self, sha: str) -> Pack | None:
        try:
            manifest = json.loads(self.storage.read_bytes(manifest_key(sha)))
            if manifest.get("version") != MANIFEST_VERSION or "f16" not in manifest:
                raise ValueError("no f16 tile pack (built before packs were stored)")
            entry = manifest["f16"]
            offsets = np.frombuffer(self.storage.read_bytes(entry["index_key"]), dtype="<u8")
            if len(offsets) != int(entry["tiles"]) + 1:
                raise ValueError(f"{len(offsets)} offsets for {entry['tiles']} tiles")
            pack = Pack(
                key=str(entry["key"]),
                hdu=int(manifest["hdu"]),
                ext=str(manifest["ext"]),
                shape=(int(manifest["height"]), int(manifest["width"])),
                planes=int(entry["planes"]),
                offsets=offsets,
            )
        except (WebbscopeError, ValueError, KeyError, TypeError) as exc:
            if not isinstance(exc, WebbscopeError) or exc.status != 404:
                log.info("no usable tile pack for %s: %s", sha, exc)
            if len(self._missing) > 10_000:
                self._missing.clear()
            self._missing[sha] = time.monotonic()
            return None
        self._missing.pop(sha, None)
        self._found.put(sha, pack, offsets.nbytes + 512)
        return pack

    def forget(self, sha: str) -> None:
        """Drop a pack that failed to read; it is looked up again after `recheck_s`."""
        self._found.pop(sha)
        self._missing[sha] = time.monotonic()
