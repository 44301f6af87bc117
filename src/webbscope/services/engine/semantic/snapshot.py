"""The index in storage, under `semantic/`: each snapshot's files in its own folder
(`semantic/<version>/vectors.faiss`, `ids.json`) and `semantic/manifest.json`, written last,
naming the current one with the model it was built with, the files' digests and the position
in the `semantic` event log it includes. A reader checks all of it before trusting the files."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from webbscope.semantic import ModelIdentity, VectorIndex
from webbscope.storage import SEMANTIC_PREFIX, StorageNotFound, StorageProvider

log = logging.getLogger("webbscope.semantic")

MANIFEST_KEY = f"{SEMANTIC_PREFIX}manifest.json"
FORMAT = 1


class SnapshotInvalid(Exception):
    """The stored index cannot be served; the message says why."""


@dataclass(frozen=True)
class Manifest:
    version: str
    model: str
    model_name: str
    model_version: str
    dimension: int
    count: int
    seq: int
    files: dict[str, str]
    created_at: str

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise SnapshotInvalid(f"manifest format {data.get('format')!r}, expected {FORMAT}")
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (KeyError, TypeError) as exc:
            raise SnapshotInvalid(f"the manifest is incomplete: {exc}") from exc


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(storage: StorageProvider) -> Manifest | None:
    """The current manifest; None when no index was ever written."""
    try:
        raw = storage.read_bytes(MANIFEST_KEY)
    except StorageNotFound:
        return None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SnapshotInvalid(f"the manifest is not JSON: {exc}") from exc
    return Manifest.parse(data)


def load_snapshot(
    storage: StorageProvider, identity: ModelIdentity, exact_below: int
) -> tuple[VectorIndex, Manifest] | None:
    """The stored index, checked: None if there is none; `SnapshotInvalid` if it is corrupt
    or was built with another model."""
    manifest = read_manifest(storage)
    if manifest is None:
        return None
    if manifest.model != identity.key():
        raise SnapshotInvalid(
            f"the index was built with {manifest.model}, this engine runs {identity.key()}"
        )
    files: dict[str, bytes] = {}
    for name, digest in manifest.files.items():
        try:
            data = storage.read_bytes(f"{SEMANTIC_PREFIX}{manifest.version}/{name}")
        except StorageNotFound as exc:
            raise SnapshotInvalid(f"index file {name} is missing") from exc
        if _sha(data) != digest:
            raise SnapshotInvalid(f"index file {name} does not match its digest (corrupt)")
        files[name] = data
    try:
        index = VectorIndex.from_files(files, exact_below=exact_below)
    except ValueError as exc:
        raise SnapshotInvalid(str(exc)) from exc
    if len(index) != manifest.count or index.dimension != identity.dimension:
        raise SnapshotInvalid("the index does not hold what its manifest says")
    return index, manifest


def write_snapshot(
    storage: StorageProvider, index: VectorIndex, identity: ModelIdentity, seq: int
) -> Manifest:
    """Write the index's files, then the manifest naming them; older snapshots are removed."""
    previous = None
    try:
        previous = read_manifest(storage)
    except SnapshotInvalid:
        pass
    version = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    files = index.to_files()
    for name, data in files.items():
        storage.put_bytes(f"{SEMANTIC_PREFIX}{version}/{name}", data)
    manifest = Manifest(
        version=version,
        model=identity.key(),
        model_name=identity.name,
        model_version=identity.version,
        dimension=identity.dimension,
        count=len(index),
        seq=seq,
        files={name: _sha(data) for name, data in files.items()},
        created_at=datetime.now(UTC).isoformat(),
    )
    body = {"format": FORMAT, **manifest.__dict__}
    storage.put_bytes(
        MANIFEST_KEY, json.dumps(body, indent=2).encode(), content_type="application/json"
    )
    if previous is not None and previous.version != version:
        storage.delete_prefix(f"{SEMANTIC_PREFIX}{previous.version}/")
    return manifest
