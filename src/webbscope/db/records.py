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
from webbscope.records.fields import facets_of, keyword_text, lowered, readers_of, sky_fields


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
            "facets": facets_of(meta),
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
            "rev": 0,
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
        # Every write moves `updated_at`: the library's reconciliation finds changes by it.
        update = {**update, "$set": {"updated_at": datetime.now(UTC)}}
        found = await self.coll.find_one_and_update({"_id": ObjectId(parent)}, update)
        if found is not None:
            await self._changed(found["owner_id"], parent)

    async def update(self, record_id: str, changes: Document) -> Record:
        """Apply owner-side changes (tags, description, visibility, sharing, archived, name):
        only the fields given are `$set`, so concurrent edits of different fields both land;
        the derived fields (readers, search) follow."""
        sets = dict(changes)
        if "tags" in changes:
            sets["tags"] = sorted(set(lowered(changes["tags"])))
        if "file_name" in changes:
            sets["file_name_lower"] = changes["file_name"].lower()
        if "visibility" in changes and Visibility(changes["visibility"]) is not Visibility.shared:
            sets["shared_with"], sets["shared_with_ids"] = [], []
        return await self._edit(record_id, {"$set": sets})

    async def add_tags(self, record_id: str, tags: Sequence[str], remove: bool = False) -> Record:
        """Add (or remove) tags with `$addToSet` (`$pullAll`): two requests tagging the same
        record at once both land."""
        wanted = sorted(set(lowered(tags)))
        if remove:
            return await self._edit(record_id, {"$pullAll": {"tags": wanted}})
        return await self._edit(record_id, {"$addToSet": {"tags": {"$each": wanted}}})

    async def _edit(self, record_id: str, update: Document) -> Record:
        if not ObjectId.is_valid(record_id):
            raise NotFound("record not found", code="record_not_found")
        update = {
            **update,
            "$set": {**update.get("$set", {}), "updated_at": datetime.now(UTC)},
            "$inc": {"rev": 1},
        }
        doc = await self.coll.find_one_and_update(
            {"_id": ObjectId(record_id)}, update, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound("record not found", code="record_not_found")
        doc = await self._derive(doc)
        await self._changed(doc["owner_id"], record_id)
        return to_record(doc)

    async def _derive(self, doc: Document) -> Document:
        """Bring the fields derived from others (readers, search, tag order) in line, by
        compare-and-set on `rev`: a concurrent edit in between makes this re-read and
        derive again from a document that includes it."""
        for _ in range(50):
            vis = Visibility(doc["visibility"])
            tags = sorted(set(doc.get("tags", [])))
            shared = doc.get("shared_with_ids", []) if vis is Visibility.shared else []
            want = {
                "tags": tags,
                "readers": readers_of(doc["owner_id"], vis, shared),
                "search": keyword_text({**doc, "tags": tags}),
            }
            sets = {k: v for k, v in want.items() if doc.get(k) != v}
            if not sets:
                return doc
            new = await self.coll.find_one_and_update(
                {"_id": doc["_id"], "rev": doc.get("rev")},
                {"$set": sets, "$inc": {"rev": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if new is not None:
                return new
            again = await self.coll.find_one({"_id": doc["_id"]})
            if again is None:
                raise NotFound("record not found", code="record_not_found")
            doc = again
        return doc

    async def set_thumbnail(self, record_id: str, key: str) -> None:
        found = await self.coll.find_one_and_update(
            {"_id": ObjectId(record_id)},
            {"$set": {"thumbnail_key": key, "updated_at": datetime.now(UTC)}},
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

    async def owned_keys(self, owner_id: str, storage_keys: list[str]) -> set[str]:
        """Which of these stored files the owner already has a record of (in chunks of 1,000)."""
        found: set[str] = set()
        for start in range(0, len(storage_keys), 1000):
            chunk = storage_keys[start : start + 1000]
            query = {"owner_id": owner_id, "storage_key": {"$in": chunk}}
            async for doc in self.coll.find(query, {"storage_key": 1}):
                found.add(str(doc["storage_key"]))
        return found

    async def count_key_references(self, storage_key: str) -> int:
        return await self.coll.count_documents({"storage_key": storage_key})
