"""Automatic observation mosaics: after an import, the level-3 images of one observation,
instrument and filter that tile a field get a `mosaic` job, and its result replaces the
previous automatic mosaic of the same tiles when they change.

- **Groups.** An owner's archive records of one MAST observation (their storage keys share
  ``mast/<obs_id>/``) that are level-3 2-D images with a celestial WCS, grouped by
  instrument, filter and pupil. A group of at least `AUTO_MOSAIC_MIN_TILES` records (0 turns
  this off) is mosaicked; earlier imports' tiles of the same observation count too.
- **Queued once.** The job's recipe (inputs by id and sha256, default options) has a hash;
  no job is queued when an automatic mosaic of that recipe exists or its job is queued or
  running, so importing the same files again queues nothing.
- **Tagged and replaced.** The job saves its record tagged ``mosaic`` and ``auto-mosaic``
  with the group's key in ``metadata.mosaic.auto_group``; when it is saved and its inputs
  are still the group's, every other automatic mosaic of the group is deleted (`replace`).
  A job whose group changed while it ran deletes its own result: the job queued for the new
  tiles replaces them all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from webbscope.db import Database, Document
from webbscope.domain.jobs import JobStatus
from webbscope.jobs.queue import JobQueue
from webbscope.library.products import mosaic_recipe, product_inputs, recipe_id
from webbscope.library.removal import delete_record
from webbscope.settings import Settings
from webbscope.storage import MAST_PREFIX, StorageProvider

log = logging.getLogger("webbscope.auto_mosaics")
TAG = "auto-mosaic"
#: The options of an automatic mosaic: the defaults of a requested one.
OPTIONS: dict[str, Any] = {
    "combine": "mean",
    "weights": "auto",
    "clip": False,
    "clip_sigma": 3.0,
    "clip_iters": 3,
    "match_background": False,
    "allow_mixed_units": False,
    "resolution_arcsec": None,
    "formats": ["fits", "png"],
}


def _obs_of(doc: Document) -> str | None:
    key = str(doc.get("storage_key") or "")
    if not key.startswith(MAST_PREFIX):
        return None
    obs, _, rest = key[len(MAST_PREFIX) :].partition("/")
    return obs if obs and rest else None


def _is_tile(doc: Document) -> bool:
    meta = doc.get("metadata") or {}
    return (
        doc.get("processing_level") == "3"
        and not meta.get("is_cube")
        and bool(meta.get("has_celestial_wcs"))
        and len(meta.get("shape") or []) == 2
    )


def group_key(doc: Document) -> str | None:
    """``<obs_id>/<instrument>/<filter>/<pupil>`` of a tile, or None for other records."""
    obs = _obs_of(doc)
    if obs is None or not _is_tile(doc):
        return None
    meta = doc.get("metadata") or {}
    parts = [meta.get("instrument"), meta.get("filter"), meta.get("pupil")]
    return "/".join([obs, *(str(p or "-").upper() for p in parts)])


async def groups(db: Database, owner_id: str, obs_ids: Iterable[str]) -> dict[str, list[Document]]:
    """The owner's tiles of these observations by group key (each group ordered by id)."""
    wanted = set(obs_ids)
    out: dict[str, list[Document]] = {}
    if not wanted:
        return out
    cursor = db.collection("records").find(
        {"owner_id": owner_id, "source": "mast", "processing_level": "3"}
    )
    async for doc in cursor:
        key = group_key(doc)
        if key is not None and key.split("/", 1)[0] in wanted:
            out.setdefault(key, []).append(doc)
    for docs in out.values():
        docs.sort(key=lambda d: str(d["_id"]))
    return out


def _name(key: str) -> str:
    obs, instrument, filt, pupil = key.split("/")
    what = filt if pupil in ("-", "CLEAR") else f"{filt}/{pupil}"
    return f"{obs} {instrument} {what} (automatic mosaic)"


async def _exists(db: Database, owner_id: str, mid: str) -> bool:
    done = await db.collection("records").find_one(
        {"owner_id": owner_id, "tags": TAG, "metadata.mosaic.id": mid}
    )
    if done is not None:
        return True
    active = [JobStatus.queued.value, JobStatus.running.value]
    job = await db.collection("jobs").find_one(
        {"type": "mosaic", "owner_id": owner_id, "params.mosaic_id": mid, "status": {"$in": active}}
    )
    return job is not None


async def queue_auto_mosaics(
    db: Database, settings: Settings, owner_id: str, obs_ids: Iterable[str]
) -> list[str]:
    """Queue a `mosaic` job for each group of these observations with enough tiles (see the
    module notes); the ids of the jobs queued."""
    least = settings.auto_mosaic_min_tiles
    if least <= 0:
        return []
    queued = []
    for key, docs in (await groups(db, owner_id, obs_ids)).items():
        if len(docs) < least or len(docs) > settings.mosaic_max_inputs:
            continue
        recipe = mosaic_recipe(docs, dict(OPTIONS))
        mid = recipe_id(recipe)
        if await _exists(db, owner_id, mid):
            continue
        job = await JobQueue(db, settings.job_limits).enqueue(
            "mosaic",
            owner_id,
            {
                "mosaic_id": mid,
                "inputs": product_inputs(docs),
                "options": dict(OPTIONS),
                "recipe": recipe,
                "name": _name(key),
                "auto": True,
                "auto_group": key,
            },
            compute=True,
            check_limits=False,
        )
        log.info("queued automatic mosaic %s of %d tiles (%s)", mid, len(docs), key)
        queued.append(job.id)
    return queued


async def replace(
    db: Database, storage: StorageProvider, owner_id: str, key: str, record_id: str, mid: str
) -> list[str]:
    """After an automatic mosaic of group `key` is saved as `record_id`: the ids deleted.

    When its recipe is still the group's current one, the group's other automatic mosaics
    are deleted; when the group changed meanwhile, this result is (a newer job follows)."""
    obs = key.split("/", 1)[0]
    current = (await groups(db, owner_id, [obs])).get(key, [])
    if recipe_id(mosaic_recipe(current, dict(OPTIONS))) != mid:
        await delete_record(db, storage, record_id)
        return [record_id]
    removed = []
    cursor = db.collection("records").find(
        {"owner_id": owner_id, "tags": TAG, "metadata.mosaic.auto_group": key}
    )
    async for doc in cursor:
        rid = str(doc["_id"])
        if rid != record_id:
            await delete_record(db, storage, rid)
            removed.append(rid)
    return removed
