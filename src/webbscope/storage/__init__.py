"""Object storage: one `StorageProvider` interface, a local and an S3 implementation.

`make_storage(settings)` builds the provider the settings ask for and checks that it answers.
"""

from __future__ import annotations

from webbscope.settings import Settings
from webbscope.storage.base import (
    CATALOGUES_PREFIX,
    COMPOSITES_PREFIX,
    DEFAULT_CHUNK_SIZE,
    LAYOUT_PREFIXES,
    MAST_PREFIX,
    MAX_KEY_LENGTH,
    MODEL_CACHE_PREFIX,
    MOSAICS_PREFIX,
    SEMANTIC_PREFIX,
    THUMBNAILS_PREFIX,
    TILES_PREFIX,
    UPLOADS_PREFIX,
    ObjectInfo,
    StorageConflict,
    StorageFull,
    StorageNotFound,
    StorageProvider,
    StorageUnavailable,
    StoredObject,
    validate_key,
    validate_prefix,
)
from webbscope.storage.local import LocalStorage
from webbscope.storage.s3 import S3Storage

__all__ = [
    "CATALOGUES_PREFIX",
    "COMPOSITES_PREFIX",
    "DEFAULT_CHUNK_SIZE",
    "LAYOUT_PREFIXES",
    "MAST_PREFIX",
    "MAX_KEY_LENGTH",
    "MODEL_CACHE_PREFIX",
    "MOSAICS_PREFIX",
    "SEMANTIC_PREFIX",
    "THUMBNAILS_PREFIX",
    "TILES_PREFIX",
    "UPLOADS_PREFIX",
    "LocalStorage",
    "ObjectInfo",
    "S3Storage",
    "StorageConflict",
    "StorageFull",
    "StorageNotFound",
    "StorageProvider",
    "StorageUnavailable",
    "StoredObject",
    "make_storage",
    "validate_key",
    "validate_prefix",
]


def make_storage(settings: Settings, *, check: bool = True) -> StorageProvider:
    """The provider named by `STORAGE_PROVIDER`, checked with `health()` unless `check=False`.

    In development and test the S3 bucket is created if it is missing; elsewhere it must exist.
    Unreachable storage raises `StorageUnavailable` naming the endpoint and bucket (or root).
    """
    storage: StorageProvider
    try:
        if settings.storage_provider == "s3":
            access = settings.s3_access_key_id
            secret = settings.s3_secret_access_key
            storage = S3Storage(
                bucket=settings.s3_bucket,
                endpoint_url=settings.s3_endpoint_url,
                region=settings.s3_region,
                access_key=access.get_secret_value() if access else None,
                secret_key=secret.get_secret_value() if secret else None,
                multipart_threshold=settings.s3_multipart_threshold,
                create_bucket=check and settings.is_development,
            )
        else:
            storage = LocalStorage(settings.data_dir)
        if check:
            storage.health()
    except StorageUnavailable as exc:
        where = (
            f"S3 bucket {settings.s3_bucket!r} at "
            f"{settings.s3_endpoint_url or 'the default AWS endpoint'}"
            if settings.storage_provider == "s3"
            else f"local directory {str(settings.data_dir)!r}"
        )
        raise StorageUnavailable(
            f"storage ({where}) is unavailable at start-up: {exc.message}",
            details=exc.details,
        ) from exc
    return storage
