"""Tiles sent straight from storage: the tile packs the `pyramid` job stores beside a file
(`pyramid_keys`), read by the backend without asking the engine.

Once a file's pyramid is built, every f16 tile of it, and every WebP tile in the default
rendering (every level, full resolution included, and every plane of a cube up to the pack's
limit), is a run of bytes at an offset the pack's index gives: the bytes, ETag and caching
headers the engine's tile route would send for the same request. Answering one costs a
ranged read (a file read on local storage, one GET on S3), not an engine request and an
encode. Both the tile route and the tile fast path ask here first, after their access
checks; anything the packs do not hold (another format or rendering, an unknown query
parameter, an extension other than the science image, a plane or tile a pack lacks, a
pyramid not built yet) returns None and goes to the engine as before, which also gives the
proper error for a tile that does not exist.

Packs are looked up by sha256 and kept in memory (manifest and offsets, least recently used
beyond `budget` bytes); a file without one is asked again after `recheck_s` seconds, so a
pyramid built meanwhile is used from then on; concurrent look-ups of one file share one read.
A pack that cannot be read (its record deleted) is forgotten.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from webbscope.caches import StoredLookup
from webbscope.errors import WebbscopeError
from webbscope.imaging import MEDIA_TYPES, RenderParams, pack_index
from webbscope.services.common.pyramid_keys import MANIFEST_VERSION, PACK_FORMATS, manifest_key
from webbscope.services.engine.params import (
    Plane,
    check_ext,
    etag_matches,
    render_params,
    tile_etag,
)
from webbscope.storage import StorageProvider

log = logging.getLogger("webbscope.backend.stored_tiles")

_PACKED_PATH = re.compile(r"^/tiles/(\d{1,2})/(\d{1,9})/(\d{1,9})\.(f16|webp)$")
_PLANE_KEYS = frozenset({"ext", "slice"})
_NUMBERS = frozenset({"lower", "upper", "vmin", "vmax", "contrast", "bias", "gamma", "a"})
_WORDS = frozenset({"stretch", "interval", "cmap", "invert", "nan"})
#: The rendering of the WebP pack: the tile route's defaults.
DEFAULT_RENDERING = render_params().cache_key()

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class PackFile:
    """One format's pack: its storage key, how many planes it holds, its offsets."""

    key: str
    planes: int
    offsets: NDArray[np.uint64]
    #: The file on local storage (read in place), or None on S3 (a ranged GET in a thread).
    path: str | None = None


@dataclass(frozen=True)
class Pack:
    """A file's tile packs: which image they hold, and where each tile's bytes are."""

    hdu: int
    ext: str
    shape: tuple[int, int]
    files: dict[str, PackFile]

    def holds(self, ext: str) -> bool:
        """Whether the extension asked for is the packed image: `SCI` (the engine's default
        and its fallback to the first image), its name, or its index."""
        name = ext.upper()
        return name in ("SCI", self.ext.upper()) or ext == str(self.hdu)

    def span(
        self, fmt: str, plane: int, level: int, x: int, y: int
    ) -> tuple[PackFile, int, int] | None:
        """The pack and bytes [start, end) of a tile, or None when no pack holds it."""
        found = self.files.get(fmt)
        if found is None:
            return None
        i = pack_index(self.shape, found.planes, level, plane, x, y)
        if i < 0:
            return None
        return found, int(found.offsets[i]), int(found.offsets[i + 1])


def _request(fmt: str, query: list[tuple[str, str]]) -> tuple[Plane, RenderParams | None] | None:
    """The plane and rendering a tile query asks for, when a pack can answer it: an f16
    query names nothing but the plane (its values do not depend on the rendering), a WebP
    query may name display parameters that add up to the default rendering. Anything else
    (a parameter twice, or unknown, or invalid) goes to the engine, which checks it."""
    found: dict[str, str] = {}
    for k, v in query:
        allowed = k in _PLANE_KEYS or (fmt == "webp" and (k in _NUMBERS or k in _WORDS))
        if not allowed or k in found:
            return None
        found[k] = v
    text = found.pop("slice", "0")
    if not text.isdigit() or len(text) > 7:
        return None
    try:
        plane = Plane(check_ext(found.pop("ext", "SCI")), int(text))
        if fmt == "f16":
            return plane, None
        given: dict[str, Any] = {k: float(v) if k in _NUMBERS else v for k, v in found.items()}
        params = render_params(**given)
    except (WebbscopeError, ValueError, TypeError):
        return None
    if params.cache_key() != DEFAULT_RENDERING:
        return None
    return plane, params


