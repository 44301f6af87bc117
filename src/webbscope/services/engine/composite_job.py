"""The `composite` job: render a composite at full resolution, store its files and save it
as a `derived` library record.

The record's file is the RGB FITS cube (3 x ny x nx, the grid's celestial WCS); the PNG,
JPEG and TIFF asked for are stored beside it (the record's `extra_keys`), under
``composites/<id>/``. Its lineage lists every input and each input lists it back. The
rendering runs in a child process (`run_cpu`), so a cancel stops it at once; nothing is
stored or recorded before the render has finished.
"""

from __future__ import annotations

import asyncio
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy.utils.exceptions import AstropyWarning

from webbscope import __version__
from webbscope.composites.plan import InputImage, build_plan
from webbscope.composites.recipe import parse_canonical
from webbscope.db.composites import CompositesRepo
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source
from webbscope.errors import Unprocessable, WebbscopeError
from webbscope.fits import FitsLimits, open_fits
from webbscope.hashing import file_sha256
from webbscope.imaging import celestial_wcs, encode_image, hdu_image, render_composite
from webbscope.imaging._encode import wcs_cards
from webbscope.imaging._rgbfile import (
    SpectralTag,
    composite_xmp,
    jpeg_bytes,
    png_bytes,
    rgb_fits_bytes,
    tiff16_bytes,
)
from webbscope.jobs.process import Report
from webbscope.jobs.queue import JobQueue
from webbscope.jobs.worker import JobContext
from webbscope.library.derived import queue_pyramid
from webbscope.library.ingest import add_file
from webbscope.storage import COMPOSITES_PREFIX, THUMBNAILS_PREFIX

SUFFIX = {"png": "png", "jpeg": "jpg", "tiff": "tif", "fits": "fits"}
COLOUR_NAMES = (
    (0, "Red"), (30, "Orange"), (60, "Yellow"), (120, "Green"),
    (180, "Cyan"), (240, "Blue"), (290, "Purple"), (330, "Magenta"),
)  # fmt: skip


def _colour_name(hex_colour: str) -> str:
    import colorsys

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.15:
        return "White"
    deg = h * 360.0
    return min(COLOUR_NAMES, key=lambda c: min(abs(deg - c[0]), 360 - abs(deg - c[0])))[1]


def _open(path: str, ext: str, limits: FitsLimits, stack: Any) -> tuple[Any, Any]:
    hdul = stack.enter_context(open_fits(path, limits))
    try:
        hdu = hdul[ext] if not ext.isdigit() else hdul[int(ext)]
    except KeyError:
        hdu = next(
            (h for h in hdul if getattr(h, "data", None) is not None and h.data.ndim >= 2), None
        )
        if hdu is None:
            raise Unprocessable(f"no image extension {ext!r}", code="extension_not_found") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            wcs = celestial_wcs(hdu.header)
    except (WebbscopeError, ValueError, KeyError):
        wcs = None
    return hdu_image(hdu), wcs


