"""The SQLite + numpy read model answers as the plain-Python query functions do (filters,
sorts, paging), and pages by cursor without gaps or repeats."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from webbscope.domain.records import Visibility
from webbscope.library.query import PUBLIC, RecordQuery, run_query
from webbscope.library.read_model import BadCursor, ReadModel

INSTRUMENTS = ["nircam", "miri", "nirspec", None]
FILTERS = ["f090w", "f200w", "f770w", None]


def _doc(i: int, rng: random.Random) -> dict[str, Any]:
    owner = rng.choice(["u1", "u2", "u3"])
    vis = rng.choice(["private", "public", "shared"])
    readers = [owner] + ([PUBLIC] if vis == "public" else []) + (["u1"] if vis == "shared" else [])
    created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(50))
    observed = None if rng.random() < 0.2 else created - timedelta(days=rng.randrange(9))
    return {
        "_id": f"{i:024x}",
        "owner_id": owner,
        "readers": readers,
        "visibility": vis,
        "archived": rng.random() < 0.1,
        "facets": {
            "instrument": rng.choice(INSTRUMENTS),
            "filter": rng.choice(FILTERS),
            "target": rng.choice(["carina", "ngc 628"]),
            "program": rng.choice(["2731", "1234"]),
        },
        "processing_level": rng.choice(["2b", "3"]),
        "product_type": rng.choice(["cal", "i2d"]),
        "source": "upload",
        "tags": sorted(rng.sample(["a", "b", "c"], rng.randrange(3))),
        "observed_at": observed,
        "created_at": created,
        "updated_at": created,
        "file_name_lower": f"f{rng.randrange(30):03d}.fits",
        "size": rng.choice([None, 10, 20, 30]),
        "sky": None,
        "search": f"file{i} word{i % 7}",
        "body": {"id": f"{i:024x}"},
    }


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    rng = random.Random(7)
    return [_doc(i, rng) for i in range(400)]


@pytest.fixture(scope="module")
def model(docs: list[dict[str, Any]]) -> ReadModel:
    m = ReadModel()
    m.upsert(docs)
    return m


QUERIES = [
    RecordQuery(),
    RecordQuery(instrument=["MIRI", "nircam"]),
    RecordQuery(filter=["F200W"], archived=None),
    RecordQuery(tags=["a", "b"]),
    RecordQuery(owner="me"),
    RecordQuery(owner="others", visibility=Visibility.public),
    RecordQuery(program=["02731"], processing_level=["3"]),
    RecordQuery(observed_after=datetime(2024, 1, 1, tzinfo=UTC)),
    RecordQuery(sort="observed_at", descending=False, offset=30, limit=25),
    RecordQuery(sort="size", offset=5, limit=40),
    RecordQuery(sort="file_name", descending=False, limit=60),
    RecordQuery(sort="instrument", limit=200),
    RecordQuery(sort="target", descending=False, offset=3, limit=7),
]


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize(("caller", "admin"), [("u1", False), (None, False), ("x", True)])
def test_same_answers_as_the_python_query(
    model: ReadModel, docs: list[dict[str, Any]], q: RecordQuery, caller: str | None, admin: bool
) -> None:
    want, want_total = run_query(docs, q, caller, admin)
    page = model.query(q, caller, admin)
    assert page.total == want_total
    assert [json.loads(b)["id"] for b in page.bodies] == [d["_id"] for d in want]


def test_cursor_pages_cover_everything_once(model: ReadModel, docs: list[dict[str, Any]]) -> None:
    for sort in ("created_at", "observed_at", "file_name", "target"):
        q = RecordQuery(sort=sort, limit=17, archived=None)
        want, total = run_query(
            docs, RecordQuery(sort=sort, limit=1000, archived=None), "u1", False
        )
        seen: list[str] = []
        cursor = None
        while True:
            page = model.query(q, "u1", False, cursor)
            assert page.total == total
            seen += [json.loads(b)["id"] for b in page.bodies]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [d["_id"] for d in want], sort
    with pytest.raises(BadCursor):
        model.query(RecordQuery(sort="size"), "u1", False, cursor="nonsense")
    first = model.query(RecordQuery(limit=5), "u1", False)
    with pytest.raises(BadCursor):
        model.query(RecordQuery(sort="size", limit=5), "u1", False, first.next_cursor)


def test_text_tags_facets_and_removal(docs: list[dict[str, Any]]) -> None:
    m = ReadModel()
    m.upsert(docs[:50])
    assert [json.loads(b)["id"] for b in m.query(RecordQuery(text="FILE7"), "x", True).bodies] == [
        docs[7]["_id"]
    ]
    assert m.query(RecordQuery(text="word3", archived=None), "x", True).total == sum(
        1 for i in range(50) if i % 7 == 3
    )
    facets = m.facets(RecordQuery(archived=None), "x", True)
    assert facets["total"] == 50
    assert sum(f["count"] for f in facets["processing_level"]) == 50
    m.remove([docs[7]["_id"]])
    assert m.query(RecordQuery(text="file7"), "x", True).total == 0
    changed = dict(docs[8], tags=["zz"], archived=False)
    m.upsert([changed])
    assert [json.loads(b)["id"] for b in m.query(RecordQuery(tags=["zz"]), "x", True).bodies] == [
        docs[8]["_id"]
    ]
    assert len(m) == 49
