"""The library: uploads, listing and filters, one record, download, headers, lineage, bulk."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
import numpy as np
import pytest
from astropy.io import fits

from tests.support.api import ApiUser, new_client
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source

pytestmark = pytest.mark.integration


def err(r: httpx.Response) -> dict[str, object]:
    body = r.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]  # type: ignore[no-any-return]


def upload_ok(user: ApiUser, path: Path, name: str | None = None) -> dict[str, object]:
    r = user.upload(path, name=name)
    assert r.status_code in (200, 201), r.text
    return r.json()["items"][0]["record"]  # type: ignore[no-any-return]


def leftovers(stack: RunningStack, user: ApiUser) -> list[Path]:
    """Files of this user in storage plus anything still in the staging area."""
    found = list((stack.data_dir / "uploads" / user.id).rglob("*"))
    found += list((stack.data_dir / ".staging").glob("*"))
    return [p for p in found if p.is_file()]


def count(user: ApiUser) -> int:
    r = user.get("/api/records", params={"owner": "me", "archived": "any"})
    assert r.status_code == 200
    return int(r.json()["total"])


# -- uploads -------------------------------------------------------------------------------


def test_upload_extracts_metadata(alice: ApiUser, i2d: Path, api_stack: RunningStack) -> None:
    r = alice.upload(i2d)
    assert r.status_code == 201, r.text
    item = r.json()["items"][0]
    rec = item["record"]
    assert item["created"] is True
    assert rec["file_name"] == i2d.name
    assert rec["source"] == "upload" and rec["visibility"] == "private"
    assert rec["size"] == i2d.stat().st_size
    assert rec["sha256"] == hashlib.sha256(i2d.read_bytes()).hexdigest()
    meta = rec["metadata"]
    assert meta["instrument"] == "NIRCAM" and meta["filter"] == "F090W"
    assert meta["telescope"] == "JWST" and rec["processing_level"] == "3"
    assert rec["product_type"] == "i2d"
    assert len(meta["footprint"]) == 4
    stored = api_stack.data_dir / "uploads" / alice.id / f"{rec['sha256']}.fits"
    assert stored.read_bytes() == i2d.read_bytes()
    # The same file again: the existing record comes back, nothing new is stored.
    again = alice.upload(i2d)
    assert again.status_code == 200
    assert again.json()["items"][0] == {
        "record": again.json()["items"][0]["record"],
        "created": False,
    }
    assert again.json()["items"][0]["record"]["id"] == rec["id"]
    assert count(alice) == 1


def test_upload_several_files_in_one_request(bob: ApiUser, demo_dir: Path) -> None:
    paths = sorted(demo_dir.glob("*_i2d.fits"))[:3]
    r = bob.upload(*paths)
    assert r.status_code == 201, r.text
    assert [i["record"]["file_name"] for i in r.json()["items"]] == [p.name for p in paths]
    assert count(bob) == 3


def _truncated(src: Path, out: Path) -> Path:
    out.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return out


def _bomb(out: Path) -> Path:
    hdr = fits.Header()
    hdr["SIMPLE"] = True
    hdr["BITPIX"] = -32
    hdr["NAXIS"] = 2
    hdr["NAXIS1"] = 1_000_000
    hdr["NAXIS2"] = 1_000_000
    out.write_bytes(hdr.tostring().encode() + b"\0" * 2880)
    return out


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (
            lambda d, s: (d / "notes.fits").write_text("hello, not FITS") and d / "notes.fits",
            422,
            "not_fits",
        ),
        (lambda d, s: (d / "empty.fits").write_bytes(b"") or d / "empty.fits", 422, "not_fits"),
        (lambda d, s: _truncated(s, d / "half.fits"), 422, "fits_truncated"),
        (lambda d, s: _bomb(d / "bomb.fits"), 413, "fits_array_too_large"),
    ],
    ids=["text", "empty", "truncated", "memory-bomb"],
)
def test_bad_files_are_refused_and_leave_nothing(
    alice: ApiUser, api_stack: RunningStack, i2d: Path, tmp_path: Path, make, status, code
) -> None:
    path = make(tmp_path, i2d)
    r = alice.upload(path)
    assert r.status_code == status, r.text
    assert err(r)["code"] == code
    assert leftovers(api_stack, alice) == []
    assert count(alice) == 0


def test_one_bad_file_rejects_the_whole_upload(
    alice: ApiUser, api_stack: RunningStack, demo_dir: Path, tmp_path: Path
) -> None:
    good = sorted(demo_dir.glob("*_i2d.fits"))[:2]
    bad = _truncated(good[0], tmp_path / "bad.fits")
    r = alice.upload(*good, bad)
    assert r.status_code == 422
    assert leftovers(api_stack, alice) == [] and count(alice) == 0


@pytest.mark.parametrize(
    "name",
    [
        "../escape.fits",
        "dir/file.fits",
        "back\\slash.fits",
        "ctl\x01.fits",
        "..",
        "archive.fits.bz2",
        "image.png",
        "",
    ],
)
def test_hostile_file_names_are_refused(
    alice: ApiUser, api_stack: RunningStack, i2d: Path, name: str
) -> None:
    # Built by hand: HTTP clients escape such names; a hostile client sends them raw.
    head = (
        b'--b\r\nContent-Disposition: form-data; name="files"; filename="'
        + name.replace('"', "").encode()
        + b'"\r\n\r\n'
    )
    body = head + i2d.read_bytes() + b"\r\n--b--\r\n"
    r = alice.post(
        "/api/records", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 422, r.text
    assert err(r)["code"] in ("invalid_file_name", "no_files")
    assert leftovers(api_stack, alice) == []


def test_wrong_content_type_and_missing_files(alice: ApiUser) -> None:
    r = alice.post(
        "/api/records", content=b"SIMPLE  =", headers={"Content-Type": "application/fits"}
    )
    assert r.status_code == 415 and err(r)["code"] == "unsupported_media_type"
    r = alice.post("/api/records", data={"other": "x"}, files={"note": ("a.txt", b"x")})
    assert r.status_code == 422 and err(r)["code"] == "no_files"
    r = alice.post(
        "/api/records",
        content=b"--x\r\nbroken",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 400 and err(r)["code"] == "malformed_multipart"


def test_over_the_size_limit_is_413(alice: ApiUser, api_stack: RunningStack) -> None:
    # The test stack allows 50 MB per file; send 60 MB of a FITS-looking stream.
    def body():  # type: ignore[no-untyped-def]
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.fits"\r\n\r\n'
        yield fits.PrimaryHDU().header.tostring().encode()  # it starts as FITS does
        for _ in range(60):
            yield b"\0" * 1_000_000
        yield b"\r\n--b--\r\n"

    r = alice.post(
        "/api/records", content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 413 and err(r)["code"] == "file_too_large"
    assert leftovers(api_stack, alice) == []


def test_anonymous_cannot_upload(api_stack: RunningStack, i2d: Path) -> None:
    c = new_client(api_stack.url("backend"))
    r = c.post("/api/records", files=[("files", (i2d.name, i2d.read_bytes()))])
    assert r.status_code == 401


# -- listing -------------------------------------------------------------------------------


@pytest.fixture
def library(bob: ApiUser, demo_dir: Path) -> dict[str, dict[str, object]]:
    r = bob.upload(*sorted(demo_dir.glob("*.fits")))
    assert r.status_code == 201, r.text
    return {i["record"]["file_name"]: i["record"] for i in r.json()["items"]}


def names(r: httpx.Response) -> set[str]:
    assert r.status_code == 200, r.text
    return {i["file_name"] for i in r.json()["items"]}


def test_filters(bob: ApiUser, library: dict[str, dict[str, object]]) -> None:
    mine = {"owner": "me"}
    assert len(names(bob.get("/api/records", params={**mine, "limit": 200}))) == len(library)
    miri = names(bob.get("/api/records", params={**mine, "instrument": "miri"}))
    assert miri == {n for n in library if "_miri_" in n}
    two = names(
        bob.get("/api/records", params=[("owner", "me"), ("filter", "F770W"), ("filter", "f1130w")])
    )
    assert two == {n for n in library if "f770w" in n or "f1130w" in n}
    comma = names(bob.get("/api/records", params={**mine, "filter": "F770W,F1130W"}))
    assert comma == two
    lvl2 = names(bob.get("/api/records", params={**mine, "processing_level": "2b"}))
    assert lvl2 == {n for n in library if n.endswith("_cal.fits")}
    cubes = names(bob.get("/api/records", params={**mine, "product_type": "s3d"}))
    assert cubes == {n for n in library if n.endswith("_s3d.fits")}
    stephan = names(bob.get("/api/records", params={**mine, "program": "2732"}))
    assert stephan == {n for n in library if n.startswith("jw02732")}
    text = names(bob.get("/api/records", params={**mine, "q": "F444W"}))
    assert text == {n for n in library if "f444w" in n}


def test_text_search_covers_description_and_tags(
    bob: ApiUser, library: dict[str, dict[str, object]]
) -> None:
    rid = next(r["id"] for n, r in library.items() if "f200w" in n and n.startswith("jw02731"))
    assert (
        bob.patch(
            f"/api/records/{rid}",
            json={"description": "Pillars near the cliff edge", "tags": ["Favourite", "paper-1"]},
        ).status_code
        == 200
    )
    assert {
        i["id"] for i in bob.get("/api/records", params={"q": "cliff edge"}).json()["items"]
    } == {rid}
    assert {
        i["id"] for i in bob.get("/api/records", params={"q": "favourite"}).json()["items"]
    } == {rid}
    tagged = bob.get("/api/records", params={"tags": "favourite,paper-1"}).json()
    assert [i["id"] for i in tagged["items"]] == [rid]
    assert tagged["items"][0]["tags"] == ["favourite", "paper-1"]


def test_sky_position(bob: ApiUser, library: dict[str, dict[str, object]]) -> None:
    some = library["jw02732-o001_t101_nircam_clear-f200w_i2d.fits"]
    fp = some["metadata"]["footprint"]  # type: ignore[index]
    ra = sum(c["ra"] for c in fp) / 4  # type: ignore[index]
    dec = sum(c["dec"] for c in fp) / 4  # type: ignore[index]
    inside = names(bob.get("/api/records", params={"owner": "me", "ra": ra, "dec": dec}))
    assert "jw02732-o001_t101_nircam_clear-f200w_i2d.fits" in inside
    assert all(n.startswith("jw02732") for n in inside)
    near = names(bob.get("/api/records", params={"owner": "me", "ra": ra, "dec": dec, "radius": 5}))
    # Every Stephan's Quintet pointing is near; Carina (~110 degrees away) is not.
    assert near == {n for n in library if n.startswith("jw02732")}
    far = names(
        bob.get("/api/records", params={"owner": "me", "ra": (ra + 180) % 360, "dec": -dec})
    )
    assert far == set()
    assert bob.get("/api/records", params={"ra": 10}).status_code == 422
    assert bob.get("/api/records", params={"ra": 400, "dec": 0}).status_code == 422


def test_dates_sort_and_pagination(bob: ApiUser, library: dict[str, dict[str, object]]) -> None:
    everything = bob.get(
        "/api/records", params={"owner": "me", "sort": "file_name", "order": "asc", "limit": 200}
    ).json()
    ordered = [i["file_name"] for i in everything["items"]]
    assert ordered == sorted(library)
    page = bob.get(
        "/api/records",
        params={"owner": "me", "sort": "file_name", "order": "asc", "offset": 2, "limit": 3},
    ).json()
    assert page["total"] == len(library) and [i["file_name"] for i in page["items"]] == ordered[2:5]
    future = bob.get(
        "/api/records", params={"owner": "me", "observed_after": "2100-01-01T00:00:00Z"}
    )
    assert names(future) == set()
    past = bob.get(
        "/api/records",
        params={"owner": "me", "observed_before": "2100-01-01T00:00:00Z", "limit": 200},
    )
    assert names(past) == {n for n, r in library.items() if r["metadata"].get("exposure_start")}  # type: ignore[union-attr]
    for bad in (
        {"limit": -1},
        {"limit": 100000},
        {"offset": -5},
        {"sort": "password"},
        {"observed_after": "yesterday"},
        {"archived": "maybe"},
    ):
        r = bob.get("/api/records", params=bad)
        assert r.status_code == 422, bad
        assert err(r)["code"] == "validation_error"


def test_archived_are_hidden_by_default(
    bob: ApiUser, library: dict[str, dict[str, object]]
) -> None:
    rid = next(iter(library.values()))["id"]
    assert bob.patch(f"/api/records/{rid}", json={"archived": True}).status_code == 200
    assert rid not in {
        i["id"] for i in bob.get("/api/records", params={"limit": 200}).json()["items"]
    }
    arch = bob.get("/api/records", params={"archived": "true"}).json()
    assert [i["id"] for i in arch["items"]] == [rid]


# -- one record ------------------------------------------------------------------------------


def test_patch_validates(alice: ApiUser, i2d: Path) -> None:
    rid = upload_ok(alice, i2d)["id"]
    assert alice.patch(f"/api/records/{rid}", json={"owner_id": "x"}).status_code == 422
    assert alice.patch(f"/api/records/{rid}", json={"tags": ["ok", "\x07bell"]}).status_code == 422
    r = alice.patch(f"/api/records/{rid}", json={"file_name": "../../etc/passwd.fits"})
    assert r.status_code == 422 and err(r)["code"] == "invalid_file_name"
    r = alice.patch(f"/api/records/{rid}", json={"shared_with": ["no-such-user-xyz"]})
    assert r.status_code == 422 and err(r)["code"] == "unknown_user"
    r = alice.patch(f"/api/records/{rid}", json={"file_name": "renamed.fits", "description": "d"})
    assert r.status_code == 200 and r.json()["file_name"] == "renamed.fits"


@pytest.mark.parametrize("bad", ["123", "zzzzzzzzzzzzzzzzzzzzzzzz", "../../x", "%00"])
def test_malformed_ids_are_422(alice: ApiUser, bad: str) -> None:
    r = alice.get(f"/api/records/{bad}")
    assert r.status_code in (404, 422)
    if r.status_code == 422:
        assert err(r)["code"] == "invalid_id"


def test_download_and_ranges(alice: ApiUser, i2d: Path) -> None:
    rec = upload_ok(alice, i2d)
    data = i2d.read_bytes()
    r = alice.get(f"/api/records/{rec['id']}/download")
    assert r.status_code == 200 and r.content == data
    assert r.headers["accept-ranges"] == "bytes"
    assert i2d.name in r.headers["content-disposition"]
    part = alice.get(f"/api/records/{rec['id']}/download", headers={"Range": "bytes=100-2979"})
    assert part.status_code == 206 and part.content == data[100:2980]
    assert part.headers["content-range"] == f"bytes 100-2979/{len(data)}"
    tail = alice.get(f"/api/records/{rec['id']}/download", headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == data[-500:]
    bad = alice.get(f"/api/records/{rec['id']}/download", headers={"Range": f"bytes={len(data)}-"})
    assert bad.status_code == 416 and err(bad)["code"] == "range_not_satisfiable"
    etag = r.headers["etag"]
    assert (
        alice.get(f"/api/records/{rec['id']}/download", headers={"If-None-Match": etag}).status_code
        == 304
    )


def test_headers_of_every_hdu(alice: ApiUser, i2d: Path) -> None:
    rec = upload_ok(alice, i2d)
    r = alice.get(f"/api/records/{rec['id']}/headers")
    assert r.status_code == 200, r.text
    hdus = r.json()["hdus"]
    with fits.open(i2d) as hdul:
        assert len(hdus) == len(hdul)
        keys = {c["key"] for c in hdus[0]["cards"]}
        assert {"TELESCOP", "INSTRUME", "FILTER"} <= keys


def test_delete_removes_record_file_and_headers(
    alice: ApiUser, api_stack: RunningStack, i2d: Path
) -> None:
    rec = upload_ok(alice, i2d)
    assert leftovers(api_stack, alice)
    assert alice.delete(f"/api/records/{rec['id']}").status_code == 204
    assert alice.get(f"/api/records/{rec['id']}").status_code == 404
    assert leftovers(api_stack, alice) == []
    assert alice.delete(f"/api/records/{rec['id']}").status_code == 404


def test_lineage(
    alice: ApiUser, bob: ApiUser, api_stack: RunningStack, i2d: Path, demo_dir: Path
) -> None:
    parent = upload_ok(alice, i2d)
    hidden_parent = upload_ok(bob, demo_dir / "jw02731-o001_t017_nircam_clear-f200w_i2d.fits")

    async def derive() -> str:
        db = Database(api_stack.mongodb_uri, "webbscope")
        owner = await UsersRepo(db).require(alice.id)
        rec = await RecordsRepo(db).create(
            owner=owner,
            file_name="composite.fits",
            source=Source.derived,
            storage_key="composites/x.fits",
            size=1,
            sha256="ab" * 32,
            metadata={},
            derived_from=[str(parent["id"]), str(hidden_parent["id"])],
            lineage_note="test composite",
        )
        await db.close()
        return rec.id

    child = asyncio.run(derive())
    # Made by another process: the backend's index learns of it from the record event log.
    r = eventually(
        lambda: alice.get(f"/api/records/{parent['id']}/lineage").json(),
        lambda body: [n["id"] for n in body["derivatives"]] == [child],
    )
    assert r["derived_from"] == []
    c = alice.get(f"/api/records/{child}/lineage").json()
    assert [n["id"] for n in c["derived_from"]] == [parent["id"]]
    assert c["hidden"] == 1  # bob's private parent is counted, not shown


def test_lineage_names_a_parent_this_replica_has_not_followed_yet(
    alice: ApiUser, api_stack: RunningStack
) -> None:
    """A parent the backend's read model has not seen (its writer died between the insert and
    the event, or the event is still on its way) is read from the database, not hidden."""

    class Silent(RecordsRepo):
        async def _changed(self, owner_id: str, record_id: str) -> None:
            return None  # no event: the model learns of it only by reconciliation

    async def make() -> tuple[str, str]:
        db = Database(api_stack.mongodb_uri, "webbscope")
        owner = await UsersRepo(db).require(alice.id)
        common = {"owner": owner, "source": Source.derived, "size": 1, "metadata": {}}
        parent = await Silent(db).create(
            file_name="unseen_i2d.fits", storage_key="x/unseen.fits", sha256="cd" * 32, **common
        )
        child = await Silent(db).create(
            file_name="unseen_cat.ecsv",
            storage_key="x/unseen_cat.ecsv",
            sha256="ef" * 32,
            derived_from=[parent.id],
            **common,
        )
        await db.close()
        return parent.id, child.id

    parent, child = asyncio.run(make())
    body = alice.get(f"/api/records/{child}/lineage").json()
    assert [n["id"] for n in body["derived_from"]] == [parent], body
    assert body["hidden"] == 0
    # ... and the model has it now: the library lists it (the child, read by id, is not).
    assert parent in {r["id"] for r in alice.get("/api/records").json()["items"]}


# -- bulk ----------------------------------------------------------------------------------


def test_bulk_actions_report_each_item(
    alice: ApiUser, bob: ApiUser, demo_dir: Path, api_stack: RunningStack
) -> None:
    r = alice.upload(*sorted(demo_dir.glob("*_i2d.fits"))[:3])
    ids = [i["record"]["id"] for i in r.json()["items"]]
    bobs = upload_ok(bob, demo_dir / "jw02731-o002_t017_miri_f770w_i2d.fits")["id"]
    res = alice.post(
        "/api/records/bulk", json={"action": "tag", "ids": [*ids, bobs, "bad-id"], "tags": ["Run1"]}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["succeeded"] == 3 and body["failed"] == 2
    failures = {i["id"]: i["error"]["code"] for i in body["items"] if not i["ok"]}
    assert failures == {bobs: "record_not_found", "bad-id": "invalid_id"}
    assert all("run1" in alice.get(f"/api/records/{i}").json()["tags"] for i in ids)
    assert (
        alice.post(
            "/api/records/bulk", json={"action": "untag", "ids": ids[:1], "tags": ["run1"]}
        ).json()["succeeded"]
        == 1
    )
    assert alice.get(f"/api/records/{ids[0]}").json()["tags"] == []
    assert (
        alice.post("/api/records/bulk", json={"action": "archive", "ids": ids}).json()["succeeded"]
        == 3
    )
    assert alice.get("/api/records", params={"owner": "me"}).json()["total"] == 0
    assert (
        alice.post("/api/records/bulk", json={"action": "unarchive", "ids": ids}).json()[
            "succeeded"
        ]
        == 3
    )
    share = alice.post(
        "/api/records/bulk", json={"action": "share", "ids": ids[:2], "users": [bob.username]}
    )
    assert share.json()["succeeded"] == 2
    assert {
        i["id"] for i in bob.get("/api/records", params={"owner": "others"}).json()["items"]
    } >= set(ids[:2])
    gone = alice.post("/api/records/bulk", json={"action": "delete", "ids": ids})
    assert gone.json()["succeeded"] == 3 and leftovers(api_stack, alice) == []
    for bad in (
        {"action": "explode", "ids": ids},
        {"action": "tag", "ids": ids},
        {"action": "delete", "ids": []},
        {"action": "delete", "ids": ["x"] * 501},
    ):
        assert alice.post("/api/records/bulk", json=bad).status_code == 422


def test_sky_data_survives_nan_free_images(tmp_path: Path, alice: ApiUser) -> None:
    """A plain FITS image without WCS or JWST keywords is still a valid library record."""
    path = tmp_path / "plain.fits"
    fits.PrimaryHDU(np.arange(100, dtype=np.float32).reshape(10, 10)).writeto(path)
    rec = upload_ok(alice, path)
    assert rec["metadata"]["footprint"] is None and rec["processing_level"] == "unknown"


def test_signed_download_link(alice: ApiUser, bob: ApiUser, i2d: Path) -> None:
    rec = upload_ok(alice, i2d)
    data = i2d.read_bytes()
    # Only someone who may read the record gets a link (bob: 404, existence does not leak).
    assert bob.post(f"/api/records/{rec['id']}/download-link").status_code == 404
    r = alice.post(f"/api/records/{rec['id']}/download-link")
    assert r.status_code == 200, r.text
    link = r.json()
    assert link["file_name"] == i2d.name and link["url"].startswith(
        f"/api/records/{rec['id']}/file?"
    )
    # Followed without any token: the file, streamed, with ranges.
    anonymous = new_client(str(alice.client.base_url))
    got = anonymous.get(link["url"])
    assert got.status_code == 200 and got.content == data
    assert i2d.name in got.headers["content-disposition"]
    part = anonymous.get(link["url"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    # Forged, altered and expired links: 403 in the shared error shape, no bytes.
    base, query = link["url"].split("?")
    expires = int(query.split("expires=")[1].split("&")[0])
    sig = query.split("sig=")[1]
    signed = f"sha256={rec['sha256']}&account={alice.id}"
    forged = anonymous.get(f"{base}?{signed}&expires={expires}&sig={'0' * 64}")
    assert forged.status_code == 403 and err(forged)["code"] == "invalid_link"
    longer = anonymous.get(f"{base}?{signed}&expires={expires + 86400}&sig={sig}")
    assert longer.status_code == 403 and err(longer)["code"] == "invalid_link"
    other = anonymous.get(f"/api/records/{'0' * 24}/file?{signed}&expires={expires}&sig={sig}")
    assert other.status_code == 403
    from webbscope.services.backend.signed_links import sign
    from webbscope.settings import DEV_JWT_SECRET

    past = expires - 10_000
    past_sig = sign(DEV_JWT_SECRET, rec["id"], rec["sha256"], alice.id, past)
    expired = anonymous.get(
        f"{base}?sha256={rec['sha256']}&account={alice.id}&expires={past}&sig={past_sig}"
    )
    if expired.status_code == 403 and err(expired)["code"] == "link_expired":
        pass
    else:  # the stack signs with another secret: still refused
        assert expired.status_code == 403
    assert anonymous.get(base).status_code == 422  # no signature at all
