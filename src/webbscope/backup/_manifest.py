"""The backup's layout and its manifest (`manifest.json`, written last: a directory without
one is not a backup)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from webbscope.errors import BadRequest
from webbscope.hashing import file_sha256

FORMAT = 1
MANIFEST = "manifest.json"
DB_DIR = "db"
OBJECTS_DIR = "objects"
STORAGE_LIST = "storage.jsonl.gz"
#: Storage prefixes that are caches, rebuilt on demand: never backed up.
SKIPPED_PREFIXES = ("tiles/", "model-cache/")


@dataclass
class CollectionDump:
    name: str
    count: int
    file: str
    sha256: str


@dataclass
class StorageDump:
    kind: str  # "local" or "s3"
    mode: str  # "objects" (copied into the backup) or "versions" (the bucket's list)
    count: int = 0
    bytes: int = 0
    file: str = STORAGE_LIST
    sha256: str = ""
    versioning: str | None = None  # S3: the bucket's versioning status


@dataclass
class Manifest:
    created_at: str
    version: str
    database: str
    consistency: str  # "snapshot" (replica set) or "per-collection cursor"
    collections: list[CollectionDump] = field(default_factory=list)
    storage: StorageDump | None = None
    format: int = FORMAT

    def write(self, root: Path) -> None:
        (root / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        if not path.is_file():
            raise BadRequest(
                f"{root} is not a complete backup (no {MANIFEST})", code="backup_incomplete"
            )
        data: dict[str, Any] = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise BadRequest(
                f"backup format {data.get('format')!r} is not supported (this is {FORMAT})",
                code="backup_format",
            )
        storage = data.pop("storage", None)
        collections = [CollectionDump(**c) for c in data.pop("collections", [])]
        return cls(
            **data,
            collections=collections,
            storage=StorageDump(**storage) if storage else None,
        )


def check_files(root: Path, manifest: Manifest) -> None:
    """Every file the manifest names is present and intact (before anything is restored)."""
    named = [(c.file, c.sha256) for c in manifest.collections]
    if manifest.storage is not None:
        named.append((manifest.storage.file, manifest.storage.sha256))
    for rel, sha in named:
        path = root / rel
        if not path.is_file() or file_sha256(path) != sha:
            raise BadRequest(
                f"backup file {rel} is missing or damaged (its sha256 differs from the manifest)",
                code="backup_damaged",
                details={"file": rel},
            )
