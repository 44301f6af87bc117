"""The users collection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from webbscope.db._client import Database, Document
from webbscope.domain.users import Role, User
from webbscope.errors import Conflict, NotFound


def _now() -> datetime:
    return datetime.now(UTC)


def to_user(doc: Document) -> User:
    return User(id=str(doc["_id"]), **{k: v for k, v in doc.items() if k in _FIELDS})


_FIELDS = set(User.model_fields) - {"id"}


def _email_unavailable() -> Conflict:
    return Conflict("that email address cannot be used; choose another", code="email_unavailable")


class UsersRepo:
    def __init__(self, db: Database) -> None:
        self.coll = db.collection("users")

    async def create(
        self,
        *,
        username: str,
        email: str,
        password_hash: str,
        display_name: str | None = None,
        organisation: str | None = None,
        role: Role = Role.user,
    ) -> User:
        now = _now()
        doc: Document = {
            "username": username,
            "username_lower": username.lower(),
            "email": email,
            "email_lower": email.lower(),
            "display_name": display_name,
            "organisation": organisation,
            "role": role.value,
            "disabled": False,
            "password_hash": password_hash,
            "session_version": 0,
            "failed_logins": 0,
            "locked_until": None,
            "created_at": now,
            "updated_at": now,
        }
        try:
            result = await self.coll.insert_one(doc)
        except DuplicateKeyError:
            # Ask which one is taken (not every server names the index in its error).
            taken = await self.coll.find_one({"username_lower": doc["username_lower"]})
            field = "username" if taken else "email"
            raise Conflict(f"that {field} is already registered", code=f"{field}_taken") from None
        doc["_id"] = result.inserted_id
        return to_user(doc)

    async def get(self, user_id: ObjectId | str) -> User | None:
        doc = await self.coll.find_one({"_id": ObjectId(user_id)})
        return to_user(doc) if doc else None

    async def require(self, user_id: ObjectId | str) -> User:
        user = await self.get(user_id)
        if user is None:
            raise NotFound("user not found", code="user_not_found")
        return user

    async def find_by_login(self, login: str) -> User | None:
        key = login.strip().lower()
        field = "email_lower" if "@" in key else "username_lower"
        doc = await self.coll.find_one({field: key})
        return to_user(doc) if doc else None

    async def find_by_username(self, username: str) -> User | None:
        doc = await self.coll.find_one({"username_lower": username.lower()})
        return to_user(doc) if doc else None

    async def _update(self, user_id: str, update: dict[str, Any]) -> User:
        update.setdefault("$set", {})["updated_at"] = _now()
        doc = await self.coll.find_one_and_update(
            {"_id": ObjectId(user_id)}, update, return_document=ReturnDocument.AFTER
        )
        if doc is None:
            raise NotFound("user not found", code="user_not_found")
        return to_user(doc)

    async def set_password(self, user_id: str, password_hash: str) -> User:
        """A new password ends every session (the session version moves on)."""
        return await self._update(
            user_id, {"$set": {"password_hash": password_hash}, "$inc": {"session_version": 1}}
        )

    async def update_profile(self, user_id: str, fields: dict[str, Any]) -> User:
        if "email" in fields:
            fields["email_lower"] = fields["email"].lower()
            # Asked first: not every server reports a unique-index clash on an update as a
            # duplicate key (the catch below covers a race on real MongoDB).
            other = await self.coll.find_one(
                {"email_lower": fields["email_lower"], "_id": {"$ne": ObjectId(user_id)}}
            )
            if other is not None:
                raise _email_unavailable()
        try:
            return await self._update(user_id, {"$set": dict(fields)})
        except DuplicateKeyError:
            raise _email_unavailable() from None

    async def set_role(self, user_id: str, role: Role) -> User:
        return await self._update(
            user_id, {"$set": {"role": role.value}, "$inc": {"session_version": 1}}
        )

    async def set_disabled(self, user_id: str, disabled: bool) -> User:
        return await self._update(
            user_id, {"$set": {"disabled": disabled}, "$inc": {"session_version": 1}}
        )

    async def list(self, *, skip: int, limit: int) -> tuple[list[User], int]:
        total = await self.coll.count_documents({})
        cursor = self.coll.find({}).sort("username_lower", 1).skip(skip).limit(limit)
        return [to_user(d) async for d in cursor], total

    async def count_admins(self) -> int:
        return await self.coll.count_documents({"role": Role.admin.value, "disabled": False})
