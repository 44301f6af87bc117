"""Per-user byte quotas (issue 12, item 4): an upload that would take an account past
USER_QUOTA_BYTES is refused whole with 413 `quota_exceeded` and nothing of it is kept; the usage
and quota are in GET /api/users/me. A real backend with a small quota."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import ApiUser, register
from tests.support.cluster import start_cluster

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
