"""`/api/users`: the own profile and password; for administrators, the user list, roles and
disabling."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from webbscope.auth import check_password_policy, hash_password
from webbscope.db import parse_id
from webbscope.domain.users import Role
from webbscope.errors import Conflict, Unauthorized
from webbscope.services.backend.deps import AdminUser, CurrentUser, SettingsDep, Tokens, Users
from webbscope.services.backend.schemas import (
    DisabledChange,
    PasswordChange,
    ProfileUpdate,
    RoleChange,
    TokenResponse,
    UserList,
    UserOut,
)
from webbscope.services.backend.sessions import start_session, verify_password

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("/me", response_model=UserOut, summary="The own profile")
async def get_profile(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.patch("/me", response_model=UserOut, summary="Change the own profile")
async def update_profile(body: ProfileUpdate, user: CurrentUser, users: Users) -> UserOut:
    fields = body.model_dump(exclude_unset=True)
    if not fields:
        return UserOut.of(user)
    return UserOut.of(await users.update_profile(user.id, fields))


@router.post(
    "/me/password",
    response_model=TokenResponse,
    summary="Change the own password: every other session ends; this one gets new tokens",
)
async def change_password(
    body: PasswordChange,
    response: Response,
    user: CurrentUser,
    users: Users,
    tokens: Tokens,
    settings: SettingsDep,
) -> TokenResponse:
    if not await verify_password(user.password_hash, body.current_password):
        raise Unauthorized("the current password is wrong", code="invalid_credentials")
    check_password_policy(body.new_password, username=user.username, email=user.email)
    new_hash = await asyncio.to_thread(hash_password, body.new_password)
    updated = await users.set_password(user.id, new_hash)
    await tokens.revoke_user(user.id)
    return await start_session(updated, response, settings, tokens)


@router.get("", response_model=UserList, summary="All users (administrators)")
async def list_users(
    _: AdminUser,
    users: Users,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserList:
    items, total = await users.list(skip=offset, limit=limit)
    return UserList(items=[UserOut.of(u) for u in items], total=total, offset=offset, limit=limit)


async def _guard_last_admin(target_id: str, users: Users) -> None:
    target = await users.require(target_id)
    if target.is_admin and await users.count_admins() <= 1:
        raise Conflict(
            "this is the last active administrator; promote another user first",
            code="last_admin",
        )


@router.patch("/{user_id}/role", response_model=UserOut, summary="Change a role (administrators)")
async def change_role(user_id: str, body: RoleChange, _: AdminUser, users: Users) -> UserOut:
    parse_id(user_id, "user id")
    if body.role is Role.user:
        await _guard_last_admin(user_id, users)
    return UserOut.of(await users.set_role(user_id, body.role))


@router.patch(
    "/{user_id}/disabled",
    response_model=UserOut,
    summary="Disable or enable an account (administrators); disabling ends its sessions",
)
async def change_disabled(
    user_id: str, body: DisabledChange, _: AdminUser, users: Users, tokens: Tokens
) -> UserOut:
    parse_id(user_id, "user id")
    if body.disabled:
        await _guard_last_admin(user_id, users)
    user = await users.set_disabled(user_id, body.disabled)
    if body.disabled:
        await tokens.revoke_user(user_id)
    return UserOut.of(user)
