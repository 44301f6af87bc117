"""The `pyramid` job: every coarse level of a record's science image, and its f16 tiles and
default-rendering WebP tiles at every level, built once per file.

Queued after an upload, an import and a derived record (and by the derived-work sweep for
records that have none). The levels are stored by content (`pyramid_build`), so a file that
was built already (the same sha256, whoever added it) is skipped. The build runs in a child
process (cancel stops it at once); its files go to storage only when all are written, and the
manifest last. The record is marked (`pyramid`) either way, so the sweep leaves it alone.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from webbscope.db.records import RecordsRepo
from webbscope.errors import NotFound, WebbscopeError
from webbscope.fits import FitsLimits
from webbscope.jobs.worker import JobContext
from webbscope.services.common.pyramid_keys import (
    level_file_name,
    level_key,
    manifest_key,
    pack_index_key,
    pack_key,
    pack_name,
)
from webbscope.services.engine.pyramid_build import build_pyramid
from webbscope.storage import StorageProvider


def _work_dir(ctx: JobContext) -> Path:
    """Where levels are written before they are stored: on the data disk (a rename into
    local storage, and room for large images, which /tmp may not have)."""
    path = ctx.settings.data_dir / ".cache" / "pyramid-build"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _built(storage: StorageProvider, sha: str) -> bool:
    """Whether the file's pyramid is stored with its tile packs (one built before the packs
    existed is built again)."""
    try:
        return "packs" in json.loads(storage.read_bytes(manifest_key(sha)))
    except (WebbscopeError, ValueError):
        return False


def store_pyramid(storage: StorageProvider, sha: str, out: Path, manifest: dict[str, Any]) -> None:
    """Move the files `build_pyramid` wrote into `out` to storage, naming their keys in
    `manifest`, and store the manifest last."""
    for level, entry in manifest["levels"].items():
        entry["key"] = level_key(sha, int(level))
        storage.put_file(entry["key"], out / level_file_name(int(level)), move=True)
    for fmt, pack in manifest["packs"].items():
        pack["key"], pack["index_key"] = pack_key(sha, fmt), pack_index_key(sha, fmt)
        storage.put_file(pack["key"], out / pack_name(fmt), move=True)
        storage.put_file(pack["index_key"], out / f"{pack_name(fmt)}.idx", move=True)
    manifest["sha256"] = sha
    storage.put_bytes(manifest_key(sha), json.dumps(manifest, sort_keys=True).encode())


async def pyramid_job(ctx: JobContext) -> dict[str, Any]:
    record_id = str(ctx.job.params["record_id"])
    records = RecordsRepo(ctx.db)
    try:
        doc = await records.get_raw(record_id)
    except NotFound:
        return {"skipped": "the record was deleted"}
    sha, key = str(doc["sha256"]), str(doc["storage_key"])
    if await asyncio.to_thread(_built, ctx.storage, sha):
        await records.set_pyramid(record_id, {"sha256": sha, "built": True})
        return {"skipped": "already built for this file", "sha256": sha}
    limits = FitsLimits.from_settings(ctx.settings)
    work = await asyncio.to_thread(_work_dir, ctx)
    with tempfile.TemporaryDirectory(prefix=f"{sha[:16]}-", dir=work) as tmp:
        local = await asyncio.to_thread(ctx.storage.local_path, key)
        if local is None:
            await ctx.progress(stage="copying", fraction=0.0)
            local = await asyncio.to_thread(ctx.storage.download_to, key, Path(tmp) / "f.fits")
        await ctx.progress(stage="building", fraction=0.01)
        out = Path(tmp) / "levels"
        out.mkdir()
        manifest = await ctx.run_cpu(
            build_pyramid,
            str(local),
            limits,
            str(out),
            ctx.settings.pyramid_chunk_pixels,
            stage="building",
        )
        if manifest is None:
            await records.set_pyramid(record_id, {"sha256": sha, "built": False})
            return {"skipped": "no image data (a table or an empty file)"}
        await ctx.progress(stage="storing", fraction=0.96)
        await asyncio.to_thread(store_pyramid, ctx.storage, sha, out, manifest)
    await records.set_pyramid(record_id, {"sha256": sha, "built": True})
    return {
        "sha256": sha,
        "levels": len(manifest["levels"]),
        "bytes": sum(int(e["bytes"]) for e in manifest["levels"].values()),
        "packs": {
            fmt: {"tiles": p["tiles"], "bytes": p["bytes"]} for fmt, p in manifest["packs"].items()
        },
        "seconds": manifest["seconds"],
    }
