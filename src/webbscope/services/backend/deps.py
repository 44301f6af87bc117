"""Dependencies as typed aliases, so each route's signature says what it needs."""

from __future__ import annotations

from typing import Annotated

from bson.errors import InvalidId
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from webbscope.auth import AccessClaims, decode_access_token
from webbscope.db import Database
from webbscope.db.login_throttle import LoginThrottle, ThrottlePolicy
from webbscope.db.ratelimits import RateLimiter
from webbscope.db.records import RecordsRepo
from webbscope.db.tokens import RefreshTokensRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.users import User
from webbscope.errors import Forbidden, Unauthorized
from webbscope.services.backend.library_index import LibraryIndex
from webbscope.services.backend.passwords import PasswordWork, password_work
from webbscope.settings import Settings
from webbscope.storage import StorageProvider

_bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login")


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.parts.db
    return db


async def get_storage(request: Request) -> StorageProvider:
    storage: StorageProvider = request.app.state.parts.storage
    return storage


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[Database, Depends(get_db)]
StorageDep = Annotated[StorageProvider, Depends(get_storage)]


async def get_users(db: DbDep) -> UsersRepo:
    return UsersRepo(db)


async def get_tokens(db: DbDep) -> RefreshTokensRepo:
    return RefreshTokensRepo(db)


async def get_limiter(db: DbDep) -> RateLimiter:
    return RateLimiter(db)


async def get_login_throttle(db: DbDep, settings: SettingsDep) -> LoginThrottle:
    policy = ThrottlePolicy(
        free_failures=settings.login_max_failures,
        base_s=settings.login_backoff_base_s,
        max_s=float(settings.login_lockout_s),
    )
    return LoginThrottle(db, policy)


async def get_records(db: DbDep) -> RecordsRepo:
    return RecordsRepo(db)


async def get_library(request: Request) -> LibraryIndex:
    index: LibraryIndex = request.app.state.library
    return index


Users = Annotated[UsersRepo, Depends(get_users)]
Library = Annotated[LibraryIndex, Depends(get_library)]
Tokens = Annotated[RefreshTokensRepo, Depends(get_tokens)]
Limiter = Annotated[RateLimiter, Depends(get_limiter)]
Records = Annotated[RecordsRepo, Depends(get_records)]
Throttle = Annotated[LoginThrottle, Depends(get_login_throttle)]
Passwords = Annotated[PasswordWork, Depends(password_work)]


async def user_from_token(token: str, settings: Settings, users: UsersRepo) -> User:
    """The user an access token belongs to, if the token is valid and still current."""
    claims = decode_access_token(token, settings.jwt_secret.get_secret_value())
    try:
        user = await users.get(claims.user_id)
    except (InvalidId, TypeError):  # a malformed subject (a database error is not one: 503)
        user = None
    if user is None:
        raise Unauthorized("the account no longer exists", code="invalid_token")
    return check_user(user, claims)


def check_user(user: User, claims: AccessClaims) -> User:
    """The account may act with this token, or `Unauthorized` saying why not."""
    if user.disabled:
        raise Unauthorized("this account is disabled", code="account_disabled")
    if claims.session_version != user.session_version:
        raise Unauthorized(
            "the session has ended (password, role or status changed); sign in again",
            code="session_ended",
        )
    return user


async def get_optional_user(
    settings: SettingsDep,
    users: Users,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    if credentials is None:
        return None
    return await user_from_token(credentials.credentials, settings, users)


async def get_current_user(
    user: Annotated[User | None, Depends(get_optional_user)],
) -> User:
    if user is None:
        raise Unauthorized("sign in first: this route needs an access token", code="not_signed_in")
    return user


async def get_admin(user: Annotated[User, Depends(get_current_user)]) -> User:
    if not user.is_admin:
        raise Forbidden("this route is for administrators", code="admin_only")
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
AdminUser = Annotated[User, Depends(get_admin)]


async def client_address(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
