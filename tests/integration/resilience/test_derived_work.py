"""Derived work is never stranded: a record committed without its thumbnail job (the backend
killed between the two) gets one, from the workers' sweep or from a re-upload, and only one."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from pymongo import MongoClient

from tests.support.api import ApiUser, register
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.stack import RunningStack, start_stack, stop_stack
from tests.support.wait import eventually
from webbscope.db import Database
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source
from webbscope.fits import FitsLimits
from webbscope.library.ingest import add_file
from webbscope.storage import LocalStorage

pytestmark = pytest.mark.integration

SWEEP_EVERY_S = 2
GRACE_S = 8


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    s = start_stack(
        tmp_path_factory.mktemp("derived"),
        env={"DERIVED_SWEEP_INTERVAL_S": str(SWEEP_EVERY_S), "DERIVED_SWEEP_GRACE_S": str(GRACE_S)},
    )
    yield s
    stop_stack(s)


def _fits(path: Path, seed: int) -> Path:
    data = gradient(64, 64) + np.float32(seed)
    return write_image(path, data, header=sky_header(64, 64))


async def _commit_without_job(
    stack: RunningStack, owner_id: str, path: Path, *, publish: bool = True
) -> str:
    """What the upload route commits before it queues the thumbnail job: the stored file and
    its record. Stopping here is what a backend killed between record and job leaves; with
    `publish=False`, killed even before the record's change was published."""
    db = Database(stack.mongodb_uri, "webbscope")
    try:
        if not publish:
            RecordsRepo._changed = _killed  # type: ignore[method-assign]
        owner = await UsersRepo(db).get(owner_id)
        assert owner is not None
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        added = await add_file(
            db,
            LocalStorage(stack.data_dir),
            owner=owner,
            path=path,
            file_name=path.name,
            size=path.stat().st_size,
            sha256=sha,
            key=f"uploads/{owner.id}/{sha}.fits",
            source=Source.upload,
            limits=FitsLimits(),
            move=False,
        )
        assert added.created
        return added.record.id
    finally:
        RecordsRepo._changed = _changed  # type: ignore[method-assign]
        await db.close()


_changed = RecordsRepo._changed


async def _killed(self: RecordsRepo, owner_id: str, record_id: str) -> None:
    """The process died here: the record is written, its change never published."""


def _jobs(stack: RunningStack, record_id: str, kind: str = "thumbnail") -> list[dict[str, Any]]:
    client: MongoClient[dict[str, Any]]
    with MongoClient(stack.mongodb_uri) as client:
        return list(client["webbscope"]["jobs"].find({"type": kind, "params.record_id": record_id}))


def _thumbnail(user: ApiUser, record_id: str) -> str | None:
    url: str | None = user.get(f"/api/records/{record_id}").json()["thumbnail_url"]
    return url


def test_the_sweep_queues_the_thumbnail_of_a_record_left_without_its_job(
    stack: RunningStack, tmp_path: Path
) -> None:
    user = register(stack.url("backend"))
    rid = asyncio.run(_commit_without_job(stack, user.id, _fits(tmp_path / "stranded.fits", 1)))
    assert _jobs(stack, rid) == []  # stranded: no job, no thumbnail
    assert _thumbnail(user, rid) is None

    committed = time.monotonic()
    url = eventually(lambda: _thumbnail(user, rid), bool, timeout=GRACE_S + 60, every=0.5)
    assert url is not None
    print(
        f"\nstranded record got its thumbnail {time.monotonic() - committed:.1f} s after commit "
        f"(grace {GRACE_S} s, sweep every {SWEEP_EVERY_S} s)"
    )
    assert user.get(url).headers["content-type"] == "image/jpeg"
    # Later sweeps leave it alone: one job, never a second.
    time.sleep(3 * SWEEP_EVERY_S)
    jobs = _jobs(stack, rid)
    assert len(jobs) == 1 and jobs[0]["status"] == "succeeded", jobs
    # Its pyramid job too: queued by the same sweep, once.
    pyramid = eventually(
        lambda: _jobs(stack, rid, "pyramid"),
        lambda js: bool(js) and js[0]["status"] == "succeeded",
        timeout=60,
        every=0.5,
    )
    assert len(pyramid) == 1, pyramid


