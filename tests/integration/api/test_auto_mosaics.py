"""Automatic observation mosaics through the real stack: an import from the local
MAST-protocol server that brings several level-3 tiles of one observation queues a `mosaic`
job (from AUTO_MOSAIC_MIN_TILES = 4, the default); its record is tagged `auto-mosaic`; a
later import that adds a tile replaces it; importing the same tiles again queues nothing.
Tiles in separate patches of sky get one mosaic per patch big enough, each replaced on its
own; deleting a tile rebuilds its patch's mosaic, or deletes it when too few tiles remain."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.api.test_archive import observation, start_import, wait_job
from tests.support.api import ApiUser, register
from tests.support.api import wait_job as finished
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.demo._tiles import write_mosaic_tiles

pytestmark = pytest.mark.integration

OBS = "jw02731-o002_t017_miri_f1130w"


@pytest.fixture
def archive(api_stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_stack.archive, timeout=60) as c:
        yield c
        c.delete("/_products")


def _add_tiles(archive: httpx.Client, obsid: str, paths: list[Path]) -> list[str]:
    names = [p.name for p in paths]
    body = {
        "obsid": obsid,
        "rows": [
            {"productFilename": n, "calib_level": 3, "size": p.stat().st_size}
            for n, p in zip(names, paths, strict=True)
        ],
        "files": {p.name: base64.b64encode(p.read_bytes()).decode() for p in paths},
    }
    archive.post("/_products", json=body).raise_for_status()
    return names


def _import(user: ApiUser, obs: dict[str, Any], names: list[str]) -> dict[str, Any]:
    job = wait_job(user, start_import(user, obs, products=names)["id"])
    assert job["status"] == "succeeded", job
    return job["result"]  # type: ignore[no-any-return]


def _auto_records(user: ApiUser) -> list[dict[str, Any]]:
    items = user.get("/api/records", params={"source": "derived", "limit": 200}).json()["items"]
    return [r for r in items if "auto-mosaic" in r["tags"]]


def _mosaic_done(user: ApiUser, job_id: str) -> dict[str, Any]:
    job = finished(user, job_id, timeout=180)
    assert job["status"] == "succeeded", job
    return job


def _user_and_tiles(
    stack: RunningStack, archive: httpx.Client, tmp_path: Path, name: str, **tiles: Any
) -> tuple[ApiUser, dict[str, Any], list[str]]:
    """A new user, the observation, and the names of its tiles (offered by the archive).
    Each test names its tiles with its own `prefix`: the archive store is shared, and a file
    name stored already is not downloaded again."""
    user = register(stack.url("backend"), name)
    obs = observation(user, OBS)
    paths = write_mosaic_tiles(tmp_path, rows=1, **tiles)
    return user, obs, _add_tiles(archive, obs["obsid"], paths)


def test_import_of_tiles_queues_a_mosaic_and_a_new_tile_replaces_it(
    api_stack: RunningStack, archive: httpx.Client, tmp_path: Path
) -> None:
    user, obs, names = _user_and_tiles(
        api_stack, archive, tmp_path, "tiler", cols=5, shape=(120, 150), overlap=0.2, seed=11
    )

    # three tiles: under the threshold, no mosaic
    first = _import(user, obs, names[:3])
    assert first["auto_mosaic_jobs"] == []

    # a fourth: the observation now has four F200W tiles, a mosaic job is queued
    second = _import(user, obs, names[:4])
    assert len(second["auto_mosaic_jobs"]) == 1
    job = _mosaic_done(user, second["auto_mosaic_jobs"][0])
    rid = job["result"]["record_id"]
    rec = user.get(f"/api/records/{rid}").json()
    assert {"mosaic", "auto-mosaic"} <= set(rec["tags"]) and rec["source"] == "derived"
    tiles = {r["record_id"] for r in first["imported"]} | {
        r["record_id"] for r in second["imported"]
    }
    assert sorted(rec["lineage"]["derived_from"]) == sorted(tiles)
    # the group and its patch (named by its first tile)
    assert rec["metadata"]["mosaic"]["auto_group"].endswith(f"/NIRCAM/F200W/-/{min(tiles)}")
    assert "automatic mosaic" in rec["description"]

    # the same tiles again: nothing new to mosaic
    again = _import(user, obs, names[:4])
    assert again["auto_mosaic_jobs"] == []

    # a fifth tile: a new mosaic of five replaces the one of four
    third = _import(user, obs, names)
    assert len(third["auto_mosaic_jobs"]) == 1
    job = _mosaic_done(user, third["auto_mosaic_jobs"][0])
    new_id = job["result"]["record_id"]
    assert job["result"]["replaced"] == [rid]
    autos = eventually(
        lambda: _auto_records(user), lambda found: [r["id"] for r in found] == [new_id]
    )
    assert len(autos[0]["lineage"]["derived_from"]) == 5
    assert user.get(f"/api/records/{rid}").status_code == 404
    # the tiles no longer list the replaced mosaic among their derivatives
    some_tile = autos[0]["lineage"]["derived_from"][0]
    derivatives = user.get(f"/api/records/{some_tile}").json()["lineage"]["derivatives"]
    assert rid not in derivatives and new_id in derivatives


def _inputs(rec: dict[str, Any]) -> list[str]:
    return sorted(rec["lineage"]["derived_from"])


def test_separate_patches_get_a_mosaic_each_and_are_replaced_on_their_own(
    api_stack: RunningStack, archive: httpx.Client, tmp_path: Path
) -> None:
    # tiles 0-3 overlap in a row; tiles 4-8 overlap in another row far away
    user, obs, names = _user_and_tiles(
        api_stack,
        archive,
        tmp_path,
        "patcher",
        cols=9,
        shape=(100, 120),
        gap=(0, 4),
        seed=12,
        prefix="jw01234-o012",
    )

    # patch A has four tiles, patch B two: one mosaic (A)
    first = _import(user, obs, names[:6])
    ids = {i["file"]: i["record_id"] for i in first["imported"]}
    patch_a = sorted(ids[n] for n in names[:4])
    assert len(first["auto_mosaic_jobs"]) == 1
    job_a = _mosaic_done(user, first["auto_mosaic_jobs"][0])["result"]
    assert job_a["replaced"] == []
    rec_a = user.get(f"/api/records/{job_a['record_id']}").json()
    assert _inputs(rec_a) == patch_a

    # patch B reaches four tiles: its own mosaic; A's stays
    second = _import(user, obs, names[:8])
    ids.update({i["file"]: i["record_id"] for i in second["imported"]})
    assert len(second["auto_mosaic_jobs"]) == 1
    job_b = _mosaic_done(user, second["auto_mosaic_jobs"][0])["result"]
    assert job_b["replaced"] == []
    assert job_b["auto_group"] != job_a["auto_group"]
    assert _inputs(user.get(f"/api/records/{job_b['record_id']}").json()) == sorted(
        ids[n] for n in names[4:8]
    )

    # a fifth tile in patch B replaces B's mosaic only
    third = _import(user, obs, names)
    ids.update({i["file"]: i["record_id"] for i in third["imported"]})
    assert len(third["auto_mosaic_jobs"]) == 1
    job_b5 = _mosaic_done(user, third["auto_mosaic_jobs"][0])["result"]
    assert job_b5["replaced"] == [job_b["record_id"]]
    assert job_b5["auto_group"] == job_b["auto_group"]  # the same patch
    autos = eventually(
        lambda: _auto_records(user),
        lambda found: (
            sorted(r["id"] for r in found) == sorted([job_a["record_id"], job_b5["record_id"]])
        ),
    )
    by_id = {r["id"]: r for r in autos}
    assert _inputs(by_id[job_a["record_id"]]) == patch_a
    assert _inputs(by_id[job_b5["record_id"]]) == sorted(ids[n] for n in names[4:])


def _mosaic_job_ids(user: ApiUser) -> set[str]:
    items = user.get("/api/jobs", params={"type": "mosaic", "limit": 200}).json()["items"]
    return {j["id"] for j in items}


def test_deleting_a_tile_rebuilds_the_mosaic_or_removes_it_when_too_few_remain(
    api_stack: RunningStack, archive: httpx.Client, tmp_path: Path
) -> None:
    user, obs, names = _user_and_tiles(
        api_stack,
        archive,
        tmp_path,
        "pruner",
        cols=5,
        shape=(100, 120),
        overlap=0.2,
        seed=13,
        prefix="jw01234-o013",
    )
    imported = _import(user, obs, names)
    tiles = [
        {i["file"]: i["record_id"] for i in imported["imported"]}[n] for n in names
    ]  # in order along the row
    (job_id,) = imported["auto_mosaic_jobs"]
    five = _mosaic_done(user, job_id)["result"]["record_id"]
    before = _mosaic_job_ids(user)

    # an end tile deleted: four remain, the mosaic is rebuilt from them and replaces the old
    assert user.delete(f"/api/records/{tiles[0]}").status_code == 204
    (rebuild,) = _mosaic_job_ids(user) - before
    result = _mosaic_done(user, rebuild)["result"]
    four = result["record_id"]
    assert result["replaced"] == [five]
    autos = eventually(
        lambda: _auto_records(user), lambda found: [r["id"] for r in found] == [four]
    )
    assert _inputs(autos[0]) == sorted(tiles[1:])
    assert user.get(f"/api/records/{five}").status_code == 404

    # two more deleted at once (bulk): two remain, under AUTO_MOSAIC_MIN_TILES: the mosaic
    # goes, its files too, and nothing is rebuilt
    stored = api_stack.data_dir / "mosaics" / autos[0]["metadata"]["mosaic"]["id"]
    assert sorted(f.suffix for f in stored.iterdir()) == [".fits", ".png"]
    before = _mosaic_job_ids(user)
    bulk = user.post("/api/records/bulk", json={"action": "delete", "ids": tiles[3:]})
    assert bulk.status_code == 200 and bulk.json()["succeeded"] == 2, bulk.text
    assert user.get(f"/api/records/{four}").status_code == 404
    assert _mosaic_job_ids(user) == before  # nothing rebuilt
    eventually(lambda: _auto_records(user), lambda found: found == [])
    assert not stored.exists() or not any(stored.iterdir())
    # the remaining tiles no longer list it
    for tile in tiles[1:3]:
        assert four not in user.get(f"/api/records/{tile}").json()["lineage"]["derivatives"]
