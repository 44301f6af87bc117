"""The `detect` job: find the sources of a record's image (or of a region of it) and save
the catalogue as a new `derived` record (a FITS table) whose lineage names the image.

The detection runs in a child process (`JobContext.run_cpu`), so a cancel stops it at once;
nothing is stored or recorded until the catalogue is complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from webbscope.analysis import (
    DetectParams,
    catalogue_fits,
    detect_sources,
    pixel_region,
    region_weights,
)
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source
from webbscope.errors import NotFound, Unprocessable
from webbscope.fits import FitsLimits
from webbscope.jobs.process import Report
from webbscope.jobs.worker import JobContext
from webbscope.library.ingest import add_file
from webbscope.storage import CATALOGUES_PREFIX

#: Primary cards copied from the image to its catalogue (what the library shows).
COPIED_CARDS = (
    "TELESCOP", "INSTRUME", "DETECTOR", "FILTER", "PUPIL", "TARGNAME", "TARG_RA", "TARG_DEC",
    "PROGRAM", "OBSERVTN", "VISIT", "EXPSTART", "DATE-OBS", "EFFEXPTM",
)  # fmt: skip
VERSION = 1


def run_detection(
    report: Report,
    path: str,
    limits: FitsLimits,
    ext: str,
    plane: int,
    region: dict[str, Any] | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """In the child process: open the file, detect, and return the catalogue's FITS bytes."""
    from webbscope.services.engine.analysis import _error_plane
    from webbscope.services.engine.files import OpenFile

    file = OpenFile("job", Path(path), limits)
    layout = file.find(ext)
    data = file.plane(layout, plane)
    wcs = file.wcs(layout.index)
    error = _error_plane(file, layout, plane)
    p = DetectParams(**params)
    report(0.1, "reading the image")
    ys = xs = slice(None)
    image = np.asarray(data, dtype=np.float32)
    err = None if error is None else np.asarray(error, dtype=np.float32)
    if region is not None:
        reg = pixel_region(region, wcs)
        rw = region_weights(reg, image.shape)
        ys, xs = rw.ys, rw.xs
        image = image[ys, xs].copy()
        image[~rw.center] = np.nan
        if err is not None:
            err = err[ys, xs]
        if wcs is not None:
            wcs = wcs.slice((ys, xs))
    if min(image.shape) < 8:
        raise Unprocessable("the area is too small for detection", code="area_too_small")
    if region is not None:
        p = replace(p, box=max(8, min(p.box, *image.shape)))
    cat = detect_sources(image, p, error=err, wcs=wcs, report=report)
    if region is not None:
        cat.columns["x"] = cat.columns["x"] + (xs.start or 0)
        cat.columns["y"] = cat.columns["y"] + (ys.start or 0)
    report(0.9, f"{len(cat)} sources")
    primary = {k: file.headers[0].get(k) for k in COPIED_CARDS if k in file.headers[0]}
    primary["DETEXT"] = (layout.name or str(layout.index), "detected on this extension")
    bunit = file.headers[layout.index].get("BUNIT")
    body = catalogue_fits(cat, bunit=str(bunit) if bunit else None, primary_cards=primary)
    return {"fits": body, "count": len(cat), "method": cat.method, "notes": cat.notes}


def recipe(doc: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The canonical description of a catalogue: input by id and sha256, parameters, version."""
    return {
        "kind": "catalogue",
        "inputs": [{"record_id": str(doc["_id"]), "sha256": doc["sha256"]}],
        "params": params,
        "software": {"name": "webbscope-detect", "version": VERSION},
    }


async def detect_job(ctx: JobContext) -> dict[str, Any]:
    job = ctx.job.params
    record_id = str(job["record_id"])
    records = RecordsRepo(ctx.db)
    try:
        doc = await records.get_raw(record_id)
    except NotFound:
        raise NotFound("the record was deleted", code="record_not_found") from None
    owner = await UsersRepo(ctx.db).get(ctx.job.owner_id)
    if owner is None:
        raise NotFound("the account no longer exists", code="user_not_found")
    limits = FitsLimits.from_settings(ctx.settings)
    params = dict(job.get("params") or {})
    # The region travels as JSON text: the development database stores no nested arrays.
    region = json.loads(job["region"]) if job.get("region") else None
    await ctx.progress(stage="reading", fraction=0.05)
    key = doc["storage_key"]
    local = await asyncio.to_thread(ctx.storage.local_path, key)
    with tempfile.TemporaryDirectory(prefix="detect-") as tmp:
        if local is None:
            local = await asyncio.to_thread(ctx.storage.download_to, key, Path(tmp) / "in.fits")
        found = await ctx.run_cpu(
            run_detection,
            str(local),
            limits,
            str(job.get("ext", "SCI")),
            int(job.get("slice", 0)),
            region,
            params,
            stage="detecting",
        )
        body: bytes = found["fits"]
        sha = hashlib.sha256(body).hexdigest()
        out = Path(tmp) / "catalogue.fits"
        out.write_bytes(body)
        await ctx.progress(stage="saving", fraction=0.95)
        stem = str(doc["file_name"]).rsplit(".", 1)[0]
        described = json.dumps(recipe(doc, job), sort_keys=True, default=str)
        recipe_hash = hashlib.sha256(described.encode()).hexdigest()[:8]
        name = f"{stem}_{found['method']}-{recipe_hash}_cat.fits"
        note = (
            f"Source detection ({found['method']}, {params.get('threshold', 3.0)} sigma"
            f"{', in a region' if job.get('region') else ''}) of {doc['file_name']}"
        )
        added = await add_file(
            ctx.db,
            ctx.storage,
            owner=owner,
            path=out,
            file_name=name,
            size=len(body),
            sha256=sha,
            key=f"{CATALOGUES_PREFIX}{owner.id}/{sha}.fits",
            source=Source.derived,
            limits=limits,
            derived_from=[record_id],
            lineage_note=note,
        )
    return {
        "record_id": added.record.id,
        "created": added.created,
        "sources": found["count"],
        "method": found["method"],
        "notes": found["notes"],
        "recipe": described,
    }
