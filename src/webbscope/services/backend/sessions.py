"""Sessions: password checks off the event loop, the refresh cookie, and the access token a
sign-in answers with. Used by the auth and users routes."""

from __future__ import annotations

import asyncio

from fastapi import Response

from webbscope.auth import create_access_token, hash_password
from webbscope.auth import verify_password as _verify
from webbscope.db.tokens import RefreshTokensRepo
from webbscope.domain.users import User
from webbscope.services.backend.schemas import TokenResponse
from webbscope.settings import Settings

REFRESH_COOKIE = "webbscope_refresh"
COOKIE_PATH = "/api/auth"
# Verifying against this hash when the user does not exist keeps the timing the same.
DUMMY_HASH = hash_password("not-a-real-password-but-a-timing-equaliser")


async def verify_password(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(_verify, password_hash, password)


def set_refresh_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=settings.refresh_token_ttl_s,
        path=COOKIE_PATH,
        httponly=True,
        secure=not settings.is_development,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        secure=not settings.is_development,
        samesite="strict",
    )


async def start_session(
    user: User,
    response: Response,
    settings: Settings,
    tokens: RefreshTokensRepo,
    family: str | None = None,
) -> TokenResponse:
    """An access token in the body and a new refresh token in the cookie."""
    refresh = await tokens.issue(user.id, settings.refresh_token_ttl_s, family=family)
    set_refresh_cookie(response, refresh, settings)
    return access_token(user, settings)


def access_token(user: User, settings: Settings) -> TokenResponse:
    token, ttl = create_access_token(
        user.id,
        user.role.value,
        user.session_version,
        settings.jwt_secret.get_secret_value(),
        settings.access_token_ttl_s,
    )
    return TokenResponse(access_token=token, expires_in=ttl)
