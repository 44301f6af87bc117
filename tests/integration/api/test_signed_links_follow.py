"""A signed download link checks access again when it is followed: it works for as long as
the account it was issued to may read the record and the record holds the same file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from bson import ObjectId

from tests.support.api import ApiUser, new_client
from tests.support.stack import RunningStack
from webbscope.db import Database

pytestmark = pytest.mark.integration


def err(r: httpx.Response) -> dict[str, object]:
    body = r.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]  # type: ignore[no-any-return]


def upload_ok(user: ApiUser, path: Path) -> dict[str, object]:
    r = user.upload(path)
    assert r.status_code in (200, 201), r.text
    return r.json()["items"][0]["record"]  # type: ignore[no-any-return]


def link_for(user: ApiUser, record_id: object) -> str:
    r = user.post(f"/api/records/{record_id}/download-link")
    assert r.status_code == 200, r.text
    return str(r.json()["url"])


def refused_as_unreadable(r: httpx.Response) -> None:
    assert r.status_code == 404, r.text
    assert err(r)["code"] == "record_not_found"
    assert r.headers["content-type"].startswith("application/json")


def test_a_readers_link_stops_when_the_record_is_unshared(
    alice: ApiUser, bob: ApiUser, i2d: Path
) -> None:
    rec = upload_ok(alice, i2d)
    data = i2d.read_bytes()
    shared = alice.patch(f"/api/records/{rec['id']}", json={"shared_with": [bob.username]})
    assert shared.status_code == 200, shared.text
    url = link_for(bob, rec["id"])
    assert parse_qs(urlsplit(url).query)["account"] == [bob.id]
    anonymous = new_client(str(bob.client.base_url))
    # The happy path: followed with no token, the whole file and a range of it.
    got = anonymous.get(url)
    assert got.status_code == 200 and got.content == data
    part = anonymous.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    # Unshared before the link expires: bob's link is refused, alice's own still works.
    owners = link_for(alice, rec["id"])
    unshared = alice.patch(
        f"/api/records/{rec['id']}", json={"shared_with": [], "visibility": "private"}
    )
    assert unshared.status_code == 200, unshared.text
    refused_as_unreadable(anonymous.get(url))
    refused_as_unreadable(anonymous.get(url, headers={"Range": "bytes=10-19"}))
    assert anonymous.get(owners).content == data
    # Bob's link cannot be passed off as alice's: the account is part of the signature.
    as_alice = url.replace(f"account={bob.id}", f"account={alice.id}")
    assert as_alice != url
    forged = anonymous.get(as_alice)
    assert forged.status_code == 403 and err(forged)["code"] == "invalid_link"
    # Shared again: the same link is good again (within its lifetime).
    alice.patch(f"/api/records/{rec['id']}", json={"shared_with": [bob.username]})
    assert anonymous.get(url).content == data


def test_a_public_records_link_stops_when_it_is_made_private(alice: ApiUser, i2d: Path) -> None:
    rec = upload_ok(alice, i2d)
    made_public = alice.patch(f"/api/records/{rec['id']}", json={"visibility": "public"})
    assert made_public.status_code == 200, made_public.text
    anonymous = new_client(str(alice.client.base_url))
    r = anonymous.post(f"/api/records/{rec['id']}/download-link")
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    assert "account" not in parse_qs(urlsplit(url).query)  # issued to nobody in particular
    assert anonymous.get(url).content == i2d.read_bytes()
    made_private = alice.patch(f"/api/records/{rec['id']}", json={"visibility": "private"})
    assert made_private.status_code == 200, made_private.text
    refused_as_unreadable(anonymous.get(url))


def test_a_link_stops_when_the_record_is_deleted(alice: ApiUser, i2d: Path) -> None:
    rec = upload_ok(alice, i2d)
    url = link_for(alice, rec["id"])
    anonymous = new_client(str(alice.client.base_url))
    assert anonymous.get(url).status_code == 200
    assert alice.delete(f"/api/records/{rec['id']}").status_code == 204
    refused_as_unreadable(anonymous.get(url))


def test_a_link_stops_when_the_account_is_disabled(
    alice: ApiUser, bob: ApiUser, admin: ApiUser, i2d: Path
) -> None:
    rec = upload_ok(alice, i2d)
    alice.patch(f"/api/records/{rec['id']}", json={"shared_with": [bob.username]})
    url = link_for(bob, rec["id"])
    anonymous = new_client(str(bob.client.base_url))
    assert anonymous.get(url).status_code == 200
    disabled = admin.patch(f"/api/users/{bob.id}/disabled", json={"disabled": True})
    assert disabled.status_code == 200, disabled.text
    refused_as_unreadable(anonymous.get(url))


def test_a_link_stops_when_the_records_file_changes(
    alice: ApiUser, api_stack: RunningStack, i2d: Path
) -> None:
    rec = upload_ok(alice, i2d)
    url = link_for(alice, rec["id"])
    anonymous = new_client(str(alice.client.base_url))
    assert anonymous.get(url).status_code == 200

    async def replace_sha() -> None:
        db = Database(api_stack.mongodb_uri, "webbscope")
        try:
            await db.collection("records").update_one(
                {"_id": ObjectId(str(rec["id"]))}, {"$set": {"sha256": "b" * 64}}
            )
        finally:
            await db.close()

    asyncio.run(replace_sha())
    stale = anonymous.get(url)
    assert stale.status_code == 403 and err(stale)["code"] == "link_stale"
