"""Storage in an S3 bucket (SeaweedFS locally, AWS S3 in production).

Path-style addressing, explicit connect/read timeouts and bounded retries. Streams larger than
`multipart_threshold` go up as a multipart upload whose parts are sent as they fill; if the
source raises, the upload is aborted so no incomplete upload is left behind.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from webbscope.errors import BadRequest, PayloadTooLarge
from webbscope.storage.base import (
    DEFAULT_CHUNK_SIZE,
    ObjectInfo,
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

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

#: S3's smallest part (all parts but the last) and largest part count.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000
#: Largest object `copy_object` can copy in one request (5 GiB).
_MAX_SINGLE_COPY = 5 * 1024**3
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}
_DENIED_CODES = {
    "403",
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
}
_FULL_CODES = {"QuotaExceeded", "EntityTooLarge", "InsufficientStorage", "XMinioStorageFull"}
_DOWNLOAD_NAME_RE = re.compile(r"[A-Za-z0-9._\-+=@]{1,255}")


class S3Storage:
    """A `StorageProvider` over one bucket. The boto3 client is shared and thread-safe."""

    kind = "s3"

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        multipart_threshold: int = 16 * 1024 * 1024,
        create_bucket: bool = False,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_attempts: int = 3,
        max_pool_connections: int = 16,
    ) -> None:
        if multipart_threshold < MIN_PART_SIZE:
            raise ValueError(
                f"multipart_threshold must be at least {MIN_PART_SIZE} bytes (S3's minimum "
                f"part size), got {multipart_threshold}"
            )
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.multipart_threshold = multipart_threshold
        config = Config(
            region_name=region,
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            max_pool_connections=max_pool_connections,
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
        )
        self._client: S3Client = session.client("s3", endpoint_url=endpoint_url, config=config)
        if create_bucket:
            self._ensure_bucket()

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, endpoint_url={self._endpoint_name!r})"

    @property
    def _endpoint_name(self) -> str:
        return self.endpoint_url or "the default AWS endpoint"

    @property
    def client(self) -> S3Client:
        """The underlying boto3 client (for operations the protocol does not cover)."""
        return self._client

    # --- errors ---------------------------------------------------------------------------

    def _where(self) -> str:
        return f"bucket {self.bucket!r} at {self._endpoint_name}"

    def _raise(self, exc: Exception, key: str | None = None) -> NoReturn:
        """Translate a boto error into the storage errors."""
        details: dict[str, Any] = {"bucket": self.bucket, "endpoint": self._endpoint_name}
        if key is not None:
            details["key"] = key
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = str(error.get("Message", "")) or code
            details["s3_code"] = code
            if code in _NOT_FOUND_CODES and key is not None:
                raise StorageNotFound(key) from exc
            if code in ("NoSuchBucket",) or (code in _NOT_FOUND_CODES and key is None):
                raise StorageUnavailable(
                    f"S3 {self._where()} does not exist; create it or set S3_BUCKET",
                    details=details,
                ) from exc
            if code in _DENIED_CODES:
                raise StorageUnavailable(
                    f"S3 {self._where()} refused the credentials ({code}: {message}); "
                    "check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY",
                    details=details,
                ) from exc
            if code in _FULL_CODES:
                raise StorageFull(
                    f"S3 {self._where()} has no room for {key!r}: {code}: {message}",
                    details=details,
                ) from exc
            raise StorageUnavailable(
                f"S3 {self._where()} failed ({code}: {message})", details=details
            ) from exc
        if isinstance(exc, BotoCoreError):
            raise StorageUnavailable(
                f"S3 {self._where()} is unreachable: {exc}", details=details
            ) from exc
        raise exc

    # --- writing --------------------------------------------------------------------------

    def _ensure_bucket(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code not in _NOT_FOUND_CODES and code != "NoSuchBucket":
                self._raise(exc)
        except BotoCoreError as exc:
            self._raise(exc)
        try:
            self._client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                self._raise(exc)
        except BotoCoreError as exc:
            self._raise(exc)

    def put_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None
    ) -> StoredObject:
        validate_key(key)
        threshold = self.multipart_threshold
        digest = hashlib.sha256()
        pieces: builtins.list[bytes] = []
        size = 0
        iterator = iter(chunks)
        # Read up to the threshold: small objects go up in one PUT.
        for chunk in iterator:
            if not chunk:
                continue
            digest.update(chunk)
            size += len(chunk)
            pieces.append(chunk)
            if size > threshold:
                break
        else:
            self._put_object(key, b"".join(pieces), content_type)
            return StoredObject(key=key, size=size, sha256=digest.hexdigest())
        return self._put_multipart(key, iterator, pieces, digest, size, content_type)

    def _put_object(self, key: str, data: bytes, content_type: str | None) -> None:
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, key)

    def _put_multipart(
        self,
        key: str,
        iterator: Iterator[bytes],
        pieces: builtins.list[bytes],
        digest: Any,
        size: int,
        content_type: str | None,
    ) -> StoredObject:
        """Multipart upload: parts of exactly `multipart_threshold` bytes, sent as they fill
        one reused buffer (memory: one part plus one incoming chunk)."""
        threshold = self.multipart_threshold
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            created = self._client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)
            upload_id = created["UploadId"]
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, key)
        parts: builtins.list[CompletedPartTypeDef] = []
        buffer = bytearray(threshold)
        filled = 0

        def send(data: bytearray) -> None:
            number = len(parts) + 1
            if number > MAX_PARTS:
                raise PayloadTooLarge(
                    f"{key!r} is larger than {MAX_PARTS} parts of {threshold} bytes; "
                    "raise S3_MULTIPART_THRESHOLD",
                    details={"key": key},
                )
            response = self._client.upload_part(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=data,  # type: ignore[arg-type]  # botocore accepts bytearray
            )
            parts.append({"PartNumber": number, "ETag": response["ETag"]})

        def feed(chunk: bytes) -> None:
            nonlocal filled
            with memoryview(chunk) as view:
                offset = 0
                while offset < len(view):
                    take = min(threshold - filled, len(view) - offset)
                    buffer[filled : filled + take] = view[offset : offset + take]
                    filled += take
                    offset += take
                    if filled == threshold:
                        send(buffer)
                        filled = 0

        try:
            pieces.reverse()
            while pieces:
                feed(pieces.pop())
            for chunk in iterator:
                if chunk:
                    digest.update(chunk)
                    size += len(chunk)
                    feed(chunk)
            if filled or not parts:
                del buffer[filled:]
                send(buffer)
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException as exc:
            self._abort(key, upload_id)
            if isinstance(exc, ClientError | BotoCoreError):
                self._raise(exc, key)
            raise
        return StoredObject(key=key, size=size, sha256=digest.hexdigest())

    def _abort(self, key: str, upload_id: str) -> None:
        # Best effort; a bucket lifecycle rule should expire stragglers.
        with contextlib.suppress(ClientError, BotoCoreError):
            self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def put_file(self, key: str, path: Path, *, move: bool = False) -> int:
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
        validate_key(key)
        validate_range(start, end)
        if end is not None and end == start:
            self.stat(key)  # an empty range still needs the object to exist
            return iter(())
        kwargs: dict[str, Any] = {}
        if start or end is not None:
            last = "" if end is None else str(end - 1)
            kwargs["Range"] = f"bytes={start}-{last}"
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return iter(())  # starts at or past the end (or the object is empty)
            self._raise(exc, key)
        except BotoCoreError as exc:
            self._raise(exc, key)
        return self._iter_body(key, response["Body"], chunk_size)

    def _iter_body(self, key: str, body: Any, chunk_size: int) -> Iterator[bytes]:
        try:
            for block in body.iter_chunks(chunk_size):
                if block:
                    yield block
        except BotoCoreError as exc:
            self._raise(exc, key)
        finally:
            body.close()

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        return b"".join(self.iter_range(key, start, end))

    def read_bytes(self, key: str) -> bytes:
        return self.read_range(key)

    def download_to(self, key: str, dest: Path) -> Path:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                for block in self.iter_range(key):
                    f.write(block)
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return dest

    def _head(self, key: str) -> Any:
        validate_key(key)
        try:
            return self._client.head_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, key)

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except StorageNotFound:
            return False
        return True

    def stat(self, key: str) -> ObjectInfo:
        head = self._head(key)
        return ObjectInfo(key, int(head["ContentLength"]), _utc(head["LastModified"]))

    def size(self, key: str) -> int:
        return self.stat(key).size

    def touch(self, key: str) -> None:
        head = self._head(key)
        source = {"Bucket": self.bucket, "Key": key}
        extra: dict[str, Any] = {"MetadataDirective": "REPLACE", "Metadata": head["Metadata"]}
        if head.get("ContentType"):
            extra["ContentType"] = head["ContentType"]
        try:
            if int(head["ContentLength"]) <= _MAX_SINGLE_COPY:
                self._client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": self.bucket, "Key": key},
                    **extra,
                )
            else:
                self._client.copy(source, self.bucket, key, ExtraArgs=extra)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc, key)

    # --- deleting -------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in _NOT_FOUND_CODES:
                return
            self._raise(exc, key)
        except BotoCoreError as exc:
            self._raise(exc, key)

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/"):
            raise _bad_key(prefix, "delete_prefix needs a prefix ending with '/'")
        validate_prefix(prefix)
        count = 0
        batch: builtins.list[str] = []
        for info in self.list(prefix):
            batch.append(info.key)
            if len(batch) == 1000:
                count += self._delete_batch(batch)
                batch = []
        if batch:
            count += self._delete_batch(batch)
        return count

    def _delete_batch(self, keys: builtins.list[str]) -> int:
        try:
            response = self._client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
            )
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc)
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise StorageUnavailable(
                f"S3 {self._where()} failed to delete {len(errors)} of {len(keys)} objects "
                f"(first: {first.get('Key')!r}: {first.get('Code')}: {first.get('Message')})",
                details={"bucket": self.bucket, "failed": [e.get("Key") for e in errors]},
            )
        return len(keys)

    # --- listing --------------------------------------------------------------------------

    def list(self, prefix: str = "", *, page_size: int = 1000) -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        if not 1 <= page_size <= 1000:
            raise BadRequest(
                f"page_size must be between 1 and 1000, got {page_size}",
                code="invalid_page_size",
            )
        return self._list(prefix, page_size)

    def _list(self, prefix: str, page_size: int) -> Iterator[ObjectInfo]:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
        )
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    yield ObjectInfo(obj["Key"], int(obj["Size"]), _utc(obj["LastModified"]))
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc)

    # --- locations ------------------------------------------------------------------------

    def local_path(self, key: str) -> Path | None:
        validate_key(key)
        return None

    def url_for(
        self, key: str, *, expires: int = 3600, download_name: str | None = None
    ) -> str | None:
        validate_key(key)
        if not 1 <= expires <= 7 * 24 * 3600:
            raise BadRequest(
                f"expires must be between 1 s and 7 days, got {expires}",
                code="invalid_expiry",
            )
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            if not _DOWNLOAD_NAME_RE.fullmatch(download_name):
                raise BadRequest(
                    f"invalid download name {download_name!r}",
                    code="invalid_download_name",
                )
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires)

    def health(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            self._raise(exc)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
