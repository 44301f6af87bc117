"""The one storage interface: keys, object records, errors and the `StorageProvider` protocol.

Keys are relative POSIX paths (`mast/jw02733/jw02733-o001_t001_nircam_clear-f090w_i2d.fits`).
The same key names the same object on every provider: a file under the data root for
`LocalStorage`, an object in a bucket for `S3Storage`.

The API is synchronous and thread-safe. Async code calls it through a thread
(`anyio.to_thread.run_sync`, starlette's `run_in_threadpool`).

Byte ranges follow Python slices: `start` is inclusive, `end` is **exclusive**, and a range
that runs past the end of the object is clipped (a range that starts at or past the end is
empty). HTTP `Range: bytes=a-b` (inclusive) is `start=a, end=b + 1`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from webbscope.errors import BadRequest, NotFound, ServiceUnavailable, WebbscopeError

# --- the layout (DESIGN.md, "Storage") ----------------------------------------------------

MAST_PREFIX = "mast/"  #: downloaded FITS products
COMPOSITES_PREFIX = "composites/"  #: colour composites
MOSAICS_PREFIX = "mosaics/"  #: WCS mosaics
SEMANTIC_PREFIX = "semantic/"  #: vector index files
MODEL_CACHE_PREFIX = "model-cache/"  #: embedding model weights
UPLOADS_PREFIX = "uploads/"  #: user uploads
THUMBNAILS_PREFIX = "thumbnails/"  #: small previews
TILES_PREFIX = "tiles/"  #: rendered image tiles
CATALOGUES_PREFIX = "catalogues/"  #: source catalogues made by detection jobs

LAYOUT_PREFIXES = (
    MAST_PREFIX,
    COMPOSITES_PREFIX,
    MOSAICS_PREFIX,
    SEMANTIC_PREFIX,
    MODEL_CACHE_PREFIX,
    UPLOADS_PREFIX,
    THUMBNAILS_PREFIX,
    TILES_PREFIX,
    CATALOGUES_PREFIX,
)

# --- keys ---------------------------------------------------------------------------------

#: Longest key, in bytes (S3's limit).
MAX_KEY_LENGTH = 1024
#: Longest segment, in bytes (the usual filesystem NAME_MAX).
MAX_SEGMENT_LENGTH = 255
#: Characters allowed in a segment besides ASCII letters and digits.
KEY_EXTRA_CHARS = "._-+=@"
#: First segments reserved for the providers' own use (LocalStorage's temporary files).
RESERVED_FIRST_SEGMENTS = frozenset({".tmp"})

_SEGMENT_RE = re.compile(r"[A-Za-z0-9._\-+=@]+")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

#: Default chunk size for streamed reads.
DEFAULT_CHUNK_SIZE = 1024 * 1024


def file_chunks(path: Path, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """The bytes of a file, chunk by chunk."""
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            yield chunk


def copy_file_in(storage: StorageProvider, key: str, path: Path, *, move: bool) -> int:
    """`put_file` by streaming the file's bytes (then removing it when `move`)."""
    size = storage.put_stream(key, file_chunks(path)).size
    if move:
        path.unlink(missing_ok=True)
    return size


def _bad_key(key: object, problem: str) -> BadRequest:
    return BadRequest(
        f"invalid storage key {key!r}: {problem}",
        code="invalid_storage_key",
        details={"key": key if isinstance(key, str) else repr(key), "problem": problem},
    )


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a valid storage key, else raise `BadRequest`.

    A valid key is a relative POSIX path of 1 to 1024 bytes whose `/`-separated segments are
    non-empty, at most 255 bytes, not `.` or `..`, and made of ASCII letters, digits and
    `._-+=@`. No leading or trailing `/`, no backslashes, no control characters, and the
    first segment may not be `.tmp` (reserved). The error's code is `invalid_storage_key`.
    """
    if not isinstance(key, str):
        raise _bad_key(key, "a key must be a string")
    if not key:
        raise _bad_key(key, "the key is empty")
    if len(key.encode("utf-8")) > MAX_KEY_LENGTH:
        raise _bad_key(key, f"the key is longer than {MAX_KEY_LENGTH} bytes")
    if _CONTROL_RE.search(key):
        raise _bad_key(key, "control characters are not allowed")
    if "\\" in key:
        raise _bad_key(key, "backslashes are not allowed; separate segments with '/'")
    if key.startswith("/"):
        raise _bad_key(key, "absolute paths are not allowed; keys are relative")
    if key.endswith("/"):
        raise _bad_key(key, "a key may not end with '/'")
    segments = key.split("/")
    for segment in segments:
        if not segment:
            raise _bad_key(key, "empty segments ('//') are not allowed")
        if segment in (".", ".."):
            raise _bad_key(key, "'.' and '..' segments are not allowed")
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise _bad_key(key, f"a segment is longer than {MAX_SEGMENT_LENGTH} bytes")
        if not _SEGMENT_RE.fullmatch(segment):
            bad = sorted({c for c in segment if not _SEGMENT_RE.fullmatch(c)})
            raise _bad_key(
                key,
                f"character(s) {''.join(bad)!r} not allowed; use letters, digits and "
                f"{KEY_EXTRA_CHARS!r}",
            )
    if segments[0] in RESERVED_FIRST_SEGMENTS:
        raise _bad_key(key, f"the first segment {segments[0]!r} is reserved")
    return key


def validate_prefix(prefix: str) -> str:
    """Return `prefix` if it is a valid listing prefix, else raise `BadRequest`.

    The empty prefix means "everything". Otherwise the prefix must be a valid key, optionally
    followed by one `/` (`mast/` lists everything under `mast`; `mast/jw02` matches by
    string prefix, as S3 does).
    """
    if prefix == "":
        return prefix
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def validate_range(start: int, end: int | None) -> None:
    """Reject negative or reversed ranges (`BadRequest`, code `invalid_range`)."""
    if start < 0 or (end is not None and end < start):
        raise BadRequest(
            f"invalid byte range start={start} end={end}: need 0 <= start <= end",
            code="invalid_range",
            details={"start": start, "end": end},
        )


# --- errors -------------------------------------------------------------------------------


class StorageNotFound(NotFound):
    """No object under this key."""

    code = "storage_not_found"

    def __init__(self, key: str, message: str | None = None) -> None:
        super().__init__(message or f"no stored object {key!r}", details={"key": key})
        self.key = key


class StorageUnavailable(ServiceUnavailable):
    """The storage cannot be reached or refused us (network, credentials, missing bucket)."""

    code = "storage_unavailable"


class StorageFull(WebbscopeError):
    """The storage has no space left (ENOSPC, quota)."""

    code, status = "storage_full", 507


class StorageConflict(WebbscopeError):
    """A key collides with an existing "directory" or object (local storage only)."""

    code, status = "storage_key_conflict", 409


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What a put wrote. `sha256` is the hex digest computed while streaming."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One listed object. `modified` is timezone-aware UTC (last write or `touch`)."""

    key: str
    size: int
    modified: datetime


