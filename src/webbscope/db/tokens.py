"""Refresh tokens: stored only as SHA-256 hashes, rotated on every use, revoked by family."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.errors import DuplicateKeyError

from webbscope.auth import hash_refresh_token, new_refresh_token
from webbscope.db._client import Database
from webbscope.errors import Unauthorized


@dataclass(frozen=True)
class Rotation:
    user_id: str
    token: str


class RefreshTokensRepo:
    def __init__(self, db: Database) -> None:
        self.coll = db.collection("refresh_tokens")
        self.spent = db.collection("refresh_spent")

    async def issue(self, user_id: str, ttl_s: int, family: str | None = None) -> str:
        token = new_refresh_token()
        now = datetime.now(UTC)
        if random.random() < 0.01:  # expired tokens go (where TTL indexes are unavailable)
            old = {"expires_at": {"$lt": now - timedelta(days=1)}}
            await self.coll.delete_many(old)
            await self.spent.delete_many(old)
        await self.coll.insert_one(
            {
                "_id": hash_refresh_token(token),
                "user_id": user_id,
                "family": family or uuid.uuid4().hex,
                "created_at": now,
                "expires_at": now + timedelta(seconds=ttl_s),
                "used_at": None,
                "revoked": False,
            }
        )
        return token

    async def rotate(self, token: str, ttl_s: int) -> Rotation:
        """Spend `token` and issue its successor in the same family. Presenting a token that
        was already spent revokes the whole family: someone else has a copy of it.

        Spending is an insert of the token's hash into `refresh_spent`: the unique `_id`
        makes it atomic, so of two requests racing with one token exactly one succeeds."""
        now = datetime.now(UTC)
        key = hash_refresh_token(token)
        doc = await self.coll.find_one({"_id": key})
        if doc is None:
            raise Unauthorized("unknown refresh token", code="invalid_refresh_token")
        if doc["revoked"]:
            raise Unauthorized("the refresh token was revoked", code="refresh_token_revoked")
        try:
            await self.spent.insert_one({"_id": key, "at": now, "expires_at": doc["expires_at"]})
        except DuplicateKeyError:
            await self.revoke_family(doc["family"])
            raise Unauthorized(
                "this refresh token was already used; every session of its family has "
                "been signed out",
                code="refresh_token_reused",
            ) from None
        if doc["expires_at"] <= now:
            raise Unauthorized("the refresh token has expired", code="refresh_token_expired")
        await self.coll.update_one({"_id": key}, {"$set": {"used_at": now}})
        new = await self.issue(doc["user_id"], ttl_s, family=doc["family"])
        return Rotation(user_id=doc["user_id"], token=new)

    async def revoke(self, token: str) -> None:
        doc = await self.coll.find_one({"_id": hash_refresh_token(token)})
        if doc is not None:
            await self.revoke_family(doc["family"])

    async def revoke_family(self, family: str) -> None:
        await self.coll.update_many({"family": family}, {"$set": {"revoked": True}})

    async def revoke_user(self, user_id: str) -> None:
        await self.coll.update_many({"user_id": user_id}, {"$set": {"revoked": True}})
