"""Every collection's indexes, declared in one place and created idempotently at start-up."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

#: collection name -> its indexes. Later features add their collections here.
INDEXES: dict[str, list[IndexModel]] = {
    "meta": [IndexModel([("key", ASCENDING)], unique=True, name="key_unique")],
    "users": [
        IndexModel([("username_lower", ASCENDING)], unique=True, name="username_unique"),
        IndexModel([("email_lower", ASCENDING)], unique=True, name="email_unique"),
    ],
    "refresh_tokens": [
        IndexModel([("family", ASCENDING)], name="family"),
        IndexModel([("user_id", ASCENDING)], name="user"),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "refresh_spent": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "rate_limits": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    # Lists, filters, facets, text and sky are answered by each backend replica's read model
    # (`library.read_model`), not by MongoDB: the records indexes serve only these lookups.
    "records": [
        # Dedup on upload/import (`find_duplicate`) and the quota's sum over one owner
        # (`bytes_owned`, by the `owner_id` prefix).
        IndexModel([("owner_id", ASCENDING), ("sha256", ASCENDING)], unique=True, name="owner_sha"),
        # Is a stored file still used? (`count_key_references`, `find_owned_key`)
        IndexModel([("storage_key", ASCENDING)], name="storage_key"),
        # Are a deleted record's tiles still used by another record of the same content?
        IndexModel([("sha256", ASCENDING)], name="sha256"),
        # The derived-work sweep looks for records without a thumbnail.
        IndexModel([("thumbnail_key", ASCENDING)], name="thumbnail"),
        # The library's reconciliation reads records changed since its last pass.
        IndexModel([("updated_at", ASCENDING)], name="updated_at"),
    ],
    "record_headers": [],
    "jobs": [
        IndexModel([("owner_id", ASCENDING), ("created_at", DESCENDING)], name="owner_created"),
        IndexModel([("status", ASCENDING)], name="status"),
        # Does this record have a thumbnail job? (the derived-work sweep, re-uploads)
        IndexModel([("params.record_id", ASCENDING)], name="record"),
    ],
    "composites": [
        IndexModel([("creators", ASCENDING), ("updated_at", DESCENDING)], name="creators")
    ],
    "composite_presets": [IndexModel([("owner_id", ASCENDING)], name="owner")],
    "job_running": [IndexModel([("expires_at", ASCENDING)], name="expires")],
    # Pruning each event log by age (`EventLog.prune`).
    "job_events": [IndexModel([("at", ASCENDING)], name="at")],
    "record_events": [IndexModel([("at", ASCENDING)], name="at")],
    "annotations": [
        IndexModel(
            [("owner_id", ASCENDING), ("record_id", ASCENDING), ("kind", ASCENDING)],
            name="owner_record_kind",
        ),
        IndexModel([("owner_id", ASCENDING), ("anchor.dec", ASCENDING)], name="owner_anchor"),
    ],
    "semantic_vectors": [],
    "semantic_meta": [],
    "semantic_events": [IndexModel([("at", ASCENDING)], name="at")],
}

#: Indexes that no query uses any more: dropped at start-up where an older version made them.
RETIRED: dict[str, list[str]] = {
    # Lists moved to the backend's read model (issue 17).
    "records": ["readers_created", "instrument", "target", "sky_dec"],
}
