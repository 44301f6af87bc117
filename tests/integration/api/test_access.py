"""The access matrix: anonymous, owner, another user and an administrator, for every record route,
for a private, a shared and a public record. Another user's private record answers 404."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.api import ApiUser, new_client
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
    return out


def _caller(
    who: str, alice: ApiUser, bob: ApiUser, carol: ApiUser, admin: ApiUser, anon: httpx.Client
):
    return {"owner": alice, "shared-with": bob, "other": carol, "admin": admin}.get(who, anon)


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
    from tests.support.api import register

    carol = register(api_stack.url("backend"), "carol")
    anon = new_client(api_stack.url("backend"))
    caller = _caller(who, alice, bob, carol, admin, anon)
    get = caller.get
    for vis, rid in records.items():
        readable = CAN_READ[who][vis]
        for route in READ_ROUTES:
            r = get(f"/api/records/{rid}{route}")
            expected = 200 if readable else 404
            assert r.status_code == expected, (who, vis, route, r.status_code, r.text[:200])
            if not readable:
                assert r.json()["error"]["code"] == "record_not_found"
        # Thumbnails: a reader gets it, or learns it is not made yet (the job may have run,
        # thumbnails take milliseconds); others see 404 record_not_found.
        t = get(f"/api/records/{rid}/thumbnail")
        if readable:
            assert t.status_code == 200 or t.json()["error"]["code"] == "thumbnail_not_ready"
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
