"""The semantic index's shared state in MongoDB.

- `semantic_vectors`: each indexed record's vector, filter fields, text digest, model and
  stamp (its `updated_at`, or its deletion time): the truth every replica converges on.
- the `semantic` event log: every change to it, with the vector itself, so each engine
  replica applies changes without another lookup.
- `semantic_meta`: the dispatch cursor over the record event log (which record changes have
  been handed to `embed` jobs) and the pending rebuild, both moved by compare-and-swap, so
  several replicas cooperate without one being special.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from bson import Binary
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webbscope.db._client import Database, Document
from webbscope.db.events import EventLog


def stamp_of(value: datetime | None = None) -> str:
    """A sortable UTC stamp ("2024-05-01T10:00:00.123456Z"); now when `value` is None."""
    dt = value or datetime.now(UTC)
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def vector_bytes(vector: np.ndarray) -> Binary:
    return Binary(np.asarray(vector, dtype="<f4").tobytes())


def bytes_vector(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").copy()


class SemanticStore:
    def __init__(self, db: Database) -> None:
        self.vectors = db.collection("semantic_vectors")
        self.meta = db.collection("semantic_meta")
        self.events = EventLog(db, "semantic")

    # -- vectors --------------------------------------------------------------------------------

    async def get(self, record_id: str) -> Document | None:
        return await self.vectors.find_one({"_id": record_id})

    async def put(
        self,
        record_id: str,
        *,
        vector: np.ndarray,
        attrs: Document,
        stamp: str,
        text_sha: str,
        model: str,
        publish: bool = True,
    ) -> bool:
        """Store a record's vector unless a newer one is stored, and publish it (a rebuild
        stores quietly: it publishes its snapshot instead)."""
        doc = {
            "vector": vector_bytes(vector),
            "attrs": attrs,
            "stamp": stamp,
            "text_sha": text_sha,
            "model": model,
            "deleted": False,
        }
        if not await self._write(record_id, doc):
            return False
        if publish:
            await self.events.publish(
                "system",
                {
                    "op": "put",
                    "id": record_id,
                    "stamp": stamp,
                    "model": model,
                    "vector": doc["vector"],
                    "attrs": attrs,
                },
            )
        return True

    async def put_attrs(self, record_id: str, attrs: Document, stamp: str) -> bool:
        """New filter fields for a record whose text did not change."""
        done = await self.vectors.find_one_and_update(
            {"_id": record_id, "stamp": {"$lte": stamp}, "deleted": False},
            {"$set": {"attrs": attrs, "stamp": stamp}},
            return_document=ReturnDocument.AFTER,
        )
        if done is None:
            return False
        await self.events.publish(
            "system", {"op": "attrs", "id": record_id, "stamp": stamp, "attrs": attrs}
        )
        return True

    async def delete(self, record_id: str, stamp: str) -> None:
        """The record is gone: keep a tombstone (older work for it is then refused)."""
        await self._write(
            record_id,
            {
                "vector": None,
                "attrs": None,
                "stamp": stamp,
                "text_sha": None,
                "model": None,
                "deleted": True,
            },
        )
        await self.events.publish("system", {"op": "delete", "id": record_id, "stamp": stamp})

    async def _write(self, record_id: str, fields: Document) -> bool:
        try:
            result = await self.vectors.update_one(
                {"_id": record_id, "stamp": {"$lte": fields["stamp"]}},
                {"$set": fields},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # a newer stamp is stored
        return result.matched_count == 1 or result.upserted_id is not None

    async def all(self, batch_size: int = 1000) -> AsyncIterator[Document]:
        async for doc in self.vectors.find({}, batch_size=batch_size):
            yield doc

    async def count(self, model: str | None = None) -> int:
        query: Document = {"deleted": False}
        if model is not None:
            query["model"] = model
        return await self.vectors.count_documents(query)

    # -- coordination -----------------------------------------------------------------------------

    async def cursor(self, name: str) -> Document | None:
        return await self.meta.find_one({"_id": name})

    async def start_cursor(self, name: str, fields: Document) -> Document:
        """The cursor, created with `fields` if it does not exist yet."""
        try:
            await self.meta.insert_one({"_id": name, **fields})
        except DuplicateKeyError:
            pass
        found = await self.meta.find_one({"_id": name})
        assert found is not None
        return found

    async def advance(self, name: str, field: str, old: Any, new: Any, **extra: Any) -> bool:
        """Move a cursor from `old` to `new` if nobody moved it first."""
        done = await self.meta.find_one_and_update(
            {"_id": name, field: old}, {"$set": {field: new, **extra}}
        )
        return done is not None

    async def set_meta(self, name: str, fields: Document) -> None:
        await self.meta.update_one({"_id": name}, {"$set": fields}, upsert=True)

    async def records_of(self, ids: Sequence[str]) -> dict[str, Document]:
        out: dict[str, Document] = {}
        for rid in ids:
            doc = await self.vectors.find_one({"_id": rid})
            if doc is not None:
                out[rid] = doc
        return out
