"""The `thumbnail` job: a small JPEG preview of a record's science image."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from webbscope.db.records import RecordsRepo
from webbscope.errors import NotFound
from webbscope.fits import FitsLimits, HduLayout, open_fits, scan_fits
from webbscope.imaging import (
    Interval,
    RenderParams,
    ScaledArray,
    hdu_image,
    prepare_view,
    preview_bytes,
    squeeze_image,
)
from webbscope.jobs.process import Report
from webbscope.jobs.worker import JobContext
from webbscope.storage import THUMBNAILS_PREFIX

THUMBNAIL_SIZE = 256


#: How thumbnails look: the viewer's default rendering.
THUMBNAIL_PARAMS = RenderParams(stretch="asinh", interval=Interval.percentile(99.5))


def science_layout(layouts: list[HduLayout]) -> HduLayout | None:
    """The science image: SCI first, else the first image with at least 2 axes."""
    images = [
        lay
        for lay in layouts
        if lay.kind in ("primary", "image", "compressed_image")
        and lay.shape
        and len(lay.shape) >= 2
    ]
    images.sort(key=lambda lay: lay.name != "SCI")  # SCI first, then in file order
    return images[0] if images else None


def middle_plane(data: Any) -> Any:
    """A 2-D view of `data` (the middle plane of a cube), still unread."""
    while data.ndim > 2:
        middle = data.shape[0] // 2
        data = data.plane(middle) if isinstance(data, ScaledArray) else data[middle]
    return data


def render_thumbnail(report: Report, path: str, limits: FitsLimits, size: int) -> bytes | None:
    """A JPEG at most `size` pixels on a side, rendered with `webbscope.imaging` from the
    memory-mapped data (only the sampled pixels are read)."""
    layouts = scan_fits(path, limits)
    layout = science_layout(layouts)
    if layout is None:
        return None
    with open_fits(path, limits) as hdul:
        data = middle_plane(squeeze_image(hdu_image(hdul[layout.index])))
        report(0.5, "stretching")
        view = prepare_view(data, THUMBNAIL_PARAMS)
        return preview_bytes(data, size, "jpeg", THUMBNAIL_PARAMS, view, quality=85)


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
