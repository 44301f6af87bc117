"""A record as the semantic index sees it: its prose (with what the database knows around
it) and the fields filters read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from webbscope.db import Document
from webbscope.db.records import RecordsRepo
from webbscope.db.semantic import stamp_of
from webbscope.library.query import query_entry
from webbscope.semantic import build_context, record_text


@dataclass(frozen=True)
class IndexedRecord:
    id: str
    text: str
    text_sha: str
    attrs: dict[str, Any]
    stamp: str


async def describe(records: RecordsRepo, doc: Document) -> IndexedRecord:
    hdus = await records.get_headers(str(doc["_id"]))
    cards = {str(c.get("key")): c.get("value") for c in (hdus[0].get("cards", []) if hdus else [])}
    inputs: list[Document] = []
    for parent in (doc.get("lineage") or {}).get("derived_from", []):
        if ObjectId.is_valid(parent):
            src = await records.coll.find_one(
                {"_id": ObjectId(parent)}, {"file_name": 1, "metadata": 1}
            )
            if src is not None:
                inputs.append(src)
    text = record_text(doc, build_context(doc, primary_cards=cards, inputs=inputs))
    return IndexedRecord(
        id=str(doc["_id"]),
        text=text,
        text_sha=hashlib.sha256(text.encode()).hexdigest(),
        attrs=query_entry(doc),
        stamp=stamp_of(doc.get("updated_at")),
    )
