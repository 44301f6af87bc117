"""The library's read model against a real stack: strict list parameters, facets, cursor
paging, sky search across RA 0/360 and at the poles, a record whose event was lost (its
writer killed between the insert and the event) listed again by reconciliation, and
concurrent edits that all land."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx

from tests.support.api import ApiUser
from tests.support.stack import RunningStack
from tests.support.wait import eventually


def err(r: httpx.Response) -> dict[str, object]:
    body = r.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]  # type: ignore[no-any-return]


def test_unknown_list_parameters_are_422_naming_them(alice: ApiUser) -> None:
    for path in ("/api/records", "/api/records/facets", "/api/search"):
        params = {"instrumnet": "miri"} if path != "/api/search" else {"q": "x", "instrumnet": "m"}
        r = alice.get(path, params=params)
        assert r.status_code == 422, (path, r.text)
        e = err(r)
        assert e["code"] == "unknown_parameter"
        assert "instrumnet" in str(e["message"])
        assert e["details"]["unknown"] == ["instrumnet"]  # type: ignore[index]
    assert alice.get("/api/records", params={"instrument": "miri"}).status_code == 200


# -- records written straight into the database (as a writer would leave them) ------------

_WRITER = textwrap.dedent(
    """
    import asyncio, os, sys
    from bson import ObjectId
    from webbscope.db import Database
    from webbscope.db.records import RecordsRepo
    from webbscope.db.users import UsersRepo
    from webbscope.domain.records import Source

    uri, owner_id, name, kill = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "kill"
    footprints = {
        "wrap": [(359.9, -0.1), (0.1, -0.1), (0.1, 0.1), (359.9, 0.1)],
        "north": [(0.0, 89.9), (90.0, 89.9), (180.0, 89.9), (270.0, 89.9)],
        "south": [(10.0, -89.95), (100.0, -89.95), (190.0, -89.95), (280.0, -89.95)],
    }

    async def main():
        db = Database(uri, "webbscope")
        owner = await UsersRepo(db).get(owner_id)
        repo = RecordsRepo(db)
        if kill:
            async def die(*args, **kwargs):
                os._exit(17)  # the writer dies after its insert, before the event
            repo._changed = die
        rid = ObjectId()
        print(rid, flush=True)
        meta = {"instrument": "NIRCAM", "filter": "F200W", "target_name": name.upper()}
        shape = name.split("-")[0]
        if shape in footprints:
            meta["footprint"] = [{"ra": a, "dec": b} for a, b in footprints[shape]]
        elif shape == "centre":
            meta["target_ra"], meta["target_dec"] = 0.05, -0.02
        await repo.create(
            owner=owner, file_name=name + ".fits", source=Source.upload,
            storage_key="uploads/x/" + name, size=10, sha256=name + str(rid),
            metadata=meta, record_id=rid,
        )
        await db.close()

    asyncio.run(main())
    """
)


def write_record(stack: RunningStack, owner: ApiUser, name: str, *, kill: bool) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", _WRITER, stack.mongodb_uri, owner.id, name, "kill" if kill else ""],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == (17 if kill else 0), proc.stderr
    return proc.stdout.split()[0]


def listed(user: ApiUser, **params: object) -> set[str]:
    r = user.get("/api/records", params={"archived": "any", "limit": 200, **params})
    assert r.status_code == 200, r.text
    return {i["id"] for i in r.json()["items"]}


def test_a_record_whose_writer_died_before_its_event_is_listed_by_reconciliation(
    api_stack: RunningStack, alice: ApiUser
) -> None:
    rid = write_record(api_stack, alice, "lostevent-one", kill=True)
    # No event was published: only the reconciliation (every second here) can find it.
    eventually(lambda: listed(alice, q="lostevent"), lambda ids: rid in ids, timeout=15)


def test_sky_search_at_ra_zero_and_the_poles(api_stack: RunningStack, bob: ApiUser) -> None:
    ids = {
        name: write_record(api_stack, bob, name, kill=False)
        for name in ("wrap-sky", "north-sky", "south-sky", "centre-sky")
    }
    eventually(lambda: listed(bob, q="sky"), lambda got: set(ids.values()) <= got, timeout=15)

    def sky(ra: float, dec: float, radius: float | None = None) -> set[str]:
        params: dict[str, object] = {"ra": ra, "dec": dec, "owner": "me"}
        if radius is not None:
            params["radius"] = radius
        found = listed(bob, **params)
        return {n for n, i in ids.items() if i in found}

    # The footprint straddling RA 0/360 contains points on both sides of the seam.
    assert sky(359.95, 0.0) == {"wrap-sky"}
    assert sky(0.05, 0.05) == {"wrap-sky"}
    # A circle that only reaches an edge across the seam: the polygon meets the cone.
    assert "wrap-sky" in sky(359.7, 0.0, 0.25)
    assert "wrap-sky" not in sky(359.7, 0.0, 0.15)
    # A record without a footprint is matched by its centre.
    assert "centre-sky" in sky(0.0, 0.0, 0.1)
    assert "centre-sky" not in sky(0.0, 0.0, 0.01)
    # The poles: any RA at the pole itself; a circle across the pole from the other side.
    assert sky(123.0, 90.0) == {"north-sky"}
    assert sky(300.0, 89.8, 0.5) == {"north-sky"}
    assert sky(45.0, -90.0) == {"south-sky"}
    assert sky(200.0, 89.0, 0.5) == set()


def test_facets_and_cursor_pages(alice: ApiUser, demo_dir: Path) -> None:
    r = alice.upload(*sorted(demo_dir.glob("*_miri_*.fits")))
    assert r.status_code in (200, 201), r.text
    facets = alice.get("/api/records/facets", params={"owner": "me", "instrument": "miri"})
    assert facets.status_code == 200, facets.text
    body = facets.json()
    assert body["total"] >= 1
    assert [f["value"] for f in body["instrument"]] == ["miri"]
    assert sum(f["count"] for f in body["filter"]) == body["total"]
    everything = alice.get("/api/records", params={"owner": "me", "limit": 200}).json()
    seen: list[str] = []
    params: dict[str, object] = {"owner": "me", "limit": 2}
    while True:
        page = alice.get("/api/records", params=params).json()
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [i["id"] for i in everything["items"]]
    bad = alice.get("/api/records", params={"cursor": "garbage"})
    assert bad.status_code == 422 and err(bad)["code"] == "bad_cursor"


def test_concurrent_edits_all_land(alice: ApiUser, i2d: Path) -> None:
    r = alice.upload(i2d)
    assert r.status_code in (200, 201), r.text
    rid = r.json()["items"][0]["record"]["id"]
    tags = [f"t{i}" for i in range(8)]
    barrier = threading.Barrier(len(tags) + 1)
    results: list[int] = []

    def tag(t: str) -> None:
        barrier.wait()
        resp = alice.post("/api/records/bulk", json={"action": "tag", "ids": [rid], "tags": [t]})
        results.append(resp.status_code)

    def describe() -> None:
        barrier.wait()
        resp = alice.patch(f"/api/records/{rid}", json={"description": "edited at once"})
        results.append(resp.status_code)

    threads = [threading.Thread(target=tag, args=(t,)) for t in tags]
    threads.append(threading.Thread(target=describe))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * len(threads)
    record = alice.get(f"/api/records/{rid}").json()
    assert set(tags) <= set(record["tags"]), record["tags"]
    assert record["description"] == "edited at once"
    # The list (the read model) agrees, and free text finds every tag.
    assert rid in listed(alice, tags=",".join(tags))
