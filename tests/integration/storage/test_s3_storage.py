"""S3-only behaviour against the real SeaweedFS: credentials, failures, make_storage."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from webbscope.devstack.seaweed import SeaweedProcess
from webbscope.settings import load_settings
from webbscope.storage import S3Storage, StorageUnavailable, make_storage

pytestmark = pytest.mark.integration

S3Factory = Callable[..., S3Storage]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_wrong_secret_is_refused(seaweed: SeaweedProcess, s3_factory: S3Factory) -> None:
    good = s3_factory()
    good.put_bytes("mast/a.fits", b"secret data")
    bad = S3Storage(good.bucket, seaweed.endpoint_url, "us-east-1", seaweed.access_key, "wrong")
    with pytest.raises(StorageUnavailable) as info:
        bad.health()
    assert "refused the credentials" in info.value.message
    assert good.bucket in info.value.message
    with pytest.raises(StorageUnavailable):
        bad.read_bytes("mast/a.fits")
    with pytest.raises(ClientError) as raw:
        bad.client.get_object(Bucket=good.bucket, Key="mast/a.fits")
    assert raw.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    # Anonymous requests are refused as well.
    with pytest.raises(urllib.error.HTTPError) as anon:
        urllib.request.urlopen(f"{seaweed.endpoint_url}/{good.bucket}/mast/a.fits")
    assert anon.value.code == 403


def test_unreachable_endpoint_is_unavailable() -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    storage = S3Storage("webbscope", endpoint, connect_timeout=1, max_attempts=1)
    with pytest.raises(StorageUnavailable) as info:
        storage.health()
    assert info.value.status == 503
    assert info.value.code == "storage_unavailable"
    assert endpoint in info.value.message
    assert "'webbscope'" in info.value.message
    assert "unreachable" in info.value.message
    with pytest.raises(StorageUnavailable):
        storage.put_bytes("mast/x.fits", b"x")


def test_missing_bucket_is_unavailable(s3_factory: S3Factory) -> None:
    storage = s3_factory("no-such-bucket-here", create_bucket=False)
    with pytest.raises(StorageUnavailable) as info:
        storage.health()
    assert "does not exist" in info.value.message


def test_threshold_below_s3_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        S3Storage("b", "http://127.0.0.1:1", multipart_threshold=1024)


def test_make_storage_s3_creates_the_bucket_in_development(
    seaweed: SeaweedProcess, s3_factory: S3Factory
) -> None:
    settings = load_settings(
        WEBBSCOPE_ENV="test",
        STORAGE_PROVIDER="s3",
        S3_ENDPOINT_URL=seaweed.endpoint_url,
        S3_BUCKET="made-by-settings",
        S3_ACCESS_KEY_ID=seaweed.access_key,
        S3_SECRET_ACCESS_KEY=seaweed.secret_key,
        S3_MULTIPART_THRESHOLD=5 * 1024 * 1024,
    )
    storage = make_storage(settings)
    assert isinstance(storage, S3Storage)
    s3_factory("made-by-settings", create_bucket=False)  # dropped after the test
    assert storage.bucket == "made-by-settings"
    assert storage.multipart_threshold == 5 * 1024 * 1024
    storage.put_bytes("model-cache/w.bin", b"weights")
    assert storage.read_bytes("model-cache/w.bin") == b"weights"


def test_make_storage_names_endpoint_and_bucket_when_unreachable() -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    settings = load_settings(
        WEBBSCOPE_ENV="test",
        STORAGE_PROVIDER="s3",
        S3_ENDPOINT_URL=endpoint,
        S3_BUCKET="prod-data",
    )
    with pytest.raises(StorageUnavailable) as info:
        make_storage(settings)
    message = info.value.message
    assert "at start-up" in message
    assert endpoint in message
    assert "'prod-data'" in message
