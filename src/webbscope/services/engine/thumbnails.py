"""The `thumbnail` job: a small JPEG preview of a record's science image."""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from webbscope.db.records import RecordsRepo
from webbscope.errors import NotFound
from webbscope.fits import FitsLimits, open_fits, scan_fits
from webbscope.jobs.process import Report
from webbscope.jobs.worker import JobContext
from webbscope.storage import THUMBNAILS_PREFIX

THUMBNAIL_SIZE = 256


def science_plane(hdul: Any, layouts: list[Any]) -> np.ndarray | None:
    """A 2-D view of the science data (the middle plane of a cube), or None for tables."""
    images = [
        lay
        for lay in layouts
        if lay.kind in ("primary", "image", "compressed_image")
        and lay.shape
        and len(lay.shape) >= 2
    ]
    images.sort(key=lambda lay: lay.name != "SCI")  # SCI first, then in file order
    for layout in images:
        data = hdul[layout.index].data
        while data.ndim > 2:
            data = data[data.shape[0] // 2]
        return np.asarray(data)
    return None


def render_thumbnail(report: Report, path: str, limits: FitsLimits, size: int) -> bytes | None:
    from astropy.visualization import AsinhStretch
    from PIL import Image

    layouts = scan_fits(path, limits)
    with open_fits(path, limits) as hdul:
        plane = science_plane(hdul, layouts)
        if plane is None:
            return None
        step = max(1, max(plane.shape) // (2 * size))
        sample = np.asarray(plane[::step, ::step], dtype=np.float32)
    report(0.5, "stretching")
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        lo, hi = 0.0, 1.0
    else:
        lo, hi = (float(v) for v in np.percentile(finite, [0.5, 99.5]))
    scaled = np.clip((sample - lo) / ((hi - lo) or 1.0), 0, 1)
    stretched = AsinhStretch(0.1)(np.nan_to_num(scaled, nan=0.0), clip=True)
    img = Image.fromarray((stretched[::-1] * 255).astype(np.uint8), mode="L")
    img.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


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
