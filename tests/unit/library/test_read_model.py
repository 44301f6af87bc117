"""The SQLite + numpy read model answers as the plain-Python query functions do (filters,
sorts, paging), and pages by cursor without gaps or repeats."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from webbscope.domain.records import Visibility
from webbscope.library.query import PUBLIC, RecordQuery, run_query
from webbscope.library.read_model import BadCursor, ReadModel, shape_matches
from webbscope.records.fields import sky_fields

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


def _sky_doc(i: int, rng: random.Random) -> dict[str, Any]:
    """A record with a small footprint (or only a centre) near RA 0/360 or a pole."""
    ra = rng.choice([0.0, 359.8, 0.2, 120.0]) + rng.uniform(-0.3, 0.3)
    dec = rng.choice([89.7, -89.8, 0.0, 45.0]) + rng.uniform(-0.2, 0.2)
    dec = max(-89.99, min(89.99, dec))
    d = rng.uniform(0.01, 0.3)
    doc = _doc(i, rng) | {"archived": False, "visibility": "public", "readers": ["u1", PUBLIC]}
    if i % 4 == 0:  # a centre and no footprint
        doc["body"] = {"id": doc["_id"], "metadata": {"center_ra": ra % 360, "center_dec": dec}}
    else:
        doc["sky"] = sky_fields(
            [(ra - d, dec - d / 2), (ra + d, dec - d / 2), (ra + d, dec + d / 2), (ra - d, dec)]
        )
    return doc


def _sky_answer(model: ReadModel, ra: float, dec: float, r: float) -> set[str]:
    q = RecordQuery(ra=ra, dec=dec, radius=r, limit=10_000)
    return {json.loads(b)["id"] for b in model.query(q, "u1", False).bodies}


def _sky_truth(model: ReadModel, ra: float, dec: float, r: float) -> set[str]:
    rows = model.db.execute("SELECT id, shape FROM rec WHERE shape IS NOT NULL").fetchall()
    return {i for i, shape in rows if shape_matches(shape, ra, dec, r)}


CONES = [(0.0, 89.8, 0.3), (180.0, 89.9, 0.5), (359.9, 0.1, 0.4), (0.1, -89.9, 0.2),
         (120.0, 45.0, 0.25), (0.0, 0.0, 0.05), (10.0, 10.0, 1.0)]  # fmt: skip


def test_sky_cone_is_the_footprint_definition_before_and_after_changes() -> None:
    """The band index (sorted by declination) finds exactly the records whose footprint (or
    centre) meets the cone, at RA 0/360 and the poles, also for records written after it
    was built."""
    rng = random.Random(3)
    m = ReadModel()
    m.upsert([_sky_doc(i, rng) for i in range(600)])
    for ra, dec, r in CONES:
        assert _sky_answer(m, ra, dec, r) == _sky_truth(m, ra, dec, r), (ra, dec, r)
    moved = [_sky_doc(i, rng) for i in range(0, 600, 7)] + [
        _sky_doc(900 + i, rng) for i in range(30)
    ]
    m.upsert(moved)
    m.remove([f"{i:024x}" for i in range(1, 600, 11)])
    for ra, dec, r in CONES:
        assert _sky_answer(m, ra, dec, r) == _sky_truth(m, ra, dec, r), (ra, dec, r)


def test_a_snapshot_opens_with_its_stored_columns_and_the_same_answers(
    docs: list[dict[str, Any]], tmp_path: Path
) -> None:
    live = ReadModel(tmp_path / "live.sqlite")
    live.upsert(docs)
    live.query(RecordQuery(sort="file_name"), "u1", False)  # the name ranks are stored too
    live.snapshot_to(tmp_path / "snap.sqlite")
    opened = ReadModel(tmp_path / "snap.sqlite")
    assert opened._stored  # read back, not rebuilt from the rows
    for q in QUERIES:
        for caller, admin in (("u1", False), ("x", True)):
            a, b = live.query(q, caller, admin), opened.query(q, caller, admin)
            assert (a.bodies, a.total, a.next_cursor) == (b.bodies, b.total, b.next_cursor)
    assert live.facets(RecordQuery(), "u1", False) == opened.facets(RecordQuery(), "u1", False)
    # A write after opening drops the stored columns with it: the next opening rebuilds
    # them from the rows, and sees the write.
    opened.upsert([dict(docs[0], tags=["fresh"], archived=False)])
    opened.close()
    again = ReadModel(tmp_path / "snap.sqlite")
    assert not again._stored
    assert again.query(RecordQuery(tags=["fresh"]), "x", True).total == 1
    # Closed with `store`, the file keeps columns that match it.
    again.close(store=True)
    last = ReadModel(tmp_path / "snap.sqlite")
    assert last._stored
    assert last.query(RecordQuery(tags=["fresh"]), "x", True).total == 1
    assert len(last) == len(docs)


def test_file_name_order_follows_writes_without_a_rebuild(docs: list[dict[str, Any]]) -> None:
    """Records written after the file-name order was built take their place in it (between
    their neighbours), and the sort still answers as the Python query does."""
    rng = random.Random(11)
    m = ReadModel()
    m.upsert(docs[:300])
    q = RecordQuery(sort="file_name", descending=False, limit=1000, archived=None)
    m.query(q, "x", True)
    current = {d["_id"]: d for d in docs[:300]}
    for round_ in range(4):
        written = [
            dict(docs[i], file_name_lower=f"f{rng.randrange(30):03d}.fits")
            for i in rng.sample(range(400), 40)
        ]
        new_id = f"{9000 + round_:024x}"
        written += [dict(docs[5], _id=new_id, body={"id": new_id}, file_name_lower="f000.fits")]
        m.upsert(written)
        current.update({d["_id"]: d for d in written})
        gone = rng.sample(sorted(current), 5)
        m.remove(gone)
        for rid in gone:
            del current[rid]
        assert m._name_rank is not None  # placed, not dropped for a rebuild
        for desc in (False, True):
            qd = RecordQuery(sort="file_name", descending=desc, limit=1000, archived=None)
            want, total = run_query(list(current.values()), qd, "x", True)
            page = m.query(qd, "x", True)
            assert page.total == total
            assert [json.loads(b)["id"] for b in page.bodies] == [d["_id"] for d in want]
