"""The engine's mosaics: planning from the inputs' files, and the whole run (in the job's
child process): plan, stream the blocks into the FITS, write the pictures.

Web-free functions over local file paths; the routes and the job adapt to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from webbscope import __version__
from webbscope.imaging import encode_image
from webbscope.imaging.mosaic import (
    CombineOptions,
    MosaicInput,
    MosaicPlan,
    inspect_input,
    picture_bytes,
    plan_mosaic,
    plan_summary,
    run_mosaic,
)
from webbscope.jobs.process import Report
from webbscope.processes import available_cores
from webbscope.services.common.mosaic_schemas import MosaicOptions
from webbscope.services.engine.mosaic_fetch import StoredInputs
from webbscope.settings import Settings

SUFFIX = {"fits": "fits", "png": "png", "jpeg": "jpg"}
PICTURE_SIDE = 8192


def local_processes(settings: Settings) -> int:
    """Worker processes a mosaic may use: MOSAIC_PROCESSES, or one per available core."""
    return settings.mosaic_processes or available_cores()


def inspect_all(items: list[tuple[str, str, str]], options: MosaicOptions) -> list[MosaicInput]:
    """(record id, name, path) -> `MosaicInput`s (headers only)."""
    return [
        inspect_input(path, rid, name or rid, weights=options.weights) for rid, name, path in items
    ]


def make_plan(
    items: list[tuple[str, str, str]],
    options: MosaicOptions,
    *,
    block: int,
    max_pixels: int,
    max_bytes: int,
    processes: int = 1,
    memory_budget: int | None = None,
) -> MosaicPlan:
    return plan_mosaic(
        inspect_all(items, options),
        resolution_arcsec=options.resolution_arcsec,
        block=block,
        method=options.combine,
        clip=options.clip,
        allow_mixed_units=options.allow_mixed_units,
        max_pixels=max_pixels,
        max_bytes=max_bytes,
        processes=processes,
        memory_budget=memory_budget,
    )


def plan_json(
    items: list[tuple[str, str, str]],
    options: MosaicOptions,
    *,
    block: int,
    max_pixels: int,
    max_bytes: int,
    processes: int = 1,
    memory_budget: int | None = None,
) -> dict[str, Any]:
    plan = make_plan(
        items,
        options,
        block=block,
        max_pixels=max_pixels,
        max_bytes=max_bytes,
        processes=processes,
        memory_budget=memory_budget,
    )
    return plan_summary(plan)


def build_mosaic(
    report: Report,
    mosaic_id: str,
    items: list[tuple[str, str, str]],
    options_doc: dict[str, Any],
    out_dir: str,
    block: int,
    max_pixels: int,
    max_bytes: int,
    dask_address: str,
    processes: int = 1,
    memory_budget: int | None = None,
    stored: StoredInputs | None = None,
) -> dict[str, Any]:
    """Plan, run and write every requested file into `out_dir` (runs in the job's child;
    the blocks on up to `processes` local workers within `memory_budget`, or on Dask, whose
    workers fetch the `stored` inputs from storage themselves)."""
    options = MosaicOptions.model_validate(options_doc)
    report(0.01, "planning")
    plan = make_plan(
        items,
        options,
        block=block,
        max_pixels=max_pixels,
        max_bytes=max_bytes,
        processes=processes,
        memory_budget=memory_budget,
    )
    stem = f"mosaic_{mosaic_id[:12]}"
    fits_path = Path(out_dir) / f"{stem}.fits"
    opts = CombineOptions(
        combine=options.combine,
        use_weights=options.weights != "none",
        clip=options.clip,
        clip_sigma=options.clip_sigma,
        clip_iters=options.clip_iters,
    )
    result = run_mosaic(
        plan,
        fits_path,
        opts,
        match_background=options.match_background,
        report=lambda f, m: report(0.02 + 0.9 * f, m),
        dask_address=dask_address or None,
        localize=stored,
        extra_cards=[
            ("MOSAICID", mosaic_id, "the mosaic's recipe id"),
            ("SOFTWARE", f"webbscope {__version__}", ""),
        ],
    )
    report(0.94, "pictures")
    files = {"fits": fits_path.name}
    for fmt in options.formats:
        if fmt == "fits":
            continue
        name = f"{stem}.{SUFFIX[fmt]}"
        (Path(out_dir) / name).write_bytes(
            picture_bytes(result.preview, fmt, max_side=PICTURE_SIDE)
        )
        files[fmt] = name
    small = result.preview
    step = max(1, max(small.shape) // 256)
    from webbscope.imaging.mosaic import display_pixels

    thumb = display_pixels(small)[::step, ::step]
    (Path(out_dir) / "thumb.jpg").write_bytes(
        encode_image(np.ascontiguousarray(thumb), "jpeg", quality=85)
    )
    summary = plan_summary(plan)
    report(1.0, "written")
    return {
        "files": files,
        "width": result.width,
        "height": result.height,
        "covered_pixels": result.covered_pixels,
        "offsets": result.offsets,
        "seconds": round(result.seconds, 3),
        "executor": result.executor,
        "workers": result.workers,
        # each input's outline in the mosaic's 0-based pixels (x, y flat), for the viewer
        "outlines": {
            item.record_id: {
                "name": item.name,
                "xy": [round(float(v), 2) for v in outline.ravel()],
            }
            for item, outline in zip(plan.inputs, plan.outlines, strict=True)
            if np.isfinite(outline).all()
        },
        "plan": {k: v for k, v in summary.items() if k not in ("wcs",)},
    }
