"""The database handle shared by a service: connection, health check and index creation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, OperationFailure, PyMongoError

from webbscope.db._indexes import INDEXES, RETIRED
from webbscope.errors import ServiceUnavailable

Document = dict[str, Any]
_NAMESPACE_EXISTS = 48
_NOT_IMPLEMENTED = 238
log = logging.getLogger("webbscope.db")


def redact_uri(uri: str) -> str:
    """The URI with any password replaced, safe to show in an error or a log line."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", uri)


class Database:
    """One client per process; collections are reached through `collection(name)`."""

    def __init__(self, uri: str, name: str, *, timeout_ms: int = 5000) -> None:
        self.uri = uri
        self.name = name
        self.client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            tz_aware=True,
            uuidRepresentation="standard",
            appname="webbscope",
        )
        self.db: AsyncDatabase[Document] = self.client[name]

    def collection(self, name: str) -> AsyncCollection[Document]:
        return self.db[name]

    async def ping(self, timeout_s: float = 3.0) -> None:
        """Raise `ServiceUnavailable` naming the server when the database does not answer."""
        try:
            await asyncio.wait_for(self.db.command("ping"), timeout_s)
        except (PyMongoError, TimeoutError, OSError) as exc:
            raise ServiceUnavailable(
                f"database at {redact_uri(self.uri)} is unreachable: {exc.__class__.__name__}",
                code="database_unavailable",
                details={"uri": redact_uri(self.uri)},
            ) from exc

    async def ensure_indexes(self, indexes: Mapping[str, Sequence[IndexModel]] = INDEXES) -> None:
        """Create the declared collections and indexes; running it again changes nothing."""
        existing = set(await self.db.list_collection_names())
        for coll, models in indexes.items():
            if coll not in existing:
                try:
                    await self.db.create_collection(coll)
                except CollectionInvalid:
                    pass  # another replica created it first
                except OperationFailure as exc:
                    if exc.code != _NAMESPACE_EXISTS:
                        raise
            for model in models:
                await self._create_index(coll, model)
        if indexes is INDEXES:
            await self._drop_retired()

    async def _drop_retired(self) -> None:
        for coll, names in RETIRED.items():
            try:
                present = {ix["name"] async for ix in await self.db[coll].list_indexes()}
            except OperationFailure:
                continue
            for name in names:
                if name in present:
                    with contextlib.suppress(OperationFailure):
                        await self.db[coll].drop_index(name)

    async def _create_index(self, coll: str, model: IndexModel) -> None:
        try:
            await self.db[coll].create_indexes([model])
        except OperationFailure as exc:
            doc = dict(model.document)
            if exc.code != _NOT_IMPLEMENTED or "expireAfterSeconds" not in doc:
                raise
            # The wire-protocol server used in development has no TTL indexes: keep a plain
            # index; expired documents are then removed by the code that owns them.
            log.warning("TTL index %s.%s created without expiry (not supported)", coll, doc["name"])
            del doc["expireAfterSeconds"]
            keys = doc.pop("key")
            await self.db[coll].create_indexes([IndexModel(list(keys.items()), **doc)])

    async def close(self) -> None:
        await self.client.close()
