"""`/api/mosaics`: WCS mosaics of library records — a plan first, then a `mosaic` job.

Access follows the records' rule for products (`webbscope.services.backend.access`): every
input must be readable by the caller, else 404 naming the record. Bad input is refused (4xx)
by the engine's plan before anything is queued: no celestial WCS (named), cubes mixed with
images, different BUNITs unless allowed, disconnected groups (listed), over the pixel or
disk limit (413 with the estimate). The job saves the result as a `derived` record whose
lineage lists the inputs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from webbscope.db import Document
from webbscope.errors import Unprocessable
from webbscope.jobs import JobQueue
from webbscope.library.products import mosaic_recipe, product_inputs, recipe_id
from webbscope.services.backend.access import require_inputs
from webbscope.services.backend.deps import CurrentUser, DbDep, Records, SettingsDep
from webbscope.services.backend.mosaic_schemas import MosaicJobOut, MosaicPlanOut
from webbscope.services.common.client import ServiceClient
from webbscope.services.common.mosaic_schemas import MosaicOptions, MosaicRequest

router = APIRouter(prefix="/api/mosaics", tags=["mosaics"])
ENGINE = "/internal/mosaics"


def _options(body: MosaicRequest) -> dict[str, Any]:
    return MosaicOptions.model_validate(
        body.model_dump(include=set(MosaicOptions.model_fields))
    ).model_dump(mode="json")


async def _plan(
    request: Request, body: MosaicRequest, records: Records, caller: Any, max_inputs: int
) -> tuple[list[Document], dict[str, Any], dict[str, Any]]:
    ids = list(dict.fromkeys(body.record_ids))
    if len(ids) > max_inputs:
        raise Unprocessable(
            f"a mosaic takes at most {max_inputs} inputs, not {len(ids)}",
            code="too_many_inputs",
            details={"max_inputs": max_inputs},
        )
    docs = await require_inputs(records, ids, caller)
    options = _options(body)
    engine: ServiceClient = request.app.state.engine
    plan = await engine.call(
        "POST", f"{ENGINE}/plan", json={"inputs": product_inputs(docs), "options": options}
    )
    return docs, options, plan


@router.post("/plan", response_model=MosaicPlanOut, summary="Plan a mosaic (no pixels computed)")
async def plan(
    body: MosaicRequest,
    request: Request,
    caller: CurrentUser,
    records: Records,
    settings: SettingsDep,
) -> MosaicPlanOut:
    _, _, found = await _plan(request, body, records, caller, settings.mosaic_max_inputs)
    return MosaicPlanOut.model_validate(found)


@router.post(
    "",
    response_model=MosaicJobOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Make a mosaic (a `mosaic` job; its result names the derived record)",
)
async def create(
    body: MosaicRequest,
    request: Request,
    caller: CurrentUser,
    records: Records,
    db: DbDep,
    settings: SettingsDep,
) -> MosaicJobOut:
    docs, options, found = await _plan(request, body, records, caller, settings.mosaic_max_inputs)
    doc = mosaic_recipe(docs, options)
    mid = recipe_id(doc)
    job = await JobQueue(db, settings.job_limits).enqueue(
        "mosaic",
        caller.id,
        {
            "mosaic_id": mid,
            "inputs": product_inputs(docs),
            "options": options,
            "recipe": doc,
            "name": body.name,
        },
        compute=True,
    )
    return MosaicJobOut(job_id=job.id, mosaic_id=mid, plan=MosaicPlanOut.model_validate(found))
