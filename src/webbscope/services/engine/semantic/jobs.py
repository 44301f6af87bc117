"""The semantic index's jobs.

- `embed`: bring the given records' vectors up to date (params `record_ids`): a deleted record
  is removed, a record whose prose is unchanged only gets its filter fields (sharing,
  archiving) updated, the others are embedded in batches.
- `semantic_rebuild`: with `reembed` (a new model, a corrupt index, `webbscope semantic
  rebuild`), embed every record again in batches of `batch_size` and write a fresh snapshot
  that every replica then loads; without it, write a snapshot of the stored vectors.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bson import ObjectId

from webbscope.db.records import RecordsRepo
from webbscope.db.semantic import SemanticStore, bytes_vector, stamp_of
from webbscope.errors import ServiceUnavailable
from webbscope.jobs.worker import JobContext
from webbscope.semantic import Embedder, ModelUnavailable, VectorIndex
from webbscope.services.engine.semantic.documents import IndexedRecord, describe
from webbscope.services.engine.semantic.service import shared_embedder
from webbscope.services.engine.semantic.snapshot import write_snapshot


def _embedder(ctx: JobContext) -> Embedder:
    try:
        return shared_embedder(ctx.settings)
    except ModelUnavailable as exc:
        raise ServiceUnavailable(str(exc), code="semantic_unavailable") from exc


async def _encode(embedder: Embedder, items: list[IndexedRecord]) -> list[Any]:
    try:
        vectors = await asyncio.to_thread(embedder.encode, [i.text for i in items])
    except ModelUnavailable as exc:
        raise ServiceUnavailable(str(exc), code="semantic_unavailable") from exc
    return list(vectors)


async def embed_job(ctx: JobContext) -> dict[str, Any]:
    ids = [str(i) for i in ctx.job.params.get("record_ids", [])]
    embedder = _embedder(ctx)
    model = embedder.identity.key()
    records = RecordsRepo(ctx.db)
    store = SemanticStore(ctx.db)
    batch_size = int(ctx.job.params.get("batch_size") or ctx.settings.semantic_batch_size)
    counts = {"embedded": 0, "updated": 0, "removed": 0, "unchanged": 0}
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        todo: list[IndexedRecord] = []
        for rid in chunk:
            doc = (
                await records.coll.find_one({"_id": ObjectId(rid)})
                if ObjectId.is_valid(rid)
                else None
            )
            if doc is None:
                await store.delete(rid, stamp_of())
                counts["removed"] += 1
                continue
            item = await describe(records, doc)
            held = await store.get(rid)
            if (
                held
                and not held.get("deleted")
                and held.get("model") == model
                and held.get("text_sha") == item.text_sha
            ):
                if held.get("stamp") != item.stamp:
                    await store.put_attrs(rid, item.attrs, item.stamp)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                continue
            todo.append(item)
        if todo:
            for item, vector in zip(todo, await _encode(embedder, todo), strict=True):
                await store.put(
                    item.id,
                    vector=vector,
                    attrs=item.attrs,
                    stamp=item.stamp,
                    text_sha=item.text_sha,
                    model=model,
                )
            counts["embedded"] += len(todo)
        done = min(len(ids), start + batch_size)
        await ctx.progress(
            items_done=done,
            items_total=len(ids),
            fraction=done / max(1, len(ids)),
            stage="embedding",
        )
    return counts


async def rebuild_job(ctx: JobContext) -> dict[str, Any]:
    params = ctx.job.params
    reembed = bool(params.get("reembed", True))
    batch_size = max(1, int(params.get("batch_size") or ctx.settings.semantic_batch_size))
    embedder = _embedder(ctx)
    identity = embedder.identity
    store = SemanticStore(ctx.db)
    records = RecordsRepo(ctx.db)
    seq = await store.events.head()  # changes after this are replayed on top of the snapshot
    index = VectorIndex(identity.dimension, exact_below=ctx.settings.semantic_exact_below)
    try:
        if reembed:
            total = await records.coll.count_documents({})
            await ctx.progress(stage="embedding", items_done=0, items_total=total, fraction=0.0)
            seen: set[str] = set()
            batch: list[IndexedRecord] = []
            done = 0

            async def flush() -> None:
                nonlocal done
                vectors = await _encode(embedder, batch)
                rows = []
                for item, vector in zip(batch, vectors, strict=True):
                    await store.put(
                        item.id,
                        vector=vector,
                        attrs=item.attrs,
                        stamp=item.stamp,
                        text_sha=item.text_sha,
                        model=identity.key(),
                        publish=False,
                    )
                    rows.append((item.id, vector, item.attrs, item.stamp))
                await asyncio.to_thread(index.upsert_many, rows)
                done += len(batch)
                batch.clear()
                await ctx.progress(
                    items_done=done,
                    items_total=total,
                    fraction=0.95 * done / max(1, total),
                    stage="embedding",
                )

            async for doc in records.coll.find({}):
                seen.add(str(doc["_id"]))
                batch.append(await describe(records, doc))
                if len(batch) >= batch_size:
                    await flush()
            if batch:
                await flush()
            async for doc in store.all():
                if str(doc["_id"]) not in seen and not doc.get("deleted"):
                    await store.delete(str(doc["_id"]), stamp_of())
        else:
            await ctx.progress(stage="reading vectors", fraction=0.1)
            rows = [
                (str(d["_id"]), bytes_vector(d["vector"]), dict(d["attrs"]), str(d["stamp"]))
                async for d in store.all()
                if not d.get("deleted") and d.get("model") == identity.key()
            ]
            await ctx.progress(stage="building the graph", fraction=0.4, items_total=len(rows))
            for start in range(0, len(rows), 5000):
                await asyncio.to_thread(index.upsert_many, rows[start : start + 5000])
        await ctx.progress(stage="writing the snapshot", fraction=0.97)
        manifest = await asyncio.to_thread(write_snapshot, ctx.storage, index, identity, seq)
        await store.set_meta(
            "snapshot", {"seq": seq, "version": manifest.version, "count": manifest.count}
        )
        if reembed:
            await store.events.publish("system", {"op": "snapshot", "version": manifest.version})
    finally:
        await store.set_meta("rebuild", {"pending": None})
    return {
        "records": len(index),
        "snapshot": manifest.version,
        "reembedded": reembed,
        "model": identity.key(),
    }
