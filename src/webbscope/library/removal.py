"""Removing a record and what is stored for it only: its files (not the shared archive
store's), its thumbnail, and its rendered tiles once no record has the same content.

Used by the records routes and by jobs that replace their own products (an automatic
observation mosaic replaced when its inputs change).
"""

from __future__ import annotations

import asyncio

from webbscope.db import Database, Document
from webbscope.db.records import RecordsRepo
from webbscope.storage import MAST_PREFIX, TILES_PREFIX, StorageProvider


async def delete_record(db: Database, storage: StorageProvider, record_id: str) -> Document | None:
    """Delete the record and its own stored files; the removed document, or None."""
    repo = RecordsRepo(db)
    doc = await repo.delete(record_id)
    if doc is None:
        return None
    keys = [doc["storage_key"], *doc.get("extra_keys", [])]
    for key in keys:
        # Archive files stay in the shared store (another import may use them); its size
        # limit evicts them once no record uses them.
        if not key.startswith(MAST_PREFIX) and await repo.count_key_references(key) == 0:
            await asyncio.to_thread(storage.delete, key)
    if doc.get("thumbnail_key"):
        await asyncio.to_thread(storage.delete, doc["thumbnail_key"])
    if await repo.coll.count_documents({"sha256": doc["sha256"]}) == 0:
        # Rendered tiles and image info are kept per file content; no record uses it now.
        await asyncio.to_thread(storage.delete_prefix, f"{TILES_PREFIX}{doc['sha256']}/")
    return doc
