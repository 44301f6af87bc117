"""Imports from the archive page, as the browser makes them, against the local MAST-protocol
server: catalogues beside images, exclusive-access data and MAST API tokens, previews of known
observations only, hostile names and sizes refused before any download, and clean failures."""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.integration.api.test_archive import (
    err,
    mast_records,
    observation,
    partial_files,
    search,
    start_import,
    wait_job,
)
from tests.support.api import ApiUser, new_client, register
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.devstack.mast_server import OUTSIDER_TOKEN, TEAM_TOKEN

pytestmark = pytest.mark.integration

EXCLUSIVE = "jw04446-o001_t101_nircam_clear-f200w"


@pytest.fixture
def archive(api_stack: RunningStack) -> Iterator[httpx.Client]:
    """The test archive's admin API; faults, statistics and added products cleared around."""
    with httpx.Client(base_url=api_stack.archive, timeout=60) as c:
        for path in ("/_faults", "/_stats", "/_products"):
            c.delete(path)
        yield c
        c.delete("/_faults")
        c.delete("/_products")


def products(user: ApiUser | httpx.Client, obsid: str, recommended_only: bool) -> list[Any]:
    r = user.post(
        "/api/mast/products", json={"obsids": [obsid], "recommended_only": recommended_only}
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


def panel_import(user: ApiUser, obs: dict[str, Any]) -> dict[str, Any]:
    """What the Products panel does: list the recommended products, keep those it may import
    (all are preselected), and send them with the observation."""
    listed = products(user, obs["obsid"], recommended_only=True)
    chosen = [p["product_id"] for p in listed if p["recommended"] and p.get("importable", True)]
    r = user.post("/api/mast/import", json={"obsids": [obs["obsid"]], "products": chosen})
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


def add_product(
    archive: httpx.Client, obsid: str, name: str, content: bytes | None = b"SIMPLE", **row: Any
) -> None:
    """Make the test archive list one more product of an observation (with these bytes)."""
    files = {} if content is None else {name: base64.b64encode(content).decode()}
    body = {"obsid": obsid, "rows": [{"productFilename": name, **row}], "files": files}
    archive.post("/_products", json=body).raise_for_status()


def set_token(user: ApiUser, token: str) -> httpx.Response:
    return user.client.put("/api/mast/token", json={"token": token}, headers=user.auth)


def archive_gets(archive: httpx.Client) -> dict[str, int]:
    return {n: s["requests"] for n, s in archive.get("/_stats").json()["files"].items()}


# -- catalogues (item 1) ------------------------------------------------------------------------


def test_the_panels_import_of_level3_imaging_brings_the_catalogue_as_a_table(
    alice: ApiUser,
) -> None:
    """The panel preselects the recommended `_cat.ecsv` beside the `_i2d.fits`: that import
    succeeds; the catalogue is a table record linked to its image."""
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f090w")
    done = wait_job(alice, panel_import(alice, obs)["id"])
    assert done["status"] == "succeeded", done
    listed = {p["filename"]: p for p in products(alice, obs["obsid"], recommended_only=True)}
    stem = obs["obs_id"]
    assert {f"{stem}_i2d.fits", f"{stem}_cat.ecsv", f"{stem}_segm.fits"} <= set(listed)
    assert all(p["importable"] and p["reason"] is None for p in listed.values())
    records = {r["file_name"]: r for r in mast_records(alice)}
    image, cat, segm = (
        records[f"{stem}_i2d.fits"],
        records[f"{stem}_cat.ecsv"],
        records[f"{stem}_segm.fits"],
    )
    assert cat["product_type"] == "cat" and cat["processing_level"] == "3"
    table = cat["metadata"]["hdus"]
    assert [h["type"] for h in table] == ["table"] and table[0]["shape"][0] > 0
    assert {"label", "xcentroid", "sky_centroid", "isophotal_flux"} <= set(table[0]["columns"])
    assert cat["metadata"]["instrument"] == image["metadata"]["instrument"] == "NIRCAM"
    assert cat["metadata"]["footprint"] == image["metadata"]["footprint"]  # found where it is
    assert cat["lineage"]["derived_from"] == [image["id"]]
    assert "source catalogue" in cat["lineage"]["note"]
    assert segm["lineage"]["derived_from"] == [image["id"]]
    assert segm["metadata"]["science_hdu"] is not None  # the segmentation map is an image
    assert {cat["id"], segm["id"]} <= set(
        alice.get(f"/api/records/{image['id']}").json()["lineage"]["derivatives"]
    )
    headers = alice.get(f"/api/records/{cat['id']}/headers").json()["hdus"]
    assert any(c["value"] == "isophotal_flux" for c in headers[0]["cards"])
    # The catalogue downloads as the archive's bytes; the images get thumbnails, the table none.
    assert alice.get(cat["download_url"]).content.startswith(b"# %ECSV")
    thumbnails = alice.get("/api/jobs", params={"type": "thumbnail", "limit": 200}).json()
    for_records = {j["params"]["record_id"] for j in thumbnails["items"]}
    assert {image["id"], segm["id"]} <= for_records and cat["id"] not in for_records
    assert done["result"]["skipped"] == []


def test_what_cannot_be_imported_is_marked_and_refused_with_the_same_reason(
    alice: ApiUser, archive: httpx.Client
) -> None:
    obs = observation(alice, "jw02731-o002_t017_miri_f770w")
    add_product(archive, obs["obsid"], f"{obs['obs_id']}_asn.json", None, productType="INFO")
    job = start_import(alice, obs, products=[f"{obs['obs_id']}_i2d.jpg"])
    done = wait_job(alice, job["id"])
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"]["code"] == "not_importable"

    listed = {p["filename"]: p for p in products(alice, obs["obsid"], recommended_only=False)}
    preview = listed[f"{obs['obs_id']}_i2d.jpg"]
    assert not preview["importable"] and "preview" in preview["reason"]
    assert preview["reason"] in done["error"]["message"]  # the same words, from the same rule
    info = listed[f"{obs['obs_id']}_asn.json"]
    assert not info["importable"] and "not science data" in info["reason"]


# -- exclusive access and MAST API tokens (item 6) --------------------------------------------


def test_search_results_say_an_observation_is_in_exclusive_access(alice: ApiUser) -> None:
    items = search(alice, mode="program", proposal_id="4446").json()["items"]
    assert [o["obs_id"] for o in items] == [EXCLUSIVE]
    assert items[0]["exclusive_access"] is True
    assert items[0]["data_rights"] == "EXCLUSIVE_ACCESS"
    assert items[0]["release_time"].startswith("2035-01-01")
    public = observation(alice, "jw02731-o001_t017_nircam_clear-f200w")
    assert public["exclusive_access"] is False and public["data_rights"] == "PUBLIC"


def test_an_exclusive_import_without_a_token_fails_at_once_saying_until_when(
    bob: ApiUser, archive: httpx.Client
) -> None:
    obs = observation(bob, EXCLUSIVE)
    done = wait_job(bob, start_import(bob, obs)["id"])
    assert done["status"] == "failed", done
    assert done["attempts"] == 1  # not retried: retrying cannot help
    assert done["error"]["code"] == "exclusive_access"
    assert "until 2035-01-01" in done["error"]["message"]
    assert "MAST API token" in done["error"]["message"]
    assert "HTTP 401" not in done["error"]["message"]
    assert not any(archive_gets(archive).values())  # refused before any download
    assert done["progress"]["stage"].startswith("failed while")

    listed = products(bob, obs["obsid"], recommended_only=True)
    assert listed and all(not p["importable"] for p in listed)
    assert all("exclusive access until 2035-01-01" in p["reason"] for p in listed)


def test_a_mast_token_is_checked_stored_sealed_and_never_returned(
    alice: ApiUser, api_stack: RunningStack
) -> None:
    assert alice.get("/api/mast/token").json() == {"set": False, "set_at": None, "name": None}
    bad = set_token(alice, "not-a-real-token")
    assert bad.status_code == 400 and err(bad)["code"] == "invalid_mast_token"
    assert alice.get("/api/mast/token").json()["set"] is False

    ok = set_token(alice, TEAM_TOKEN)
    assert ok.status_code == 200, ok.text
    assert ok.json()["set"] is True and ok.json()["name"] == "Webbscope Team Member"
    shown = alice.get("/api/mast/token")
    assert shown.json()["set"] is True and TEAM_TOKEN not in shown.text
    assert TEAM_TOKEN not in ok.text
    with MongoClient(api_stack.mongodb_uri) as mongo:
        stored = mongo["webbscope"]["mast_tokens"].find_one({"_id": alice.id})
    assert stored is not None and TEAM_TOKEN not in repr(stored)  # encrypted at rest

    anon = new_client(api_stack.url("backend"))
    assert anon.get("/api/mast/token").status_code == 401
    assert alice.delete("/api/mast/token").status_code == 204
    assert alice.get("/api/mast/token").json()["set"] is False


def test_a_token_downloads_exclusive_data_for_its_owner_only(
    api_stack: RunningStack, archive: httpx.Client
) -> None:
    team = register(api_stack.url("backend"), "team")
    outsider = register(api_stack.url("backend"), "outsider")
    plain = register(api_stack.url("backend"), "plain")
    assert set_token(team, TEAM_TOKEN).status_code == 200
    assert set_token(outsider, OUTSIDER_TOKEN).status_code == 200
    obs = observation(team, EXCLUSIVE)
    assert all(p["importable"] for p in products(team, obs["obsid"], recommended_only=True))

    done = wait_job(team, panel_import(team, obs)["id"])
    assert done["status"] == "succeeded", done
    assert {r["file_name"] for r in mast_records(team)} >= {
        f"{EXCLUSIVE}_i2d.fits",
        f"{EXCLUSIVE}_cat.ecsv",
        f"{EXCLUSIVE}_segm.fits",
    }

    # The files are now in the shared store: still, nobody without access gets them from it.
    refused = wait_job(outsider, start_import(outsider, obs)["id"])
    assert refused["status"] == "failed" and refused["attempts"] == 1
    assert refused["error"]["code"] == "exclusive_access"
    assert "refused your MAST API token" in refused["error"]["message"]
    assert "until 2035-01-01" in refused["error"]["message"]
    assert mast_records(outsider) == []
    none = wait_job(plain, start_import(plain, obs)["id"])
    assert none["status"] == "failed" and none["error"]["code"] == "exclusive_access"
    assert mast_records(plain) == []


def test_the_preview_of_an_exclusive_observation_is_a_clean_403(alice: ApiUser) -> None:
    obs = observation(alice, EXCLUSIVE)
    assert obs["preview_url"]
    r = alice.get(obs["preview_url"])
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert err(r)["code"] == "exclusive_access" and "2035-01-01" in err(r)["message"]


# -- previews are no open proxy (item 10) -------------------------------------------------------


def test_previews_are_served_for_known_observations_only(
    alice: ApiUser, archive: httpx.Client
) -> None:
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f444w")
    image = alice.get(obs["preview_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    named = alice.get(
        "/api/mast/preview", params={"obsid": obs["obsid"], "product": f"{obs['obs_id']}_i2d.jpg"}
    )
    assert named.status_code == 200 and named.content == image.content

    unknown = alice.get("/api/mast/preview", params={"obsid": "99999999"})
    assert unknown.status_code == 404 and err(unknown)["code"] == "observation_not_found"
    science = alice.get(
        "/api/mast/preview",
        params={"obsid": obs["obsid"], "product": f"{obs['obs_id']}_i2d.fits"},
    )
    assert science.status_code == 404 and err(science)["code"] == "no_preview"
    for hostile in ("../../x", "http://169.254.169.254/latest"):
        r = alice.get("/api/mast/preview", params={"obsid": hostile})
        assert r.status_code == 422
    served = {n for n, c in archive_gets(archive).items() if c}
    assert served == {f"{obs['obs_id']}_i2d.jpg"}


def test_a_preview_over_the_size_cap_is_refused(alice: ApiUser, archive: httpx.Client) -> None:
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f200w")
    big = b"\xff\xd8\xff\xe0" + bytes(9 * 1024 * 1024)  # "JPEG", over the 8 MiB default cap
    name = f"{obs['obs_id']}_big.jpg"
    add_product(archive, obs["obsid"], name, big, productType="PREVIEW")
    r = alice.get("/api/mast/preview", params={"obsid": obs["obsid"], "product": name})
    assert r.status_code == 502 and err(r)["code"] == "archive_preview_too_large"


def test_previews_are_rate_limited_per_caller(api_stack: RunningStack) -> None:
    user = register(api_stack.url("backend"), "viewer")
    obs = observation(user, "jw02731-o002_t017_miri_f1130w")
    limit = 30  # MAST_PREVIEW_RATE_PER_MINUTE of the test stack
    codes: list[int] = []
    while 429 not in codes and len(codes) < 2 * limit + 2:  # two windows at most
        codes.append(user.get(obs["preview_url"]).status_code)
    first = codes.index(429)
    assert first >= limit and set(codes[:first]) == {200}
    other = register(api_stack.url("backend"), "viewer")
    assert other.get(obs["preview_url"]).status_code == 200  # per caller


# -- hostile names and sizes (issue 12) ---------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../escaped.fits", "ABSOLUTE", "nul\x00byte.fits", "..", "sub/dir.fits"],
)
def test_hostile_names_are_refused_before_any_path_or_request(
    name: str, alice: ApiUser, archive: httpx.Client, api_stack: RunningStack
) -> None:
    target = api_stack.data_dir / "outside" / "planted.fits"
    if name == "ABSOLUTE":
        name = str(target)
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f444w")
    add_product(archive, obs["obsid"], name)
    done = wait_job(alice, start_import(alice, obs, products=[name])["id"])
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"]["code"] == "unsafe_product_name"
    stats = archive.get("/_stats").json()["files"]
    assert name not in stats  # neither HEAD nor GET
    assert not target.exists()
    assert not list(api_stack.data_dir.rglob("escaped*"))
    assert not list(api_stack.data_dir.rglob("planted*"))
    listed = [
        p for p in products(alice, obs["obsid"], recommended_only=False) if p["filename"] == name
    ]
    assert listed and not listed[0]["importable"] and "unusable name" in listed[0]["reason"]


def test_a_file_over_the_limit_is_refused_before_its_download(
    alice: ApiUser, archive: httpx.Client
) -> None:
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f444w")
    name = f"{obs['obs_id']}_huge.fits"
    add_product(archive, obs["obsid"], name, size=20 * 1024**3)
    done = wait_job(alice, start_import(alice, obs, products=[name])["id"])
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"]["code"] == "file_too_large"
    assert "21.5 GB" in done["error"]["message"]  # 20 GiB, over the 16 GiB MAX_FITS_BYTES
    assert name not in archive.get("/_stats").json()["files"]
    listed = {p["filename"]: p for p in products(alice, obs["obsid"], recommended_only=False)}
    assert not listed[name]["importable"] and "limit" in listed[name]["reason"]


def test_an_import_over_its_total_cap_is_refused_before_any_download(
    alice: ApiUser, archive: httpx.Client
) -> None:
    """Issue 12, item 4: each file is under MAX_FITS_BYTES, but together they pass the 50 GiB
    MAX_IMPORT_BYTES; nothing is downloaded and no record is made."""
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f444w")
    names = [f"{obs['obs_id']}_part{n}.fits" for n in range(4)]
    for name in names:
        add_product(archive, obs["obsid"], name, size=15 * 1024**3)
    done = wait_job(alice, start_import(alice, obs, products=names)["id"])
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["error"]["code"] == "import_too_large", done["error"]
    files = archive.get("/_stats").json()["files"]
    assert not any(name in files for name in names)
    mine = alice.get("/api/records").json()["items"]
    assert not any(r["file_name"] in names for r in mine)


# -- failures, resumes and leaks (items 8 and 14) ---------------------------------------------


def test_a_failed_import_says_where_it_failed(alice: ApiUser, archive: httpx.Client) -> None:
    obs = observation(alice, "jw02732-o003_t101_nircam_clear-f200w")
    archive.post("/_faults", json={"paths": ["/api/v0.1/Download"], "status": 404})
    done = wait_job(alice, start_import(alice, obs)["id"])
    assert done["status"] == "failed", done
    assert done["progress"]["stage"] == "failed while downloading"


def test_a_bad_file_fails_the_import_with_nothing_recorded_or_left(
    alice: ApiUser, archive: httpx.Client, api_stack: RunningStack
) -> None:
    """A file that cannot be read fails the import while recording: before any record is made,
    and its partial files are removed."""
    obs = observation(alice, "jw02732-o001_t101_nircam_clear-f200w")
    name = f"{obs['obs_id']}_bad.fits"
    add_product(archive, obs["obsid"], name, b"not a FITS file " * 200)
    before = {r["file_name"] for r in mast_records(alice)}
    job = start_import(alice, obs, products=[f"{obs['obs_id']}_i2d.fits", name])
    done = wait_job(alice, job["id"])
    assert done["status"] == "failed", done
    assert done["attempts"] == 1 and done["error"]["code"] == "not_fits"
    assert {r["file_name"] for r in mast_records(alice)} == before
    assert partial_files(api_stack) == []


def test_a_resumed_import_counts_only_the_bytes_it_downloaded(
    alice: ApiUser, archive: httpx.Client, api_stack: RunningStack
) -> None:
    # The one observation earlier tests fail to import: none of its files is in the store.
    obs = observation(alice, "jw02732-o001_t101_nircam_clear-f200w")
    archive.post("/_faults", json={"paths": ["/api/v0.1/Download"], "throttle_total_bps": 40_000})
    job = start_import(alice, obs)
    eventually(
        lambda: alice.get(f"/api/jobs/{job['id']}").json()["progress"].get("bytes_done") or 0,
        lambda done: done > 50_000,
        timeout=60,
    )
    assert alice.post(f"/api/jobs/{job['id']}/cancel").status_code == 200
    assert wait_job(alice, job["id"])["status"] == "cancelled"
    kept = sum(p.stat().st_size for p in partial_files(api_stack))
    assert kept > 0
    archive.delete("/_faults")
    archive.delete("/_stats")
    assert alice.post(f"/api/jobs/{job['id']}/retry").status_code == 200
    done = wait_job(alice, job["id"])
    assert done["status"] == "succeeded", done
    sent = sum(s["bytes"] for s in archive.get("/_stats").json()["files"].values())
    result = done["result"]
    assert result["downloaded_bytes"] == sent  # what crossed the wire this time
    assert result["resumed_bytes"] == kept
    assert result["downloaded_bytes"] + result["resumed_bytes"] == done["progress"]["bytes_total"]


def test_abandoned_partial_downloads_are_swept_by_age(
    alice: ApiUser, api_stack: RunningStack
) -> None:
    old = api_stack.data_dir / ".partial" / "mast" / "0123456789abcdef01234567"
    fresh = api_stack.data_dir / ".partial" / "mast" / "89abcdef0123456789abcdef"
    for d in (old, fresh):
        (d / "jw0").mkdir(parents=True, exist_ok=True)
        (d / "jw0" / "x_i2d.fits.part").write_bytes(b"partial")
    month_ago = time.time() - 30 * 86_400
    for path in (old / "jw0" / "x_i2d.fits.part", old / "jw0", old):
        os.utime(path, (month_ago, month_ago))
    try:
        obs = observation(alice, "jw02731-o001_t017_nircam_clear-f200w")  # any import sweeps
        assert wait_job(alice, start_import(alice, obs)["id"])["status"] == "succeeded"
        assert not old.exists()
        assert (fresh / "jw0" / "x_i2d.fits.part").exists()
    finally:
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(fresh, ignore_errors=True)
