"""Automatic observation mosaics: after an import, the level-3 images of one observation,
instrument and filter that tile a field get a `mosaic` job per patch of overlapping tiles,
and its result replaces the previous automatic mosaic of those tiles when they change.

- **Groups.** An owner's archive records of one MAST observation (their storage keys share
  ``mast/<obs_id>/``) that are level-3 2-D images with a celestial WCS, grouped by
  instrument, filter and pupil (`group_key`); earlier imports' tiles of the same
  observation count too.
- **Patches.** A group's tiles are split into patches: connected components of their sky
  footprints' overlaps (`sky_components`, a little stricter than the plan, so a patch is
  one mosaic for it). A patch of at least `AUTO_MOSAIC_MIN_TILES` tiles (0 turns this off)
  is mosaicked; smaller patches get none. A patch's key is the group's key and its first
  tile's id (`patch_key`).
- **Queued once.** The job's recipe (inputs by id and sha256, default options) has a hash;
  no job is queued when an automatic mosaic of that recipe exists or its job is queued or
  running, so importing the same files again queues nothing.
- **Tagged and replaced.** The job saves its record tagged ``mosaic`` and ``auto-mosaic``
  with the patch's key in ``metadata.mosaic.auto_group``; when it is saved and its inputs
  are still one patch of the group, every other automatic mosaic of the group that shares
  a tile with it is deleted (`replace`): adding a tile to one patch replaces that patch's
  mosaic only, and a tile that joins two patches replaces both. A job whose patch changed
  while it ran deletes its own result: the job queued for the new tiles replaces them.
- **Inputs deleted.** When records that are inputs of automatic mosaics are deleted
  (`inputs_deleted`), each such mosaic is rebuilt from the patches its remaining tiles
  form now (those of at least `AUTO_MOSAIC_MIN_TILES`; the new mosaics replace it when
  saved), and deleted at once, with its files, when no such patch remains.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from webbscope.db import Database, Document, parse_id
from webbscope.domain.jobs import JobStatus
from webbscope.imaging.mosaic import sky_components
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


def base_of(key: str) -> str:
    """The group of a patch key (``<obs_id>/<instrument>/<filter>/<pupil>``)."""
    return "/".join(key.split("/")[:4])


def patch_key(group: str, patch: list[Document]) -> str:
    """``<group>/<first tile's id>``: stays when tiles are added to the patch."""
    return f"{group}/{min(str(d['_id']) for d in patch)}"


def _footprint(doc: Document) -> list[tuple[float, float]] | None:
    corners = (doc.get("metadata") or {}).get("footprint") or []
    try:
        return [(float(c["ra"]), float(c["dec"])) for c in corners] or None
    except (KeyError, TypeError, ValueError):
        return None


def split_patches(docs: list[Document]) -> list[list[Document]]:
    """The tiles of one group in patches of overlapping footprints (each ordered by id,
    patches by their first id); a tile without a footprint is a patch of its own."""
    shapes = []
    for d in docs:
        shape = list((d.get("metadata") or {}).get("shape") or [1, 1])
        shapes.append((int(shape[-2]), int(shape[-1])))
    parts = sky_components([_footprint(d) for d in docs], shapes)
    out = [sorted((docs[i] for i in part), key=lambda d: str(d["_id"])) for part in parts]
    return sorted(out, key=lambda p: str(p[0]["_id"]))


async def patches(
    db: Database, owner_id: str, obs_ids: Iterable[str]
) -> dict[str, list[list[Document]]]:
    """The owner's tiles of these observations: by group key, the group's patches."""
    return {key: split_patches(docs) for key, docs in (await groups(db, owner_id, obs_ids)).items()}


def _name(key: str, part: int = 1, parts: int = 1) -> str:
    obs, instrument, filt, pupil = base_of(key).split("/")
    what = filt if pupil in ("-", "CLEAR") else f"{filt}/{pupil}"
    which = f", patch {part} of {parts}" if parts > 1 else ""
    return f"{obs} {instrument} {what} (automatic mosaic{which})"


async def _saved(db: Database, owner_id: str, mid: str) -> bool:
    done = await db.collection("records").find_one(
        {"owner_id": owner_id, "tags": TAG, "metadata.mosaic.id": mid}
    )
    return done is not None


async def _under_way(db: Database, owner_id: str, mid: str) -> bool:
    active = [JobStatus.queued.value, JobStatus.running.value]
    job = await db.collection("jobs").find_one(
        {"type": "mosaic", "owner_id": owner_id, "params.mosaic_id": mid, "status": {"$in": active}}
    )
    return job is not None


def _mid(docs: list[Document]) -> str:
    return recipe_id(mosaic_recipe(docs, dict(OPTIONS)))


async def _queue(
    db: Database, settings: Settings, owner_id: str, key: str, docs: list[Document], name: str
) -> str | None:
    """Queue the mosaic of one patch: the job's id, or None when it exists or is under way."""
    recipe = mosaic_recipe(docs, dict(OPTIONS))
    mid = recipe_id(recipe)
    if await _saved(db, owner_id, mid) or await _under_way(db, owner_id, mid):
        return None
    job = await JobQueue(db, settings.job_limits).enqueue(
        "mosaic",
        owner_id,
        {
            "mosaic_id": mid,
            "inputs": product_inputs(docs),
            "options": dict(OPTIONS),
            "recipe": recipe,
            "name": name,
            "auto": True,
            "auto_group": key,
        },
        compute=True,
        check_limits=False,
    )
    log.info("queued automatic mosaic %s of %d tiles (%s)", mid, len(docs), key)
    return job.id


def _eligible(settings: Settings, docs: list[Document]) -> bool:
    least = settings.auto_mosaic_min_tiles
    return 0 < least <= len(docs) <= settings.mosaic_max_inputs


