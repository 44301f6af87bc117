"""Which code handles which job type, and which service's workers serve which types."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from webbscope.errors import BadRequest
from webbscope.jobs.worker import Handler

#: job type -> "module:function"
HANDLERS: dict[str, str] = {
    "thumbnail": "webbscope.services.engine.thumbnails:thumbnail_job",
    "pyramid": "webbscope.services.engine.pyramid_job:pyramid_job",
    "composite": "webbscope.services.engine.composite_job:composite_job",
    "mosaic": "webbscope.services.engine.mosaic_job:mosaic_job",
    "detect": "webbscope.services.engine.detection:detect_job",
    "import": "webbscope.services.mast.importer:import_job",
    "embed": "webbscope.services.engine.semantic.jobs:embed_job",
    "semantic_rebuild": "webbscope.services.engine.semantic.jobs:rebuild_job",
    "diagnostic.sleep": "webbscope.jobs.diagnostics:sleep_job",
    "diagnostic.cpu": "webbscope.jobs.diagnostics:cpu_job",
}

#: CPU-heavy types, bounded together by JOBS_MAX_COMPUTE.
COMPUTE_TYPES = frozenset(
    {"thumbnail", "pyramid", "composite", "mosaic", "detect", "semantic_rebuild", "diagnostic.cpu"}
)

#: The types each service's built-in worker serves.
SERVICE_TYPES: dict[str, list[str]] = {
    "engine": [
        "thumbnail",
        "pyramid",
        "composite",
        "mosaic",
        "detect",
        "embed",
        "semantic_rebuild",
        "diagnostic.sleep",
        "diagnostic.cpu",
    ],
    "mast": ["import"],
}


def load_handlers(types: Iterable[str]) -> dict[str, Handler]:
    out: dict[str, Handler] = {}
    for t in types:
        if t not in HANDLERS:
            raise BadRequest(
                f"unknown job type {t!r}; known: {', '.join(sorted(HANDLERS))}",
                code="unknown_job_type",
            )
        module, _, name = HANDLERS[t].partition(":")
        out[t] = getattr(importlib.import_module(module), name)
    return out
