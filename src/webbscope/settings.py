"""The one settings object, read from the environment and an optional `.env` file.

Every variable is documented in `.env.example`. `WEBBSCOPE_ENV` defaults to `production`, so a
deployment that forgets it fails closed: outside development and test the services refuse to
start while a secret is missing or still has its development default. Only `webbscope up` and the
development compose overlay set `development`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from webbscope.jobs.queue import JobLimits

#: Development defaults. They make `make up` work out of the box and are refused outside
#: development and test.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_SERVICE_TOKEN = "dev-only-service-token-change-me-0123456789"
DEV_MAST_TOKEN_KEY = "dev-only-mast-token-key-change-me-0123456789"
_DEV_SECRETS = {DEV_JWT_SECRET, DEV_SERVICE_TOKEN, DEV_MAST_TOKEN_KEY}


class Environment(StrEnum):
    development = "development"
    test = "test"
    staging = "staging"
    production = "production"


class SettingsError(ValueError):
    """Settings that cannot be used; the message names every problem."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    environment: Environment = Field(Environment.production, alias="WEBBSCOPE_ENV")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")

    # Secrets
    jwt_secret: SecretStr = Field(SecretStr(DEV_JWT_SECRET), alias="JWT_SECRET")
    service_token: SecretStr = Field(SecretStr(DEV_SERVICE_TOKEN), alias="INTERNAL_SERVICE_TOKEN")
    #: Prometheus presents it to read /metrics; unset, /metrics is open only in development.
    metrics_token: SecretStr | None = Field(None, alias="METRICS_TOKEN")

    # Accounts
    access_token_ttl_s: int = Field(900, alias="ACCESS_TOKEN_TTL_S", ge=60, le=86_400)
    refresh_token_ttl_s: int = Field(14 * 86_400, alias="REFRESH_TOKEN_TTL_S", ge=3600)
    login_max_failures: int = Field(5, alias="LOGIN_MAX_FAILURES", ge=1, le=100)
    login_lockout_s: int = Field(900, alias="LOGIN_LOCKOUT_S", ge=1)
    auth_rate_limit_per_minute: int = Field(30, alias="AUTH_RATE_LIMIT_PER_MINUTE", ge=1)
    #: Log-in backoff: after LOGIN_MAX_FAILURES failures in a row an account (or an unknown
    #: name) waits LOGIN_BACKOFF_BASE_S, doubling per further failure up to LOGIN_LOCKOUT_S.
    login_backoff_base_s: float = Field(1.0, alias="LOGIN_BACKOFF_BASE_S", gt=0, le=3600)
    password_change_rate_per_minute: int = Field(5, alias="PASSWORD_CHANGE_RATE_PER_MINUTE", ge=1)
    #: argon2id hashes in flight at once (64 MiB each) and how many more may wait.
    password_hash_concurrency: int = Field(1, alias="PASSWORD_HASH_CONCURRENCY", ge=1, le=64)
    password_hash_queue: int = Field(32, alias="PASSWORD_HASH_QUEUE", ge=0, le=10_000)
    #: Existence-revealing account routes (registration conflicts, email changes, share
    #: recipients), per caller.
    account_lookup_rate_per_minute: int = Field(20, alias="ACCOUNT_LOOKUP_RATE_PER_MINUTE", ge=1)

    # Backend
    #: How often a realtime hub connection re-checks its token's expiry and the account.
    hub_recheck_s: float = Field(30.0, alias="HUB_RECHECK_S", gt=0, le=3600)
    backend_tile_cache_bytes: int = Field(128 * 1024**2, alias="BACKEND_TILE_CACHE_BYTES", ge=0)

    # Jobs
    jobs_lease_s: float = Field(30.0, alias="JOBS_LEASE_S", ge=1.0, le=3600)
    jobs_poll_interval_s: float = Field(0.5, alias="JOBS_POLL_INTERVAL_S", gt=0, le=60)
    jobs_max_attempts: int = Field(3, alias="JOBS_MAX_ATTEMPTS", ge=1, le=20)
    jobs_max_active_per_user: int = Field(50, alias="JOBS_MAX_ACTIVE_PER_USER", ge=1)
    jobs_max_running_per_user: int = Field(3, alias="JOBS_MAX_RUNNING_PER_USER", ge=1)
    jobs_max_compute: int = Field(2, alias="JOBS_MAX_COMPUTE", ge=1)
    worker_concurrency: int = Field(2, alias="WORKER_CONCURRENCY", ge=0, le=64)
    jobs_retention_days: float = Field(30.0, alias="JOBS_RETENTION_DAYS", gt=0)
    events_poll_interval_s: float = Field(0.1, alias="EVENTS_POLL_INTERVAL_S", gt=0, le=10)
    # The library's read model on each backend replica (SQLite + columns): its file (empty:
    # a temporary file on local disk), its SQLite page cache, and the reconciliation that
    # repairs what the record event log missed (every N seconds; 0 turns it off), looking
    # back over records changed since the last pass minus the slack (writers' clock skew).
    library_db_path: Path | None = Field(None, alias="LIBRARY_DB_PATH")
    library_cache_mb: int = Field(16, alias="LIBRARY_CACHE_MB", ge=1, le=4096)
    library_reconcile_interval_s: float = Field(
        60.0, alias="LIBRARY_RECONCILE_INTERVAL_S", ge=0, le=86400
    )
    library_reconcile_slack_s: float = Field(
        120.0, alias="LIBRARY_RECONCILE_SLACK_S", ge=0, le=86400
    )
    #: Every N seconds a replica stores a snapshot of its model in storage, from which a
    #: replica starting later opens at once and catches up (0: never; start-up then loads
    #: every record from the database).
    library_snapshot_interval_s: float = Field(
        0.0, alias="LIBRARY_SNAPSHOT_INTERVAL_S", ge=0, le=86400
    )

    # Database
    mongodb_uri: str = Field("mongodb://127.0.0.1:27017", alias="MONGODB_URI")
    mongodb_db: str = Field("webbscope", alias="MONGODB_DB", pattern=r"^[A-Za-z0-9_-]{1,63}$")
    mongodb_timeout_ms: int = Field(5000, alias="MONGODB_TIMEOUT_MS", ge=100, le=120_000)
    startup_wait_s: float = Field(15.0, alias="STARTUP_WAIT_S", ge=0, le=600)
    #: Retry-After (seconds) on a 503 `database_unavailable`.
    database_retry_after_s: int = Field(5, alias="DATABASE_RETRY_AFTER_S", ge=1, le=3600)

    # Storage
    data_dir: Path = Field(Path("./data"), alias="DATA_DIR")
    storage_provider: Literal["local", "s3"] = Field("local", alias="STORAGE_PROVIDER")
    s3_endpoint_url: str | None = Field(None, alias="S3_ENDPOINT_URL")
    s3_bucket: str = Field("webbscope", alias="S3_BUCKET")
    s3_region: str = Field("us-east-1", alias="S3_REGION")
    s3_access_key_id: SecretStr | None = Field(None, alias="S3_ACCESS_KEY_ID")
    s3_secret_access_key: SecretStr | None = Field(None, alias="S3_SECRET_ACCESS_KEY")
    s3_multipart_threshold: int = Field(
        16 * 1024 * 1024, alias="S3_MULTIPART_THRESHOLD", ge=5 * 1024 * 1024
    )

    # Internal service addresses (as the backend reaches them)
    engine_url: str = Field("http://127.0.0.1:8000", alias="ENGINE_URL")
    mast_url: str = Field("http://127.0.0.1:8002", alias="MAST_URL")
    service_timeout_s: float = Field(30.0, alias="SERVICE_TIMEOUT_S", gt=0, le=600)

    # Public origin(s) allowed by CORS (comma separated); empty means same-origin only
    cors_origins: str = Field("", alias="CORS_ORIGINS")

    # FITS limits
    max_upload_bytes: int = Field(4 * 1024**3, alias="MAX_UPLOAD_BYTES", gt=0)
    max_fits_bytes: int = Field(16 * 1024**3, alias="MAX_FITS_BYTES", gt=0)
    max_array_elements: int = Field(1_200_000_000, alias="MAX_ARRAY_ELEMENTS", gt=0)
    max_hdus: int = Field(64, alias="MAX_HDUS", gt=0, le=10_000)
    max_compressed_tile_bytes: int = Field(64 * 1024**2, alias="MAX_COMPRESSED_TILE_BYTES", ge=1024)
    max_header_bytes: int = Field(
        8 * 1024**2, alias="MAX_HEADER_BYTES", ge=64 * 1024, le=10 * 1024**2
    )

    # Quotas: bytes one account's records may hold (uploads and imports; 0 = no quota), and
    # the largest single archive import
    user_quota_bytes: int = Field(0, alias="USER_QUOTA_BYTES", ge=0)
    max_import_bytes: int = Field(50 * 1024**3, alias="MAX_IMPORT_BYTES", gt=0)

    # Uploads: what a refused upload still reads, and the staging area's clean-up
    upload_drain_bytes: int = Field(64 * 1024**2, alias="UPLOAD_DRAIN_BYTES", ge=0)
    staging_max_age_s: float = Field(6 * 3600.0, alias="STAGING_MAX_AGE_S", ge=60)
    staging_sweep_interval_s: float = Field(600.0, alias="STAGING_SWEEP_INTERVAL_S", gt=0)
    #: Free bytes kept in reserve on the data directory's disk: below it uploads and imports
    #: are refused (507) and health says storage is degraded, so sign-in, deletes and job
    #: outcomes still have room.
    min_free_disk_bytes: int = Field(1024**3, alias="MIN_FREE_DISK_BYTES", ge=0)

    # Derived work (thumbnails): the sweep that queues what a crash left undone
    derived_sweep_interval_s: float = Field(300.0, alias="DERIVED_SWEEP_INTERVAL_S", gt=0)
    derived_sweep_grace_s: float = Field(60.0, alias="DERIVED_SWEEP_GRACE_S", ge=0)

    # `webbscope up`: a child crashing this often within the window is a crash loop
    up_crash_loop_restarts: int = Field(5, alias="UP_CRASH_LOOP_RESTARTS", ge=1, le=1000)
    up_crash_loop_window_s: float = Field(60.0, alias="UP_CRASH_LOOP_WINDOW_S", gt=0)

    #: Seconds a service keeps an idle HTTP connection open (uvicorn's keep-alive). Longer
    #: than any client's or proxy's own idle timeout (httpx 5 s, the services' clients 30 s,
    #: nginx 60 s), so a client never sends a request on a connection the server is closing.
    http_keep_alive_s: int = Field(75, alias="HTTP_KEEP_ALIVE_S", ge=1, le=3600)

    # Rendering (engine): load limits and cache budgets
    max_output_pixels: int = Field(36_000_000, alias="MAX_OUTPUT_PIXELS", gt=0)
    render_concurrency: int = Field(2, alias="RENDER_CONCURRENCY", ge=1, le=64)
    render_queue: int = Field(64, alias="RENDER_QUEUE", ge=0, le=10_000)
    render_retry_after_s: int = Field(1, alias="RENDER_RETRY_AFTER_S", ge=1, le=600)
    engine_open_files: int = Field(32, alias="ENGINE_OPEN_FILES", ge=1, le=4096)
    engine_view_cache_bytes: int = Field(64 * 1024**2, alias="ENGINE_VIEW_CACHE_BYTES", ge=0)
    engine_tile_cache_bytes: int = Field(256 * 1024**2, alias="ENGINE_TILE_CACHE_BYTES", ge=0)
    engine_tile_store_min_ms: float = Field(50.0, alias="ENGINE_TILE_STORE_MIN_MS", ge=0)
    #: Stored pyramids (the `pyramid` job): pixels per chunk of its streaming pass (its
    #: working memory is about 20 bytes per pixel), and how long the engine trusts that a
    #: file has no pyramid yet before it looks again (seconds).
    pyramid_chunk_pixels: int = Field(
        8 * 1024 * 1024, alias="PYRAMID_CHUNK_PIXELS", ge=65_536, le=1 << 30
    )
    pyramid_recheck_s: float = Field(10.0, alias="PYRAMID_RECHECK_S", ge=0, le=3600)
    engine_file_cache_bytes: int = Field(20 * 1024**3, alias="ENGINE_FILE_CACHE_BYTES", gt=0)
    tile_max_age_s: int = Field(86_400, alias="TILE_MAX_AGE_S", ge=0)
    #: How long a signed download link (a record's file, followed by the browser) is valid.
    download_link_ttl_s: int = Field(300, alias="DOWNLOAD_LINK_TTL_S", ge=10, le=86_400)
    #: Requests of one caller (account, or address when anonymous) in flight at once on the
    #: viewer, list and search routes of one backend replica.
    caller_concurrency: int = Field(16, alias="CALLER_CONCURRENCY", ge=1, le=10_000)
    viewer_access_cache_s: float = Field(2.0, alias="VIEWER_ACCESS_CACHE_S", ge=0, le=60)

    # Mosaics (engine): output limits, block size, and an optional Dask cluster for the blocks
    mosaic_max_pixels: int = Field(400_000_000, alias="MOSAIC_MAX_PIXELS", gt=0)
    mosaic_max_bytes: int = Field(8 * 1024**3, alias="MOSAIC_MAX_BYTES", gt=0)
    mosaic_block: int = Field(1024, alias="MOSAIC_BLOCK", ge=64, le=8192)
    mosaic_max_inputs: int = Field(200, alias="MOSAIC_MAX_INPUTS", ge=1, le=10_000)
    dask_scheduler_address: str = Field("", alias="DASK_SCHEDULER_ADDRESS")
    # Local worker processes for a mosaic's blocks (0 = one per core the engine may use) and
    # the memory they and the run may take together (inside the engine's 4 GB limit)
    mosaic_processes: int = Field(0, alias="MOSAIC_PROCESSES", ge=0, le=256)
    mosaic_memory_bytes: int = Field(3 * 1024**3, alias="MOSAIC_MEMORY_BYTES", ge=256 * 1024**2)
    # After an import: a mosaic job for each observation's level-3 tiles of one instrument and
    # filter when there are at least this many (0 = never)
    auto_mosaic_min_tiles: int = Field(4, alias="AUTO_MOSAIC_MIN_TILES", ge=0, le=10_000)

    # The archive
    mast_server_url: str = Field("https://mast.stsci.edu", alias="MAST_SERVER_URL")
    mast_timeout_s: float = Field(30.0, alias="MAST_TIMEOUT_S", gt=0, le=600)
    mast_search_cache_ttl_s: float = Field(300.0, alias="MAST_SEARCH_CACHE_TTL_S", ge=0)
    mast_search_rate_per_minute: int = Field(30, alias="MAST_SEARCH_RATE_PER_MINUTE", ge=1)
    mast_search_rate_anon_per_minute: int = Field(
        10, alias="MAST_SEARCH_RATE_ANON_PER_MINUTE", ge=1
    )
    mast_download_concurrency: int = Field(3, alias="MAST_DOWNLOAD_CONCURRENCY", ge=1, le=16)
    mast_download_retries: int = Field(4, alias="MAST_DOWNLOAD_RETRIES", ge=0, le=20)
    mast_cache_max_bytes: int = Field(50 * 1024**3, alias="MAST_CACHE_MAX_BYTES", gt=0)
    mast_partial_max_age_s: float = Field(7 * 86_400.0, alias="MAST_PARTIAL_MAX_AGE_S", gt=0)
    mast_preview_max_bytes: int = Field(8 * 1024**2, alias="MAST_PREVIEW_MAX_BYTES", gt=0)
    mast_preview_rate_per_minute: int = Field(120, alias="MAST_PREVIEW_RATE_PER_MINUTE", ge=1)
    max_table_bytes: int = Field(64 * 1024**2, alias="MAX_TABLE_BYTES", gt=0)
    #: Encrypts users' MAST API tokens at rest. Unset outside development: tokens cannot be
    #: stored (development uses a published default).
    mast_token_key: SecretStr | None = Field(None, alias="MAST_TOKEN_KEY")

    # Semantic search (engine): the embedding model and the vector index
    semantic_model_dir: Path | None = Field(None, alias="SEMANTIC_MODEL_DIR")
    semantic_threads: int = Field(1, alias="SEMANTIC_THREADS", ge=1, le=64)
    semantic_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", alias="SEMANTIC_PRECISION"
    )
    semantic_batch_size: int = Field(64, alias="SEMANTIC_BATCH_SIZE", ge=1, le=10_000)
    semantic_snapshot_every: int = Field(500, alias="SEMANTIC_SNAPSHOT_EVERY", ge=1)
    semantic_min_score: float = Field(0.2, alias="SEMANTIC_MIN_SCORE", ge=-1.0, le=1.0)
    semantic_exact_below: int = Field(20_000, alias="SEMANTIC_EXACT_BELOW", ge=0)

    @property
    def is_development(self) -> bool:
        return self.environment in (Environment.development, Environment.test)

    @property
    def mast_token_secret(self) -> str | None:
        """The key that encrypts stored MAST API tokens (None: storing them is off)."""
        if self.mast_token_key is not None and self.mast_token_key.get_secret_value():
            return self.mast_token_key.get_secret_value()
        return DEV_MAST_TOKEN_KEY if self.is_development else None

    @model_validator(mode="after")
    def _check(self) -> Settings:
        problems: list[str] = []
        if not self.is_development:
            for name, secret in (
                ("JWT_SECRET", self.jwt_secret),
                ("INTERNAL_SERVICE_TOKEN", self.service_token),
            ):
                value = secret.get_secret_value()
                if not value or value in _DEV_SECRETS:
                    problems.append(
                        f"{name} must be set to a non-default secret when "
                        f"WEBBSCOPE_ENV={self.environment.value}"
                    )
            if problems and "environment" not in self.model_fields_set:
                problems.append(
                    "WEBBSCOPE_ENV is not set, so production rules apply (a local development "
                    "run sets WEBBSCOPE_ENV=development; `webbscope up` does it for you)"
                )
        key = self.mast_token_key.get_secret_value() if self.mast_token_key else ""
        if key and not self.is_development and key in _DEV_SECRETS:
            problems.append(
                "MAST_TOKEN_KEY must not be a development default when "
                f"WEBBSCOPE_ENV={self.environment.value}"
            )
        if key and len(key.encode()) < 32:
            problems.append("MAST_TOKEN_KEY must be at least 32 bytes")
        if len(self.jwt_secret.get_secret_value().encode()) < 32:
            problems.append("JWT_SECRET must be at least 32 bytes")
        if len(self.service_token.get_secret_value().encode()) < 32:
            problems.append("INTERNAL_SERVICE_TOKEN must be at least 32 bytes")
        if self.metrics_token and len(self.metrics_token.get_secret_value().encode()) < 32:
            problems.append("METRICS_TOKEN must be at least 32 bytes when set")
        if self.storage_provider == "s3" and not self.s3_bucket:
            problems.append("S3_BUCKET is required when STORAGE_PROVIDER=s3")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def job_limits(self) -> JobLimits:
        from webbscope.jobs.queue import JobLimits

        return JobLimits(
            max_active_per_user=self.jobs_max_active_per_user,
            max_running_per_user=self.jobs_max_running_per_user,
            max_compute=self.jobs_max_compute,
            max_attempts=self.jobs_max_attempts,
        )

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's error into one readable `SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())) or "settings"
            lines.append(f"{where}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