def _read_local(path: str, begin: int, end: int) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, end - begin, begin)
    finally:
        os.close(fd)


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
        self.cache_control = f"private, max-age={max_age_s}"
        self._lookup: StoredLookup[Pack] = StoredLookup(
            self._load, recheck_s, budget=budget, what="tile pack"
        )

    async def answer(
        self, sha: str, path: str, query: list[tuple[str, str]], if_none_match: str | None
    ) -> Answer | None:
        """Status, headers and body for tile `path` (``/tiles/L/X/Y.<fmt>``) of the file
        `sha` from its packs, or None when they cannot answer it (see the module notes)."""
        start = time.perf_counter()
        match = _PACKED_PATH.match(path)
        if match is None:
            return None
        fmt = match.group(4)
        asked = _request(fmt, query)
        if asked is None:
            return None
        plane, params = asked
        pack = await self.find(sha)
        if pack is None or not pack.holds(plane.ext):
            return None
        level, x, y = (int(g) for g in match.groups()[:3])
        span = pack.span(fmt, plane.slice, level, x, y)
        if span is None:
            return None
        etag = tile_etag(sha, plane, fmt, params, level, x, y, stored=True)
        headers = {"etag": etag, "cache-control": self.cache_control}
        if etag_matches(if_none_match, etag):
            return 304, headers, b""
        found, begin, end = span
        try:
            if found.path is not None:  # a page-cache read of ~130 kB: no thread hop
                body = _read_local(found.path, begin, end)
            else:
                body = await asyncio.to_thread(self.storage.read_range, found.key, begin, end)
        except (WebbscopeError, OSError) as exc:
            log.warning("the tile pack of %s cannot be read: %s", sha, exc)
            self.forget(sha)
            return None
        if len(body) != end - begin:
            self.forget(sha)
            return None
        ms = (time.perf_counter() - start) * 1000.0
        headers["content-type"] = MEDIA_TYPES[fmt]
        headers["server-timing"] = f'stored;dur={ms:.2f};desc="tile pack"'
        return 200, headers, body

    async def find(self, sha: str) -> Pack | None:
        """The file's packs, or None while it has none (see the module notes)."""
        return await self._lookup.find(sha)

    def _load(self, sha: str) -> tuple[Pack, int] | None:
        manifest = json.loads(self.storage.read_bytes(manifest_key(sha)))
        if manifest.get("version") != MANIFEST_VERSION or "packs" not in manifest:
            return None  # built before packs were stored: its tiles come from the engine
        files = {}
        for fmt, entry in manifest["packs"].items():
            if fmt not in PACK_FORMATS:
                continue
            offsets = np.frombuffer(self.storage.read_bytes(entry["index_key"]), dtype="<u8")
            if len(offsets) != int(entry["tiles"]) + 1:
                raise ValueError(f"{len(offsets)} offsets for {entry['tiles']} tiles")
            key = str(entry["key"])
            local = self.storage.local_path(key)
            files[fmt] = PackFile(
                key, int(entry["planes"]), offsets, None if local is None else str(local)
            )
        pack = Pack(
            hdu=int(manifest["hdu"]),
            ext=str(manifest["ext"]),
            shape=(int(manifest["height"]), int(manifest["width"])),
            files=files,
        )
        return pack, 512 + sum(f.offsets.nbytes for f in files.values())

    def forget(self, sha: str) -> None:
        """Drop a pack that failed to read; it is looked up again after `recheck_s`."""
        self._lookup.forget(sha)
