"""Streaming multipart reception: each part named `files` goes straight to a staging file on
disk while its SHA-256 is computed. Memory use stays constant whatever the file size.

A gzip-compressed part (`.fits.gz`, recognised by its first bytes) is decompressed while it
streams, in bounded pieces: the staging file, its size and its SHA-256 are those of the FITS
file inside, and a part that decompresses beyond the size limit is refused (413) as soon as it
does. The first bytes of every file must start a FITS header, so a file that is not FITS is
refused before the rest of it is stored. A refused upload still reads (and discards) the rest
of the request body, up to a bound, so a client that sends the whole body before reading sees
the error rather than a reset connection."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import re
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from webbscope.errors import (
    BadRequest,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    WebbscopeError,
)
from webbscope.fits import check_magic
from webbscope.services.backend.staging import new_staging_path, release
from webbscope.storage import StorageFull

#: Bytes gathered before a write (and hash update) is handed to a worker thread.
_FLUSH_BYTES = 4 * 1024 * 1024
#: Most bytes one step of gzip decompression produces (bounds memory whatever the ratio).
_INFLATE_BYTES = 4 * 1024 * 1024
_FITS_SUFFIXES = (".fits", ".fit", ".fts")
_GZIP_MAGIC = b"\x1f\x8b"
#: Bytes of a file's start checked for the FITS signature before the rest is stored.
_HEAD_BYTES = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def stored_name(name: str) -> str:
    """The name a file keeps once stored: `.gz` removed (the FITS file inside is stored)."""
    return name[:-3] if name.lower().endswith(".gz") else name


def check_file_name(name: str, *, upload: bool = False) -> str:
    """The file name if it is safe to keep, else `Unprocessable` saying what is wrong.

    FITS names end in .fits, .fit or .fts, or .fz (tile-compressed FITS); an upload may also
    send them gzip-compressed (`.fits.gz`), which is stored decompressed.
    """
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
    elif name.lower().endswith((".bz2", ".zip", ".xz", ".z")):
        problem = "only gzip (.fits.gz) and tile compression (.fz) are accepted"
    elif upload and name.lower().endswith(".gz"):
        if not stored_name(name).lower().endswith(_FITS_SUFFIXES):
            problem = "a gzip-compressed file must be named .fits.gz, .fit.gz or .fts.gz"
    elif not name.lower().endswith((*_FITS_SUFFIXES, ".fz")):
        problem = "it does not end in .fits, .fit, .fts or .fz" + (
            " (or .fits.gz)" if upload else ""
        )
    if problem:
        raise Unprocessable(
            f"file name {name[:80]!r} is not accepted: {problem}", code="invalid_file_name"
        )
    return name


@dataclass
class StagedFile:
    file_name: str
    """The name the record gets (`stored_name` of the name sent)."""
    path: Path
    size: int = 0
    """Bytes stored: the decompressed size for a gzip-compressed part."""
    sha256: str = ""
    received: int = 0
    """Bytes received for this part (compressed, if it was)."""


class _Gunzip:
    """Streaming gzip decompression (several members allowed) in bounded pieces."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inflater = zlib.decompressobj(wbits=31)

    def _bad(self, exc: Exception) -> Unprocessable:
        return Unprocessable(f"{self.name!r} is not valid gzip data: {exc}", code="bad_gzip")

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while True:
                out = self.inflater.decompress(data, _INFLATE_BYTES)
                if out:
                    yield out
                if self.inflater.eof:
                    data = self.inflater.unused_data  # another member may follow
                    if not data.strip(b"\0"):
                        return  # nothing, or the zero padding some tools append
                    self.inflater = zlib.decompressobj(wbits=31)
                    continue
                data = self.inflater.unconsumed_tail
                if not data and len(out) < _INFLATE_BYTES:
                    return  # all input used and no output held back
        except zlib.error as exc:
            raise self._bad(exc) from None

    def finish(self) -> None:
        if not self.inflater.eof:
            raise Unprocessable(
                f"{self.name!r} ends before its gzip data does: the upload is cut short",
                code="bad_gzip",
            )


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    staged: StagedFile | None = None
    handle: IO[bytes] | None = None
    hasher: hashlib._Hash | None = None
    limit: int = 0
    gunzip: _Gunzip | None = None
    started: bool = False
    head: bytearray = field(default_factory=bytearray)
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
    """Decompress (when the part is gzip), check, store and hash the next received bytes."""
    assert part.staged is not None
    if not part.started:
        part.started = True
        if data.startswith(_GZIP_MAGIC):
            part.gunzip = _Gunzip(part.staged.file_name)
    pieces = part.gunzip.feed(data) if part.gunzip is not None else (data,)
    for piece in pieces:
        _store(part, piece)


def _store(part: _Part, data: bytes) -> None:
    assert part.handle is not None and part.hasher is not None and part.staged is not None
    if len(part.head) < _HEAD_BYTES:
        part.head += data[: _HEAD_BYTES - len(part.head)]
        if len(part.head) >= _HEAD_BYTES:
            _check_head(part)
    part.staged.size += len(data)
    if part.staged.size > part.limit:
        raise _too_large(part.staged.size, part.limit, part.staged.file_name, inflated=True)
    part.handle.write(data)
    part.hasher.update(data)
    part.unsynced += len(data)
    if part.unsynced >= _SYNC_EVERY:
        part.handle.flush()
        os.fdatasync(part.handle.fileno())
        part.unsynced = 0


