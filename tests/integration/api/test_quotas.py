"""Per-user byte quotas (issue 12, item 4; issue 17): an upload or an archive import that would
take an account past USER_QUOTA_BYTES is refused whole with 413 `quota_exceeded` and nothing of
it is kept; the usage and quota are in GET /api/users/me. A real backend with a small quota, and
for imports a real stack (backend, mast worker, the MAST-protocol test archive) with one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.api.test_archive import (
    mast_records,
    observation,
    partial_files,
    start_import,
    wait_job,
)
from tests.integration.api.test_archive_imports import add_product
from tests.support.api import ApiUser, register
from tests.support.cluster import start_cluster
from tests.support.stack import RunningStack, start_stack, stop_stack
from webbscope.library.quota import human

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def files(demo_dir: Path) -> list[Path]:
    found = sorted(demo_dir.glob("*_i2d.fits"), key=lambda p: p.stat().st_size)
    assert len(found) >= 3
    return found[:3]


@pytest.fixture(scope="module")
def small_quota(tmp_path_factory: pytest.TempPathFactory, files: list[Path]) -> Iterator[str]:
    # Room for the first file and a half, so a second one does not fit.
    quota = int(files[0].stat().st_size * 1.5)
    cluster = start_cluster(tmp_path_factory.mktemp("quota"))
    try:
        port = cluster.add_backend(USER_QUOTA_BYTES=str(quota))
        yield f"http://127.0.0.1:{port}"
    finally:
        cluster.stop()


def _names(user: ApiUser) -> list[str]:
    return sorted(i["file_name"] for i in user.get("/api/records").json()["items"])


def test_an_upload_past_the_quota_is_refused_whole(small_quota: str, files: list[Path]) -> None:
    user = register(small_quota, "quota")
    first = user.upload(files[0])
    assert first.status_code == 201, first.text
    me = user.get("/api/users/me").json()
    assert me["storage_used_bytes"] == files[0].stat().st_size
    assert me["storage_quota_bytes"] == int(files[0].stat().st_size * 1.5)
    second = user.upload(files[1])
    assert second.status_code == 413, second.text
    err = second.json()["error"]
    assert err["code"] == "quota_exceeded" and err["details"]["quota_bytes"] > 0
    # Two files in one request, together past the quota: neither is kept.
    both = user.upload(files[1], files[2])
    assert both.status_code == 413 and both.json()["error"]["code"] == "quota_exceeded"
    assert _names(user) == [files[0].name]
    assert user.get("/api/users/me").json()["storage_used_bytes"] == files[0].stat().st_size
    # Another account has its own quota.
    other = register(small_quota, "quota")
    assert other.upload(files[1]).status_code == 201


# -- archive imports ------------------------------------------------------------------------------

OBS = "jw02731-o001_t017_nircam_clear-f444w"


@pytest.fixture(scope="module")
def product(demo_dir: Path) -> bytes:
    """What the test archive serves: a real JWST-like image (216,000 bytes)."""
    return (demo_dir / "jw02731-o002_t017_miri_f1130w_i2d.fits").read_bytes()


@pytest.fixture(scope="module")
def filler(demo_dir: Path, product: bytes) -> Path:
    """An upload of the product's size: with it, the product no longer fits the quota."""
    path = demo_dir / "jw02731-o002_t017_miri_f770w_i2d.fits"
    assert path.stat().st_size == len(product)
    return path


@pytest.fixture(scope="module")
def import_stack(
    tmp_path_factory: pytest.TempPathFactory, product: bytes
) -> Iterator[RunningStack]:
    # Room for the product, or for the filler, but not for both: and not for the product twice.
    stack = start_stack(
        tmp_path_factory.mktemp("import-quota"),
        env={"USER_QUOTA_BYTES": str(len(product) * 3 // 2), "MAST_SEARCH_CACHE_TTL_S": "0"},
        offline_archive=True,
    )
    yield stack
    stop_stack(stack)


@pytest.fixture
def archive(import_stack: RunningStack) -> Iterator[httpx.Client]:
    """The test archive's admin API (its statistics cleared first)."""
    with httpx.Client(base_url=import_stack.archive, timeout=60) as c:
        c.delete("/_stats")
        yield c


def _used(user: ApiUser) -> int:
    return int(user.get("/api/users/me").json()["storage_used_bytes"])


def _refused_whole(
    stack: RunningStack, user: ApiUser, job: dict[str, Any], name: str, used: int
) -> None:
    """The job failed on the quota, naming it, and left nothing: no record, no stored object,
    no staging file, the usage as it was."""
    assert job["status"] == "failed", job
    assert job["attempts"] == 1  # final: retrying cannot help
    assert job["error"]["code"] == "quota_exceeded", job["error"]
    quota = int(user.get("/api/users/me").json()["storage_quota_bytes"])
    assert f"over your quota of {human(quota)}" in job["error"]["message"], job["error"]
    assert name not in {r["file_name"] for r in mast_records(user)}
    assert _used(user) == used
    assert not list(stack.data_dir.rglob(f"{name}*")), "a stored object or staging file is left"
    assert partial_files(stack) == []


def test_an_import_past_the_remaining_quota_is_refused_before_any_download(
    import_stack: RunningStack, archive: httpx.Client, product: bytes, filler: Path
) -> None:
    user = register(import_stack.url("backend"), "importer")
    assert user.upload(filler).status_code == 201
    used = _used(user)
    obs = observation(user, OBS)
    name = f"{obs['obs_id']}_quotalisted.fits"
    add_product(archive, obs["obsid"], name, product)  # listed with its true size
    job = wait_job(user, start_import(user, obs, products=[name])["id"])
    _refused_whole(import_stack, user, job, name, used)
    assert name not in archive.get("/_stats").json()["files"]  # neither HEAD nor GET


def test_an_import_larger_than_its_listed_sizes_is_refused_before_any_record(
    import_stack: RunningStack, archive: httpx.Client, product: bytes, filler: Path
) -> None:
    """The product list understates the size: the listed check passes, the download happens,
    and the check of what arrived refuses the import before anything is recorded or stored."""
    user = register(import_stack.url("backend"), "importer")
    assert user.upload(filler).status_code == 201
    used = _used(user)
    obs = observation(user, OBS)
    name = f"{obs['obs_id']}_quotaunderstated.fits"
    add_product(archive, obs["obsid"], name, product, size=1000)
    job = wait_job(user, start_import(user, obs, products=[name])["id"])
    _refused_whole(import_stack, user, job, name, used)
    assert archive.get("/_stats").json()["files"][name]["bytes"] == len(product)  # downloaded


def test_an_import_that_fits_succeeds_and_its_repeat_adds_nothing(
    import_stack: RunningStack, archive: httpx.Client, product: bytes
) -> None:
    """The same product fits an empty account; importing it again, which adds no bytes, is not
    refused although twice its size would pass the quota."""
    user = register(import_stack.url("backend"), "importer")
    obs = observation(user, OBS)
    name = f"{obs['obs_id']}_quotafits.fits"
    add_product(archive, obs["obsid"], name, product)
    first = wait_job(user, start_import(user, obs, products=[name])["id"])
    assert first["status"] == "succeeded", first
    assert _used(user) == len(product)
    again = wait_job(user, start_import(user, obs, products=[name])["id"])
    assert again["status"] == "succeeded", again
    assert [i["created"] for i in again["result"]["imported"]] == [False]
    assert _used(user) == len(product)
    assert [r["file_name"] for r in mast_records(user)] == [name]
