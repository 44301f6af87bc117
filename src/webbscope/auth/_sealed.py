"""Secrets kept at rest, encrypted: a user's MAST API token is stored sealed with a key from the
settings (`MAST_TOKEN_KEY`) and unsealed only to download that user's files."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"webbscope sealed secret v1"


class UnsealError(ValueError):
    """The sealed text was not made with this key (or was altered)."""


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str, key: str) -> str:
    """`secret` encrypted and authenticated (Fernet: AES-128-CBC and HMAC-SHA256) with a key
    derived from `key` (HKDF-SHA256)."""
    return _fernet(key).encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str, key: str) -> str:
    try:
        return _fernet(key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError) as exc:
        raise UnsealError("the sealed secret cannot be opened with this key") from exc
