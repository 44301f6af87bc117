"""argon2id password hashes and a password policy whose refusals say why."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from webbscope.errors import Unprocessable

MIN_LENGTH = 12  # ASVS 2.1.1
MAX_LENGTH = 256

# argon2id (the library's default type) with its RFC 9106 "low memory" parameters.
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = files("webbscope.auth").joinpath("common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, *, username: str = "", email: str = "") -> None:
    """Raise `Unprocessable` (code `weak_password`) with the reason, or return."""
    reason = None
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        reason = f"it is shorter than {MIN_LENGTH} characters"
    elif len(password) > MAX_LENGTH:
        reason = f"it is longer than {MAX_LENGTH} characters"
    elif lowered in _common_passwords() or lowered.rstrip("0123456789!") in _common_passwords():
        reason = "it is one of the most common passwords"
    elif len(set(password)) < 4:
        reason = "it repeats too few different characters"
    elif username and username.lower() in lowered:
        reason = "it contains the username"
    elif email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 3:
        reason = "it contains the email address"
    if reason:
        raise Unprocessable(f"password rejected: {reason}", code="weak_password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
