"""Serving stored objects over HTTP with single byte ranges (RFC 9110)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response, StreamingResponse

from webbscope.errors import WebbscopeError
from webbscope.storage import StorageProvider

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(WebbscopeError):
    code, status = "range_not_satisfiable", 416


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) for a single `bytes=` range, None for the whole object."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None  # multiple or unknown ranges: serve the whole object, as RFC 9110 allows
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = min(int(last) + 1, size) if last else size
    else:
        start, end = max(0, size - int(last)), size
    if start >= size or end <= start:
        err = RangeNotSatisfiable(
            f"range {header!r} is outside the object of {size} bytes",
            details={"size": size},
        )
        err.headers = {"Content-Range": f"bytes */{size}"}
        raise err
    return start, end


def content_disposition(file_name: str) -> str:
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


async def _aiter(it: Iterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in iterate_in_threadpool(it):
        yield chunk


def stream_object(
    storage: StorageProvider,
    key: str,
    size: int,
    *,
    range_header: str | None,
    media_type: str,
    etag: str | None = None,
    file_name: str | None = None,
    if_none_match: str | None = None,
) -> Response:
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=0, must-revalidate"}
    if etag:
        headers["ETag"] = f'"{etag}"'
        if if_none_match and if_none_match.strip() == headers["ETag"]:
            return Response(status_code=304, headers=headers)
    if file_name:
        headers["Content-Disposition"] = content_disposition(file_name)
    span = parse_range(range_header, size)
    if span is None:
        headers["Content-Length"] = str(size)
        body = storage.iter_range(key, 0, None)
        return StreamingResponse(_aiter(body), media_type=media_type, headers=headers)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    body = storage.iter_range(key, start, end)
    return StreamingResponse(_aiter(body), status_code=206, media_type=media_type, headers=headers)
