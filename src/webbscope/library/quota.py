"""Per-user byte quotas: what an account's records hold, and the one refusal for going past it.
Uploads and archive imports both count (derived records are small and not counted twice: they
count like any other record)."""

from __future__ import annotations

from webbscope.db._client import Database
from webbscope.errors import PayloadTooLarge
from webbscope.settings import Settings


async def bytes_owned(db: Database, owner_id: str) -> int:
    """Bytes of every record `owner_id` owns."""
    cursor = await db.collection("records").aggregate(
        [
            {"$match": {"owner_id": owner_id}},
            {"$group": {"_id": None, "n": {"$sum": "$size"}}},
        ]
    )
    async for row in cursor:
        return int(row.get("n") or 0)
    return 0


def human(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover


def check_quota(used: int, adding: int, quota: int) -> None:
    """Raise 413 `quota_exceeded` when `adding` bytes would take `used` past `quota` (0: none)."""
    if quota and used + adding > quota:
        raise PayloadTooLarge(
            f"this would take your library to {human(used + adding)}, over your quota of "
            f"{human(quota)} ({human(used)} used); delete records or ask an administrator",
            code="quota_exceeded",
            details={"quota_bytes": quota, "used_bytes": used, "adding_bytes": adding},
        )


async def check_user_quota(db: Database, settings: Settings, owner_id: str, adding: int) -> int:
    """The bytes in use, after checking that `adding` more fit the owner's quota."""
    used = await bytes_owned(db, owner_id)
    check_quota(used, adding, settings.user_quota_bytes)
    return used
