"""Each user's regions and annotations on records, in one `annotations` collection.

A document belongs to one user and one record: ``kind`` is ``region`` (a shape for
statistics, spectra and detection) or ``annotation`` (text, arrow, circle, ruler, compass).
Annotations carry a sky ``anchor`` (ra, dec) when the record has a WCS, so they can be shown
on other records of the same field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from bson import ObjectId
from pymongo import ReturnDocument

from webbscope.db._client import Database, Document
from webbscope.errors import NotFound, Unprocessable

Kind = Literal["region", "annotation"]
MAX_PER_RECORD = 500


def _pack(value: Any) -> Any:
    """Lists of pairs (points) as lists of {"v0", "v1"} objects: the wire-protocol database
    used in development (FerretDB) stores no arrays nested directly in arrays."""
    if isinstance(value, dict):
        return {k: _pack(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_pack(v) for v in value]
        if items and all(isinstance(v, list) for v in items):
            return [{f"v{i}": x for i, x in enumerate(v)} for v in items]
        return items
    return value


def _unpack(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(
            isinstance(v, dict) and v and set(v) <= {f"v{i}" for i in range(len(v))} for v in value
        ):
            return [[_unpack(v[f"v{i}"]) for i in range(len(v))] for v in value]
        return [_unpack(v) for v in value]
    return value


def _out(doc: Document) -> Document:
    out = {k: _unpack(v) for k, v in doc.items() if k != "_id"}
    out["id"] = str(doc["_id"])
    return out


def angular_distance(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance in degrees (haversine)."""
    p1, p2 = math.radians(dec1), math.radians(dec2)
    dra = math.radians(ra2 - ra1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dra / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


class AnnotationsRepo:
    def __init__(self, db: Database) -> None:
        self.coll = db.collection("annotations")

    async def items(self, owner_id: str, record_id: str, kind: Kind) -> list[Document]:
        cursor = self.coll.find({"owner_id": owner_id, "record_id": record_id, "kind": kind}).sort(
            "created_at", 1
        )
        return [_out(d) async for d in cursor.limit(MAX_PER_RECORD)]

    async def near(
        self,
        owner_id: str,
        ra: float,
        dec: float,
        radius: float,
        *,
        exclude_record: str,
        limit: int = MAX_PER_RECORD,
    ) -> list[Document]:
        """The user's annotations on other records anchored within `radius` degrees."""
        band = {"$gte": dec - radius, "$lte": dec + radius}
        cursor = self.coll.find(
            {
                "owner_id": owner_id,
                "kind": "annotation",
                "record_id": {"$ne": exclude_record},
                "anchor.dec": band,
            }
        ).limit(5000)
        out = []
        async for doc in cursor:
            a = doc.get("anchor") or {}
            if angular_distance(ra, dec, float(a["ra"]), float(a["dec"])) <= radius:
                out.append(_out(doc))
                if len(out) >= limit:
                    break
        return out

    async def create(self, owner_id: str, record_id: str, kind: Kind, body: Document) -> Document:
        count = await self.coll.count_documents(
            {"owner_id": owner_id, "record_id": record_id, "kind": kind}
        )
        if count >= MAX_PER_RECORD:
            raise Unprocessable(
                f"at most {MAX_PER_RECORD} {kind}s per record", code="too_many_annotations"
            )
        now = datetime.now(UTC)
        doc = {
            "_id": ObjectId(),
            "owner_id": owner_id,
            "record_id": record_id,
            "kind": kind,
            **_pack(body),
            "created_at": now,
            "updated_at": now,
        }
        await self.coll.insert_one(doc)
        return _out(doc)

    async def create_many(
        self, owner_id: str, record_id: str, kind: Kind, bodies: Sequence[Document]
    ) -> list[Document]:
        return [await self.create(owner_id, record_id, kind, b) for b in bodies]

    async def update(
        self, owner_id: str, record_id: str, kind: Kind, item_id: str, body: Document
    ) -> Document:
        if not ObjectId.is_valid(item_id):
            raise NotFound(f"{kind} {item_id} not found", code=f"{kind}_not_found")
        fields: dict[str, Any] = {**_pack(body), "updated_at": datetime.now(UTC)}
        doc = await self.coll.find_one_and_update(
            {"_id": ObjectId(item_id), "owner_id": owner_id, "record_id": record_id, "kind": kind},
            {"$set": fields},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"{kind} {item_id} not found", code=f"{kind}_not_found")
        return _out(doc)

    async def delete(self, owner_id: str, record_id: str, kind: Kind, item_id: str) -> None:
        if not ObjectId.is_valid(item_id):
            raise NotFound(f"{kind} {item_id} not found", code=f"{kind}_not_found")
        found = await self.coll.find_one_and_delete(
            {"_id": ObjectId(item_id), "owner_id": owner_id, "record_id": record_id, "kind": kind}
        )
        if found is None:
            raise NotFound(f"{kind} {item_id} not found", code=f"{kind}_not_found")
