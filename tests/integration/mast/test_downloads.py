"""HEAD and ranged downloads: 206 and resumption, a dropped connection seen as a short read and
resumed without re-sending finished bytes, throttled downloads whole (their pace is measured by
bench/archive_bench.py)."""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from webbscope.devstack.mast_server import MastServer
from webbscope.errors import UpstreamError
from webbscope.mast import ArchiveClient, DownloadInterrupted

pytestmark = pytest.mark.integration

CUBE = "jw02731-o003_t017_nirspec_g395m-f290lp_s3d.fits"  # ~5.5 MB whatever the demo size
I2D = "jw02731-o001_t017_nircam_clear-f200w_i2d.fits"


def _url(client: ArchiveClient, name: str) -> str:
    return client.download_url(f"mast:JWST/product/{name}")


def test_head_gives_size_and_checksum(
    client: ArchiveClient, manifest: dict[str, dict[str, Any]]
) -> None:
    info = client.head(_url(client, I2D))
    assert info.size == manifest[I2D]["size_bytes"]
    assert info.checksum == f"sha256:{manifest[I2D]['sha256']}"
    assert info.accepts_ranges


def test_whole_file_and_ranges(client: ArchiveClient, archive_dir: Path) -> None:
    original = (archive_dir / I2D).read_bytes()
    url = _url(client, I2D)
    assert b"".join(client.download_range(url)) == original
    assert b"".join(client.download_range(url, 1000, 5000)) == original[1000:5000]
    assert b"".join(client.download_range(url, len(original) - 10)) == original[-10:]

    # the raw protocol: 206 with Content-Range, suffix ranges, 416 past the end
    answer = httpx.get(url, headers={"Range": "bytes=100-199"})
    assert answer.status_code == 206 and answer.content == original[100:200]
    assert answer.headers["content-range"] == f"bytes 100-199/{len(original)}"
    assert answer.headers["content-length"] == "100"
    suffix = httpx.get(url, headers={"Range": "bytes=-5"})
    assert suffix.status_code == 206 and suffix.content == original[-5:]
    past = httpx.get(url, headers={"Range": f"bytes={len(original)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(original)}"
    missing = httpx.head(client.download_url("mast:JWST/product/nothing_i2d.fits"))
    assert missing.status_code == 404


def test_download_errors(client: ArchiveClient, mast_server: MastServer) -> None:
    with pytest.raises(UpstreamError) as caught:
        list(client.download_range(client.download_url("mast:JWST/product/nothing.fits")))
    assert caught.value.details["http_status"] == 404 and not caught.value.details["retryable"]

    mast_server.add_fault({"paths": ["/api/v0.1/Download"], "status": 503, "count": 1})
    with pytest.raises(UpstreamError) as caught:
        client.head(_url(client, I2D))
    assert caught.value.code == "archive_error" and caught.value.details["retryable"]


def test_a_dropped_connection_is_a_short_read_and_resumes(
    client: ArchiveClient, mast_server: MastServer, archive_dir: Path
) -> None:
    original = (archive_dir / CUBE).read_bytes()
    url = _url(client, CUBE)
    mast_server.reset_stats()
    mast_server.add_fault(
        {"paths": ["/api/v0.1/Download"], "drop_after_bytes": 1_000_000, "count": 1}
    )
    received = bytearray()
    with pytest.raises(DownloadInterrupted) as caught:
        for chunk in client.download_range(url):
            received += chunk
    assert caught.value.received == len(received) == 1_000_000
    assert caught.value.details["retryable"]

    for chunk in client.download_range(url, len(received)):
        received += chunk
    assert bytes(received) == original
    stats = mast_server.stats()["files"][CUBE]
    assert stats["ranges"] == [[0, len(original)], [1_000_000, len(original)]]
    assert stats["bytes"] == len(original)  # no finished byte was sent twice


def test_other_clients_see_the_drop_too(client: ArchiveClient, mast_server: MastServer) -> None:
    """The server really closes the connection: requests/urllib3 report an incomplete read."""
    mast_server.add_fault({"drop_after_bytes": 5000, "count": 1})
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        requests.get(_url(client, CUBE), timeout=5)


def test_a_throttled_download_arrives_whole(
    client: ArchiveClient, mast_server: MastServer, archive_dir: Path
) -> None:
    """How close the pacing comes to its rate is a benchmark (bench/archive_bench.py)."""
    mast_server.add_fault({"paths": ["/api/v0.1/Download"], "throttle_bps": 1_000_000})
    got = b"".join(client.download_range(_url(client, CUBE), 0, 1_200_000))
    assert got == (archive_dir / CUBE).read_bytes()[:1_200_000]
    assert mast_server.faults()[0]["fired"] == 1


def test_a_shared_link_serves_every_download_whole(
    client: ArchiveClient, mast_server: MastServer, archive_dir: Path
) -> None:
    mast_server.add_fault({"paths": ["/api/v0.1/Download"], "throttle_total_bps": 2_000_000})
    url = _url(client, CUBE)
    original = (archive_dir / CUBE).read_bytes()

    def fetch(i: int) -> bytes:
        return b"".join(client.download_range(url, i * 1000, i * 1000 + 800_000))

    with ThreadPoolExecutor(3) as pool:
        parts = list(pool.map(fetch, range(3)))
    assert parts == [original[i * 1000 : i * 1000 + 800_000] for i in range(3)]
    assert mast_server.faults()[0]["fired"] == 3


def test_async_download_resumes(
    client: ArchiveClient, mast_server: MastServer, archive_dir: Path
) -> None:
    original = (archive_dir / CUBE).read_bytes()
    url = _url(client, CUBE)
    mast_server.add_fault({"drop_after_bytes": 300_000, "count": 1})

    async def fetch() -> bytes:
        info = await client.ahead(url)
        got = bytearray()
        while len(got) < info.size:
            try:
                async for chunk in client.adownload_range(url, len(got)):
                    got += chunk
            except DownloadInterrupted as exc:
                assert exc.received > 0
        await client.aclose()
        return bytes(got)

    data = asyncio.run(fetch())
    assert hashlib.sha256(data).digest() == hashlib.sha256(original).digest()
