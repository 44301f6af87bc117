"""Who may read a product made from records (a composite, a mosaic): only a caller who may
read every input (`may_read_all`). Routes and jobs call this; no route module imports
another for it."""

from __future__ import annotations

from bson.errors import InvalidId

from webbscope.db import Document
from webbscope.db.records import RecordsRepo
from webbscope.domain.users import User
from webbscope.errors import NotFound
from webbscope.library.query import may_read_all


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
