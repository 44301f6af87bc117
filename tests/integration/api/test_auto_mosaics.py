"""Automatic observation mosaics through the real stack: an import from the local
MAST-protocol server that brings several level-3 tiles of one observation queues a `mosaic`
job (from AUTO_MOSAIC_MIN_TILES = 4, the default); its record is tagged `auto-mosaic`; a
later import that adds a tile replaces it; importing the same tiles again queues nothing."""

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


def test_import_of_tiles_queues_a_mosaic_and_a_new_tile_replaces_it(
    api_stack: RunningStack, archive: httpx.Client, tmp_path: Path
) -> None:
    user = register(api_stack.url("backend"), "tiler")
    obs = observation(user, OBS)
    paths = write_mosaic_tiles(tmp_path, rows=1, cols=5, shape=(120, 150), overlap=0.2, seed=11)
    names = _add_tiles(archive, obs["obsid"], paths)

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
    assert rec["metadata"]["mosaic"]["auto_group"].endswith("/NIRCAM/F200W/-")
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
