"""Stored files: copied into the backup (local storage), or the bucket's object list with each
object's version (S3, where the bucket itself, versioned, keeps the bytes)."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webbscope.backup._manifest import (
    OBJECTS_DIR,
    SKIPPED_PREFIXES,
    STORAGE_LIST,
    StorageDump,
)
from webbscope.errors import WebbscopeError
from webbscope.hashing import file_sha256
from webbscope.storage import LAYOUT_PREFIXES, S3Storage, StorageNotFound, StorageProvider
from webbscope.storage.base import file_chunks

log = logging.getLogger("webbscope.backup")


@dataclass
class StorageRestore:
    restored: int = 0
    unchanged: int = 0


def _entries(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _keys(storage: StorageProvider) -> Iterator[Any]:
    for prefix in LAYOUT_PREFIXES:
        if prefix not in SKIPPED_PREFIXES:
            yield from storage.list(prefix)


# --- local storage (and any provider): the objects themselves --------------------------------


def dump_objects(storage: StorageProvider, root: Path) -> StorageDump:
    dump = StorageDump(kind=storage.kind, mode="objects")
    with gzip.open(root / STORAGE_LIST, "wt", encoding="utf-8") as listing:
        for info in _keys(storage):
            target = root / OBJECTS_DIR / info.key
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            size = 0
            try:
                with open(target, "wb") as out:
                    for chunk in storage.iter_range(info.key):
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
            except StorageNotFound:  # deleted while we listed: not part of the backup
                target.unlink(missing_ok=True)
                continue
            entry = {"key": info.key, "size": size, "sha256": digest.hexdigest()}
            listing.write(json.dumps(entry) + "\n")
            dump.count += 1
            dump.bytes += size
    dump.sha256 = file_sha256(root / STORAGE_LIST)
    return dump


def restore_objects(storage: StorageProvider, root: Path) -> StorageRestore:
    out = StorageRestore()
    for entry in _entries(root / STORAGE_LIST):
        key, sha = entry["key"], entry["sha256"]
        if _same(storage, key, entry["size"], sha):
            out.unchanged += 1
            continue
        source = root / OBJECTS_DIR / key
        stored = storage.put_stream(key, file_chunks(source))
        if stored.sha256 != sha:
            storage.delete(key)
            raise WebbscopeError(
                f"object {key}: the backup's copy does not match its recorded sha256",
                code="backup_damaged",
                details={"key": key},
            )
        out.restored += 1
    return out


def _same(storage: StorageProvider, key: str, size: int, sha: str) -> bool:
    try:
        if storage.size(key) != size:
            return False
        digest = hashlib.sha256()
        for chunk in storage.iter_range(key):
            digest.update(chunk)
        return digest.hexdigest() == sha
    except StorageNotFound:
        return False


# --- S3: the object list and versions ----------------------------------------------------------


def _versioning(storage: S3Storage) -> str:
    status = storage.client.get_bucket_versioning(Bucket=storage.bucket).get("Status")
    return status or "Disabled"


def dump_versions(storage: S3Storage, root: Path) -> StorageDump:
    """Each current object's key, size, ETag and version id (from one listing of versions)."""
    dump = StorageDump(kind="s3", mode="versions", versioning=_versioning(storage))
    if dump.versioning != "Enabled":
        log.warning(
            "bucket %s is not versioned: a restore can only check that objects are still there, "
            "not bring back deleted or overwritten ones (enable versioning on the bucket)",
            storage.bucket,
        )
    pages = storage.client.get_paginator("list_object_versions").paginate(Bucket=storage.bucket)
    with gzip.open(root / STORAGE_LIST, "wt", encoding="utf-8") as listing:
        for page in pages:
            for v in page.get("Versions", []):
                key = v["Key"]
                if not v.get("IsLatest") or key.startswith(SKIPPED_PREFIXES):
                    continue
                entry = {
                    "key": key,
                    "size": v["Size"],
                    "etag": v["ETag"],
                    "version_id": v.get("VersionId") or "null",
                }
                listing.write(json.dumps(entry) + "\n")
                dump.count += 1
                dump.bytes += int(v["Size"])
    dump.sha256 = file_sha256(root / STORAGE_LIST)
    return dump


def restore_versions(storage: S3Storage, root: Path) -> StorageRestore:
    """Bring every listed object back to its recorded version; fail naming what cannot be."""
    client, bucket = storage.client, storage.bucket
    out = StorageRestore()
    lost: list[str] = []
    for entry in _entries(root / STORAGE_LIST):
        key, version = entry["key"], entry["version_id"]
        try:
            head = client.head_object(Bucket=bucket, Key=key)
            current = head.get("VersionId") or "null"
            if current == version or (version == "null" and head["ETag"] == entry["etag"]):
                out.unchanged += 1
                continue
        except client.exceptions.ClientError:
            pass  # missing (or a delete marker)
        if version == "null":
            lost.append(key)
            continue
        try:
            client.copy_object(
                Bucket=bucket,
                Key=key,
                CopySource={"Bucket": bucket, "Key": key, "VersionId": version},
            )
            out.restored += 1
        except client.exceptions.ClientError:
            lost.append(key)
    if lost:
        raise WebbscopeError(
            f"{len(lost)} object(s) of the backup are gone from bucket {bucket} and have no "
            f"version to restore, e.g. {lost[0]}",
            code="backup_objects_lost",
            details={"keys": lost[:100]},
        )
    return out
