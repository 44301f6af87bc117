"""Serving one stored file: HEAD, GET, single byte ranges, pacing and dropped connections."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from webbscope.devstack.mast_archive._catalog import StoredFile
from webbscope.devstack.mast_archive._faults import Pacer

CHUNK = 64 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class DroppedConnection(Exception):
    """Raised inside a streaming body to make the server close the connection mid-file."""


class RangeNotSatisfiable(Exception):
    pass


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range of a `Range: bytes=a-b` header (None: serve the whole file).

    Multiple ranges and unparseable headers are ignored (the whole file is served), as RFC 9110
    allows; a syntactically valid range that is unsatisfiable raises `RangeNotSatisfiable`.
    """
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # suffix: the last N bytes
        n = int(last)
        if n == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - n), size)
    start = int(first)
    end = size if last == "" else min(int(last) + 1, size)
    if start >= size or end <= start:
        raise RangeNotSatisfiable
    return ByteRange(start, end)


def file_headers(f: StoredFile) -> dict[str, str]:
    """Headers of every answer for a file. `Repr-Digest` (RFC 9530) carries the SHA-256 of the
    whole file — this server's extension; the real archive is not known to send a digest."""
    digest = base64.b64encode(bytes.fromhex(f.sha256)).decode()
    return {
        "accept-ranges": "bytes",
        "content-type": f.content_type,
        "content-disposition": f'attachment; filename="{f.filename}"',
        "etag": f'"{f.sha256[:32]}"',
        "repr-digest": f"sha-256=:{digest}:",
    }


def _read(f: StoredFile, start: int, n: int) -> bytes:
    if f.data is not None:
        return f.data[start : start + n]
    assert f.path is not None
    with f.path.open("rb") as fh:
        fh.seek(start)
        return fh.read(n)


async def stream(
    f: StoredFile,
    rng: ByteRange,
    *,
    drop_after: int | None,
    pacers: list[Pacer],
    on_bytes: Callable[[int], None],
) -> AsyncIterator[bytes]:
    """The bytes of `rng`, paced by `pacers`; after `drop_after` body bytes the connection is
    dropped (raise inside the body: uvicorn then closes the socket without finishing)."""
    chunk = CHUNK
    if pacers:
        slowest = min(p.rate for p in pacers)
        chunk = int(min(CHUNK, max(1024, slowest / 20)))
    position, sent = rng.start, 0
    while position < rng.end:
        n = min(chunk, rng.end - position)
        if drop_after is not None:
            n = min(n, drop_after - sent)
            if n <= 0:
                raise DroppedConnection(f"{f.filename}: dropped after {sent} bytes")
        for pacer in pacers:
            await pacer.take(n)
        data = _read(f, position, n)
        position += len(data)
        sent += len(data)
        on_bytes(len(data))
        yield data
