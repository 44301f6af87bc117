"""The stored pyramid through the real stack: an upload queues the `pyramid` job, the job
stores every coarse level beside the file's tiles, the tile route then reads them (the ETag
changes once), and the same file added by someone else is not built again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.api import ApiUser, register
from tests.support.fits_files import sky_header, write_image
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.imaging import decode_f16, extract_tile, tile_grid

pytestmark = pytest.mark.integration

NY, NX = 900, 1300  # levels 0-3; 0, 1 and 2 stored


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    rng = np.random.default_rng(21)
    values = rng.normal(1000.0, 40.0, (NY, NX)).astype(np.float32)
    values[100:400, 200:260] = np.nan
    return values


@pytest.fixture(scope="module")
def fits_path(tmp_path_factory: pytest.TempPathFactory, data: np.ndarray) -> Path:
    d = tmp_path_factory.mktemp("pyramid")
    return write_image(d / "pyr_i2d.fits", data, header=sky_header(NX, NY))


def _jobs(user: ApiUser, rid: str) -> list[dict[str, Any]]:
    items = user.get("/api/jobs", params={"type": "pyramid", "limit": 200}).json()["items"]
    return [j for j in items if j["params"].get("record_id") == rid]


def _done(user: ApiUser, rid: str) -> dict[str, Any]:
    jobs = eventually(
        lambda: _jobs(user, rid),
        lambda js: bool(js) and js[0]["status"] in ("succeeded", "failed"),
        timeout=120,
        every=0.5,
    )
    assert len(jobs) == 1 and jobs[0]["status"] == "succeeded", jobs
    return jobs[0]


def test_an_upload_builds_the_pyramid_and_tiles_come_from_it(
    api_stack: RunningStack, fits_path: Path, data: np.ndarray
) -> None:
    user = register(api_stack.url("backend"), "pyr")
    r = user.upload(fits_path)
    assert r.status_code == 201, r.text
    record = r.json()["items"][0]["record"]
    rid, sha = record["id"], record["sha256"]
    job = _done(user, rid)
    assert job["result"]["levels"] == 3, job
    manifest = json.loads((api_stack.data_dir / f"tiles/{sha}/pyramid/manifest.json").read_text())
    assert sorted(manifest["levels"]) == ["0", "1", "2"] and manifest["sha256"] == sha
    # Level 0 averages 8 x 8 blocks: on request it samples 4 x 4 of each (about 1 % off on
    # this noise), from the pyramid it is the exact mean. (An engine that saw the file before
    # the job finished looks again after PYRAMID_RECHECK_S, 10 s.)
    eventually(
        lambda: _level_tile(user, rid, 0, 0, 0),
        lambda got: _close(got, extract_tile(data, 0, 0, 0, method="mean")),
        timeout=30,
        every=1,
    )
    for level in range(3):
        grid = tile_grid(data.shape, level)
        for y in range(grid.ny_tiles):
            for x in range(grid.nx_tiles):
                got = _level_tile(user, rid, level, x, y)
                want = extract_tile(data, level, x, y, method="mean")
                np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
                np.testing.assert_allclose(got, want, rtol=1e-3, equal_nan=True)


def test_f16_tiles_come_from_the_tile_pack_as_the_engine_sends_them(
    api_stack: RunningStack, tmp_path: Path, data: np.ndarray
) -> None:
    """Once the pyramid is built, the backend sends f16 tiles from the pack without asking
    the engine: the same bytes and ETag as the engine's answer (asked for here with a
    rendering parameter, which the pack path leaves to the engine), a 304 on the ETag, and
    the full-resolution level too. (A file of its own: no tile of it is asked for before its
    pyramid is built, so none is kept in the backend's memory from the engine.)"""
    fits_file = write_image(tmp_path / "pack_i2d.fits", data * 2.0, header=sky_header(NX, NY))
    user = register(api_stack.url("backend"), "pyrpack")
    rid = user.upload(fits_file).json()["items"][0]["record"]["id"]
    job = _done(user, rid)
    assert sorted(job["result"]["packs"]) == ["f16", "webp"], job
    for level, x, y in [(0, 0, 0), (1, 1, 0), (3, 5, 3), (3, 0, 0)]:
        path = f"/api/records/{rid}/tiles/{level}/{x}/{y}.f16"
        packed = user.get(path)
        assert packed.status_code == 200 and "tile pack" in packed.headers["server-timing"]
        engine = user.get(path, params={"stretch": "asinh"})
        assert engine.status_code == 200 and "tile pack" not in engine.headers["server-timing"]
        assert packed.content == engine.content
        assert packed.headers["etag"] == engine.headers["etag"]
        again = user.get(path, headers={"If-None-Match": packed.headers["etag"]})
        assert again.status_code == 304, again.text
    # The default rendering's WebP tiles, as the app's 2-D viewer asks for them, are packed too.
    query = "stretch=asinh&interval=99.5&cmap=gray&invert=0&contrast=1&bias=0.5&gamma=1"
    webp = user.get(f"/api/records/{rid}/tiles/3/5/3.webp?{query}")
    assert webp.status_code == 200 and webp.headers["content-type"] == "image/webp"
    assert "tile pack" in webp.headers["server-timing"]
    viridis = user.get(f"/api/records/{rid}/tiles/3/5/3.webp?" + query.replace("gray", "viridis"))
    assert viridis.status_code == 200 and "tile pack" not in viridis.headers["server-timing"]
    outside = user.get(f"/api/records/{rid}/tiles/3/9/0.f16")
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "tile_out_of_range"


def _level_tile(user: ApiUser, rid: str, level: int, x: int, y: int) -> np.ndarray:
    r = user.get(f"/api/records/{rid}/tiles/{level}/{x}/{y}.f16")
    assert r.status_code == 200, r.text
    return decode_f16(r.content)


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    return bool(np.allclose(got, want, rtol=1e-3, equal_nan=True))


def test_the_same_file_from_someone_else_is_not_built_again(
    api_stack: RunningStack, fits_path: Path
) -> None:
    first = register(api_stack.url("backend"), "pyr1")
    rid1 = first.upload(fits_path).json()["items"][0]["record"]["id"]
    _done(first, rid1)
    second = register(api_stack.url("backend"), "pyr2")
    rid2 = second.upload(fits_path).json()["items"][0]["record"]["id"]
    job = _done(second, rid2)
    assert job["result"]["skipped"] == "already built for this file", job


def test_a_pyramid_job_shows_progress_and_cancels_leaving_nothing(
    api_stack: RunningStack, tmp_path: Path
) -> None:
    """A 20000^2 image (1.6 GB, sparse on disk): the job reports its progress, and a cancel
    stops the build process; no manifest (the pyramid is not used) and no work files remain."""
    import asyncio

    from tests.support.fits_files import write_sparse
    from tests.support.records import add_local_record
    from webbscope.db import Database
    from webbscope.jobs.queue import JobQueue
    from webbscope.library.derived import queue_pyramid

    user = register(api_stack.url("backend"), "pyrcancel")
    path = write_sparse(tmp_path / "big_i2d.fits", 20_000, header=sky_header(20_000, 20_000))
    rid = add_local_record(api_stack, user.id, path, "big_i2d.fits")
    sha = user.get(f"/api/records/{rid}").json()["sha256"]

    async def queue() -> None:
        db = Database(api_stack.mongodb_uri, "webbscope")
        try:
            await queue_pyramid(JobQueue(db), user.id, rid)
        finally:
            await db.close()

    asyncio.run(queue())
    job = eventually(
        lambda: _jobs(user, rid),
        lambda js: bool(js) and (js[0]["progress"].get("fraction") or 0) > 0.01,
        timeout=120,
        every=0.1,
    )[0]
    assert job["status"] == "running" and job["progress"]["stage"] == "building", job
    r = user.post(f"/api/jobs/{job['id']}/cancel")
    assert r.status_code == 200, r.text
    done = eventually(
        lambda: _jobs(user, rid),
        lambda js: js[0]["status"] in ("cancelled", "succeeded", "failed"),
        timeout=30,
        every=0.2,
    )[0]
    assert done["status"] == "cancelled", done
    assert not (api_stack.data_dir / f"tiles/{sha}/pyramid/manifest.json").exists()
    work = api_stack.data_dir / ".cache" / "pyramid-build"
    eventually(lambda: list(work.iterdir()) if work.exists() else [], lambda left: not left)
