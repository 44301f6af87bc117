"""A record is written after its headers, so a failure in between leaves nothing that dedup,
lists or reads could find (issue: the record was inserted first, and headers too large for
the database left an orphan that a second upload answered with "already in your library")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId
from pymongo.errors import DocumentTooLarge

from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.domain.records import Source
from webbscope.domain.users import User
from webbscope.errors import Conflict

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OWNER = User(
    id=str(ObjectId()),
    username="writer",
    email="w@example.org",
    password_hash="x",
    created_at=NOW,
    updated_at=NOW,
)


def _create(repo: RecordsRepo, sha: str, headers: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return repo.create(
        owner=OWNER,
        file_name="f.fits",
        source=Source.upload,
        storage_key=f"uploads/{OWNER.id}/{sha}.fits",
        size=1,
        sha256=sha,
        metadata={"exposure_start": datetime.now(UTC)},
        headers=headers,
    )


async def test_headers_the_database_refuses_leave_no_record(database: Database) -> None:
    repo = RecordsRepo(database)
    cards = [{"key": f"K{n:07d}", "value": n, "comment": "c" * 40} for n in range(300_000)]
    with pytest.raises(DocumentTooLarge):
        await _create(repo, "a" * 64, [{"index": 0, "cards": cards}])
    assert await repo.find_duplicate(OWNER.id, "a" * 64) is None
    assert await repo.coll.count_documents({}) == 0
    assert await repo.headers.count_documents({}) == 0


async def test_a_duplicate_leaves_only_the_first_records_headers(database: Database) -> None:
    await database.ensure_indexes()  # one record per owner and content
    repo = RecordsRepo(database)
    first = await _create(repo, "b" * 64, [{"index": 0, "cards": []}])
    with pytest.raises(Conflict) as caught:
        await _create(repo, "b" * 64, [{"index": 0, "cards": [{"key": "X"}]}])
    assert caught.value.details["record_id"] == first.id
    assert await repo.coll.count_documents({}) == 1
    assert await repo.headers.count_documents({}) == 1
    assert await repo.get_headers(first.id) == [{"index": 0, "cards": []}]
