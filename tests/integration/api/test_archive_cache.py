"""The archive store with a tiny cache limit (MAST_CACHE_MAX_BYTES=1: every import ends by
evicting every stored file no record uses): a file a running import reuses from the store is
held, so another import's eviction cannot delete it before it is recorded."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.api.test_archive import mast_records, observation, wait_job
from tests.support.api import ApiUser, register
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

REUSED = "jw02731-o001_t017_nircam_clear-f444w"
SLOW = "jw02731-o002_t017_miri_f770w"
OTHER = "jw02731-o002_t017_miri_f1130w"


@pytest.fixture(scope="module")
def small_cache_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(
        tmp_path_factory.mktemp("small-cache"),
        env={"MAST_CACHE_MAX_BYTES": "1", "MAST_SEARCH_CACHE_TTL_S": "0"},
        offline_archive=True,
    )
    yield stack
    stop_stack(stack)


def _import(user: ApiUser, obs: list[dict[str, str]], files: list[str]) -> str:
    r = user.post("/api/mast/import", json={"obsids": [o["obsid"] for o in obs], "products": files})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_eviction_never_takes_a_file_a_running_import_is_about_to_record(
    small_cache_stack: RunningStack,
) -> None:
    url = small_cache_stack.url("backend")
    alice, bob, carol = (register(url, n) for n in ("alice", "bob", "carol"))
    reused, slow, other = (observation(alice, o) for o in (REUSED, SLOW, OTHER))
    stored = small_cache_stack.data_dir / "mast" / REUSED / f"{REUSED}_i2d.fits"

    # Alice imports a file, then deletes her record: the file stays in the store, unused.
    done = wait_job(alice, _import(alice, [reused], [f"{REUSED}_i2d.fits"]))
    assert done["status"] == "succeeded", done
    for rec in mast_records(alice):
        assert alice.delete(f"/api/records/{rec['id']}").status_code == 204
    assert stored.exists()

    with httpx.Client(base_url=small_cache_stack.archive, timeout=30) as archive:
        # Bob's import reuses that file and waits on the archive for its second one...
        hold = archive.post(
            "/_faults",
            json={"paths": ["/api/v0.1/Download"], "methods": ["GET"], "hold": True, "count": 1},
        ).json()["id"]
        job = _import(bob, [reused, slow], [f"{REUSED}_i2d.fits", f"{SLOW}_i2d.fits"])
        eventually(
            lambda: archive.get("/_faults").json()["rules"],
            lambda rules: bool(rules) and rules[0]["fired"] == 1,
            timeout=60,
        )
        # ...while Carol's import finishes and evicts everything no record uses.
        finished = wait_job(carol, _import(carol, [other], [f"{OTHER}_i2d.fits"]))
        assert finished["status"] == "succeeded", finished
        assert stored.exists(), "evicted while Bob's import held it"
        archive.delete(f"/_faults/{hold}")

    done = wait_job(bob, job)
    assert done["status"] == "succeeded", done
    assert done["result"]["reused_from_store"] == 1
    bobs = {r["file_name"]: r for r in mast_records(bob)}
    record = bobs[f"{REUSED}_i2d.fits"]
    assert bob.get(f"/api/records/{record['id']}/download").status_code == 200
    assert stored.stat().st_size == record["size"]
