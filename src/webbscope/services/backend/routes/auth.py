"""`/api/auth`: register, log in, refresh, log out, who am I."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response, status

from webbscope.auth import check_password_policy, hash_password
from webbscope.errors import Forbidden, Unauthorized
from webbscope.services.backend.deps import (
    ClientAddress,
    CurrentUser,
    Limiter,
    SettingsDep,
    Tokens,
    Users,
)
from webbscope.services.backend.schemas import (
    LoginRequest,
    RegisterRequest,
    TokenResponse,
    UserOut,
)
from webbscope.services.backend.sessions import (
    DUMMY_HASH,
    REFRESH_COOKIE,
    access_token,
    clear_refresh_cookie,
    set_refresh_cookie,
    start_session,
    verify_password,
)

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    summary="Create an account",
)
async def register(
    body: RegisterRequest,
    users: Users,
    limiter: Limiter,
    settings: SettingsDep,
    address: ClientAddress,
) -> UserOut:
    await limiter.hit("registration", address, settings.auth_rate_limit_per_minute)
    check_password_policy(body.password, username=body.username, email=body.email)
    password_hash = await asyncio.to_thread(hash_password, body.password)
    user = await users.create(
        username=body.username,
        email=body.email,
        password_hash=password_hash,
        display_name=body.display_name,
        organisation=body.organisation,
    )
    return UserOut.of(user)


@router.post("/login", response_model=TokenResponse, summary="Sign in (username or email)")
async def login(
    body: LoginRequest,
    response: Response,
    users: Users,
    tokens: Tokens,
    limiter: Limiter,
    settings: SettingsDep,
    address: ClientAddress,
) -> TokenResponse:
    await limiter.hit("login", address, settings.auth_rate_limit_per_minute)
    user = await users.find_by_login(body.username)
    if user is None:
        await verify_password(DUMMY_HASH, body.password)
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    now = datetime.now(UTC)
    if user.locked_until is not None and user.locked_until > now:
        _raise_locked(user.locked_until, now)
    if not await verify_password(user.password_hash, body.password):
        user = await users.login_failed(
            user.id, settings.login_max_failures, settings.login_lockout_s
        )
        if user.locked_until is not None and user.locked_until > now:
            _raise_locked(user.locked_until, now)
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    if user.disabled:
        raise Forbidden("this account is disabled", code="account_disabled")
    await users.login_succeeded(user.id)
    return await start_session(user, response, settings, tokens)


def _raise_locked(until: datetime, now: datetime) -> None:
    seconds = max(1, int((until - now).total_seconds()))
    err = Forbidden(
        f"too many failed log-ins: the account is locked for {-(-seconds // 60)} more "
        f"minute{'s' if seconds > 60 else ''}",
        code="account_locked",
        details={"retry_after_s": seconds},
    )
    err.headers = {"Retry-After": str(seconds)}
    raise err


@router.post(
    "/refresh",
    response_model=TokenResponse,
    summary="A new access token from the refresh cookie (which rotates)",
    description=(
        "Without a refresh cookie the answer is 204 with no body: nobody is signed in in this "
        "browser, which is not an error (the app asks on every first load). A cookie that is "
        "spent, revoked or expired is a 401."
    ),
    responses={204: {"description": "No refresh cookie: no session to renew"}},
)
async def refresh(
    request: Request,
    response: Response,
    users: Users,
    tokens: Tokens,
    settings: SettingsDep,
) -> TokenResponse | Response:
    presented = request.cookies.get(REFRESH_COOKIE)
    if not presented:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    rotation = await tokens.rotate(presented, settings.refresh_token_ttl_s)
    user = await users.get(rotation.user_id)
    if user is None or user.disabled:
        await tokens.revoke(rotation.token)
        raise Unauthorized("this account is disabled", code="account_disabled")
    set_refresh_cookie(response, rotation.token, settings)
    return access_token(user, settings)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out: the refresh token's family is revoked and the cookie cleared",
)
async def logout(request: Request, tokens: Tokens, settings: SettingsDep) -> Response:
    presented = request.cookies.get(REFRESH_COOKIE)
    if presented:
        await tokens.revoke(presented)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(response, settings)
    return response


@router.get("/me", response_model=UserOut, summary="The signed-in user")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)
