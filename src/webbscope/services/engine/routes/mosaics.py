"""Engine routes for mosaics (service credential required): the plan, without pixels. The
backend has checked the caller may read every input and sends their storage keys."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from webbscope.services.common.mosaic_schemas import EngineMosaicBody
from webbscope.services.engine import mosaics
from webbscope.services.engine.deps import Viewer
from webbscope.services.engine.state import FileRef

router = APIRouter(prefix="/internal/mosaics", tags=["mosaics"])


@router.post("/plan", summary="Grid, size, memory and time, overlaps, footprints, groups")
async def plan(body: EngineMosaicBody, viewer: Viewer) -> dict[str, Any]:
    paths = await asyncio.gather(
        *(viewer.copies.path_for(r.key, r.sha256, r.size) for r in body.inputs)
    )
    # Every input is checked against the FITS limits (headers) as the viewer does.
    await asyncio.gather(*(viewer.open(FileRef(r.sha256, r.key, r.size)) for r in body.inputs))
    items = [(r.record_id, r.name, str(p)) for r, p in zip(body.inputs, paths, strict=True)]
    s = viewer.settings
    return await viewer.gate.run(
        lambda: mosaics.plan_json(
            items,
            body.options,
            block=s.mosaic_block,
            max_pixels=s.mosaic_max_pixels,
            max_bytes=s.mosaic_max_bytes,
            processes=mosaics.local_processes(s),
            memory_budget=s.mosaic_memory_bytes,
        )
    )
