"""Web-free account security: password hashing and policy, access and refresh tokens, secrets
sealed at rest."""

from webbscope.auth._passwords import check_password_policy, hash_password, verify_password
from webbscope.auth._sealed import UnsealError, seal, unseal
from webbscope.auth._tokens import (
    AccessClaims,
    create_access_token,
    decode_access_token,
    hash_refresh_token,
    new_refresh_token,
)

__all__ = [
    "AccessClaims",
    "UnsealError",
    "check_password_policy",
    "create_access_token",
    "decode_access_token",
    "hash_password",
    "hash_refresh_token",
    "new_refresh_token",
    "seal",
    "unseal",
    "verify_password",
]