async def queue_auto_mosaics(
    db: Database, settings: Settings, owner_id: str, obs_ids: Iterable[str]
) -> list[str]:
    """Queue a `mosaic` job for each patch of these observations with enough tiles (see the
    module notes); the ids of the jobs queued."""
    if settings.auto_mosaic_min_tiles <= 0:
        return []
    queued = []
    for group, parts in (await patches(db, owner_id, obs_ids)).items():
        big = [p for p in parts if _eligible(settings, p)]
        for n, docs in enumerate(big, 1):
            key = patch_key(group, docs)
            job_id = await _queue(db, settings, owner_id, key, docs, _name(key, n, len(big)))
            if job_id is not None:
                queued.append(job_id)
    return queued


async def _patches_of(db: Database, owner_id: str, group: str) -> list[list[Document]]:
    return (await patches(db, owner_id, [group.split("/", 1)[0]])).get(group, [])


def _group_of(mosaic: Document) -> str:
    return base_of(
        str(((mosaic.get("metadata") or {}).get("mosaic") or {}).get("auto_group") or "")
    )


async def _group_mosaics(db: Database, owner_id: str, group: str) -> list[Document]:
    """The owner's automatic mosaics of a group (any of its patches)."""
    cursor = db.collection("records").find({"owner_id": owner_id, "tags": TAG})
    return [doc async for doc in cursor if _group_of(doc) == group]


def _inputs_of(doc: Document) -> set[str]:
    return {str(i) for i in (doc.get("lineage") or {}).get("derived_from") or []}


async def replace(
    db: Database, storage: StorageProvider, owner_id: str, key: str, record_id: str, mid: str
) -> list[str]:
    """After an automatic mosaic of patch `key` is saved as `record_id`: the ids deleted.

    When its recipe is still one of the group's patches, the group's other automatic mosaics
    that share a tile with it are deleted; when the patch changed meanwhile, this result is
    (a newer job follows)."""
    group = base_of(key)
    mine = next((p for p in await _patches_of(db, owner_id, group) if _mid(p) == mid), None)
    if mine is None:
        await delete_record(db, storage, record_id)
        return [record_id]
    tiles = {str(d["_id"]) for d in mine}
    removed = []
    for doc in await _group_mosaics(db, owner_id, group):
        rid = str(doc["_id"])
        if rid != record_id and _inputs_of(doc) & tiles:
            await delete_record(db, storage, rid)
            removed.append(rid)
    return removed


async def _auto_mosaics_among(db: Database, owner_id: str, ids: set[str]) -> list[Document]:
    wanted = [parse_id(i) for i in sorted(ids)]
    cursor = db.collection("records").find(
        {"_id": {"$in": wanted}, "owner_id": owner_id, "tags": TAG}
    )
    return [doc async for doc in cursor]


async def _rebuild(
    db: Database, settings: Settings, owner_id: str, group: str, left: set[str]
) -> tuple[list[str], bool]:
    """Queue the mosaics of the group's patches that hold any of the tiles `left` (those
    with enough tiles and no mosaic yet): (the jobs queued, whether a job is queued or under
    way for one of them, which replaces the old mosaic when saved)."""
    big = [p for p in await _patches_of(db, owner_id, group) if _eligible(settings, p)]
    queued: list[str] = []
    pending = False
    for n, part in enumerate(big, 1):
        if not {str(d["_id"]) for d in part} & left or await _saved(db, owner_id, _mid(part)):
            continue
        key = patch_key(group, part)
        job_id = await _queue(db, settings, owner_id, key, part, _name(key, n, len(big)))
        queued += [job_id] if job_id is not None else []
        pending = True
    return queued, pending


async def _auto_jobs(db: Database, owner_id: str) -> list[Document]:
    active = [JobStatus.queued.value, JobStatus.running.value]
    cursor = db.collection("jobs").find(
        {"type": "mosaic", "owner_id": owner_id, "status": {"$in": active}, "params.auto": True}
    )
    return [job async for job in cursor]


async def inputs_deleted(
    db: Database, storage: StorageProvider, settings: Settings, docs: Iterable[Document]
) -> dict[str, list[str]]:
    """After these records were deleted: rebuild or delete the automatic mosaics they were
    inputs of (see the module notes), and queue the patches of automatic mosaic jobs under
    way that used them (such a job discards its result when saved). ``{"queued": job ids,
    "deleted": record ids}``."""
    docs = list(docs)
    gone = {str(d["_id"]) for d in docs}
    out: dict[str, list[str]] = {"queued": [], "deleted": []}
    if settings.auto_mosaic_min_tiles <= 0:
        return out
    for owner_id in sorted({str(d["owner_id"]) for d in docs}):
        derived = {
            str(rid)
            for d in docs
            if str(d["owner_id"]) == owner_id
            for rid in (d.get("lineage") or {}).get("derivatives") or []
        }
        # (group, its tiles still there, the saved mosaic or None for a job under way)
        targets: list[tuple[str, set[str], Document | None]] = [
            (_group_of(m), _inputs_of(m) - gone, m)
            for m in await _auto_mosaics_among(db, owner_id, derived - gone)
        ]
        for job in await _auto_jobs(db, owner_id):
            used = {str(r["record_id"]) for r in job["params"].get("inputs") or []}
            if used & gone:
                targets.append(
                    (base_of(str(job["params"].get("auto_group") or "")), used - gone, None)
                )
        for group, left, mosaic in targets:
            queued, pending = await _rebuild(db, settings, owner_id, group, left)
            out["queued"] += queued
            if mosaic is not None and not pending:
                await delete_record(db, storage, str(mosaic["_id"]))
                out["deleted"].append(str(mosaic["_id"]))
    return out
