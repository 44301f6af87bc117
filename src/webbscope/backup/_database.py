"""The database, one collection at a time: each streamed to a gzip file of BSON documents
(mongodump's format, so `bsondump` and `mongorestore` read it too) and back."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from webbscope.backup._manifest import DB_DIR, CollectionDump
from webbscope.db import Database
from webbscope.errors import Conflict, WebbscopeError
from webbscope.hashing import file_sha256

log = logging.getLogger("webbscope.backup")
RAW = CodecOptions(document_class=RawBSONDocument)
BATCH = 1000


def _raw(db: Database, name: str) -> AsyncCollection[RawBSONDocument]:
    """The collection with documents as undecoded BSON (copied byte for byte)."""
    return cast("AsyncCollection[RawBSONDocument]", db.db.get_collection(name, codec_options=RAW))


async def supports_snapshots(db: Database) -> bool:
    """True on a replica set or sharded cluster (MongoDB's snapshot reads need one)."""
    hello: dict[str, Any] = await db.db.command("hello")
    return bool(hello.get("setName") or hello.get("msg") == "isdbgrid")


async def collection_names(db: Database) -> list[str]:
    return sorted(n for n in await db.db.list_collection_names() if not n.startswith("system."))


async def dump_collection(
    db: Database, name: str, root: Path, session: AsyncClientSession | None
) -> CollectionDump:
    """Stream one collection (in `_id` order) into `db/<name>.bson.gz`."""
    rel = f"{DB_DIR}/{name}.bson.gz"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    coll = _raw(db, name)
    with gzip.open(path, "wb", compresslevel=6) as out:
        async for doc in coll.find({}, sort=[("_id", 1)], session=session, batch_size=BATCH):
            out.write(doc.raw)
            count += 1
    return CollectionDump(name=name, count=count, file=rel, sha256=file_sha256(path))


def _documents(path: Path) -> Iterator[RawBSONDocument]:
    with gzip.open(path, "rb") as f:
        yield from bson.decode_file_iter(cast(IO[bytes], f), codec_options=RAW)


async def non_empty(db: Database) -> list[str]:
    return [
        n for n in await collection_names(db) if await db.collection(n).find_one({}, {"_id": 1})
    ]


async def restore_collection(db: Database, dump: CollectionDump, root: Path) -> None:
    """Replace the collection with the dump's documents, in batches."""
    coll = _raw(db, dump.name)
    await coll.drop()
    if dump.count == 0:
        await db.db.create_collection(dump.name)  # an empty collection is kept as one
    batch: list[RawBSONDocument] = []
    written = 0
    for doc in _documents(root / dump.file):
        batch.append(doc)
        if len(batch) >= BATCH:
            await coll.insert_many(batch, ordered=True)
            written += len(batch)
            batch = []
    if batch:
        await coll.insert_many(batch, ordered=True)
        written += len(batch)
    if written != dump.count:
        raise WebbscopeError(
            f"collection {dump.name}: restored {written} documents, the backup has {dump.count}",
            code="backup_count_mismatch",
        )


def refuse_non_empty(names: list[str]) -> Conflict:
    return Conflict(
        f"the database is not empty ({', '.join(names[:5])}{'...' if len(names) > 5 else ''}): "
        "stop the services and restore with --replace to overwrite it",
        code="database_not_empty",
        details={"collections": names},
    )
