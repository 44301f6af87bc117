"""The data layer against the real wire-protocol server (FerretDB over SQLite)."""

import pytest
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from webbscope.db import Database
from webbscope.devstack.process import free_port
from webbscope.errors import ServiceUnavailable

pytestmark = pytest.mark.integration

TEST_INDEXES = {
    "things": [IndexModel([("slug", ASCENDING)], unique=True, name="slug_unique")],
    "empty": [],
}


async def test_ping_answers_over_the_wire(database: Database) -> None:
    await database.ping()
    info = await database.client.server_info()
    assert "version" in info


async def test_indexes_are_created_idempotently(database: Database) -> None:
    await database.ensure_indexes(TEST_INDEXES)
    await database.ensure_indexes(TEST_INDEXES)  # a second start-up changes nothing
    names = {ix["name"] async for ix in await database.collection("things").list_indexes()}
    assert "slug_unique" in names
    assert "empty" in await database.db.list_collection_names()
    await database.collection("things").insert_one({"slug": "a"})
    with pytest.raises(DuplicateKeyError):
        await database.collection("things").insert_one({"slug": "a"})


async def test_atomic_find_one_and_update(database: Database) -> None:
    coll = database.collection("counters")
    await coll.insert_one({"_id": "c", "n": 0})
    for _ in range(5):
        await coll.find_one_and_update({"_id": "c"}, {"$inc": {"n": 1}})
    doc = await coll.find_one({"_id": "c"})
    assert doc is not None and doc["n"] == 5


async def test_unreachable_database_is_a_clear_error() -> None:
    uri = f"mongodb://user:hunter2@127.0.0.1:{free_port()}"
    db = Database(uri, "x", timeout_ms=300)
    with pytest.raises(ServiceUnavailable) as info:
        await db.ping(timeout_s=2)
    assert "unreachable" in info.value.message
    assert "hunter2" not in info.value.message  # the password never appears
    assert info.value.code == "database_unavailable"
    await db.close()


async def test_concurrent_read_modify_writes_are_atomic(database: Database) -> None:
    """MongoDB guarantees single-document atomicity; the development server must too (its
    gate serialises writes): no lost $inc, and a document is claimed exactly once."""
    import asyncio

    from pymongo import AsyncMongoClient, ReturnDocument

    clients = [AsyncMongoClient(database.uri) for _ in range(8)]
    colls = [c[database.name]["atomic"] for c in clients]
    await colls[0].insert_one({"_id": "n", "v": 0})

    async def bump(coll, times: int) -> None:  # type: ignore[no-untyped-def]
        for _ in range(times):
            await coll.find_one_and_update({"_id": "n"}, {"$inc": {"v": 1}})
            await coll.update_one({"_id": "n"}, {"$inc": {"v": 1}})

    await asyncio.gather(*(bump(c, 25) for c in colls))
    assert (await colls[0].find_one({"_id": "n"}))["v"] == 8 * 25 * 2  # type: ignore[index]

    await colls[0].insert_many([{"_id": f"job{i}", "state": "queued"} for i in range(20)])

    async def claim(coll, who: int) -> list[str]:  # type: ignore[no-untyped-def]
        won = []
        while True:
            doc = await coll.find_one_and_update(
                {"state": "queued"},
                {"$set": {"state": f"taken-by-{who}"}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                return won
            won.append(doc["_id"])

    results = await asyncio.gather(*(claim(c, i) for i, c in enumerate(colls)))
    taken = [j for r in results for j in r]
    assert sorted(taken) == sorted(f"job{i}" for i in range(20))  # each exactly once
    for c in clients:
        await c.close()
