"""The access matrix: anonymous, owner, another user and an administrator, for every record route,
for a private, a shared and a public record. Another user's private record answers 404."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.api import ApiUser, new_client, wait_job
from tests.support.stack import RunningStack

pytestmark = pytest.mark.integration

READ_ROUTES = ["", "/download", "/headers", "/lineage"]


@pytest.fixture
def records(alice: ApiUser, bob: ApiUser, demo_dir: Path) -> dict[str, str]:
    files = sorted(demo_dir.glob("*_i2d.fits"))[:3]
    r = alice.upload(*files)
    assert r.status_code == 201, r.text
    ids = [i["record"]["id"] for i in r.json()["items"]]
    out = {"private": ids[0], "shared": ids[1], "public": ids[2]}
    assert (
        alice.patch(f"/api/records/{ids[1]}", json={"shared_with": [bob.username]}).status_code
        == 200
    )
    assert alice.patch(f"/api/records/{ids[2]}", json={"visibility": "public"}).status_code == 200
    # Each upload queued a thumbnail job: let them finish, so what the thumbnail route answers
    # does not depend on how far the engine got (a record without one yet: test_jobs_api).
    thumbs = alice.get("/api/jobs", params={"type": "thumbnail", "limit": 200}).json()["items"]
    for job in thumbs:
        if job["params"]["record_id"] in ids:
            assert wait_job(alice, job["id"], timeout=60)["status"] == "succeeded"
    return out


def _caller(
    who: str, alice: ApiUser, bob: ApiUser, carol: ApiUser, admin: ApiUser, anon: httpx.Client
):
    return {"owner": alice, "shared-with": bob, "other": carol, "admin": admin}.get(who, anon)


def _as(who: str, alice: ApiUser, bob: ApiUser, admin: ApiUser, stack: RunningStack):
    from tests.support.api import register

    carol = register(stack.url("backend"), "carol")
    return _caller(who, alice, bob, carol, admin, new_client(stack.url("backend")))


# who -> visibility -> may read?
CAN_READ = {
    "anonymous": {"private": False, "shared": False, "public": True},
    "owner": {"private": True, "shared": True, "public": True},
    "shared-with": {"private": False, "shared": True, "public": True},
    "other": {"private": False, "shared": False, "public": True},
    "admin": {"private": True, "shared": True, "public": True},
}
CAN_WRITE = {"anonymous": False, "owner": True, "shared-with": False, "other": False, "admin": True}


@pytest.mark.parametrize("who", list(CAN_READ))
def test_access_matrix(
    who: str,
    records: dict[str, str],
    alice: ApiUser,
    bob: ApiUser,
    admin: ApiUser,
    api_stack: RunningStack,
) -> None:
    caller = _as(who, alice, bob, admin, api_stack)
    get = caller.get
    for vis, rid in records.items():
        readable = CAN_READ[who][vis]
        for route in READ_ROUTES:
            r = get(f"/api/records/{rid}{route}")
            expected = 200 if readable else 404
            assert r.status_code == expected, (who, vis, route, r.status_code, r.text[:200])
            if not readable:
                assert r.json()["error"]["code"] == "record_not_found"
        # Thumbnails (made by then): a reader gets it; others learn nothing, not even that.
        t = get(f"/api/records/{rid}/thumbnail")
        if readable:
            assert t.status_code == 200 and t.headers["content-type"] == "image/jpeg"
        else:
            assert t.status_code == 404 and t.json()["error"]["code"] == "record_not_found"
        listed = {i["id"] for i in get("/api/records", params={"limit": 200}).json()["items"]}
        assert (rid in listed) == readable, (who, vis)
        # Writes: the owner and admins may; anonymous is 401; a reader 403; others 404.
        p = caller.patch(f"/api/records/{rid}", json={"description": f"by {who}"})
        if CAN_WRITE[who]:
            assert p.status_code == 200
        elif who == "anonymous":
            assert p.status_code == 401
        else:
            assert p.status_code == (403 if readable else 404), (who, vis, p.text)
    # Deletion last (it changes the fixture): only the owner or an admin.
    for vis, rid in records.items():
        d = caller.delete(f"/api/records/{rid}")
        if CAN_WRITE[who]:
            assert d.status_code == 204
        elif who == "anonymous":
            assert d.status_code == 401
        else:
            assert d.status_code == (403 if CAN_READ[who][vis] else 404)
        bulk = caller.post("/api/records/bulk", json={"action": "archive", "ids": [rid]})
        if who == "anonymous":
            assert bulk.status_code == 401
        elif not CAN_WRITE[who]:
            assert bulk.json()["items"][0]["ok"] is False


# A product made from records is readable only by those who may read every input.
COMPOSITE_INPUTS = {
    "from-private": ["private", "public"],
    "from-shared": ["shared", "public"],
    "from-public": ["public"],
}
COMPOSITE_ROUTES = ["", "/preview.png?width=32", "/tiles/0/0/0/0.f16", "/rgb/0/0/0.png"]


@pytest.mark.parametrize("who", list(CAN_READ))
def test_composite_access_matrix(
    who: str,
    records: dict[str, str],
    alice: ApiUser,
    bob: ApiUser,
    admin: ApiUser,
    api_stack: RunningStack,
) -> None:
    caller = _as(who, alice, bob, admin, api_stack)
    made = {}
    for name, inputs in COMPOSITE_INPUTS.items():
        channels = [
            {"record_id": records[v], "color": c}
            for v, c in zip(inputs, ("red", "cyan"), strict=False)
        ]
        r = alice.post("/api/composites", json={"channels": channels, "grid": {"mode": "finest"}})
        assert r.status_code in (200, 201), r.text
        made[name] = r.json()["id"]
    for name, cid in made.items():
        readable = all(CAN_READ[who][v] for v in COMPOSITE_INPUTS[name])
        for route in COMPOSITE_ROUTES:
            r = caller.get(f"/api/composites/{cid}{route}")
            assert r.status_code == (200 if readable else 404), (who, name, route, r.text[:200])
            if not readable:
                body = r.json()["error"]
                assert body["code"] == "composite_not_found"
                assert not any(
                    records[v] in r.text for v in COMPOSITE_INPUTS[name]
                )  # names nothing
        if who != "anonymous":
            listed = [c["id"] for c in caller.get("/api/composites").json()["items"]]
            assert (cid in listed) == (who == "owner")  # the list is the caller's own
            render = caller.post(f"/api/composites/{cid}/render", json={"formats": ["png"]})
            assert render.status_code == (202 if readable else 404)
            if readable:
                caller.post(f"/api/jobs/{render.json()['job_id']}/cancel")
    # Deleting an input: the composite can no longer be read by anyone.
    for rid in records.values():
        assert alice.delete(f"/api/records/{rid}").status_code == 204
    assert alice.get(f"/api/composites/{made['from-public']}").status_code == 404
