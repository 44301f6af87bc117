"""The TTL cache, and the download book-keeping (digests, ranges, short reads) without a network."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest

from webbscope.caches import TTLCache
from webbscope.errors import UpstreamError
from webbscope.mast import DownloadInterrupted
from webbscope.mast._download import Transfer, _digest, _range_header


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(ttl_s=10, clock=clock)
    cache.set("a", 1)
    clock.now += 9.9
    assert cache.get("a") == 1
    clock.now += 0.2
    assert cache.get("a") is None and len(cache) == 0
    assert (cache.hits, cache.misses) == (1, 1)


def test_least_recently_used_goes_first() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=60, max_entries=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1
    cache.set("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_a_zero_ttl_caches_nothing() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=0)
    cache.set("a", 1)
    assert cache.get("a") is None


def test_digest_headers() -> None:
    raw = hashlib.sha256(b"x").digest()
    b64 = base64.b64encode(raw).decode()
    assert _digest(httpx.Headers({"Repr-Digest": f"sha-256=:{b64}:"})) == f"sha256:{raw.hex()}"
    assert _digest(httpx.Headers({"Digest": f"SHA-256={b64}"})) == f"sha256:{raw.hex()}"
    assert _digest(httpx.Headers({"Digest": "crc32c=AAAAAA=="})) is None
    assert _digest(httpx.Headers({"Repr-Digest": "sha-256=:not base64!:"})) is None
    assert _digest(httpx.Headers()) is None


def test_range_headers() -> None:
    assert _range_header(0, None) == {}
    assert _range_header(10, None) == {"range": "bytes=10-"}
    assert _range_header(10, 20) == {"range": "bytes=10-19"}
    for bad in ((-1, None), (5, 5)):
        with pytest.raises(ValueError):
            _range_header(*bad)


def _response(status: int, headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_a_partial_answer_must_match_the_range() -> None:
    t = Transfer("http://a", "http://a/f", 100, 200)
    t.check(_response(206, {"content-range": "bytes 100-199/1000"}))
    assert t.expected == 100
    with pytest.raises(UpstreamError, match="different range"):
        Transfer("http://a", "u", 100, None).check(
            _response(206, {"content-range": "bytes 0-99/1000"})
        )


def test_a_server_ignoring_range_is_skipped_to_the_offset() -> None:
    t = Transfer("http://a", "u", 3, 6)
    t.check(_response(200, {"content-length": "10"}))
    assert t.take(b"0123") == (b"3", False)
    assert t.take(b"456789") == (b"45", True)
    assert t.received == 3


def test_short_bodies_are_interruptions() -> None:
    t = Transfer("http://a", "u", 0, None)
    t.check(_response(200, {"content-length": "10"}))
    t.take(b"01234")
    with pytest.raises(DownloadInterrupted) as caught:
        t.finish()
    assert caught.value.received == 5 and caught.value.code == "archive_download_interrupted"
    assert caught.value.status == 502 and caught.value.details["retryable"]


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (429, True), (503, True)])
def test_http_errors(status: int, retryable: bool) -> None:
    with pytest.raises(UpstreamError) as caught:
        Transfer("http://a", "u", 0, None).check(_response(status, {}))
    assert caught.value.details["http_status"] == status
    assert caught.value.details["retryable"] is retryable