def render_files(
    report: Report,
    cid: str,
    recipe_doc: dict[str, Any],
    inputs: list[dict[str, Any]],
    out_dir: str,
    formats: list[str],
    bits: int,
    limits: FitsLimits,
    max_pixels: int,
) -> dict[str, Any]:
    """Render and write every requested file (the FITS cube always) into `out_dir`."""
    from contextlib import ExitStack

    recipe = parse_canonical(recipe_doc)
    ext_of: dict[str, str] = {}
    for ch in [*recipe.channels, *([recipe.luminance] if recipe.luminance else [])]:
        for rid in ch.record_ids:
            ext_of.setdefault(rid, ch.ext)
    with ExitStack() as stack:
        images = {}
        for item in inputs:
            data, wcs = _open(item["path"], ext_of.get(item["record_id"], "SCI"), limits, stack)
            images[item["record_id"]] = InputImage(
                item["record_id"], item["name"], data, wcs, item.get("filter")
            )
        report(0.02, "planning")
        plan = build_plan(recipe, images, max_pixels)
        rgb16 = render_composite(
            plan.channels,
            plan.grid,
            plan.finish,
            plan.luminance,
            bits=16,
            progress=lambda f: report(0.05 + 0.8 * f, "rendering"),
        )
    rgb8 = ((rgb16.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    wcs = plan.grid.wcs
    tags = [SpectralTag(_colour_name(i.colour), i.filter or i.label, i.pivot_um) for i in plan.info]
    xmp = composite_xmp(wcs, plan.width, plan.height, tags)
    cards = wcs_cards(wcs) if wcs is not None else None
    report(0.88, "encoding")
    files: dict[str, str] = {}
    stem = f"composite_{cid[:12]}"
    for fmt in dict.fromkeys([*formats, "fits"]):
        if fmt == "png":
            body = png_bytes(rgb16 if bits == 16 else rgb8, xmp, cards)
        elif fmt == "jpeg":
            body = jpeg_bytes(rgb8, xmp, cards)
        elif fmt == "tiff":
            body = tiff16_bytes(rgb16, xmp, cards.tostring(sep="\n") if cards is not None else "")
        else:
            fits_cards: list[tuple[str, Any, str]] = [
                ("TELESCOP", "JWST", "the inputs' telescope"),
                ("ORIGIN", "Webbscope", "made by"),
                ("FILETYPE", "composite", "an RGB colour composite (R, G, B planes)"),
                ("COLORIMG", "RGB", "planes are red, green, blue (display values)"),
                ("COMPOSIT", cid, "the composite's recipe id"),
                ("SOFTWARE", f"webbscope {__version__}", ""),
            ]
            for i, info in enumerate(plan.info):
                fits_cards.append(
                    (f"CHAN{i + 1}", f"{info.label} {info.colour}", "channel and colour")
                )
            body = rgb_fits_bytes(rgb16 if bits == 16 else rgb8, wcs, fits_cards)
        name = f"{stem}.{SUFFIX[fmt]}"
        (Path(out_dir) / name).write_bytes(body)
        files[fmt] = name
    thumb = encode_image(
        np.ascontiguousarray(
            rgb8[:: max(1, max(rgb8.shape[:2]) // 256), :: max(1, max(rgb8.shape[:2]) // 256)]
        ),
        "jpeg",
        quality=85,
    )
    (Path(out_dir) / "thumb.jpg").write_bytes(thumb)
    report(1.0, "encoded")
    return {"files": files, "width": plan.width, "height": plan.height}


async def composite_job(ctx: JobContext) -> dict[str, Any]:
    cid = str(ctx.job.params["composite_id"])
    formats = [str(f) for f in ctx.job.params.get("formats", ["png"])]
    bits = int(ctx.job.params.get("bits", 8))
    composites = CompositesRepo(ctx.db)
    doc = await composites.get(cid)
    records = RecordsRepo(ctx.db)
    owner = await UsersRepo(ctx.db).require(ctx.job.owner_id)
    limits = FitsLimits.from_settings(ctx.settings)
    with tempfile.TemporaryDirectory(prefix="composite-") as tmp:
        inputs = []
        for rid in doc["input_ids"]:
            rec = await records.get_raw(rid)
            local = await asyncio.to_thread(ctx.storage.local_path, rec["storage_key"])
            if local is None:
                local = await asyncio.to_thread(
                    ctx.storage.download_to, rec["storage_key"], Path(tmp) / f"{rid}.fits"
                )
            inputs.append(
                {
                    "record_id": rid,
                    "path": str(local),
                    "name": rec["file_name"],
                    "filter": (rec.get("metadata") or {}).get("filter"),
                }
            )
        out = Path(tmp) / "out"
        out.mkdir()
        await ctx.progress(stage="rendering", fraction=0.01)
        result = await ctx.run_cpu(
            render_files,
            cid,
            doc["recipe"],
            inputs,
            str(out),
            formats,
            bits,
            limits,
            ctx.settings.max_output_pixels,
            stage="rendering",
        )
        await ctx.progress(stage="saving", fraction=0.95)
        files: dict[str, str] = result["files"]
        keys = {fmt: f"{COMPOSITES_PREFIX}{cid}/{name}" for fmt, name in files.items()}
        for fmt, name in files.items():
            if fmt != "fits":
                await asyncio.to_thread(ctx.storage.put_file, keys[fmt], out / name, move=True)
        fits_path = out / files["fits"]
        added = await add_file(
            ctx.db,
            ctx.storage,
            owner=owner,
            path=fits_path,
            file_name=files["fits"],
            size=fits_path.stat().st_size,
            sha256=file_sha256(fits_path),
            key=keys["fits"],
            source=Source.derived,
            limits=limits,
            derived_from=list(doc["input_ids"]),
            lineage_note=f"colour composite {cid}",
        )
        record_id = added.record.id
        extra = [keys[f] for f in files if f != "fits"]
        if added.created:
            await records.update(record_id, {"extra_keys": extra, "tags": ["composite"]})
            thumb_key = f"{THUMBNAILS_PREFIX}{record_id}.jpg"
            await asyncio.to_thread(ctx.storage.put_file, thumb_key, out / "thumb.jpg", move=True)
            await records.set_thumbnail(record_id, thumb_key)
            await queue_pyramid(JobQueue(ctx.db, ctx.settings.job_limits), owner.id, record_id)
    render = {
        "job_id": ctx.job.id,
        "formats": list(files),
        "bits": bits,
        "record_id": record_id,
        "keys": {f: k for f, k in keys.items()},
    }
    await composites.add_render(cid, render)
    return {
        "composite_id": cid,
        "record_id": record_id,
        "width": result["width"],
        "height": result["height"],
        "keys": keys,
    }
