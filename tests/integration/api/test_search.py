"""`/api/search` and `/api/records/{id}/similar` on the real stack, with the real model: the
engine's `embed` jobs index uploads; hints become filters; filters and access apply before the
top k (no leak, no short page); bad queries are 422; the index status reports count and lag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.api import ApiUser
from tests.support.stack import RunningStack
from tests.support.wait import eventually

# Each of these waits for an engine to load the real model, on a shared 2-core machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

#: Loading the model in the engine takes a while on a busy machine.
INDEXED_WITHIN = 480


def _search(user: ApiUser, **params: Any) -> dict[str, Any]:
    r = user.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [i["record"]["id"] for i in body["items"]]


def _indexed(user: ApiUser, record_id: str, q: str) -> bool:
    body = _search(user, q=q, mode="semantic", owner="me", limit=100)
    return body["degraded"] is None and record_id in _ids(body)


@pytest.fixture(scope="module")
def library(api_stack: RunningStack, demo_dir: Path) -> dict[str, Any]:
    from tests.support.api import register

    alice = register(api_stack.url("backend"), "alice")
    bob = register(api_stack.url("backend"), "bob")
    names = {
        "f090w": "jw02731-o001_t017_nircam_clear-f090w_i2d.fits",
        "f770w": "jw02731-o002_t017_miri_f770w_i2d.fits",
        "f1130w": "jw02731-o002_t017_miri_f1130w_i2d.fits",
    }
    r = alice.upload(*(demo_dir / n for n in names.values()))
    assert r.status_code == 201, r.text
    ids = dict(zip(names, (i["record"]["id"] for i in r.json()["items"]), strict=True))
    quintet = sorted(demo_dir.glob("jw02732-o001_*_i2d.fits"))[0]
    r = bob.upload(quintet)
    assert r.status_code == 201, r.text
    ids["bob"] = r.json()["items"][0]["record"]["id"]
    eventually(lambda: _indexed(alice, ids["f1130w"], "mid-infrared dust"), bool, INDEXED_WITHIN)
    eventually(lambda: _indexed(bob, ids["bob"], "galaxies"), bool, INDEXED_WITHIN)
    return {"alice": alice, "bob": bob, "ids": ids}


def test_bad_queries_are_422(alice: ApiUser) -> None:
    for q, code in (("", "empty_query"), ("   ", "empty_query"), ("x" * 501, "query_too_long")):
        r = alice.get("/api/search", params={"q": q})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == code
    assert alice.get("/api/search").status_code == 422
    assert alice.get("/api/search", params={"q": "x" * 500}).status_code == 200


def test_the_issues_example_becomes_chips_and_filters(library: dict[str, Any]) -> None:
    alice, ids = library["alice"], library["ids"]
    body = _search(alice, q="MIRI images of Carina longer than 10 microns", owner="me")
    keys = {c["key"] for c in body["chips"]}
    assert {"instrument", "near", "wavelength_min"} <= keys
    assert _ids(body) == [ids["f1130w"]]  # MIRI, near NGC 3324, F1130W's pivot is 11.3 µm
    assert body["items"][0]["why"]
    # removing the wavelength chip brings back the 7.7 µm image
    body = _search(
        alice, q="MIRI images of Carina longer than 10 microns", owner="me", drop="wavelength_min"
    )
    assert set(_ids(body)) == {ids["f770w"], ids["f1130w"]}
    assert "wavelength_min" in body["dropped"]


def test_meaning_finds_what_words_do_not(library: dict[str, Any]) -> None:
    alice, ids = library["alice"], library["ids"]
    body = _search(alice, q="stellar nursery in the southern sky", owner="me", mode="semantic")
    assert set(_ids(body)) >= {ids["f090w"], ids["f770w"], ids["f1130w"]}
    assert all(i["semantic_score"] is not None for i in body["items"])
    keyword = _search(alice, q="stellar nursery in the southern sky", owner="me", mode="keyword")
    assert keyword["items"] == []
    exact = _search(alice, q="F1130W", owner="me")
    assert _ids(exact)[0] == ids["f1130w"]
    assert any(w.startswith("matched words") for w in exact["items"][0]["why"])


def test_no_leak_and_no_short_page(library: dict[str, Any]) -> None:
    alice, bob, ids = library["alice"], library["bob"], library["ids"]
    # Bob's private record never reaches Alice, however well it matches.
    for q in ("Stephan's Quintet compact group of galaxies", "jw02732", "galaxies"):
        assert ids["bob"] not in _ids(_search(alice, q=q, limit=100))
    # A filtered page is full while more records match.
    first = _search(alice, q="Carina nebula images", owner="me", instrument="MIRI", limit=1)
    assert len(first["items"]) == 1 and first["has_more"] and first["total"] == 2
    second = _search(
        alice, q="Carina nebula images", owner="me", instrument="MIRI", limit=1, offset=1
    )
    assert len(second["items"]) == 1
    assert {_ids(first)[0], _ids(second)[0]} == {ids["f770w"], ids["f1130w"]}
    # Once Bob makes it public, it appears for Alice.
    assert bob.patch(f"/api/records/{ids['bob']}", json={"visibility": "public"}).status_code == 200
    eventually(
        lambda: (
            ids["bob"]
            in _ids(_search(alice, q="compact group of galaxies", mode="semantic", limit=100))
        ),
        bool,
        60,
    )
    assert (
        bob.patch(f"/api/records/{ids['bob']}", json={"visibility": "private"}).status_code == 200
    )
    assert ids["bob"] not in _ids(_search(alice, q="compact group of galaxies", limit=100))


def test_similar_records(library: dict[str, Any], carol_client: ApiUser) -> None:
    alice, ids = library["alice"], library["ids"]
    r = alice.get(f"/api/records/{ids['f770w']}/similar")
    assert r.status_code == 200, r.text
    similar = [i["record"]["id"] for i in r.json()["items"]]
    assert ids["f1130w"] in similar and ids["f770w"] not in similar and ids["bob"] not in similar
    top = next(i for i in r.json()["items"] if i["record"]["id"] == ids["f1130w"])
    assert any("same" in w for w in top["why"])
    # another user's private record: 404, as everywhere
    assert carol_client.get(f"/api/records/{ids['f770w']}/similar").status_code == 404


def test_deleted_records_leave_the_index(library: dict[str, Any], demo_dir: Path) -> None:
    alice = library["alice"]
    r = alice.upload(demo_dir / "jw02731-o001_t017_nircam_clear-f444w_i2d.fits")
    rid = r.json()["items"][0]["record"]["id"]
    eventually(lambda: _indexed(alice, rid, "4.4 micron image"), bool, INDEXED_WITHIN)
    assert alice.delete(f"/api/records/{rid}").status_code == 204
    assert rid not in _ids(_search(alice, q="4.4 micron image", owner="me"))


def test_index_status_for_administrators(library: dict[str, Any], admin: ApiUser) -> None:
    assert library["alice"].get("/api/semantic/status").status_code == 403
    body = eventually(
        lambda: admin.get("/api/semantic/status").json(), lambda b: b["lag"] == 0, 120
    )
    engine = body["engine"]
    assert (
        engine["state"] == "ready" and engine["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    )
    assert engine["count"] >= 4 and body["library_records"] >= engine["count"] - 1
    health = admin.get("/api/health").json()
    assert health["checks"]["semantic"]["status"] == "ok"


@pytest.fixture
def carol_client(api_stack: RunningStack) -> ApiUser:
    from tests.support.api import register

    return register(api_stack.url("backend"), "carol")
