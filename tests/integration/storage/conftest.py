"""A real SeaweedFS for the storage conformance suite, and the two providers under test.

SeaweedFS starts once per session with credentials enforced. If it cannot start, the fixture
fails (it never skips): the S3 half of the suite must run for real.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from webbscope.devstack.seaweed import SeaweedProcess, start_seaweed
from webbscope.storage import LocalStorage, S3Storage, StorageProvider

S3_ACCESS_KEY = "webbscope-test-access"
S3_SECRET_KEY = "webbscope-test-secret-0123456789abcdef"
#: The smallest threshold S3 allows, so multipart paths run on small data.
TEST_MULTIPART_THRESHOLD = 5 * 1024 * 1024


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedProcess]:
    server = start_seaweed(
        tmp_path_factory.mktemp("seaweed"), access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY
    )
    try:
        yield server
    finally:
        server.stop()


def make_s3(seaweed: SeaweedProcess, bucket: str | None = None, **kwargs: object) -> S3Storage:
    options: dict[str, object] = {
        "region": "us-east-1",
        "access_key": S3_ACCESS_KEY,
        "secret_key": S3_SECRET_KEY,
        "multipart_threshold": TEST_MULTIPART_THRESHOLD,
        "create_bucket": True,
    }
    options.update(kwargs)
    return S3Storage(
        bucket or f"t-{uuid.uuid4().hex[:24]}",
        seaweed.endpoint_url,
        **options,  # type: ignore[arg-type]
    )


def drop_bucket(storage: S3Storage) -> None:
    client = storage.client
    for upload in client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []):
        client.abort_multipart_upload(
            Bucket=storage.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        )
    keys = [info.key for info in storage.list()]
    for i in range(0, len(keys), 1000):
        client.delete_objects(
            Bucket=storage.bucket,
            Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]], "Quiet": True},
        )
    client.delete_bucket(Bucket=storage.bucket)


S3Factory = Callable[..., S3Storage]


@pytest.fixture
def s3_factory(seaweed: SeaweedProcess) -> Iterator[S3Factory]:
    """`factory(bucket=None, **S3Storage kwargs)`; buckets it created are dropped afterwards."""
    made: list[S3Storage] = []

    def factory(bucket: str | None = None, **kwargs: object) -> S3Storage:
        storage = make_s3(seaweed, bucket, **kwargs)
        made.append(storage)
        return storage

    yield factory
    for storage in made:
        if storage.bucket in {b["Name"] for b in storage.client.list_buckets()["Buckets"]}:
            drop_bucket(storage)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageProvider]:
    """Each provider, empty: a directory, or a fresh bucket on the session SeaweedFS."""
    if request.param == "local":
        yield LocalStorage(tmp_path / "store")
        return
    s3 = make_s3(request.getfixturevalue("seaweed"))
    try:
        yield s3
    finally:
        drop_bucket(s3)
