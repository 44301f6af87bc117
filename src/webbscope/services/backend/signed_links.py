"""Short-lived signed URLs for a record's file, so a browser downloads straight to disk.

The app asks for a link with its bearer token (access is checked then); the link itself
carries no token: ``/api/records/{id}/file?expires=<unix s>&sig=<hex>`` where ``sig`` is the
HMAC-SHA256 of ``"file:{id}:{sha256}:{expires}"`` under a key derived from JWT_SECRET. A
link expires after DOWNLOAD_LINK_TTL_S seconds, names one record and one file content (a
replaced file invalidates it), and a forged or altered one answers 403.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from webbscope.errors import Forbidden


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"webbscope download link\0" + secret.encode()).digest()


def sign(secret: str, record_id: str, sha256: str, expires: int) -> str:
    message = f"file:{record_id}:{sha256}:{expires}".encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def make_link(
    secret: str, record_id: str, sha256: str, ttl_s: int, now: float | None = None
) -> tuple[str, int]:
    """(path with query, expiry as Unix seconds)."""
    expires = int(now if now is not None else time.time()) + ttl_s
    sig = sign(secret, record_id, sha256, expires)
    return f"/api/records/{record_id}/file?expires={expires}&sig={sig}", expires


def check_link(
    secret: str, record_id: str, sha256: str, expires: int, sig: str, now: float | None = None
) -> None:
    """Forbidden unless `sig` signs this record, file and expiry, and it has not expired."""
    good = sign(secret, record_id, sha256, expires)
    if not hmac.compare_digest(good, sig.lower()):
        raise Forbidden("this download link is not valid", code="invalid_link")
    if (now if now is not None else time.time()) > expires:
        raise Forbidden("this download link has expired; ask for a new one", code="link_expired")
