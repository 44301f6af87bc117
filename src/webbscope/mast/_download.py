"""HEAD and ranged, resumable GETs of archive files (httpx, with timeouts).

`download_range(url, start, end)` yields the bytes `[start, end)` of a file. If the transfer
stops early — the connection dropped, a read timed out, the body was short — it raises
`DownloadInterrupted` whose `received` says how many bytes were yielded before: the caller keeps
them and asks again from `start + received`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx

from webbscope.errors import UpstreamError, UpstreamTimeout, WebbscopeError

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_DIGEST_ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512", "md5": "md5"}


class RemoteFile(NamedTuple):
    """What a HEAD says about a file."""

    size: int
    checksum: str | None
    """`'sha256:<hex>'` when the server sends a digest of the whole file (`Repr-Digest`, RFC
    9530, or the older `Digest`); the real archive is not known to, so expect None there."""
    accepts_ranges: bool


class DownloadInterrupted(UpstreamError):
    """The body stopped before its end; `received` bytes were yielded and are good."""

    code = "archive_download_interrupted"

    def __init__(self, message: str, *, received: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.received = received


class ArchiveAccessDenied(WebbscopeError):
    """The archive refused a file (HTTP 401 or 403): it is in exclusive access and no MAST API
    token was sent, or the token sent does not give access to it. Retrying changes nothing."""

    code, status = "archive_access_denied", 403


TOKEN_COOKIE = "mast_token"


def token_cookies(server_url: str, token: str | None) -> httpx.Cookies:
    """The cookie a MAST API token travels in (as astroquery's `Observations.login` sets it),
    scoped to the archive's host: it is never sent to another host, even on a redirect."""
    cookies = httpx.Cookies()
    if token:
        host = urlsplit(server_url).hostname or ""
        # The cookie jar treats a host without a dot as `<host>.local`.
        cookies.set(TOKEN_COOKIE, token, domain=host if "." in host else f"{host}.local", path="/")
    return cookies


def _digest(headers: httpx.Headers) -> str | None:
    for header in ("repr-digest", "digest"):
        value = headers.get(header)
        if not value:
            continue
        for item in value.split(","):
            name, _, encoded = item.strip().partition("=")
            algorithm = _DIGEST_ALGORITHMS.get(name.strip().lower())
            if algorithm is None:
                continue
            try:
                raw = base64.b64decode(encoded.strip().strip(":"), validate=True)
            except (binascii.Error, ValueError):
                continue
            return f"{algorithm}:{raw.hex()}"
    return None


def _range_header(start: int, end: int | None) -> dict[str, str]:
    if start < 0 or (end is not None and end <= start):
        raise ValueError(f"bad byte range [{start}, {end})")
    if start == 0 and end is None:
        return {}
    return {"range": f"bytes={start}-" + ("" if end is None else str(end - 1))}


class Transfer:
    """Book-keeping shared by the sync and async downloads of one range."""

    def __init__(self, archive: str, url: str, start: int, end: int | None) -> None:
        self.archive, self.url, self.start, self.end = archive, url, start, end
        self.received = 0
        self.skip = 0  # bytes to discard when a server ignored the range
        self.expected: int | None = None

    def details(self, **extra: Any) -> dict[str, Any]:
        return {"archive": self.archive, "url": self.url, **extra}

    def check(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != self.start:
                raise UpstreamError(
                    f"the MAST archive at {self.archive} answered a range request with a "
                    f"different range ({response.headers.get('content-range')!r})",
                    code="archive_error",
                    details=self.details(retryable=False),
                )
            self.expected = int(match.group(2)) - int(match.group(1)) + 1
            return
        if status == 200:
            self.skip = self.start  # the server ignored Range: discard up to `start`
            length = response.headers.get("content-length")
            if length is not None and length.isdigit():
                total = int(length)
                stop = total if self.end is None else min(self.end, total)
                self.expected = max(0, stop - self.start)
            elif self.end is not None:
                self.expected = self.end - self.start
            return
        if status in (401, 403):
            raise ArchiveAccessDenied(
                f"the MAST archive at {self.archive} refused {self.url} (HTTP {status}): "
                "it is in exclusive access, and no MAST API token giving access to it was sent",
                details=self.details(http_status=status, retryable=False),
            )
        raise UpstreamError(
            f"the MAST archive at {self.archive} answered HTTP {status} for {self.url}",
            code="archive_error",
            details=self.details(
                http_status=status, retryable=status >= 500 or status in (408, 429)
            ),
        )

    def take(self, chunk: bytes) -> tuple[bytes, bool]:
        """The part of `chunk` to yield, and whether the range is complete."""
        if self.skip:
            dropped = min(self.skip, len(chunk))
            chunk, self.skip = chunk[dropped:], self.skip - dropped
        if self.expected is not None:
            chunk = chunk[: self.expected - self.received]
        self.received += len(chunk)
        done = self.expected is not None and self.received >= self.expected
        return chunk, done

    def interrupted(self, cause: BaseException | None) -> DownloadInterrupted:
        what = type(cause).__name__ if cause else "a short body"
        return DownloadInterrupted(
            f"the download from the MAST archive at {self.archive} stopped after "
            f"{self.received} of {self.expected if self.expected is not None else '?'} bytes "
            f"({what})",
            received=self.received,
            details=self.details(retryable=True, received=self.received, expected=self.expected),
        )

    def finish(self) -> None:
        if self.expected is not None and self.received < self.expected:
            raise self.interrupted(None)

    def failed_before_body(self, exc: httpx.HTTPError, timeout_s: float) -> Exception:
        if isinstance(exc, httpx.TimeoutException):
            return UpstreamTimeout(
                f"the MAST archive at {self.archive} did not answer the download of {self.url} "
                f"in time (limit {timeout_s:g} s)",
                code="archive_timeout",
                details=self.details(retryable=True),
            )
        return UpstreamError(
            f"the MAST archive at {self.archive} could not be reached for {self.url}: "
            f"{type(exc).__name__}",
            code="archive_error",
            details=self.details(retryable=True),
        )


class Downloader:
    """HEAD and ranged GETs against one archive. The sync client is shared between threads;
    the async client belongs to the event loop that first used it (`aclose` it there).

    Chunks are yielded as they arrive (not re-buffered), so every byte received before a
    connection drops has been handed to the caller when `DownloadInterrupted` is raised."""

    def __init__(self, archive: str, timeout_s: float, token: str | None = None) -> None:
        self.archive = archive
        self.timeout_s = timeout_s
        self._timeout = httpx.Timeout(timeout_s)
        self._token = token
        self._client = httpx.Client(
            timeout=self._timeout, follow_redirects=True, cookies=token_cookies(archive, token)
        )
        self._aclient: httpx.AsyncClient | None = None

    def _async_client(self) -> httpx.AsyncClient:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=True,
                cookies=token_cookies(self.archive, self._token),
            )
        return self._aclient

    def _remote_file(self, response: httpx.Response, url: str) -> RemoteFile:
        transfer = Transfer(self.archive, url, 0, None)
        if response.status_code != 200:
            transfer.check(response)  # raises for every status but 200/206
        length = response.headers.get("content-length")
        if length is None or not length.isdigit():
            raise UpstreamError(
                f"the MAST archive at {self.archive} did not give the size of {url}",
                code="archive_error",
                details=transfer.details(retryable=False),
            )
        ranges = response.headers.get("accept-ranges", "").lower() == "bytes"
        return RemoteFile(int(length), _digest(response.headers), ranges)

    def head(self, url: str) -> RemoteFile:
        try:
            response = self._client.head(url)
        except httpx.HTTPError as exc:
            raise Transfer(self.archive, url, 0, None).failed_before_body(
                exc, self.timeout_s
            ) from exc
        return self._remote_file(response, url)

    async def ahead(self, url: str) -> RemoteFile:
        try:
            response = await self._async_client().head(url)
        except httpx.HTTPError as exc:
            raise Transfer(self.archive, url, 0, None).failed_before_body(
                exc, self.timeout_s
            ) from exc
        return self._remote_file(response, url)

    def download_range(self, url: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        transfer = Transfer(self.archive, url, start, end)
        headers = _range_header(start, end)
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                transfer.check(response)
                try:
                    for chunk in response.iter_bytes():
                        part, done = transfer.take(chunk)
                        if part:
                            yield part
                        if done:
                            return
                except httpx.HTTPError as exc:
                    raise transfer.interrupted(exc) from exc
        except httpx.HTTPError as exc:
            raise transfer.failed_before_body(exc, self.timeout_s) from exc
        transfer.finish()

    async def adownload_range(
        self, url: str, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        transfer = Transfer(self.archive, url, start, end)
        headers = _range_header(start, end)
        try:
            async with self._async_client().stream("GET", url, headers=headers) as response:
                transfer.check(response)
                try:
                    async for chunk in response.aiter_bytes():
                        part, done = transfer.take(chunk)
                        if part:
                            yield part
                        if done:
                            return
                except httpx.HTTPError as exc:
                    raise transfer.interrupted(exc) from exc
        except httpx.HTTPError as exc:
            raise transfer.failed_before_body(exc, self.timeout_s) from exc
        transfer.finish()

    def close(self) -> None:
        self._client.close()

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None
