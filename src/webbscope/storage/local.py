"""Storage in a directory: the data root shared by engine and mast (`DATA_DIR`).

Writes go to a temporary file in `<root>/.tmp/` (same filesystem), are fsynced, then renamed
into place with `os.replace`, so a reader never sees a partial file. Every path is resolved
and must stay under the root, symlinks included (defence in depth beyond `validate_key`).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import os
import shutil
import stat as stat_mod
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from webbscope.storage.base import (
    DEFAULT_CHUNK_SIZE,
    ObjectInfo,
    StorageConflict,
    StorageFull,
    StorageNotFound,
    StorageUnavailable,
    StoredObject,
    _bad_key,
    copy_file_in,
    validate_key,
    validate_prefix,
    validate_range,
)

#: Directory under the root that holds files being written.
TMP_DIR_NAME = ".tmp"
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _full(exc: OSError, what: str) -> StorageFull:
    return StorageFull(
        f"no space left while writing {what}: {exc.strerror or exc}; free disk space "
        "(or evict cached files) and retry",
        details={"key": what, "errno": exc.errno},
    )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class LocalStorage:
    """A `StorageProvider` over the directory `root` (created if missing)."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        try:
            root.mkdir(parents=True, exist_ok=True)
            self.root = root.resolve(strict=True)
            self._tmp = self.root / TMP_DIR_NAME
            self._tmp.mkdir(exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(
                f"local storage root {str(root)!r} is not usable: {exc.strerror or exc}",
                details={"root": str(root)},
            ) from exc

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    # --- paths ----------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        """The resolved path of `key`, refused if it (or a symlink on the way) leaves root."""
        validate_key(key)
        candidate = self.root.joinpath(*key.split("/"))
        try:
            resolved = candidate.resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise _bad_key(key, f"the path cannot be resolved ({exc})") from exc
        # A symlink on the way is followed only if it stays under the root (and out of .tmp).
        if not resolved.is_relative_to(self.root) or resolved.is_relative_to(self._tmp):
            raise _bad_key(key, "the path leaves the storage root")
        return resolved

    def _existing_file(self, key: str) -> Path:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise StorageNotFound(key) from None
        except NotADirectoryError:
            raise StorageNotFound(key) from None
        if not stat_mod.S_ISREG(st.st_mode):
            raise StorageNotFound(key)
        return path

    # --- writing --------------------------------------------------------------------------

    def put_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None
    ) -> StoredObject:
        dest = self._path(key)
        digest = hashlib.sha256()
        size = 0
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-", suffix=".part")
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                raise _full(exc, key) from exc
            raise
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    if chunk:
                        f.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                f.flush()
                os.fsync(f.fileno())
            self._commit(key, tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in _FULL_ERRNOS:
                raise _full(exc, key) from exc
            raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredObject(key=key, size=size, sha256=digest.hexdigest())

    def _commit(self, key: str, tmp: Path, dest: Path) -> None:
        """Move a finished temp file into place, creating parent directories."""
        for attempt in range(5):
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                # Re-check after mkdir: a symlink may have appeared on the way.
                self._path(key)
                os.replace(tmp, dest)
                _fsync_dir(dest.parent)
                return
            except FileNotFoundError:
                # A concurrent delete pruned the (empty) parent between mkdir and replace.
                if attempt == 4:
                    raise
            except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
                # `mkdir(exist_ok=True)` also raises FileExistsError when a concurrent delete
                # prunes the directory between its own mkdir and is_dir checks: only a real
                # object or directory in the way is a conflict; otherwise try again.
                if attempt == 4 or self._collides(dest):
                    raise StorageConflict(
                        f"cannot store {key!r}: it collides with an existing object or "
                        "directory of the same name",
                        details={"key": key},
                    ) from exc

    def _collides(self, dest: Path) -> bool:
        """Whether `dest` is a directory, or one of its parents under the root is not one."""
        if dest.is_dir() and not dest.is_symlink():
            return True
        parent = dest.parent
        while parent != self.root and parent.is_relative_to(self.root):
            if parent.exists() and not parent.is_dir():
                return True
            parent = parent.parent
        return False

    def put_file(self, key: str, path: Path, *, move: bool = False) -> int:
        if move:
            dest = self._path(key)
            size = path.stat().st_size
            with open(path, "rb") as f:
                os.fsync(f.fileno())
            try:
                self._commit(key, path, dest)
                return size
            except OSError as exc:
                if exc.errno != errno.EXDEV:  # another filesystem: copy below
                    raise
        return copy_file_in(self, key, path, move=move)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        return self.put_stream(key, [data], content_type=content_type)

    # --- reading --------------------------------------------------------------------------

    def iter_range(
        self,
        key: str,
        start: int = 0,
        end: int | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[bytes]:
        validate_range(start, end)
        path = self._existing_file(key)
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise StorageNotFound(key) from None
        return self._iter_file(f, start, end, chunk_size)

    @staticmethod
    def _iter_file(f: BinaryIO, start: int, end: int | None, chunk_size: int) -> Iterator[bytes]:
        with f:
            f.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                n = chunk_size if remaining is None else min(chunk_size, remaining)
                block = f.read(n)
                if not block:
                    return
                if remaining is not None:
                    remaining -= len(block)
                yield block

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        return b"".join(self.iter_range(key, start, end))

    def read_bytes(self, key: str) -> bytes:
        path = self._existing_file(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StorageNotFound(key) from None

    def download_to(self, key: str, dest: Path) -> Path:
        src = self._existing_file(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp_name)
            os.replace(tmp_name, dest)
        except FileNotFoundError:
            Path(tmp_name).unlink(missing_ok=True)
            raise StorageNotFound(key) from None
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return dest

    def exists(self, key: str) -> bool:
        try:
            self._existing_file(key)
        except StorageNotFound:
            return False
        return True

    def stat(self, key: str) -> ObjectInfo:
        path = self._existing_file(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise StorageNotFound(key) from None
        return ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    def size(self, key: str) -> int:
        return self.stat(key).size

    def touch(self, key: str) -> None:
        path = self._existing_file(key)
        try:
            os.utime(path)
        except FileNotFoundError:
            raise StorageNotFound(key) from None

    # --- deleting -------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            if path.is_dir() and not path.is_symlink():
                return  # a "directory" is not an object
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        self._prune(path.parent)

    def _prune(self, directory: Path) -> None:
        """Remove now-empty directories up to (not including) the root."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/"):
            raise _bad_key(prefix, "delete_prefix needs a prefix ending with '/'")
        validate_prefix(prefix)
        count = 0
        for info in self.list(prefix):
            self.delete(info.key)
            count += 1
        base = self._path(prefix[:-1])
        if base.is_dir() and not base.is_symlink():
            for dirpath, _dirs, _files in os.walk(base, topdown=False):
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)
            self._prune(base.parent)
        return count

    def purge_stale_temp(self, older_than_s: float = 24 * 3600) -> int:
        """Remove temporary files left by crashed writers; return how many."""
        cutoff = time.time() - older_than_s
        removed = 0
        for entry in os.scandir(self._tmp):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                pass
        return removed

    # --- listing --------------------------------------------------------------------------

    def list(self, prefix: str = "", *, page_size: int = 1000) -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        head, _, _ = prefix.rpartition("/")
        if head:
            base = self._path(head)
            if not base.is_dir():
                return iter(())
            return self._walk(base, head + "/", prefix)
        return self._walk(self.root, "", prefix)

    def _walk(self, directory: Path, key_prefix: str, want: str) -> Iterator[ObjectInfo]:
        """Files under `directory` in ascending byte order of the key (AWS S3's), lazily."""
        try:
            entries = builtins.list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        ordered: builtins.list[tuple[str, os.DirEntry[str], bool]] = []
        for entry in entries:
            if key_prefix == "" and entry.name == TMP_DIR_NAME:
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                ordered.append((entry.name + "/", entry, True))
            elif is_file:
                ordered.append((entry.name, entry, False))
        ordered.sort(key=lambda item: item[0])
        for sort_name, entry, is_dir in ordered:
            key = key_prefix + sort_name
            if is_dir:
                # Descend only where keys can still match the prefix.
                if key.startswith(want) or want.startswith(key):
                    yield from self._walk(Path(entry.path), key, want)
            elif key.startswith(want):
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                yield ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    # --- locations ------------------------------------------------------------------------

    def local_path(self, key: str) -> Path | None:
        return self._existing_file(key)

    def url_for(
        self, key: str, *, expires: int = 3600, download_name: str | None = None
    ) -> str | None:
        validate_key(key)
        return None

    def health(self) -> None:
        try:
            st = os.statvfs(self.root)
        except OSError as exc:
            raise StorageUnavailable(
                f"local storage root {str(self.root)!r} is not usable: {exc.strerror or exc}",
                details={"root": str(self.root)},
            ) from exc
        if not (self.root.is_dir() and self._tmp.is_dir()):
            raise StorageUnavailable(
                f"local storage root {str(self.root)!r} (or its {TMP_DIR_NAME}/) is missing",
                details={"root": str(self.root)},
            )
        if not os.access(self.root, os.W_OK) or not os.access(self._tmp, os.W_OK):
            raise StorageUnavailable(
                f"local storage root {str(self.root)!r} is not writable",
                details={"root": str(self.root)},
            )
        if st.f_bavail == 0:
            raise StorageFull(
                f"local storage root {str(self.root)!r} has no free space",
                details={"root": str(self.root)},
            )
