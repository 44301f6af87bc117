"""What the engine's viewer routes share while the service runs: the render gate, local
copies of stored files, and the caches (open files, views, tiles, image information)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import FastAPI, Request

from webbscope.caches import ByteLru
from webbscope.fits import FitsLimits
from webbscope.jobs.process import start_children
from webbscope.services.common.viewer_schemas import PlaneStatsOut
from webbscope.services.engine.files import FileCache, OpenFile, ViewCache
from webbscope.services.engine.gate import RenderGate
from webbscope.services.engine.info import InfoCache
from webbscope.services.engine.localcopy import LocalCopies
from webbscope.services.engine.pyramids import PyramidStore
from webbscope.services.engine.tiles import TileCache
from webbscope.services.engine.warmup import warm_up_quietly
from webbscope.settings import Settings
from webbscope.storage import StorageProvider, validate_key

#: Plane statistics kept (each a few kB).
PLANE_STATS_ENTRIES = 4096


@dataclass(frozen=True)
class FileRef:
    """A stored file as the backend names it: its storage key and content sha256 (the
    backend has checked the caller's access; the engine trusts only the service caller)."""

    sha: str
    key: str
    size: int | None = None


class ViewerState:
    def __init__(self, settings: Settings, storage: StorageProvider) -> None:
        self.settings = settings
        self.storage = storage
        self.limits = FitsLimits.from_settings(settings)
        self.gate = RenderGate(
            settings.render_concurrency, settings.render_queue, settings.render_retry_after_s
        )
        self.copies = LocalCopies(
            storage,
            settings.data_dir / ".cache" / "engine",
            settings.engine_file_cache_bytes,
            self.limits,
        )
        self.files = FileCache(settings.engine_open_files, self.limits)
        self.views = ViewCache(settings.engine_view_cache_bytes)
        self.tiles = TileCache(
            storage, settings.engine_tile_cache_bytes, settings.engine_tile_store_min_ms
        )
        self.infos = InfoCache(storage)
        self.pyramids = PyramidStore(storage, settings.pyramid_recheck_s)
        #: (sha, HDU index, plane) -> that plane's statistics (a cube's display limits).
        self.plane_stats: ByteLru[tuple[str, int, int], PlaneStatsOut] = ByteLru(
            PLANE_STATS_ENTRIES, max_entries=PLANE_STATS_ENTRIES
        )

    async def open(self, ref: FileRef) -> OpenFile:
        """The file, checked against the limits and open (memory-mapped), from the cache."""
        validate_key(ref.key)
        # One worker-thread hop for a file on local storage (the usual case, once per tile).
        opened = await asyncio.to_thread(self._open_local, ref)
        if opened is not None:
            return opened
        path = await self.copies.path_for(ref.key, ref.sha, ref.size)
        return await asyncio.to_thread(self.files.open, ref.sha, path)

    def _open_local(self, ref: FileRef) -> OpenFile | None:
        local = self.storage.local_path(ref.key)
        return None if local is None else self.files.open(ref.sha, local)


async def start_viewer(app: FastAPI) -> None:
    app.state.viewer = ViewerState(app.state.settings, app.state.parts.storage)
    # In the background: the service answers at once; the first view finds the paths warm,
    # and the first thumbnail job a fork server with the science modules loaded.
    app.state.parts.tasks.append(asyncio.create_task(asyncio.to_thread(warm_up_quietly)))
    app.state.parts.tasks.append(asyncio.create_task(asyncio.to_thread(start_children)))


async def stop_viewer(app: FastAPI) -> None:
    viewer: ViewerState | None = getattr(app.state, "viewer", None)
    if viewer is not None:
        await viewer.tiles.drain()
        viewer.files.close_all()


async def get_viewer(request: Request) -> ViewerState:
    viewer: ViewerState = request.app.state.viewer
    return viewer
