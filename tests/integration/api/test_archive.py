"""The archive through the backend: search, products, previews and imports, against the local
MAST-protocol server (`webbscope up --offline-archive`) with faults injected on request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.api import ApiUser, new_client
from tests.support.api import wait_job as finished
from tests.support.stack import RunningStack
from tests.support.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def archive(api_stack: RunningStack) -> Iterator[httpx.Client]:
    """The test archive's admin API (faults and request statistics), cleared around each test."""
    with httpx.Client(base_url=api_stack.archive, timeout=10) as c:
        c.delete("/_faults")
        c.delete("/_stats")
        yield c
        c.delete("/_faults")


def search(user: ApiUser | httpx.Client, **body: Any) -> httpx.Response:
    return user.post("/api/mast/search", json=body)


def err(r: httpx.Response) -> dict[str, Any]:
    return r.json()["error"]  # type: ignore[no-any-return]


def test_target_search_resolves_and_cones(alice: ApiUser) -> None:
    r = search(alice, mode="target", target="NGC 3324", radius=0.2)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] >= 1 and page["items"]
    obs = page["items"][0]
    assert {
        "obs_id",
        "obsid",
        "target",
        "instrument",
        "filters",
        "ra",
        "dec",
        "calib_level",
        "proposal_id",
        "preview_url",
    } <= set(obs)
    assert all(o["distance_arcsec"] <= 0.2 * 3600 for o in page["items"])


def test_every_mode(alice: ApiUser) -> None:
    first = search(alice, mode="target", target="NGC 3324").json()["items"][0]
    coords = search(alice, mode="coordinates", ra=first["ra"], dec=first["dec"], radius=0.05)
    assert first["obs_id"] in {o["obs_id"] for o in coords.json()["items"]}
    prog = search(alice, mode="program", proposal_id=first["proposal_id"]).json()
    assert prog["total"] >= 1 and all(
        o["proposal_id"] == first["proposal_id"] for o in prog["items"]
    )
    one = search(alice, mode="observation", obs_id=first["obs_id"]).json()
    assert [o["obs_id"] for o in one["items"]] == [first["obs_id"]]
    miri = search(alice, mode="target", target="NGC 3324", instrument="MIRI").json()
    assert miri["items"] and all(o["instrument"].startswith("MIRI") for o in miri["items"])
    for bad in (
        {"mode": "target"},
        {"mode": "coordinates", "ra": 10},
        {"mode": "galaxy"},
        {"mode": "program", "proposal_id": "1", "page_size": 0},
    ):
        r = search(alice, **bad)
        assert r.status_code == 422 and err(r)["code"] == "validation_error", bad