def test_a_re_upload_queues_the_missing_thumbnail_job_once(
    stack: RunningStack, tmp_path: Path
) -> None:
    user = register(stack.url("backend"))
    path = _fits(tmp_path / "again.fits", 2)
    rid = asyncio.run(_commit_without_job(stack, user.id, path))
    r = user.upload(path)  # well within the sweep's grace: the upload itself must queue it
    assert r.status_code == 200, r.text
    item = r.json()["items"][0]
    assert item["created"] is False and item["record"]["id"] == rid
    jobs = _jobs(stack, rid)
    assert len(jobs) == 1, jobs
    assert user.upload(path).status_code == 200  # and again: still one job
    assert len(_jobs(stack, rid)) == 1
    assert len(_jobs(stack, rid, "pyramid")) == 1  # the pyramid job as well, once
    eventually(lambda: _thumbnail(user, rid), bool, timeout=60, every=0.5)
    time.sleep(GRACE_S + 2 * SWEEP_EVERY_S)  # the sweep sees it too, and adds nothing
    assert len(_jobs(stack, rid)) == 1
    assert len(_jobs(stack, rid, "pyramid")) == 1


def test_the_sweep_brings_a_record_the_index_never_heard_of_into_semantic_search(
    stack: RunningStack, tmp_path: Path
) -> None:
    user = register(stack.url("backend"))
    state = eventually(
        lambda: httpx.get(
            stack.url("engine", "/internal/semantic/status"),
            headers={"X-Service-Token": stack.service_token},
        ).json()["state"],
        lambda st: st != "starting",
        timeout=60,
    )
    if state != "ready":
        pytest.skip(f"semantic search is {state} here (no embedding model)")
    rid = asyncio.run(
        _commit_without_job(stack, user.id, _fits(tmp_path / "unheard.fits", 3), publish=False)
    )

    def indexed() -> bool:
        client: MongoClient[dict[str, Any]]
        with MongoClient(stack.mongodb_uri) as client:
            return client["webbscope"]["semantic_vectors"].find_one({"_id": rid}) is not None

    assert not indexed()
    committed = time.monotonic()
    eventually(indexed, bool, timeout=GRACE_S + 90, every=0.5)
    print(f"\nunpublished record indexed {time.monotonic() - committed:.1f} s after commit")
    # And its thumbnail, from the other sweep.
    eventually(lambda: _thumbnail(user, rid), bool, timeout=60, every=0.5)


def test_backend_killed_during_uploads_leaves_every_record_with_one_thumbnail(
    stack: RunningStack, tmp_path: Path
) -> None:
    """`kill -9` of the backend in the middle of a run of uploads (`webbscope up` restarts it);
    the client retries what was not acknowledged. Every file ends as one record with one
    thumbnail job and a thumbnail, whichever step the kill interrupted."""
    user = register(stack.url("backend"))
    files = [_fits(tmp_path / f"run{i:02d}.fits", 100 + i) for i in range(16)]
    failed_attempts = 0
    killed = False
    for i, path in enumerate(files):
        if i == 5:
            _kill_backend(stack)
            killed = True
        deadline = time.monotonic() + 90
        while True:
            try:
                r = user.upload(path)
                if r.status_code in (200, 201):
                    break
                failed_attempts += 1
            except httpx.HTTPError:
                failed_attempts += 1
            assert time.monotonic() < deadline, f"{path.name} never acknowledged"
            time.sleep(0.2)
    assert killed and failed_attempts > 0  # the kill was felt

    def records() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = user.get(
            "/api/records", params={"owner": "me", "limit": 100}
        ).json()["items"]
        return items

    done = eventually(
        records,
        lambda rs: len(rs) == len(files) and all(r["thumbnail_url"] for r in rs),
        timeout=GRACE_S + 120,
        every=1.0,
    )
    jobs = {r["id"]: len(_jobs(stack, r["id"])) for r in done}
    assert set(jobs.values()) == {1}, jobs  # one job each: none missing, none duplicated
    print(
        f"\n{len(files)} uploads, backend killed before the 6th: {failed_attempts} failed "
        f"attempts retried; {len(done)} records, {sum(jobs.values())} thumbnail jobs, "
        f"all with thumbnails"
    )


def _kill_backend(stack: RunningStack) -> None:
    import os
    import signal

    import psutil

    for child in psutil.Process(stack.proc.pid).children(recursive=True):
        cmd = child.cmdline()
        if "serve" in cmd and "backend" in cmd:
            os.kill(child.pid, signal.SIGKILL)
            return
    raise AssertionError("no backend under webbscope up")
