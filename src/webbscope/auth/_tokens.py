"""Short-lived JWT access tokens (HS256) and opaque refresh tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

from webbscope.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "webbscope"


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: str
    session_version: int
    expires_at: int


def create_access_token(
    user_id: str, role: str, session_version: int, secret: str, ttl_s: int
) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    now = int(time.time())
    claims = {
        "sub": user_id,
        "role": role,
        "sv": session_version,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
        "iss": ISSUER,
        "typ": "access",
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), ttl_s


#: Tokens whose signature, issuer and type were verified, with their claims: a viewer sends
#: the same token with every tile, and verifying it costs ~75 us of a ~300 us tile answer.
#: Only the expiry still changes, and it is checked on every use.
_VERIFIED: dict[tuple[str, str], AccessClaims] = {}
_VERIFIED_MAX = 4096


def decode_access_token(token: str, secret: str) -> AccessClaims:
    """Verify signature, algorithm (HS256 only: `alg: none` and others are refused), expiry,
    issuer and type; raise `Unauthorized` with code `token_expired` or `invalid_token`.
    A token verified before is not verified again: its expiry is checked."""
    known = _VERIFIED.get((token, secret))
    if known is not None:
        if time.time() >= known.expires_at:
            raise Unauthorized("the access token has expired", code="token_expired")
        return known
    claims = _verified_claims(token, secret)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(token, secret)] = claims
    return claims


def _verified_claims(token: str, secret: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the access token has expired", code="token_expired") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid access token: {exc}", code="invalid_token") from None
    if claims.get("typ") != "access":
        raise Unauthorized("invalid access token: not an access token", code="invalid_token")
    return AccessClaims(
        user_id=str(claims["sub"]),
        role=str(claims.get("role", "user")),
        session_version=int(claims.get("sv", 0)),
        expires_at=int(claims["exp"]),
    )


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