# --- the protocol -------------------------------------------------------------------------


@runtime_checkable
class StorageProvider(Protocol):
    """Synchronous, thread-safe object storage addressed by validated keys.

    Every method validates its key(s) first (`BadRequest`, code `invalid_storage_key`).
    Missing objects raise `StorageNotFound`; unreachable storage `StorageUnavailable`; a full
    disk `StorageFull`.
    """

    #: Short name for logs and health output: "local" or "s3".
    kind: str

    def put_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None
    ) -> StoredObject:
        """Store the concatenated chunks under `key`, replacing any previous object.

        Memory stays bounded: one chunk locally; on S3 about two multipart parts (of
        `multipart_threshold` bytes) plus one chunk, whatever the object's size. Atomic: the
        object appears only when complete; if the iterator raises, the exception propagates
        and nothing (no object, no temporary file, no incomplete multipart upload) is left.
        """
        ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        """`put_stream` for data already in memory."""
        ...

    def put_file(self, key: str, path: Path, *, move: bool = False) -> int:
        """Store the file at `path` under `key` and return its size. With `move=True` the
        file is consumed: locally it is renamed into place when it is on the same filesystem
        (no copy), otherwise copied and removed. Atomic like `put_stream`."""
        ...

    def iter_range(
        self,
        key: str,
        start: int = 0,
        end: int | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[bytes]:
        """Stream bytes `[start, end)` (end exclusive, clipped to the size).

        The object is opened eagerly, so `StorageNotFound` is raised by this call rather than
        by the first `next()`. Close the iterator (or exhaust it) to release the connection.
        """
        ...

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes `[start, end)` in memory."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory (for small objects)."""
        ...

    def download_to(self, key: str, dest: Path) -> Path:
        """Copy the object to a local file, atomically (temp file + rename beside `dest`)."""
        ...

    def exists(self, key: str) -> bool: ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and modification time; `StorageNotFound` if missing."""
        ...

    def size(self, key: str) -> int: ...

    def touch(self, key: str) -> None:
        """Mark the object as just used: its `modified` time becomes now (for LRU eviction).

        Local: updates the file's mtime. S3: a server-side in-place copy (no data passes
        through us, but it is a request per call: touch at most once per use, not per tile).
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with `prefix`; return how many.

        `prefix` must end with `/` (whole "directories" only), so `delete_prefix("tiles/ab/")`
        cannot also remove `tiles/abc/...`.
        """
        ...

    def list(self, prefix: str = "", *, page_size: int = 1000) -> Iterator[ObjectInfo]:
        """Objects whose key starts with `prefix`, lazily paginated.

        Order: ascending byte order of the key on local storage and AWS S3. SeaweedFS lists a
        "directory" right after its own name (`a/b` before `a+1`, `a-b`), so do not depend on
        order across `/` boundaries; order within one directory is ascending everywhere.
        `page_size` is the number of keys per request (S3, 1-1000); local storage ignores it.
        """
        ...

    def local_path(self, key: str) -> Path | None:
        """A real filesystem path to the object (to memory-map FITS), or None on S3.

        Local storage raises `StorageNotFound` if the object does not exist.
        """
        ...

    def url_for(
        self, key: str, *, expires: int = 3600, download_name: str | None = None
    ) -> str | None:
        """A presigned GET URL valid for `expires` seconds (S3), or None (local)."""
        ...

    def health(self) -> None:
        """Return if the storage is usable, else raise `StorageUnavailable`."""
        ...
