"""Users and roles."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")


class Role(StrEnum):
    user = "user"
    admin = "admin"


class User(BaseModel):
    """A user as stored; `password_hash` never leaves the backend."""

    model_config = ConfigDict(frozen=True)

    id: str
    username: str
    email: str
    display_name: str | None = None
    organisation: str | None = None
    role: Role = Role.user
    disabled: bool = False
    password_hash: str = Field(repr=False)
    session_version: int = 0
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin
