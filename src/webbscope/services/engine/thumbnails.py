"""The `thumbnail` job: a small JPEG preview of a record's science image."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from webbscope.db.records import RecordsRepo
from webbscope.errors import NotFound
from webbscope.fits import FitsLimits
from webbscope.jobs.worker import JobContext
from webbscope.services.engine.thumbnail_render import THUMBNAIL_SIZE, render_thumbnail
from webbscope.storage import THUMBNAILS_PREFIX


async def thumbnail_job(ctx: JobContext) -> dict[str, Any]:
    record_id = str(ctx.job.params["record_id"])
    records = RecordsRepo(ctx.db)
    try:
        doc = await records.get_raw(record_id)
    except NotFound:
        return {"skipped": "the record was deleted"}
    limits = FitsLimits.from_settings(ctx.settings)
    key = doc["storage_key"]
    local = await asyncio.to_thread(ctx.storage.local_path, key)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if local is None:
        tmp = tempfile.TemporaryDirectory(prefix="thumb-")
        local = await asyncio.to_thread(ctx.storage.download_to, key, Path(tmp.name) / "f.fits")
    try:
        await ctx.progress(stage="rendering", fraction=0.1)
        jpeg = await ctx.run_cpu(render_thumbnail, str(local), limits, THUMBNAIL_SIZE)
    finally:
        if tmp is not None:
            tmp.cleanup()
    if jpeg is None:
        return {"skipped": "no image data (a table or an empty file)"}
    thumb_key = f"{THUMBNAILS_PREFIX}{record_id}.jpg"
    await asyncio.to_thread(ctx.storage.put_bytes, thumb_key, jpeg)
    await records.set_thumbnail(record_id, thumb_key)
    return {"thumbnail_key": thumb_key, "bytes": len(jpeg)}