def test_paging_is_exact_and_never_silently_truncated(alice: ApiUser) -> None:
    p1 = search(alice, mode="target", target="NGC 3324", radius=2, page_size=10).json()
    assert p1["total"] > 10 and p1["pages"] == -(-p1["total"] // 10)
    seen = {o["obs_id"] for o in p1["items"]}
    p2 = search(alice, mode="target", target="NGC 3324", radius=2, page_size=10, page=2).json()
    assert len(p2["items"]) == min(10, p1["total"] - 10)
    assert not seen & {o["obs_id"] for o in p2["items"]}


def test_products_and_previews(alice: ApiUser) -> None:
    obs = search(alice, mode="target", target="NGC 3324").json()["items"]
    with_preview = next(o for o in obs if o["preview_url"])
    assert with_preview["preview_url"] == f"/api/mast/preview?obsid={with_preview['obsid']}"
    img = alice.get(with_preview["preview_url"])
    assert img.status_code == 200 and img.content[:2] == b"\xff\xd8"
    everything = alice.post("/api/mast/products", json={"obsids": [with_preview["obsid"]]}).json()
    recommended = alice.post(
        "/api/mast/products", json={"obsids": [with_preview["obsid"]], "recommended_only": True}
    ).json()
    assert 0 < len(recommended["items"]) <= len(everything["items"])
    assert all(p["recommended"] for p in recommended["items"])
    assert {"filename", "subgroup", "calib_level", "size", "product_type"} <= set(
        everything["items"][0]
    )
    # Previews of observations only: no URL is taken from the caller.
    r = alice.get("/api/mast/preview", params={"url": "http://169.254.169.254/x.jpg"})
    assert r.status_code == 422 and err(r)["code"] == "validation_error"


def test_archive_errors_are_502_and_timeouts_504(alice: ApiUser, archive: httpx.Client) -> None:
    archive.post("/_faults", json={"paths": ["/api/v0/invoke"], "archive_error": "broken table"})
    r = search(alice, mode="observation", obs_id="jw01-nothing")
    assert r.status_code == 502 and err(r)["code"] == "archive_error"
    assert "broken table" in err(r)["message"]
    archive.delete("/_faults")
    archive.post("/_faults", json={"paths": ["/api/v0/invoke"], "latency_ms": 9000})
    r = search(alice, mode="observation", obs_id="jw02-slow")
    assert r.status_code == 504 and err(r)["code"] == "archive_timeout"


def test_a_slow_archive_affects_nothing_else(alice: ApiUser, archive: httpx.Client) -> None:
    archive.post("/_faults", json={"paths": ["/api/v0/invoke"], "latency_ms": 3000})
    results: list[int] = []
    slow = threading.Thread(
        target=lambda: results.append(
            search(alice, mode="observation", obs_id="jw03-x").status_code
        )
    )
    slow.start()
    # Once the search is waiting on the archive, other requests are answered meanwhile.
    eventually(
        lambda: archive.get("/_faults").json()["rules"], lambda rules: rules[0]["fired"] >= 1
    )
    answered_meanwhile = 0
    while slow.is_alive():
        assert alice.get("/api/records").status_code == 200
        assert alice.get("/api/health").status_code == 200
        answered_meanwhile += slow.is_alive()
    slow.join()
    assert answered_meanwhile >= 1 and results == [200]


def test_anonymous_search_is_allowed_at_a_lower_rate(api_stack: RunningStack) -> None:
    anon = new_client(api_stack.url("backend"))
    codes: list[int] = []
    while 429 not in codes and len(codes) < 22:  # two windows at most (see the login test)
        codes.append(search(anon, mode="program", proposal_id="2731").status_code)
    first = codes.index(429)
    assert first >= 10 and set(codes[:first]) == {200}


# -- imports ---------------------------------------------------------------------------------
# The archive store is shared by every user of the stack, so each test that counts downloads
# imports an observation no other test imports.


def wait_job(user: ApiUser, job_id: str, timeout: float = 90) -> dict[str, Any]:
    """The finished job; for a successful import, once its records are listed too (the mast
    worker writes them; the backend's library index learns of them from the event log)."""
    job = finished(user, job_id, timeout=timeout)
    imported = {i["record_id"] for i in (job.get("result") or {}).get("imported", [])}
    eventually(lambda: {r["id"] for r in mast_records(user)}, lambda listed: imported <= listed)
    return job


def observation(user: ApiUser, obs_id: str) -> dict[str, Any]:
    items = search(user, mode="observation", obs_id=obs_id).json()["items"]
    assert items, obs_id
    return items[0]  # type: ignore[no-any-return]


def start_import(user: ApiUser, obs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    r = user.post("/api/mast/import", json={"obsids": [obs["obsid"]], **kw})
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


def mast_records(user: ApiUser) -> list[dict[str, Any]]:
    return user.get("/api/records", params={"source": "mast", "owner": "me", "limit": 200}).json()[
        "items"
    ]  # type: ignore[no-any-return]


def partial_files(stack: RunningStack) -> list[Path]:
    return [p for p in (stack.data_dir / ".partial").rglob("*") if p.is_file()]


def test_import_of_a_multi_file_observation(
    alice: ApiUser, api_stack: RunningStack, archive: httpx.Client
) -> None:
    cube = observation(alice, "jw02731-o003_t017_nirspec_g395m-f290lp")
    job = start_import(alice, cube)
    done = wait_job(alice, job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"]["bytes_done"] == done["progress"]["bytes_total"] > 0
    files = {i["file"] for i in done["result"]["imported"]}
    assert len(files) >= 2 and any(f.endswith("_s3d.fits") for f in files)
    records = {r["file_name"]: r for r in mast_records(alice)}
    assert files <= set(records)
    for name in files:
        rec = records[name]
        assert rec["source"] == "mast"
        stored = api_stack.data_dir / "mast" / cube["obs_id"] / name
        assert stored.stat().st_size == rec["size"]
        assert "MAST observation" in (rec["lineage"]["note"] or "")
    assert partial_files(api_stack) == []


def test_lineage_from_level2_members(alice: ApiUser) -> None:
    img = observation(alice, "jw02731-o001_t017_nircam_clear-f200w")
    job = start_import(alice, img, recommended_only=False)
    done = wait_job(alice, job["id"])
    assert done["status"] == "succeeded", done
    records = {r["file_name"]: r for r in mast_records(alice)}
    level3 = next(r for n, r in records.items() if n.endswith("_i2d.fits") and "f200w" in n)
    members = [r for n, r in records.items() if n.endswith("_cal.fits")]
    assert members, "the level-3 image lists level-2 members"
    assert {m["id"] for m in members} <= set(level3["lineage"]["derived_from"])
    graph = alice.get(f"/api/records/{level3['id']}/lineage").json()
    assert {n["id"] for n in graph["derived_from"]} >= {m["id"] for m in members}


def test_a_dropped_connection_resumes_without_refetching(
    alice: ApiUser, archive: httpx.Client
) -> None:
    obs = observation(alice, "jw02732-o002_t101_nircam_clear-f200w")
    archive.post(
        "/_faults", json={"paths": ["/api/v0.1/Download"], "drop_after_bytes": 300_000, "count": 2}
    )
    done = wait_job(alice, start_import(alice, obs)["id"])
    assert done["status"] == "succeeded", done
    stats = archive.get("/_stats").json()["files"]
    fits = {n: s for n, s in stats.items() if n.endswith(".fits")}
    assert fits
    for name, s in fits.items():
        size = next(
            r["size"] for r in mast_records(alice) if r["file_name"].lower() == name.lower()
        )
        # Every byte crossed the wire once: resumed ranges start where the drop happened.
        assert s["bytes"] == size, (name, s)
    resumed = [r for s in fits.values() for r in s["ranges"] if r[0] > 0]
    assert resumed, "at least one download resumed from an offset"


def test_cancel_then_retry_resumes(
    alice: ApiUser, archive: httpx.Client, api_stack: RunningStack
) -> None:
    obs = observation(alice, "jw02731-o002_t017_miri_f770w")
    archive.post("/_faults", json={"paths": ["/api/v0.1/Download"], "throttle_total_bps": 30_000})
    job = start_import(alice, obs)
    eventually(
        lambda: alice.get(f"/api/jobs/{job['id']}").json()["progress"].get("bytes_done"),
        lambda done: bool(done),
        timeout=30,
    )
    assert alice.post(f"/api/jobs/{job['id']}/cancel").status_code == 200
    assert wait_job(alice, job["id"])["status"] == "cancelled"
    kept = {p.name.removesuffix(".part"): p.stat().st_size for p in partial_files(api_stack)}
    assert kept, "the partial download is kept for a retry"
    archive.delete("/_faults")
    # Bytes the archive had sent but the import had not yet read when it was cancelled are
    # lost with the connection; what is on disk is never asked for again.
    archive.delete("/_stats")
    assert alice.post(f"/api/jobs/{job['id']}/retry").status_code == 200
    done = wait_job(alice, job["id"])
    assert done["status"] == "succeeded", done
    sizes = {r["file_name"]: r["size"] for r in mast_records(alice)}
    for name, s in archive.get("/_stats").json()["files"].items():
        have = kept.get(name, 0)
        if have == sizes[name]:
            assert s["requests"] == 0, (name, s)  # complete before the cancel
            continue
        assert s["ranges"] == [[have, sizes[name]]], (name, s)
        assert s["bytes"] == sizes[name] - have, (name, s)


def test_a_second_user_is_served_from_the_shared_store(
    alice: ApiUser, bob: ApiUser, archive: httpx.Client
) -> None:
    obs = observation(alice, "jw02731-o002_t017_miri_f1130w")
    assert wait_job(alice, start_import(alice, obs)["id"])["status"] == "succeeded"
    archive.delete("/_stats")
    done = wait_job(bob, start_import(bob, obs)["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["reused_from_store"] == done["result"]["files"] >= 1
    gets = {n: s["requests"] for n, s in archive.get("/_stats").json()["files"].items()}
    assert not any(n.endswith(".fits") and c for n, c in gets.items())
    assert {r["file_name"] for r in mast_records(bob)} >= {
        i["file"] for i in done["result"]["imported"]
    }
    # Records stay per user: Alice deleting hers leaves Bob's file in place.
    for rec in mast_records(alice):
        if rec["file_name"] in {i["file"] for i in done["result"]["imported"]}:
            assert alice.delete(f"/api/records/{rec['id']}").status_code == 204
    for rec in mast_records(bob):
        assert bob.get(f"/api/records/{rec['id']}/download").status_code == 200


def test_archive_5xx_is_retried_with_backoff(alice: ApiUser, archive: httpx.Client) -> None:
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f444w")
    archive.post(
        "/_faults",
        json={"paths": ["/api/v0.1/Download"], "methods": ["GET"], "status": 503, "count": 2},
    )
    done = wait_job(alice, start_import(alice, obs)["id"])
    assert done["status"] == "succeeded", done


def test_repeated_failure_fails_cleanly(
    alice: ApiUser, archive: httpx.Client, api_stack: RunningStack
) -> None:
    obs = observation(alice, "jw02732-o001_t101_nircam_clear-f200w")
    archive.post(
        "/_faults",
        json={"paths": ["/api/v0.1/Download"], "methods": ["GET"], "drop_after_bytes": 10_000},
    )
    before = {r["file_name"] for r in mast_records(alice)}
    done = wait_job(alice, start_import(alice, obs)["id"], timeout=120)
    assert done["status"] == "failed", done
    assert done["error"]["code"] == "archive_download_failed"
    assert "failed" in done["error"]["message"]
    assert partial_files(api_stack) == []
    assert {r["file_name"] for r in mast_records(alice)} == before


def test_import_validation(alice: ApiUser, api_stack: RunningStack) -> None:
    assert alice.post("/api/mast/import", json={"obsids": []}).status_code == 422
    assert alice.post("/api/mast/import", json={"obsids": ["1"], "extra": 1}).status_code == 422
    anon = new_client(api_stack.url("backend"))
    assert anon.post("/api/mast/import", json={"obsids": ["1"]}).status_code == 401
    obs = observation(alice, "jw02731-o001_t017_nircam_clear-f090w")
    job = start_import(alice, obs, products=["not-a-product.fits"])
    done = wait_job(alice, job["id"])
    assert done["status"] == "failed" and done["error"]["code"] == "unknown_products"
