"""A full disk is a 507, and users can still get in: the whole stack on a small tmpfs data
directory, filled for real. Uploads and imports are refused below the reserve
(MIN_FREE_DISK_BYTES) before the disk is full; an upload that fills the disk anyway answers 507
and leaves nothing behind; health says storage is degraded; sign-in, reading and deleting
still work."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from astropy.io import fits

from tests.support.api import ApiUser, register, sign_in
from tests.support.fits_files import gradient, sky_header, write_image
from tests.support.stack import RunningStack, start_stack, stop_stack
from webbscope.db import Database
from webbscope.jobs import JobQueue

pytestmark = pytest.mark.integration

MB = 1024 * 1024
DISK = 64 * MB
RESERVE = 12 * MB


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    mount = tmp_path_factory.mktemp("small-disk")
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {r.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def stack(small_disk: Path) -> Iterator[RunningStack]:
    s = start_stack(
        small_disk,
        env={"MIN_FREE_DISK_BYTES": str(RESERVE), "MAX_UPLOAD_BYTES": str(512 * MB)},
    )
    yield s
    stop_stack(s)


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _staged(stack: RunningStack) -> list[str]:
    staging = stack.data_dir / ".staging"
    return sorted(os.listdir(staging)) if staging.is_dir() else []


def _total(user: ApiUser) -> int:
    total: int = user.get("/api/records", params={"owner": "me"}).json()["total"]
    return total


def _chunked_upload(user: ApiUser, size: int) -> httpx.Response:
    """A FITS upload of `size` bytes sent without a length (chunked), so only the disk
    filling up can stop it."""
    boundary = uuid.uuid4().hex
    header = fits.PrimaryHDU(np.zeros((8, 8), np.float32)).header.tostring().encode()

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="huge.fits"\r\nContent-Type: application/fits\r\n\r\n'
        ).encode()
        yield header
        sent, chunk = len(header), b"\0" * MB
        while sent < size:
            yield chunk
            sent += len(chunk)
        yield f"\r\n--{boundary}--\r\n".encode()

    return user.client.post(
        "/api/records",
        content=body(),
        headers={**user.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=120,
    )


def test_a_full_disk_is_a_507_and_users_can_still_get_in(
    stack: RunningStack, tmp_path: Path
) -> None:
    user = register(stack.url("backend"))
    small = write_image(tmp_path / "small.fits", gradient(64, 64), header=sky_header(64, 64))
    r = user.upload(small)
    assert r.status_code == 201, r.text
    kept = r.json()["items"][0]["record"]["id"]
    free_before = free_bytes(stack.data_dir)

    # 1. An upload whose length would eat into the reserve is refused before it is stored.
    big = tmp_path / "big.fits"
    data = np.ones((2048, (free_before - RESERVE // 2) // (2048 * 4) + 1), np.float32)
    write_image(big, data, primary_only=True)
    r = user.upload(big)
    assert r.status_code == 507, r.text
    assert r.json()["error"]["code"] == "storage_full"
    assert r.json()["error"]["details"]["setting"] == "MIN_FREE_DISK_BYTES"
    assert _staged(stack) == [] and _total(user) == 1

    # 2. An upload with no length fills the disk for real: ENOSPC is a 507, nothing is kept.
    r = _chunked_upload(user, free_before + 32 * MB)
    assert r.status_code == 507, r.text[:300]
    assert r.json()["error"]["code"] == "storage_full"
    assert _staged(stack) == [], "a partial staging file was left"
    assert _total(user) == 1
    # The space came back. The disk filled (tens of MiB were staged) before ENOSPC, so a
    # leaked staging file would show as tens of MiB missing; the kept record's derived work
    # (thumbnail, pyramid, read-model snapshot, database pages) may still write a few MiB.
    assert free_bytes(stack.data_dir) > free_before - 8 * MB
    sign_in(user)  # right after the disk was full, users still get in
    print(
        f"\ndisk {DISK // MB} MiB, reserve {RESERVE // MB} MiB, {free_before / MB:.1f} MiB free: "
        f"{big.stat().st_size / MB:.1f} MiB upload refused up front; "
        f"{(free_before + 32 * MB) / MB:.0f} MiB chunked upload hit ENOSPC -> 507; "
        f"staging files left: {len(_staged(stack))}, records: {_total(user)}"
    )

    # 3. Below the reserve: health says degraded, uploads and imports are refused, and
    #    signing in, reading and deleting still work.
    ballast = stack.data_dir / "ballast"
    with open(ballast, "wb") as f:
        f.write(b"\0" * (free_bytes(stack.data_dir) - RESERVE // 2))
    try:
        assert free_bytes(stack.data_dir) < RESERVE
        health = httpx.get(stack.url("backend", "/api/health"), timeout=10)
        assert health.status_code == 200  # degraded, not down
        check = health.json()["checks"]["storage"]
        # The public sees a generic word; the reason is for the log and administrators.
        assert check["status"] == "degraded" and "reserve" not in check["message"], check
        r = user.upload(small.with_name("small.fits"))
        assert r.status_code == 507
        r = user.post("/api/mast/import", json={"obsids": ["87602000"]})
        assert r.status_code == 507, r.text
        assert r.json()["error"]["code"] == "storage_full"
        sign_in(user)
        assert user.get("/api/auth/me").status_code == 200
        assert user.get(f"/api/records/{kept}").status_code == 200
        assert user.delete(f"/api/records/{kept}").status_code == 204
        assert _total(user) == 0
    finally:
        ballast.unlink()

    # 4. Space freed: everything is accepted again, with no restart.
    health = httpx.get(stack.url("backend", "/api/health"), timeout=10).json()
    assert health["checks"]["storage"]["status"] == "ok"
    r = user.upload(small)
    assert r.status_code == 201, r.text
    assert _total(user) == 1 and _staged(stack) == []


def test_an_import_queued_before_the_disk_ran_low_fails_cleanly(tmp_path: Path) -> None:
    """Below the reserve the API refuses an import; one queued earlier fails at once, for good,
    naming the reserve, with nothing downloaded and nothing recorded."""
    from tests.integration.api.test_archive import mast_records, observation, partial_files
    from tests.support.api import wait_job

    s = start_stack(tmp_path, env={"MIN_FREE_DISK_BYTES": str(10**15)}, offline_archive=True)
    try:
        user = register(s.url("backend"))
        obs = observation(user, "jw02731-o003_t017_nirspec_g395m-f290lp")  # search still works
        r = user.post("/api/mast/import", json={"obsids": [obs["obsid"]]})
        assert r.status_code == 507, r.text
        assert r.json()["error"]["code"] == "storage_full"

        job_id = asyncio.run(_queue_import(s, user.id, obs["obsid"]))
        done = wait_job(user, job_id, timeout=60)
        assert done["status"] == "failed", done
        assert done["error"]["code"] == "storage_full", done["error"]
        assert "MIN_FREE_DISK_BYTES" in str(done["error"]) or "reserve" in str(done["error"])
        assert done["attempts"] == 1  # not retried into the reserve
        assert mast_records(user) == [] and partial_files(s) == []
    finally:
        stop_stack(s)


async def _queue_import(stack: RunningStack, owner_id: str, obsid: str) -> str:
    """An import queued while there was room (the API would refuse it now)."""
    db = Database(stack.mongodb_uri, "webbscope")
    try:
        job = await JobQueue(db).enqueue(
            "import", owner_id, {"obsids": [obsid], "products": None, "recommended_only": True}
        )
        return job.id
    finally:
        await db.close()
