"""`/api/auth`: register, log in, refresh, log out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from webbscope.auth import check_password_policy
from webbscope.errors import Conflict, Forbidden, Unauthorized
from webbscope.services.backend.deps import (
    ClientAddress,
    CurrentUser,
    Limiter,
    Passwords,
    SettingsDep,
    Throttle,
    Tokens,
    Users,
)
from webbscope.services.backend.passwords import DUMMY_HASH
from webbscope.services.backend.schemas import (
    LoginRequest,
    RegisterRequest,
    TokenResponse,
    UserOut,
)
from webbscope.services.backend.sessions import (
    REFRESH_COOKIE,
    access_token,
    clear_refresh_cookie,
    set_refresh_cookie,
    start_session,
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
    passwords: Passwords,
) -> UserOut:
    await limiter.hit("registration", address, settings.auth_rate_limit_per_minute)
    # Every attempt counts toward the lookup budget, whatever its answer: counting only the
    # conflicts would make the 429 itself the oracle.
    await limiter.hit("account_lookup", address, settings.account_lookup_rate_per_minute)
    check_password_policy(body.password, username=body.username, email=body.email)
    password_hash = await passwords.hash(body.password)
    try:
        user = await users.create(
            username=body.username,
            email=body.email,
            password_hash=password_hash,
            display_name=body.display_name,
            organisation=body.organisation,
        )
    except Conflict:
        # One answer for a taken username and a taken email address.
        raise Conflict(
            "that username or email address cannot be registered; choose another or sign in",
            code="registration_conflict",
        ) from None
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
    throttle: Throttle,
    passwords: Passwords,
) -> TokenResponse:
    await limiter.hit("login", address, settings.auth_rate_limit_per_minute)
    user = await users.find_by_login(body.username)
    # Claimed before the slow check, so parallel guesses cannot all reach it; an unknown name
    # is throttled exactly like an account.
    key = f"user:{user.id}" if user else f"name:{body.username.strip().lower()}"
    await throttle.claim(key)
    try:
        ok = await passwords.verify(user.password_hash if user else DUMMY_HASH, body.password)
    except BaseException:
        await throttle.release(key)
        raise
    if user is None or not ok:
        await throttle.failed(key)
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    await throttle.succeeded(key)
    if user.disabled:
        raise Forbidden("this account is disabled", code="account_disabled")
    return await start_session(user, response, settings, tokens)


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
