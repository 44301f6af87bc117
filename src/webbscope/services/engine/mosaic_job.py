"""The `mosaic` job: compute a mosaic block by block, store its files and save it as a
`derived` library record.

The record's file is the mosaic FITS (SCI, WHT, the grid's WCS and the common source
keywords); the PNG and JPEG asked for are stored beside it (the record's `extra_keys`) under
``mosaics/<id>/``. Its lineage lists every input and each input lists it back; its
`metadata.mosaic` keeps the recipe (inputs with their sha256, options, software version),
the plan's footprints and the run's figures. The computation runs in a child process
(`run_cpu`), reporting progress per block, so a cancel stops it at once (and with it any
Dask tasks of its client); nothing is stored or recorded before the last block is written.

An automatic observation mosaic (queued after an import, `webbscope.library.auto_mosaics`)
is tagged ``auto-mosaic``, keeps its group and patch in ``metadata.mosaic.auto_group``, and
replaces the group's earlier automatic mosaics that share a tile with it once saved.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source
from webbscope.fits import FitsLimits
from webbscope.hashing import file_sha256
from webbscope.jobs.queue import JobQueue
from webbscope.jobs.worker import JobContext
from webbscope.library import auto_mosaics
from webbscope.library.derived import queue_pyramid
from webbscope.library.ingest import add_file
from webbscope.services.engine.mosaic_fetch import StoredInputs
from webbscope.services.engine.mosaics import build_mosaic, local_processes
from webbscope.storage import MOSAICS_PREFIX, THUMBNAILS_PREFIX


async def mosaic_job(ctx: JobContext) -> dict[str, Any]:
    params = ctx.job.params
    mid = str(params["mosaic_id"])
    refs: list[dict[str, Any]] = list(params["inputs"])
    options: dict[str, Any] = dict(params.get("options") or {})
    records = RecordsRepo(ctx.db)
    owner = await UsersRepo(ctx.db).require(ctx.job.owner_id)
    limits = FitsLimits.from_settings(ctx.settings)
    s = ctx.settings
    with tempfile.TemporaryDirectory(prefix="mosaic-") as tmp:
        items = []
        downloaded: list[tuple[str, str]] = []
        for ref in refs:
            local = await asyncio.to_thread(ctx.storage.local_path, ref["key"])
            if local is None:
                local = await asyncio.to_thread(
                    ctx.storage.download_to, ref["key"], Path(tmp) / f"{ref['record_id']}.fits"
                )
                downloaded.append((str(local), ref["key"]))
            items.append((ref["record_id"], ref.get("name") or ref["record_id"], str(local)))
        # Dask workers do not see this temporary directory: they fetch those from the bucket.
        stored = (
            StoredInputs(tuple(downloaded), s.s3_bucket, s.s3_endpoint_url, s.s3_region)
            if downloaded and s.dask_scheduler_address and s.storage_provider == "s3"
            else None
        )
        out = Path(tmp) / "out"
        out.mkdir()
        await ctx.progress(stage="mosaicking", fraction=0.01)
        result = await ctx.run_cpu(
            build_mosaic,
            mid,
            items,
            options,
            str(out),
            s.mosaic_block,
            s.mosaic_max_pixels,
            s.mosaic_max_bytes,
            s.dask_scheduler_address,
            local_processes(s),
            s.mosaic_memory_bytes,
            stored,
            stage="mosaicking",
        )
        await ctx.progress(stage="saving", fraction=0.97)
        files: dict[str, str] = result["files"]
        keys = {fmt: f"{MOSAICS_PREFIX}{mid}/{name}" for fmt, name in files.items()}
        for fmt, name in files.items():
            if fmt != "fits":
                await asyncio.to_thread(ctx.storage.put_file, keys[fmt], out / name, move=True)
        fits_path = out / files["fits"]
        sha = await asyncio.to_thread(file_sha256, fits_path)
        added = await add_file(
            ctx.db,
            ctx.storage,
            owner=owner,
            path=fits_path,
            file_name=files["fits"],
            size=fits_path.stat().st_size,
            sha256=sha,
            key=keys["fits"],
            source=Source.derived,
            limits=limits,
            derived_from=[r["record_id"] for r in refs],
            lineage_note=f"WCS mosaic {mid} ({options.get('combine', 'mean')})",
        )
        record_id = added.record.id
        if added.created:
            raw = await records.get_raw(record_id)
            metadata = dict(raw.get("metadata") or {})
            metadata["mosaic"] = {
                "id": mid,
                "recipe": params.get("recipe"),
                # flat [ra1, dec1, ra2, dec2, ...]: the wire-protocol test database
                # (FerretDB v1) stores no arrays of arrays
                "footprints": {
                    i["record_id"]: [v for p in i["footprint"] for v in p]
                    for i in result["plan"]["inputs"]
                },
                "corners": [v for p in result["plan"]["corners"] for v in p],
                # per input {name, xy: [x0, y0, x1, y1, ...]} in the mosaic's pixels: the
                # footprints the viewer draws over the result
                "outlines": result["outlines"],
                "covered_pixels": result["covered_pixels"],
                "offsets": result["offsets"],
                "executor": result["executor"],
                "workers": result["workers"],
            }
            if params.get("auto"):
                metadata["mosaic"]["auto_group"] = str(params.get("auto_group") or "")
            changes: dict[str, Any] = {
                "extra_keys": [keys[f] for f in files if f != "fits"],
                "tags": ["mosaic", *(["auto-mosaic"] if params.get("auto") else [])],
                "metadata": metadata,
            }
            if params.get("name"):
                changes["description"] = str(params["name"])
            await records.update(record_id, changes)
            thumb_key = f"{THUMBNAILS_PREFIX}{record_id}.jpg"
            await asyncio.to_thread(ctx.storage.put_file, thumb_key, out / "thumb.jpg", move=True)
            await records.set_thumbnail(record_id, thumb_key)
            await queue_pyramid(JobQueue(ctx.db, ctx.settings.job_limits), owner.id, record_id)
    replaced: list[str] = []
    if params.get("auto") and params.get("auto_group") and added.created:
        replaced = await auto_mosaics.replace(
            ctx.db, ctx.storage, owner.id, str(params["auto_group"]), record_id, mid
        )
    return {
        "mosaic_id": mid,
        "record_id": record_id,
        "created": added.created,
        "width": result["width"],
        "height": result["height"],
        "covered_pixels": result["covered_pixels"],
        "seconds": result["seconds"],
        "executor": result["executor"],
        "workers": result["workers"],
        "keys": keys,
        **(
            {"auto_group": params.get("auto_group"), "replaced": replaced}
            if params.get("auto")
            else {}
        ),
    }
