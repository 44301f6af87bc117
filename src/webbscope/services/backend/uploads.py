"""Streaming multipart reception: each part named `files` goes straight to a staging file on
disk while its SHA-256 is computed. Memory use stays constant whatever the file size."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from webbscope.errors import BadRequest, PayloadTooLarge, Unprocessable, UnsupportedMediaType

#: Bytes gathered before a write (and hash update) is handed to a worker thread.
_FLUSH_BYTES = 4 * 1024 * 1024
_FITS_SUFFIXES = (".fits", ".fit", ".fts")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_file_name(name: str) -> str:
    """The file name if it is safe to keep, else `Unprocessable` saying what is wrong."""
    problem = None
    if not name or not name.strip():
        problem = "it is empty"
    elif _CONTROL.search(name):
        problem = "it contains control characters"
    elif "/" in name or "\\" in name:
        problem = "it contains a path separator"
    elif name in (".", "..") or name.startswith(".."):
        problem = "it is a relative path"
    elif len(name.encode()) > 255:
        problem = "it is longer than 255 bytes"
    elif name.lower().endswith((".gz", ".fz", ".bz2", ".zip")):
        problem = "compressed files are not accepted: upload the uncompressed FITS file"
    elif not name.lower().endswith(_FITS_SUFFIXES):
        problem = "it does not end in .fits, .fit or .fts"
    if problem:
        raise Unprocessable(
            f"file name {name[:80]!r} is not accepted: {problem}", code="invalid_file_name"
        )
    return name


@dataclass
class StagedFile:
    file_name: str
    path: Path
    size: int = 0
    sha256: str = ""


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    staged: StagedFile | None = None
    handle: IO[bytes] | None = None
    hasher: hashlib._Hash | None = None
    pending: bytearray = field(default_factory=bytearray)
    #: The write in flight: receiving the next buffer overlaps writing and hashing this one.
    writing: asyncio.Future[None] | None = None
    unsynced: int = 0

    async def flush(self, *, last: bool = False) -> None:
        if self.writing is not None:
            await self.writing
            self.writing = None
        if self.pending:
            buf, self.pending = bytes(self.pending), bytearray()
            self.writing = asyncio.get_running_loop().run_in_executor(None, _write, self, buf)
        if last and self.writing is not None:
            await self.writing
            self.writing = None


#: Flush to disk every so often while receiving, so the final fsync (before the file becomes
#: a stored object) has little left to do.
_SYNC_EVERY = 256 * 1024 * 1024


def _write(part: _Part, data: bytes) -> None:
    assert part.handle is not None and part.hasher is not None
    part.handle.write(data)
    part.hasher.update(data)
    part.unsynced += len(data)
    if part.unsynced >= _SYNC_EVERY:
        part.handle.flush()
        os.fdatasync(part.handle.fileno())
        part.unsynced = 0


async def receive_files(
    request: Request, staging_dir: Path, max_file_bytes: int, max_files: int = 50
) -> list[StagedFile]:
    """Stream every `files` part of a multipart body into `staging_dir`. On any error the
    staging files already written are removed before the error propagates."""
    ctype, params = parse_options_header(request.headers.get("content-type"))
    if ctype != b"multipart/form-data":
        raise UnsupportedMediaType(
            "uploads must be multipart/form-data with one or more parts named 'files'",
            code="unsupported_media_type",
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("the multipart body has no boundary", code="malformed_multipart")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_file_bytes * max_files + 1024 * 1024:
        raise _too_large(int(length), max_file_bytes)
    await asyncio.to_thread(staging_dir.mkdir, parents=True, exist_ok=True)

    staged: list[StagedFile] = []
    events: list[tuple[str, bytes]] = []
    header_field = bytearray()
    header_value = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        events.append(("header", bytes(header_field).lower() + b"\0" + bytes(header_value)))
        header_field.clear()
        header_value.clear()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": lambda: events.append(("begin", b"")),
            "on_part_data": lambda d, s, e: events.append(("data", bytes(d[s:e]))),
            "on_part_end": lambda: events.append(("end", b"")),
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": lambda: events.append(("headers_done", b"")),
        },
    )
    part: _Part | None = None
    ended = False
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            for kind, data in events:
                if kind == "begin":
                    part = _Part()
                elif kind == "header" and part is not None:
                    k, _, v = data.partition(b"\0")
                    part.headers[k] = v
                elif kind == "headers_done" and part is not None:
                    part = _open_part(part, staging_dir, staged, max_files)
                elif kind == "data" and part is not None and part.staged is not None:
                    part.pending += data
                    part.staged.size += len(data)
                    if part.staged.size > max_file_bytes:
                        raise _too_large(part.staged.size, max_file_bytes, part.staged.file_name)
                    if len(part.pending) >= _FLUSH_BYTES:
                        await part.flush()
                elif kind == "end" and part is not None:
                    await _close_part(part)
                    part = None
            events.clear()
        parser.finalize()
        ended = True
    except BaseException:
        if part is not None and part.handle is not None:
            if part.writing is not None:
                with contextlib.suppress(BaseException):
                    await part.writing
            part.handle.close()
        discard(staged)
        raise
    if not ended or part is not None:
        discard(staged)
        raise BadRequest("the multipart body ended early", code="malformed_multipart")
    if not staged:
        raise Unprocessable(
            "no file received: send one or more parts named 'files'", code="no_files"
        )
    return staged


def _open_part(part: _Part, staging_dir: Path, staged: list[StagedFile], max_files: int) -> _Part:
    disposition = part.headers.get(b"content-disposition", b"")
    _, params = parse_options_header(disposition)
    part.name = params.get(b"name", b"").decode("utf-8", "replace")
    if part.name != "files":
        return part  # other fields are ignored
    raw = params.get(b"filename")
    if raw is None:
        raise Unprocessable("a 'files' part has no file name", code="invalid_file_name")
    name = check_file_name(raw.decode("utf-8", "replace"))
    if len(staged) >= max_files:
        raise Unprocessable(f"at most {max_files} files per upload", code="too_many_files")
    path = staging_dir / f"{uuid.uuid4().hex}.part"
    part.staged = StagedFile(file_name=name, path=path)
    staged.append(part.staged)
    part.handle = open(path, "wb")  # noqa: SIM115 - closed in _close_part or on error
    part.hasher = hashlib.sha256()
    return part


async def _close_part(part: _Part) -> None:
    if part.staged is None or part.handle is None or part.hasher is None:
        return
    await part.flush(last=True)
    part.handle.close()
    part.staged.sha256 = part.hasher.hexdigest()


def _too_large(size: int, limit: int, name: str | None = None) -> PayloadTooLarge:
    what = f"{name!r} is" if name else "the upload is"
    return PayloadTooLarge(
        f"{what} larger than the limit of {limit:,} bytes",
        code="file_too_large",
        details={"limit_bytes": limit, "received_bytes": size},
    )


def discard(files: list[StagedFile]) -> None:
    for f in files:
        try:
            os.unlink(f.path)
        except FileNotFoundError:
            pass
