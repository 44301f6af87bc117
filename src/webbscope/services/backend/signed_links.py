"""Short-lived signed URLs for a record's file, so a browser downloads straight to disk.

The app asks for a link with its bearer token (access is checked then); the link itself
carries no token: ``/api/records/{id}/file?sha256=<hex>&account=<user id>&expires=<unix
s>&sig=<hex>`` where ``sig`` is the HMAC-SHA256 of ``"file:{id}:{sha256}:{account}:{expires}"``
under a key derived from JWT_SECRET (``account`` is empty, and left out of the URL, for a
link to a public record issued to a caller who was not signed in). A link expires after
DOWNLOAD_LINK_TTL_S seconds, names one record, one file content and the account it was
issued to, and a forged or altered one answers 403.

Following a link checks access again (`follow` in the route): the account must still exist,
be enabled and be allowed to read the record, and the record must still hold that file. A
record deleted, made private or unshared since the link was issued answers 404 (as to anyone
who may not read it), and a replaced file answers 403 ``link_stale``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from webbscope.errors import Forbidden


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"webbscope download link\0" + secret.encode()).digest()


def sign(secret: str, record_id: str, sha256: str, account: str, expires: int) -> str:
    message = f"file:{record_id}:{sha256}:{account}:{expires}".encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def make_link(
    secret: str,
    record_id: str,
    sha256: str,
    account: str,
    ttl_s: int,
    now: float | None = None,
) -> tuple[str, int]:
    """(path with query, expiry as Unix seconds); `account` is the id of the user the link is
    issued to, "" for a caller who was not signed in."""
    expires = int(now if now is not None else time.time()) + ttl_s
    query: dict[str, str | int] = {"sha256": sha256}
    if account:
        query["account"] = account
    query |= {"expires": expires, "sig": sign(secret, record_id, sha256, account, expires)}
    return f"/api/records/{record_id}/file?{urlencode(query)}", expires


def check_link(
    secret: str,
    record_id: str,
    sha256: str,
    account: str,
    expires: int,
    sig: str,
    now: float | None = None,
) -> None:
    """Forbidden unless `sig` signs this record, file, account and expiry, and it has not
    expired. Says nothing about whether the account may still read the record: the route
    checks that against the database."""
    good = sign(secret, record_id, sha256, account, expires)
    if not hmac.compare_digest(good, sig.lower()):
        raise Forbidden("this download link is not valid", code="invalid_link")
    if (now if now is not None else time.time()) > expires:
        raise Forbidden("this download link has expired; ask for a new one", code="link_expired")