def _check_head(part: _Part) -> None:
    """The file must start like a FITS file (checked on its first bytes, not at the end)."""
    assert part.staged is not None
    try:
        check_magic(bytes(part.head), len(part.head))
    except Unprocessable as exc:
        raise Unprocessable(
            f"{part.staged.file_name!r} is {exc.message[0].lower()}{exc.message[1:]}",
            code=exc.code,
        ) from None


def _finish(part: _Part) -> None:
    if part.gunzip is not None:
        part.gunzip.finish()
    if len(part.head) < _HEAD_BYTES:
        _check_head(part)


async def receive_files(
    request: Request,
    staging_dir: Path,
    max_file_bytes: int,
    max_files: int = 50,
    drain_bytes: int = 0,
) -> list[StagedFile]:
    """Stream every `files` part of a multipart body into `staging_dir`. On any error the
    staging files already written are removed before the error propagates; on a refusal
    (a 4xx) up to `drain_bytes` more of the body are read and discarded first."""
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
    body = request.stream()
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            parser.write(chunk)
            for kind, data in events:
                if kind == "begin":
                    part = _Part()
                elif kind == "header" and part is not None:
                    k, _, v = data.partition(b"\0")
                    part.headers[k] = v
                elif kind == "headers_done" and part is not None:
                    part = _open_part(part, staging_dir, staged, max_files)
                    part.limit = max_file_bytes
                elif kind == "data" and part is not None and part.staged is not None:
                    part.pending += data
                    part.staged.received += len(data)
                    if part.staged.received > max_file_bytes:
                        raise _too_large(
                            part.staged.received, max_file_bytes, part.staged.file_name
                        )
                    if len(part.pending) >= _FLUSH_BYTES:
                        await part.flush()
                elif kind == "end" and part is not None:
                    await _close_part(part)
                    part = None
            events.clear()
        parser.finalize()
        ended = True
    except BaseException as exc:
        if part is not None and part.handle is not None:
            if part.writing is not None:
                with contextlib.suppress(BaseException):
                    await part.writing
            with contextlib.suppress(OSError):  # its buffer may not fit on a full disk
                part.handle.close()
        discard(staged)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            # The disk filled up while this upload was written: nothing of it is kept (the
            # staging files were just removed), and the answer says so (507, not 500).
            full = StorageFull(
                "the server's disk filled up while receiving this upload: nothing was stored; "
                "try again once space is freed",
                details={"setting": "MIN_FREE_DISK_BYTES"},
            )
            await _drain(body, request, received, drain_bytes)
            raise full from exc
        if isinstance(exc, WebbscopeError) and exc.status < 500:
            await _drain(body, request, received, drain_bytes)
        raise
    if not ended or part is not None:
        discard(staged)
        raise BadRequest("the multipart body ended early", code="malformed_multipart")
    if not staged:
        raise Unprocessable(
            "no file received: send one or more parts named 'files'", code="no_files"
        )
    return staged


async def drain_refused(request: Request, bound: int) -> None:
    """Read and discard the body of a request refused before its body was read (up to
    `bound` bytes), so the client sees the answer rather than a reset connection."""
    await _drain(request.stream(), request, 0, bound)


async def _drain(body: AsyncIterator[bytes], request: Request, received: int, bound: int) -> None:
    """Read and discard the rest of a refused request's body, if it is at most `bound` bytes
    (more is not worth reading: the connection is closed instead)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) - received > bound:
        return
    drained = 0
    with contextlib.suppress(Exception):  # the client went away: nothing left to do
        async for chunk in body:
            drained += len(chunk)
            if drained > bound:
                return


def _open_part(part: _Part, staging_dir: Path, staged: list[StagedFile], max_files: int) -> _Part:
    disposition = part.headers.get(b"content-disposition", b"")
    _, params = parse_options_header(disposition)
    part.name = params.get(b"name", b"").decode("utf-8", "replace")
    if part.name != "files":
        return part  # other fields are ignored
    raw = params.get(b"filename")
    if raw is None:
        raise Unprocessable("a 'files' part has no file name", code="invalid_file_name")
    name = stored_name(check_file_name(raw.decode("utf-8", "replace"), upload=True))
    if len(staged) >= max_files:
        raise Unprocessable(f"at most {max_files} files per upload", code="too_many_files")
    path = new_staging_path(staging_dir, uuid.uuid4().hex)
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
    await asyncio.to_thread(_finish, part)
    part.staged.sha256 = part.hasher.hexdigest()


def _too_large(
    size: int, limit: int, name: str | None = None, *, inflated: bool = False
) -> PayloadTooLarge:
    what = f"{name!r} is" if name else "the upload is"
    if inflated:
        what = f"{name!r} decompresses to more than {limit:,} bytes, and is"
    return PayloadTooLarge(
        f"{what} larger than the limit of {limit:,} bytes",
        code="file_too_large",
        details={"limit_bytes": limit, "received_bytes": size, "decompressed": inflated},
    )


def discard(files: list[StagedFile]) -> None:
    """Remove the staging files (those not moved into storage) and release them."""
    for f in files:
        try:
            os.unlink(f.path)
        except FileNotFoundError:
            pass
        release(f.path)
