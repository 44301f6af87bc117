"""Discovery on the real stack with the local MAST-protocol archive: featured targets, the
archive's holdings, proposals, and a guided create's plan before and after importing what
was missing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ApiUser
from tests.support.wait import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def test_featured_targets(alice: ApiUser) -> None:
    r = alice.get("/api/discover/targets")
    assert r.status_code == 200
    targets = r.json()
    assert len(targets) >= 30
    assert {"cosmic-cliffs", "stephans-quintet", "southern-ring"} <= {t["key"] for t in targets}
    assert alice.get("/api/discover/targets/no-such-thing").status_code == 404


def test_holdings_and_proposals_from_the_archive(alice: ApiUser) -> None:
    r = alice.get("/api/discover/targets/cosmic-cliffs")
    assert r.status_code == 200, r.text
    body = r.json()
    h = body["holdings"]
    assert h["total"] > 100 and {"NIRCAM", "MIRI"} <= set(h["instruments"])
    assert h["filters"]["F444W"] >= 1 and h["levels"]["3"] >= 1
    assert 0 < h["usable"] < h["total"] and h["skipped"]
    proposals = body["proposals"]
    assert (
        proposals and proposals[0]["recommended"] and sum(p["recommended"] for p in proposals) == 1
    )
    assert any(p["kind"] == "cross" for p in proposals)
    assert body["preview_url"].startswith("/api/mast/preview?obsid=")  # never the archive URL


def _classic(alice: ApiUser) -> dict[str, Any]:
    proposals = alice.get("/api/discover/targets/cosmic-cliffs").json()["proposals"]
    return next(p for p in proposals if p["title"] == "NIRCam: classic 3-colour")


def test_guided_create_plan_imports_what_is_missing(alice: ApiUser) -> None:
    proposal = _classic(alice)
    assert [c["filter"] for c in proposal["channels"]] == ["F090W", "F200W", "F444W"]
    r = alice.post("/api/discover/targets/cosmic-cliffs/plan", json={"proposal_id": proposal["id"]})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert not plan["ready"] and len(plan["missing_obsids"]) == 3
    assert plan["composite_available"] is False
    r = alice.post("/api/mast/import", json={"obsids": plan["missing_obsids"]})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    eventually(
        lambda: alice.get(f"/api/jobs/{job_id}").json()["status"], lambda s: s == "succeeded", 180
    )
    plan = eventually(
        lambda: alice.post(
            "/api/discover/targets/cosmic-cliffs/plan", json={"proposal_id": proposal["id"]}
        ).json(),
        lambda p: p["ready"],
        30,
    )
    assert all(len(c["record_ids"]) == 1 for c in plan["channels"])
    # Archive imports are indexed like uploads: the imported records are found by meaning.
    imported = {c["record_ids"][0] for c in plan["channels"]}

    def found() -> set[str]:
        body = alice.get(
            "/api/search", params={"q": "star-forming cliffs", "mode": "semantic", "owner": "me"}
        ).json()
        return {i["record"]["id"] for i in body["items"]} if not body["degraded"] else set()

    eventually(found, lambda ids: imported <= ids, 300)
    assert (
        alice.post(
            "/api/discover/targets/cosmic-cliffs/plan", json={"proposal_id": "nope"}
        ).status_code
        == 404
    )
