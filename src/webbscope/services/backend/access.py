"""Who may read or change a record, for the backend's routes: one place, called by every route
and cache that serves a record or a product made from records (`library.query.may_read` holds
the rule itself)."""

from __future__ import annotations

from bson.errors import InvalidId

from webbscope.db import Document, parse_id
from webbscope.db.records import RecordsRepo
from webbscope.domain.users import User
from webbscope.errors import NotFound
from webbscope.library.products import product_inputs
from webbscope.library.query import may_read, may_read_all
from webbscope.services.backend.deps import Records

__all__ = [
    "can_read",
    "can_write",
    "product_inputs",
    "readable",
    "readable_inputs",
    "require_inputs",
]


def can_read(doc: Document, caller: User | None) -> bool:
    return may_read(doc, caller.id if caller else None, bool(caller and caller.is_admin))


def can_write(doc: Document, caller: User | None) -> bool:
    return caller is not None and (caller.is_admin or doc["owner_id"] == caller.id)


async def readable(records: Records, record_id: str, caller: User | None) -> Document:
    """The record if the caller may read it; 404 otherwise (existence does not leak)."""
    parse_id(record_id, "record id")
    try:
        doc = await records.get_raw(record_id)
    except NotFound:
        doc = None
    if doc is None or not can_read(doc, caller):
        raise NotFound(f"record {record_id} not found", code="record_not_found")
    return doc


async def readable_inputs(
    records: RecordsRepo, record_ids: list[str], caller: User | None
) -> list[Document] | None:
    """The input records of a product if the caller may read every one (`may_read_all`);
    None otherwise, without saying which (the product answers 404 and names nothing)."""
    docs: list[Document | None] = []
    for rid in record_ids:
        try:
            docs.append(await records.get_raw(rid))
        except (NotFound, InvalidId, TypeError):
            docs.append(None)
    ok = may_read_all(docs, caller.id if caller else None, bool(caller and caller.is_admin))
    return [d for d in docs if d is not None] if ok else None


async def require_inputs(
    records: RecordsRepo, record_ids: list[str], caller: User | None
) -> list[Document]:
    """The inputs in the given order; 404 naming the first the caller may not read."""
    docs = await readable_inputs(records, record_ids, caller)
    if docs is None:
        for rid in record_ids:
            if await readable_inputs(records, [rid], caller) is None:
                raise NotFound(f"record {rid} not found", code="record_not_found")
        raise NotFound("record not found", code="record_not_found")
    by_id = {str(d["_id"]): d for d in docs}
    return [by_id[rid] for rid in record_ids]
