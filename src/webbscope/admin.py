"""`webbscope admin ...`: create the first administrator (never from a seeded password),
promote or demote a user. Talks to the database named by the settings."""

from __future__ import annotations

import asyncio
import getpass
import sys

from webbscope.auth import check_password_policy, hash_password
from webbscope.db import Database
from webbscope.db.users import UsersRepo
from webbscope.domain.users import Role
from webbscope.errors import WebbscopeError
from webbscope.settings import load_settings


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password for the new administrator: ")
    if getpass.getpass("Repeat it: ") != first:
        raise WebbscopeError("the passwords differ", code="password_mismatch", status=400)
    return first


async def _with_users(action: str, **kw: str) -> str:
    settings = load_settings()
    db = Database(settings.mongodb_uri, settings.mongodb_db, timeout_ms=settings.mongodb_timeout_ms)
    try:
        await db.ping()
        await db.ensure_indexes()
        users = UsersRepo(db)
        if action == "create":
            check_password_policy(kw["password"], username=kw["username"], email=kw["email"])
            user = await users.create(
                username=kw["username"],
                email=kw["email"],
                password_hash=hash_password(kw["password"]),
                role=Role.admin,
            )
            return f"administrator {user.username} created (id {user.id})"
        found = await users.find_by_username(kw["username"])
        if found is None:
            raise WebbscopeError(f"no user named {kw['username']!r}", code="unknown_user")
        role = Role.admin if action == "promote" else Role.user
        if role is Role.user and found.is_admin and await users.count_admins() <= 1:
            raise WebbscopeError(
                f"{found.username} is the last active administrator; promote another first",
                code="last_admin",
            )
        user = await users.set_role(found.id, role)
        return f"{user.username} is now {user.role.value}"
    finally:
        await db.close()


def run(action: str, **kw: str) -> int:
    try:
        print(asyncio.run(_with_users(action, **kw)))
        return 0
    except WebbscopeError as exc:
        print(f"webbscope admin: {exc.message}", file=sys.stderr)
        return 1
