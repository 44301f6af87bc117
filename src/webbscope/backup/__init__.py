"""`webbscope backup create|restore`: the database and the stored files, together.

A backup is a directory `webbscope-backup-<UTC time>` holding `manifest.json` (written last),
`db/<collection>.bson.gz` (each collection streamed in `_id` order, gzip), and the storage
manifest `storage.jsonl.gz`: with local storage every object is copied into `objects/<key>` with
its sha256; with S3 the list records each object's version, and the versioned bucket keeps the
bytes. Caches (`tiles/`, `model-cache/`) are left out. See docs/operations.md.
"""

from __future__ import annotations

from webbscope.backup._manifest import Manifest
from webbscope.backup._run import (
    BackupResult,
    RestoreResult,
    create_backup,
    prune_backups,
    restore_backup,
)

__all__ = [
    "BackupResult",
    "Manifest",
    "RestoreResult",
    "create_backup",
    "prune_backups",
    "restore_backup",
]
