from datetime import UTC, datetime

from webbscope.domain.records import Visibility
from webbscope.library.query import PUBLIC, RecordQuery, run_query
from webbscope.records.sky import angular_distance_deg, bounding_circle, polygon_contains

SQUARE = [(10.0, -1.0), (12.0, -1.0), (12.0, 1.0), (10.0, 1.0)]


def test_polygon_contains_inside_outside_and_antipode() -> None:
    assert polygon_contains(SQUARE, 11.0, 0.0)
    assert not polygon_contains(SQUARE, 13.0, 0.0)
    assert not polygon_contains(SQUARE, 191.0, 0.0)  # the antipode
    assert polygon_contains(list(reversed(SQUARE)), 11.0, 0.5)  # either winding


def test_polygon_across_ra_zero() -> None:
    wrap = [(359.0, -1.0), (1.0, -1.0), (1.0, 1.0), (359.0, 1.0)]
    assert polygon_contains(wrap, 0.2, 0.0) and polygon_contains(wrap, 359.8, 0.0)
    assert not polygon_contains(wrap, 180.0, 0.0)


def test_distance_and_bounding_circle() -> None:
    assert abs(angular_distance_deg(0, 0, 90, 0) - 90) < 1e-9
    ra, dec, r = bounding_circle(SQUARE)
    assert abs(ra - 11.0) < 1e-6 and abs(dec) < 1e-6 and 1.3 < r < 1.5


def _doc(i: int, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "_id": f"{i:024x}",
        "owner_id": "u1",
        "readers": ["u1"],
        "visibility": "private",
        "archived": False,
        "facets": {"instrument": "nircam", "program": "2731"},
        "source": "upload",
        "tags": [],
        "search": f"file{i}",
        "created_at": datetime(2024, 1, i + 1, tzinfo=UTC),
        "file_name_lower": f"f{i}.fits",
        "size": i,
    }
    base.update(kw)
    return base


def test_scope_owner_filters_and_order() -> None:
    docs = [
        _doc(0),
        _doc(1, readers=["u1", PUBLIC], visibility="public"),
        _doc(2, owner_id="u2", readers=["u2"]),
        _doc(3, archived=True),
        _doc(4, facets={"instrument": "miri"}, tags=["a", "b"]),
    ]
    ids = lambda page: [d["_id"] for d in page[0]]  # noqa: E731
    assert run_query(docs, RecordQuery(), None, False)[1] == 1  # anonymous: public only
    assert run_query(docs, RecordQuery(), "u1", False)[1] == 3  # archived hidden by default
    assert run_query(docs, RecordQuery(), "x", True)[1] == 4  # admins see everything
    assert ids(run_query(docs, RecordQuery(instrument=["MIRI"]), "u1", False)) == [docs[4]["_id"]]
    assert run_query(docs, RecordQuery(tags=["a", "c"]), "u1", False)[1] == 0
    assert run_query(docs, RecordQuery(program=["02731"]), "u1", False)[1] == 2
    assert run_query(docs, RecordQuery(visibility=Visibility.public), "u1", False)[1] == 1
    oldest = run_query(docs, RecordQuery(descending=False, limit=2), "u1", False)
    assert ids(oldest) == [docs[0]["_id"], docs[1]["_id"]] and oldest[1] == 3
    assert run_query(docs, RecordQuery(archived=None), "u1", False)[1] == 4
