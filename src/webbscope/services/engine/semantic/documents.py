"""A record as the semantic index sees it: its prose (with what the database knows around
it: the programme from the stored primary header, the records it was made from, the featured
target it shows) and the fields filters read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from webbscope.db import Document
from webbscope.db.records import RecordsRepo
from webbscope.db.semantic import stamp_of
from webbscope.discovery import FEATURED, find_target
from webbscope.jwst import effective_filter
from webbscope.library.query import query_entry
from webbscope.library.sky import angular_distance_deg
from webbscope.semantic import TextContext, constellation_of, record_text


@dataclass(frozen=True)
class IndexedRecord:
    id: str
    text: str
    text_sha: str
    attrs: dict[str, Any]
    stamp: str


def _primary_cards(hdus: list[Document] | None) -> dict[str, Any]:
    if not hdus:
        return {}
    return {str(c.get("key")): c.get("value") for c in hdus[0].get("cards", [])}


def featured_for(meta: Document) -> str | None:
    """What the project knows about the record's target: by name, else by position."""
    name = meta.get("target_name")
    target = find_target(str(name)) if name else None
    ra, dec = meta.get("center_ra", meta.get("target_ra")), meta.get("center_dec", meta.get("target_dec"))
    if target is None and isinstance(ra, int | float) and isinstance(dec, int | float):
        for t in FEATURED:
            if angular_distance_deg(t.ra, t.dec, float(ra), float(dec)) <= t.radius_deg:
                target = t
                break
    return target.note() if target else None


async def describe(records: RecordsRepo, doc: Document) -> IndexedRecord:
    meta = doc.get("metadata") or {}
    cards = _primary_cards(await records.get_headers(str(doc["_id"])))
    inputs: list[str] = []
    for parent in (doc.get("lineage") or {}).get("derived_from", []):
        if not ObjectId.is_valid(parent):
            continue
        src = await records.coll.find_one({"_id": ObjectId(parent)}, {"file_name": 1, "metadata": 1})
        if src is None:
            continue
        m = src.get("metadata") or {}
        band = effective_filter(m.get("filter"), m.get("pupil"))
        inputs.append(f"{src['file_name']}" + (f" ({m.get('instrument')} {band})" if band else ""))
    ra, dec = meta.get("center_ra", meta.get("target_ra")), meta.get("center_dec", meta.get("target_dec"))
    constellation = (
        constellation_of(float(ra), float(dec))
        if isinstance(ra, int | float) and isinstance(dec, int | float)
        else None
    )
    context = TextContext(
        programme_title=str(cards["TITLE"]) if cards.get("TITLE") else None,
        pi_name=str(cards["PI_NAME"]) if cards.get("PI_NAME") else None,
        inputs=inputs,
        target_note=featured_for(meta),
        constellation=constellation,
    )
    text = record_text(doc, context)
    return IndexedRecord(
        id=str(doc["_id"]),
        text=text,
        text_sha=hashlib.sha256(text.encode()).hexdigest(),
        attrs=query_entry(doc),
        stamp=stamp_of(doc.get("updated_at")),
    )
