"""The records collection: a library record per file, scoped by who may read it.

Each document carries `readers`: the owner's id, the ids it is shared with and `"*"` when it
is public. Every read is filtered by it, so access control is one indexed condition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from webbscope.db._client import Database, Document
from webbscope.domain.records import Lineage, Record, Source, Visibility
from webbscope.domain.users import User
from webbscope.errors import Conflict, NotFound
from webbscope.library.sky import angular_distance_deg, bounding_circle, polygon_contains

PUBLIC = "*"

SortKey = Literal[
    "created_at", "updated_at", "file_name", "observed_at", "target", "instrument", "size"
]
_SORT_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "file_name": "file_name_lower",
    "observed_at": "observed_at",
    "target": "facets.target",
    "instrument": "facets.instrument",
    "size": "size",
}


@dataclass
class RecordQuery:
    """Filters of `GET /api/records`; None means "any"."""

    text: str | None = None
    instrument: Sequence[str] = ()
    filter: Sequence[str] = ()
    target: Sequence[str] = ()
    program: Sequence[str] = ()
    processing_level: Sequence[str] = ()
    product_type: Sequence[str] = ()
    source: Sequence[str] = ()
    tags: Sequence[str] = ()
    visibility: Visibility | None = None
    archived: bool | None = False
    owner: Literal["me", "others", "any"] = "any"
    observed_after: datetime | None = None
    observed_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    ra: float | None = None
    dec: float | None = None
    radius: float | None = None
    sort: SortKey = "created_at"
    descending: bool = True
    offset: int = 0
    limit: int = 50
    ids: Sequence[ObjectId] = field(default_factory=list)


def readers_of(owner_id: str, visibility: Visibility, shared_ids: Sequence[str]) -> list[str]:
    readers = [owner_id]
    if visibility is Visibility.shared:
        readers += [u for u in shared_ids if u != owner_id]
    if visibility is Visibility.public:
        readers.append(PUBLIC)
    return readers


def scope_filter(caller: User | None) -> Document:
    """What the caller may read: own, shared with them and public; administrators all."""
    if caller is None:
        return {"readers": PUBLIC}
    if caller.is_admin:
        return {}
    return {"readers": {"$in": [caller.id, PUBLIC]}}


def _lower(values: Sequence[str]) -> list[str]:
    return [v.strip().lower() for v in values if v.strip()]


def build_filter(q: RecordQuery, caller: User | None) -> Document:
    f: Document = scope_filter(caller)
    if q.text:
        f["search"] = {"$regex": re.escape(q.text.strip().lower())}
    for name, values in (
        ("facets.instrument", q.instrument),
        ("facets.filter", q.filter),
        ("facets.target", q.target),
        ("facets.program", q.program),
        ("processing_level", q.processing_level),
        ("product_type", q.product_type),
        ("source", q.source),
    ):
        vals = _lower(values) if name.startswith("facets.") else [v for v in values if v]
        if name == "facets.program":
            vals = [_program(v) for v in vals]
        if vals:
            f[name] = vals[0] if len(vals) == 1 else {"$in": vals}
    if q.tags:
        f["tags"] = {"$all": _lower(q.tags)}
    if q.visibility is not None:
        f["visibility"] = q.visibility.value
    if q.archived is not None:
        f["archived"] = q.archived
    if caller is not None and q.owner != "any":
        f["owner_id"] = caller.id if q.owner == "me" else {"$ne": caller.id}
    for name, lo, hi in (
        ("observed_at", q.observed_after, q.observed_before),
        ("created_at", q.created_after, q.created_before),
    ):
        cond: Document = {}
        if lo is not None:
            cond["$gte"] = lo
        if hi is not None:
            cond["$lte"] = hi
        if cond:
            f[name] = cond
    if q.ids:
        f["_id"] = {"$in": list(q.ids)}
    if q.ra is not None and q.dec is not None:
        # A coarse declination band in the query; the exact test runs on the candidates.
        reach = (q.radius or 0.0) + _MAX_FOOTPRINT_RADIUS
        f["sky.dec"] = {"$gte": q.dec - reach, "$lte": q.dec + reach}
    return f


#: The largest footprint radius the declination pre-filter allows for (degrees): a NIRCam
#: mosaic spans well under a degree; MIRI and NIRSpec are smaller.
_MAX_FOOTPRINT_RADIUS = 2.0


def matches_sky(doc: Document, ra: float, dec: float, radius: float | None) -> bool:
    """With a radius: the footprint comes within `radius` degrees of the point (its
    bounding circle does). Without: the footprint contains the point."""
    sky = doc.get("sky")
    if not sky:
        return False
    corners = [(c["ra"], c["dec"]) for c in sky.get("corners") or []]
    if radius is None:
        return polygon_contains(corners, ra, dec)
    if polygon_contains(corners, ra, dec):
        return True
    reach = float(radius) + float(sky["radius"])
    return angular_distance_deg(float(sky["ra"]), float(sky["dec"]), ra, dec) <= reach


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


def search_text(*parts: object) -> str:
    words: list[str] = []
    for p in parts:
        if isinstance(p, list | tuple):
            words += [str(x) for x in p if x]
        elif p:
            words.append(str(p))
    return " ".join(words).lower()


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


def _program(value: str) -> str:
    """Proposal ids compare without leading zeros ("02731" is "2731")."""
    return value.strip().lstrip("0") or "0"


def _facets(meta: Document) -> Document:
    out = {
        k: (str(meta[src]).lower() if meta.get(src) is not None else None)
        for k, src in (
            ("instrument", "instrument"),
            ("filter", "filter"),
            ("target", "target_name"),
        )
    }
    out["program"] = _program(str(meta["program"])) if meta.get("program") else None
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
        """Insert a record; a second copy of the same content for the same owner is a
        `Conflict` carrying the existing record's id."""
        now = datetime.now(UTC)
        tags = sorted(set(_lower(tags)))
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
        doc["search"] = _search_of(doc)
        try:
            await self.coll.insert_one(doc)
        except DuplicateKeyError:
            existing = await self.coll.find_one({"owner_id": owner.id, "sha256": sha256})
            raise Conflict(
                f"{file_name!r} is already in your library",
                code="duplicate_record",
                details={"record_id": str(existing["_id"]) if existing else None},
            ) from None
        if headers is not None:
            await self.headers.replace_one({"_id": doc["_id"]}, {"hdus": headers}, upsert=True)
        for parent in derived_from:
            await self.coll.update_one(
                {"_id": ObjectId(parent)}, {"$addToSet": {"lineage.derivatives": str(doc["_id"])}}
            )
        return to_record(doc)

    async def update(self, record_id: str, changes: Document) -> Record:
        """Apply owner-side changes (tags, description, visibility, sharing, archived, name)
        and keep the derived fields (readers, search) consistent."""
        doc = await self.coll.find_one({"_id": ObjectId(record_id)})
        if doc is None:
            raise NotFound("record not found", code="record_not_found")
        new = dict(doc)
        new.update(changes)
        if "tags" in changes:
            new["tags"] = sorted(set(_lower(changes["tags"])))
        if "file_name" in changes:
            new["file_name_lower"] = changes["file_name"].lower()
        vis = Visibility(new["visibility"])
        if vis is not Visibility.shared:
            new["shared_with"], new["shared_with_ids"] = [], []
        new["readers"] = readers_of(new["owner_id"], vis, new["shared_with_ids"])
        new["search"] = _search_of(new)
        new["updated_at"] = datetime.now(UTC)
        sets = {k: new[k] for k in new if k != "_id" and new[k] != doc.get(k)}
        updated = await self.coll.find_one_and_update(
            {"_id": doc["_id"]}, {"$set": sets}, return_document=ReturnDocument.AFTER
        )
        if updated is None:
            raise NotFound("record not found", code="record_not_found")
        return to_record(updated)

    async def add_tags(self, record_id: str, tags: Sequence[str], remove: bool = False) -> Record:
        rec = await self.get_raw(record_id)
        current = set(rec.get("tags", []))
        wanted = set(_lower(tags))
        new = current - wanted if remove else current | wanted
        return await self.update(record_id, {"tags": sorted(new)})

    async def set_thumbnail(self, record_id: str, key: str) -> None:
        await self.coll.update_one({"_id": ObjectId(record_id)}, {"$set": {"thumbnail_key": key}})

    async def delete(self, record_id: str) -> Document | None:
        """Remove the record (and its stored headers); return the document that was removed."""
        doc = await self.coll.find_one_and_delete({"_id": ObjectId(record_id)})
        if doc is None:
            return None
        await self.headers.delete_one({"_id": doc["_id"]})
        for parent in doc.get("lineage", {}).get("derived_from", []):
            await self.coll.update_one(
                {"_id": ObjectId(parent)}, {"$pull": {"lineage.derivatives": record_id}}
            )
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

    async def count_key_references(self, storage_key: str) -> int:
        return await self.coll.count_documents({"storage_key": storage_key})

    async def summaries(self, ids: Sequence[str], caller: User | None) -> list[Document]:
        """Short descriptions of the readable records among `ids` (for lineage)."""
        oids = [ObjectId(i) for i in ids if ObjectId.is_valid(i)]
        if not oids:
            return []
        f = {**scope_filter(caller), "_id": {"$in": oids}}
        proj = {"file_name": 1, "source": 1, "processing_level": 1, "product_type": 1}
        return [d async for d in self.coll.find(f, proj)]

    async def query(self, q: RecordQuery, caller: User | None) -> tuple[list[Record], int]:
        f = build_filter(q, caller)
        direction = DESCENDING if q.descending else ASCENDING
        sort = [(_SORT_FIELDS[q.sort], direction), ("_id", direction)]
        projection = {"search": 0}
        if q.ra is not None and q.dec is not None:
            docs = [d async for d in self.coll.find(f, projection).sort(sort)]
            hits = [d for d in docs if matches_sky(d, q.ra, q.dec, q.radius)]
            page = hits[q.offset : q.offset + q.limit]
            return [to_record(d) for d in page], len(hits)
        total = await self.coll.count_documents(f)
        cursor = self.coll.find(f, projection).sort(sort).skip(q.offset).limit(q.limit)
        return [to_record(d) async for d in cursor], total


def _search_of(doc: Document) -> str:
    meta = doc.get("metadata") or {}
    return search_text(
        doc.get("file_name"),
        meta.get("target_name"),
        meta.get("instrument"),
        meta.get("filter"),
        meta.get("program"),
        meta.get("obs_id"),
        doc.get("description"),
        doc.get("tags"),
    )
