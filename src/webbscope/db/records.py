"""The records collection: a library record per file, scoped by who may read it.

Each document carries `readers`: the owner's id, the ids it is shared with and `"*"` when it
is public, and the fields queries use (`facets`, `search`, `sky`, `observed_at`). Every change
is published to the `record` event log, which each backend replica's library index follows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webbscope.db._client import Database, Document
from webbscope.db.events import EventLog
from webbscope.domain.records import Lineage, Record, Source, Visibility
from webbscope.domain.users import User
from webbscope.errors import Conflict, NotFound
from webbscope.library.query import keyword_text, lowered, program_key, readers_of
from webbscope.library.sky import bounding_circle


def sky_fields(footprint: Sequence[Sequence[float]] | None) -> Document | None:
    if not footprint or len(footprint) < 3:
        return None
    corners = [(float(a), float(b)) for a, b in footprint]
    ra, dec, radius = bounding_circle(corners)
    return {
        "ra": ra,
        "dec": dec,
        "radius": radius,
        "corners": [{"ra": a, "dec": b} for a, b in corners],
    }


def to_record(doc: Document) -> Record:
    meta = dict(doc.get("metadata") or {})
    return Record(
        id=str(doc["_id"]),
        owner_id=doc["owner_id"],
        owner_username=doc["owner_username"],
        file_name=doc["file_name"],
        visibility=doc["visibility"],
        shared_with=doc.get("shared_with", []),
        source=doc["source"],
        storage_key=doc["storage_key"],
        extra_keys=doc.get("extra_keys", []),
        size=doc["size"],
        sha256=doc["sha256"],
        metadata=meta,
        processing_level=doc.get("processing_level"),
        product_type=doc.get("product_type"),
        tags=doc.get("tags", []),
        description=doc.get("description", ""),
        archived=doc.get("archived", False),
        lineage=Lineage(**(doc.get("lineage") or {})),
        thumbnail_key=doc.get("thumbnail_key"),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def _facets(meta: Document) -> Document:
    out = {
        k: (str(meta[src]).lower() if meta.get(src) is not None else None)
        for k, src in (
            ("instrument", "instrument"),
            ("filter", "filter"),
            ("target", "target_name"),
        )
    }
    out["program"] = program_key(str(meta["program"])) if meta.get("program") else None
    return out


def _footprint_pairs(meta: Document) -> list[tuple[float, float]] | None:
    fp = meta.get("footprint")
    if not fp:
        return None
    return [(float(c["ra"]), float(c["dec"])) for c in fp]


class RecordsRepo:
    def __init__(self, db: Database) -> None:
        self.coll = db.collection("records")
        self.headers = db.collection("record_headers")
        self.events = EventLog(db, "record")

    async def _changed(self, owner_id: str, record_id: str) -> None:
        await self.events.publish(owner_id, {"id": record_id})

    # -- writes -------------------------------------------------------------------------

    async def create(
        self,
        *,
        owner: User,
        file_name: str,
        source: Source,
        storage_key: str,
        size: int,
        sha256: str,
        metadata: Document,
        headers: list[Document] | None = None,
        tags: Sequence[str] = (),
        description: str = "",
        derived_from: Sequence[str] = (),
        lineage_note: str | None = None,
        extra_keys: Sequence[str] = (),
        record_id: ObjectId | None = None,
    ) -> Record:
        """Insert a record and its headers; a second copy of the same content for the same
        owner is a `Conflict` carrying the existing record's id.

        The headers are written first and the record last, so a record is only ever found
        (by dedup, lists or reads) with its headers; a failure at any step removes what this
        call wrote before it propagates."""
        now = datetime.now(UTC)
        tags = sorted(set(lowered(tags)))
        meta = dict(metadata)
        doc: Document = {
            "_id": record_id or ObjectId(),
            "owner_id": owner.id,
            "owner_username": owner.username,
            "file_name": file_name,
            "file_name_lower": file_name.lower(),
            "visibility": Visibility.private.value,
            "shared_with": [],
            "shared_with_ids": [],
            "readers": [owner.id],
            "source": source.value,
            "storage_key": storage_key,
            "extra_keys": list(extra_keys),
            "size": size,
            "sha256": sha256,
            "metadata": meta,
            "processing_level": meta.get("processing_level"),
            "product_type": meta.get("product_type"),
            "facets": _facets(meta),
            "observed_at": meta.get("exposure_start"),
            "sky": sky_fields(_footprint_pairs(meta)),
            "tags": tags,
            "description": description,
            "archived": False,
            "lineage": {
                "derived_from": list(derived_from),
                "derivatives": [],
                "note": lineage_note,
            },
            "thumbnail_key": None,
            "created_at": now,
            "updated_at": now,
        }
        doc["search"] = keyword_text(doc)
        if headers is not None:
            try:
                await self.headers.replace_one({"_id": doc["_id"]}, {"hdus": headers}, upsert=True)
            except BaseException:
                await self._forget(doc["_id"], record=False)
                raise
        try:
            await self.coll.insert_one(doc)
        except DuplicateKeyError:
            await self._forget(doc["_id"], record=False)
            existing = await self.coll.find_one({"owner_id": owner.id, "sha256": sha256})
            raise Conflict(
                f"{file_name!r} is already in your library",
                code="duplicate_record",
                details={"record_id": str(existing["_id"]) if existing else None},
            ) from None
        except BaseException:
            await self._forget(doc["_id"], record=True)  # the insert may have happened
            raise
        try:
            await self._changed(owner.id, str(doc["_id"]))
            for parent in derived_from:
                await self._link(parent, {"$addToSet": {"lineage.derivatives": str(doc["_id"])}})
        except BaseException:
            await self._forget(doc["_id"], record=True)
            for parent in derived_from:
                with contextlib.suppress(Exception):
                    await self._link(parent, {"$pull": {"lineage.derivatives": str(doc["_id"])}})
            raise
        return to_record(doc)

    async def _forget(self, record_id: ObjectId, *, record: bool) -> None:
        """Remove what a failed `create` wrote (best effort: the first error is the one
        reported)."""
        with contextlib.suppress(Exception):
            if record:
                await self.coll.delete_one({"_id": record_id})
            await self.headers.delete_one({"_id": record_id})

    async def _link(self, parent: str, update: Document) -> None:
        if not ObjectId.is_valid(parent):
            return
        found = await self.coll.find_one_and_update({"_id": ObjectId(parent)}, update)
        if found is not None:
            await self._changed(found["owner_id"], parent)

    async def update(self, record_id: str, changes: Document) -> Record:
        """Apply owner-side changes (tags, description, visibility, sharing, archived, name)
        and keep the derived fields (readers, search) consistent."""
        doc = await self.coll.find_one({"_id": ObjectId(record_id)})
        if doc is None:
            raise NotFound("record not found", code="record_not_found")
        new = dict(doc)
        new.update(changes)
        if "tags" in changes:
            new["tags"] = sorted(set(lowered(changes["tags"])))
        if "file_name" in changes:
            new["file_name_lower"] = changes["file_name"].lower()
        vis = Visibility(new["visibility"])
        if vis is not Visibility.shared:
            new["shared_with"], new["shared_with_ids"] = [], []
        new["readers"] = readers_of(new["owner_id"], vis, new["shared_with_ids"])
        new["search"] = keyword_text(new)
        new["updated_at"] = datetime.now(UTC)
        sets = {k: new[k] for k in new if k != "_id" and new[k] != doc.get(k)}
        updated = await self.coll.find_one_and_update(
            {"_id": doc["_id"]}, {"$set": sets}, return_document=ReturnDocument.AFTER
        )
        if updated is None:
            raise NotFound("record not found", code="record_not_found")
        await self._changed(updated["owner_id"], record_id)
        return to_record(updated)

    async def add_tags(self, record_id: str, tags: Sequence[str], remove: bool = False) -> Record:
        rec = await self.get_raw(record_id)
        current = set(rec.get("tags", []))
        wanted = set(lowered(tags))
        new = current - wanted if remove else current | wanted
        return await self.update(record_id, {"tags": sorted(new)})

    async def set_thumbnail(self, record_id: str, key: str) -> None:
        found = await self.coll.find_one_and_update(
            {"_id": ObjectId(record_id)}, {"$set": {"thumbnail_key": key}}
        )
        if found is not None:
            await self._changed(found["owner_id"], record_id)

    async def set_pyramid(self, record_id: str, summary: Document) -> None:
        """Mark the record's pyramid job as done (`webbscope.services.engine.pyramid_job`)."""
        await self.coll.update_one({"_id": ObjectId(record_id)}, {"$set": {"pyramid": summary}})

    async def delete(self, record_id: str) -> Document | None:
        """Remove the record (and its stored headers); return the document that was removed."""
        doc = await self.coll.find_one_and_delete({"_id": ObjectId(record_id)})
        if doc is None:
            return None
        await self.headers.delete_one({"_id": doc["_id"]})
        await self._changed(doc["owner_id"], record_id)
        for parent in doc.get("lineage", {}).get("derived_from", []):
            await self._link(parent, {"$pull": {"lineage.derivatives": record_id}})
        return doc

    # -- reads --------------------------------------------------------------------------

    async def get_raw(self, record_id: str) -> Document:
        doc = await self.coll.find_one({"_id": ObjectId(record_id)})
        if doc is None:
            raise NotFound("record not found", code="record_not_found")
        return doc

    async def get_headers(self, record_id: str) -> list[Document] | None:
        doc = await self.headers.find_one({"_id": ObjectId(record_id)})
        return None if doc is None else list(doc["hdus"])

    async def find_duplicate(self, owner_id: str, sha256: str) -> Record | None:
        doc = await self.coll.find_one({"owner_id": owner_id, "sha256": sha256})
        return to_record(doc) if doc else None

    async def find_owned_key(self, owner_id: str, storage_key: str) -> Record | None:
        """The owner's record of a stored file, if they have one."""
        doc = await self.coll.find_one({"owner_id": owner_id, "storage_key": storage_key})
        return to_record(doc) if doc else None

    async def count_key_references(self, storage_key: str) -> int:
        return await self.coll.count_documents({"storage_key": storage_key})
